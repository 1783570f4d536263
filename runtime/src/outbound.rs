//! A guest's outbound calls (`__host_call`), checked before dispatch, deny by default
//! (`specs/abi.md` §3, `specs/runtime.md` §4): the call must go through a bound context name it
//! names (or a literal address), be covered by one of the running port's `call` entries, and the
//! port's grants must give the bit its method needs on the target. A denial is a typed error to
//! the guest and an audit line.

use std::sync::Arc;
use std::time::Instant;

use starlane_ir::Method;
use starlane_routing::access::{self, Bits};
use starlane_routing::selector::MAX_POINT_LEN;

use crate::codes;
use crate::error::RuntimeError;
use crate::guest::state::Outbound;
use crate::harness::{CallOutcome, CallRecord};
use crate::host::Runtime;
use crate::message::{Exchange, Message};

pub struct GuestOutbound {
    pub rt: Arc<Runtime>,
    pub mechtron: usize,
    /// The running port (`None`: reached through the core, so no grants at all).
    pub port: Option<usize>,
    pub depth: u32,
    /// For a port with `envelope: none`: the request envelope without its body, which the
    /// guest gets by calling `@request` (its payload carried only the body).
    pub request: Option<Arc<[u8]>>,
}

/// The namespace a guest calls, with no binding, for its own request's envelope.
pub const REQUEST_NAMESPACE: &str = "@request";

/// `Ext<Select>` or `Http<Get>/users/1` → (method, path): parsed once, where the call enters.
fn parse_op(op: &str) -> Option<(Method, &str)> {
    let close = op.find('>')?;
    let method = Method::parse(&op[..=close])?;
    let path = &op[close + 1..];
    Some((method, if path.is_empty() { "/" } else { path }))
}

impl GuestOutbound {
    /// A call denied by the grants (`E0209`).
    fn deny(&self, binding: &str, target: &str, op: &str, why: String) -> Vec<u8> {
        self.refuse(
            codes::CALL_DENIED,
            binding,
            target,
            op,
            format!("the call to {target} ({op}) is denied: {why}"),
        )
    }

    /// Every refused call, whatever the reason, is audited and counted before the guest hears
    /// the typed error.
    fn refuse(
        &self,
        code: codes::ErrorCode,
        binding: &str,
        target: &str,
        op: &str,
        why: String,
    ) -> Vec<u8> {
        let m = &self.rt.registry.mechtrons[self.mechtron];
        let port = self.port_name().unwrap_or("");
        tracing::warn!(
            target: "starlane::audit",
            mechtron = %m.name,
            port,
            binding,
            target,
            op,
            code = code.id,
            "call refused: {why}"
        );
        self.rt.metrics.denied_call(&m.name);
        self.rt.metrics.error(code.stage.as_str(), code.id);
        self.record(binding, target, op, CallOutcome::Refused { code: code.id });
        RuntimeError::new(code, why).to_guest_text()
    }

    /// The running port's name (`None`: reached through the core).
    fn port_name(&self) -> Option<&str> {
        self.port
            .and_then(|p| self.rt.bind_of(self.mechtron).ports.get(p))
            .map(|p| p.name.as_str())
    }

    /// Tells the harness (`starlane test`) about a call, if there is one.
    fn record(&self, binding: &str, target: &str, op: &str, outcome: CallOutcome) {
        let Some(harness) = &self.rt.harness else {
            return;
        };
        harness.called(CallRecord {
            from: self.rt.registry.mechtrons[self.mechtron].name.clone(),
            port: self.port_name().map(str::to_string),
            binding: binding.to_string(),
            target: target.to_string(),
            op: op.to_string(),
            outcome,
        });
    }

    fn check(
        &self,
        binding: &str,
        target: &str,
        method: &Method,
        path: &str,
        op: &str,
    ) -> Result<starlane_routing::call_rules::CallMatch, Vec<u8>> {
        let rt = &self.rt;
        if target.len() > MAX_POINT_LEN {
            let shown: String = target.chars().take(64).collect();
            return Err(self.deny(
                binding,
                &shown,
                op,
                format!("the namespace is longer than {MAX_POINT_LEN} bytes"),
            ));
        }
        let bind = rt.bind_of(self.mechtron);
        if !binding.is_empty() {
            if !bind.requires.iter().any(|r| r.name == binding) {
                return Err(self.deny(
                    binding,
                    target,
                    op,
                    format!("`{binding}` is not a context name of this bind (its `Requires`)"),
                ));
            }
            let Some(address) = rt.registry.bindings.get(binding) else {
                return Err(self.refuse(
                    codes::CONTEXT_NOT_BOUND,
                    binding,
                    target,
                    op,
                    format!("context name `{binding}` is not bound"),
                ));
            };
            let under = target == address
                || target
                    .strip_prefix(address.as_str())
                    .is_some_and(|r| r.starts_with(':'));
            if !under {
                return Err(self.deny(
                    binding,
                    target,
                    op,
                    format!("`{target}` is not under `{binding}` ({address})"),
                ));
            }
        }
        let served = &rt.registry.binds[rt.registry.mechtrons[self.mechtron].bind];
        let found = self
            .port
            .and_then(|p| Some((bind.ports.get(p)?, served.ports.get(p)?)));
        let Some((port, rules)) = found else {
            return Err(self.deny(
                binding,
                target,
                op,
                "the mechtron was reached through its core, not a port, so it has no grants".into(),
            ));
        };
        let Some(rule) = rules.calls.find(target, method, path) else {
            return Err(self.deny(
                binding,
                target,
                op,
                format!(
                    "no `call` entry of port `{}` covers `{target}^{method}`",
                    port.name
                ),
            ));
        };
        let needed = access::needed(method);
        let granted = rules.grants.evaluate(target, None, None);
        if !granted.allows(needed) {
            return Err(self.deny(
                binding,
                target,
                op,
                format!(
                    "{method} needs `{}` on `{target}`; port `{}`'s grants give `{}`",
                    needed.letter(),
                    port.name,
                    if granted.bits == Bits(0) {
                        "nothing".to_string()
                    } else {
                        granted.bits.mask()
                    }
                ),
            ));
        }
        Ok(rule)
    }
}

impl Outbound for GuestOutbound {
    fn call(
        &mut self,
        binding: &str,
        namespace: &str,
        op: &str,
        payload: &[u8],
        deadline: Instant,
    ) -> Result<Vec<u8>, Vec<u8>> {
        let target = namespace.trim();
        if binding.is_empty() && target == REQUEST_NAMESPACE {
            // Reading its own request is not an outbound call: no grant is needed.
            return match &self.request {
                Some(described) => Ok(described.to_vec()),
                None => Err(RuntimeError::new(
                    codes::INVALID_POINT,
                    "`@request` answers ports with `envelope: none`; this guest has its request's envelope already",
                )
                .to_guest_text()),
            };
        }
        let Some((method, path)) = parse_op(op) else {
            let shown: String = op.chars().take(64).collect();
            return Err(self.refuse(
                codes::INVALID_POINT,
                binding,
                target,
                &shown,
                format!("`{shown}` is not an operation such as `Ext<Select>`"),
            ));
        };
        let rule = self.check(binding, target, &method, path, op)?;
        let deadline = match rule.timeout_ms {
            Some(ms) => deadline.min(self.rt.time.after(ms)),
            None => deadline,
        };
        let message = Message::new(method, path, payload.to_vec());
        let exchange = Exchange {
            deadline,
            depth: self.depth,
        }
        .nested(deadline);
        let delivery = crate::mesh::Delivery {
            ack_timeout: rule.ack_ms.map(std::time::Duration::from_millis),
            retries: rule.retries,
        };
        match self
            .rt
            .deliver_to_point(target, message, exchange, delivery)
        {
            None => Err(self.refuse(
                codes::ADDRESS_NOT_HOSTED,
                binding,
                target,
                op,
                format!("`{target}` is not hosted here nor by any live host of a mesh"),
            )),
            Some(Ok(reply)) => {
                self.record(binding, target, op, CallOutcome::Answered);
                Ok(reply.body)
            }
            Some(Err(e)) => {
                self.record(binding, target, op, CallOutcome::Failed { code: e.code.id });
                Err(e.to_guest_text())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_split_into_kind_method_and_path() {
        let op = |text: &str| parse_op(text).map(|(m, path)| (m.to_string(), path.to_string()));
        assert_eq!(op("Ext<Select>"), Some(("Ext<Select>".into(), "/".into())));
        assert_eq!(
            op("Http<Get>/users/1"),
            Some(("Http<Get>".into(), "/users/1".into()))
        );
        assert_eq!(op("Msg<Select>").unwrap().0, "Ext<Select>");
        assert_eq!(op("Select"), None);
        assert_eq!(op("Http<Fetch>"), None, "not an Http method");
        assert_eq!(op("Ext<select>"), None, "not a method name");
    }
}
