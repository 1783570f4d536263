//! The other hosts of the mesh, as their heartbeats describe them: which mechtrons each serves
//! and in what state, and how long ago it was last heard. A host not heard within `gone_after`,
//! or one that said it is leaving, is gone: no new message is routed to it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What a host announces on the heartbeat subject.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Heartbeat {
    pub host: String,
    pub bundle: String,
    /// Each mechtron it serves, with its state (`Ready`, `Panic`, …).
    pub mechtrons: Vec<(String, String)>,
    /// The mechtron its HTTP listener serves (the App with `+http=true`), if any: where a host
    /// without one forwards the HTTP requests it receives.
    pub http: Option<String>,
    /// Set from SIGTERM until the host stops: route nothing new to it. It keeps heartbeating
    /// while it drains, so senders keep waiting for the replies of what it acknowledged.
    pub leaving: bool,
}

struct Known {
    beat: Heartbeat,
    heard: Instant,
}

/// Every other host heard from.
pub struct Hosts {
    gone_after: Duration,
    known: Mutex<BTreeMap<String, Known>>,
    /// Round-robin position for choosing among replicas.
    turn: AtomicUsize,
}

/// One host as `/status` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostView {
    pub host: String,
    pub bundle: String,
    pub last_heartbeat_ms: u64,
    pub gone: bool,
    pub mechtrons: Vec<(String, String)>,
}

impl Hosts {
    pub fn new(gone_after: Duration) -> Hosts {
        Hosts {
            gone_after,
            known: Mutex::new(BTreeMap::new()),
            turn: AtomicUsize::new(0),
        }
    }

    pub fn heard(&self, beat: Heartbeat) {
        if let Ok(mut known) = self.known.lock() {
            let before = known
                .get(&beat.host)
                .map(|k| (self.is_silent(k, Instant::now()), k.beat.leaving));
            match (before, beat.leaving) {
                (None | Some((true, _)), false) => {
                    tracing::info!(host = %beat.host, "mesh host joined")
                }
                (None | Some((_, false)), true) => {
                    tracing::info!(host = %beat.host, "mesh host is leaving")
                }
                _ => {}
            }
            known.insert(
                beat.host.clone(),
                Known {
                    beat,
                    heard: Instant::now(),
                },
            );
        }
    }

    /// Silent for longer than `gone_after`: it will answer nothing more.
    fn is_silent(&self, k: &Known, now: Instant) -> bool {
        now.duration_since(k.heard) > self.gone_after
    }

    /// Not to be sent anything new: silent, or leaving (while it drains what it has).
    fn is_gone(&self, k: &Known, now: Instant) -> bool {
        k.beat.leaving || self.is_silent(k, now)
    }

    /// Whether `host` may still answer what it acknowledged: heard within `gone_after`, even if
    /// it is leaving (it drains before it stops).
    pub fn alive(&self, host: &str) -> bool {
        let now = Instant::now();
        self.known
            .lock()
            .map(|k| k.get(host).is_some_and(|k| !self.is_silent(k, now)))
            .unwrap_or(false)
    }

    /// A live host whose mechtron `name` is Ready, taking turns among replicas.
    pub fn choose(&self, name: &str) -> Option<String> {
        self.choose_except(name, &[])
    }

    /// As [`Hosts::choose`], leaving out hosts already tried.
    pub fn choose_except(&self, name: &str, tried: &[String]) -> Option<String> {
        let now = Instant::now();
        let known = self.known.lock().ok()?;
        let serving: Vec<&String> = known
            .iter()
            .filter(|(host, k)| !self.is_gone(k, now) && !tried.contains(host))
            .filter(|(_, k)| {
                k.beat
                    .mechtrons
                    .iter()
                    .any(|(m, state)| m == name && state == "Ready")
            })
            .map(|(host, _)| host)
            .collect();
        if serving.is_empty() {
            return None;
        }
        let turn = self.turn.fetch_add(1, Ordering::Relaxed);
        Some(serving[turn % serving.len()].clone())
    }

    /// A mechtron that receives HTTP on some live host, Ready there: where a host whose own
    /// bundle receives no HTTP forwards its HTTP requests (the first such, by host name).
    pub fn http_entry(&self) -> Option<String> {
        let now = Instant::now();
        let known = self.known.lock().ok()?;
        known
            .values()
            .filter(|k| !self.is_gone(k, now))
            .find_map(|k| {
                let name = k.beat.http.as_ref()?;
                let ready = k
                    .beat
                    .mechtrons
                    .iter()
                    .any(|(m, state)| m == name && state == "Ready");
                ready.then(|| name.clone())
            })
    }

    pub fn view(&self) -> Vec<HostView> {
        let now = Instant::now();
        let Ok(known) = self.known.lock() else {
            return Vec::new();
        };
        known
            .iter()
            .map(|(host, k)| HostView {
                host: host.clone(),
                bundle: k.beat.bundle.clone(),
                last_heartbeat_ms: now.duration_since(k.heard).as_millis() as u64,
                gone: self.is_gone(k, now),
                mechtrons: k.beat.mechtrons.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(host: &str, mechtrons: &[(&str, &str)], leaving: bool) -> Heartbeat {
        Heartbeat {
            host: host.into(),
            bundle: "b".into(),
            mechtrons: mechtrons
                .iter()
                .map(|(m, s)| (m.to_string(), s.to_string()))
                .collect(),
            leaving,
            http: None,
        }
    }

    #[test]
    fn replicas_take_turns_and_only_ready_live_hosts_serve() {
        let hosts = Hosts::new(Duration::from_secs(60));
        hosts.heard(beat("a", &[("w", "Ready")], false));
        hosts.heard(beat("b", &[("w", "Ready")], false));
        hosts.heard(beat("c", &[("w", "Panic")], false));
        let picks: Vec<String> = (0..4).filter_map(|_| hosts.choose("w")).collect();
        assert_eq!(picks, ["a", "b", "a", "b"]);
        assert_eq!(hosts.choose("other"), None);
        hosts.heard(beat("a", &[("w", "Ready")], true));
        assert!(hosts.alive("a"), "a leaving host still answers what it has");
        assert_eq!(
            hosts.choose("w").as_deref(),
            Some("b"),
            "but gets nothing new"
        );
        assert!(hosts.view().iter().any(|h| h.host == "a" && h.gone));
    }

    #[test]
    fn a_silent_host_is_gone() {
        let hosts = Hosts::new(Duration::ZERO);
        hosts.heard(beat("a", &[("w", "Ready")], false));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(hosts.choose("w"), None);
        assert!(hosts.view()[0].gone);
    }
}
