//! What a runtime serves: the bundle, its binds with their rules compiled at load, its mechtrons
//! (each with its lifecycle state, found by index, name or address), the schemas, the bundle's
//! files and the context-name bindings. Built once by `Runtime::load`; read by delivery and
//! outbound calls.

use std::collections::HashMap;
use std::sync::RwLock;

use serde::Serialize;
use starlane_ir::{Bind, Bundle};
use starlane_routing::{CallRules, GrantSet, RouteTable};

use crate::guest::invoke::Guest;
use crate::module_cache::Origin;
use crate::schemas::Schemas;

/// A mechtron's lifecycle state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason")]
pub enum MechtronState {
    Unknown,
    Creating,
    Ready,
    Panic(String),
    Destroyed,
}

impl MechtronState {
    /// The state's name, as `/status` and the mesh's heartbeats give it.
    pub fn name(&self) -> &'static str {
        match self {
            MechtronState::Unknown => "Unknown",
            MechtronState::Creating => "Creating",
            MechtronState::Ready => "Ready",
            MechtronState::Panic(_) => "Panic",
            MechtronState::Destroyed => "Destroyed",
        }
    }

    /// The reason a mechtron is in Panic.
    pub fn reason(&self) -> Option<&str> {
        match self {
            MechtronState::Panic(reason) => Some(reason),
            _ => None,
        }
    }
}

pub struct Mechtron {
    pub name: String,
    /// `localhost:<name>`: the mechtron and every point below it.
    pub address: String,
    pub bind: usize,
    pub guest: Option<Guest>,
    pub state: RwLock<MechtronState>,
    pub module: Option<String>,
    pub origin: Option<Origin>,
}

impl Mechtron {
    pub fn state(&self) -> MechtronState {
        self.state
            .read()
            .map_or(MechtronState::Unknown, |s| s.clone())
    }

    /// Whether the state is as `test` wants, read in place (a message checks it on its way).
    pub fn state_is(&self, test: impl FnOnce(&MechtronState) -> bool) -> bool {
        self.state.read().is_ok_and(|s| test(&s))
    }

    pub(crate) fn set(&self, state: MechtronState) {
        if let Ok(mut s) = self.state.write() {
            tracing::debug!(mechtron = %self.name, from = ?*s, to = ?state, "state");
            *s = state;
        }
    }
}

/// A bind as served: its routes, caller rules and ports' grants and calls, compiled once at
/// load, so serving a message reads no selector text.
pub struct ServedBind {
    pub routes: RouteTable,
    /// The mechtron whose core this bind's `(( ))` and `((port))` stops reach.
    pub mechtron: Option<usize>,
    /// Whether top-level `grant … to` rules restrict callers (`specs/runtime.md` §3, step 4).
    pub caller_rules: bool,
    /// The top-level grants, compiled (what caller rules evaluate).
    pub callers: GrantSet,
    /// Each port's grants and `call` entries, compiled, by port index.
    pub ports: Vec<PortRules>,
    /// Why a grant or `call` entry of this bind could not be compiled: its mechtrons do not
    /// become Ready, and nothing of it is served as if the rule granted nothing.
    pub broken: Option<String>,
}

/// A port's outbound rules, compiled.
#[derive(Default)]
pub struct PortRules {
    pub grants: GrantSet,
    pub calls: CallRules,
}

impl ServedBind {
    /// Compiles a bind's routes and rules with the context names bound at load.
    fn compile(bind: &Bind, bundle: &Bundle, bindings: &HashMap<String, String>) -> ServedBind {
        let (routes, bad) = RouteTable::new(&bind.routes);
        for r in bad {
            tracing::error!(
                "route at {} never matches: its regex does not compile: {}",
                bind.routes
                    .get(r.route)
                    .map_or_else(String::new, |x| bundle.locate(x.span)),
                r.message
            );
        }
        let expand = |name: &str| bindings.get(name).cloned();
        let mut broken = None;
        let mut note = |e: starlane_routing::GrantError| {
            broken.get_or_insert_with(|| format!("{} ({})", e.message, bundle.locate(e.span)));
        };
        let callers = GrantSet::compile(&bind.grants, &bind.roles, &expand).unwrap_or_else(|e| {
            note(e);
            GrantSet::default()
        });
        let ports = bind
            .ports
            .iter()
            .map(|p| PortRules {
                grants: GrantSet::compile(&p.grants, &bind.roles, &expand).unwrap_or_else(|e| {
                    note(e);
                    GrantSet::default()
                }),
                calls: CallRules::compile(&p.calls, &expand).unwrap_or_else(|e| {
                    note(e);
                    CallRules::default()
                }),
            })
            .collect();
        ServedBind {
            routes,
            mechtron: None,
            caller_rules: bind.grants.iter().any(|g| g.to.is_some()),
            callers,
            ports,
            broken,
        }
    }
}

/// The served bundle and everything looked up in it per message.
pub struct Registry {
    pub(crate) bundle: Bundle,
    pub(crate) binds: Vec<ServedBind>,
    pub(crate) mechtrons: Vec<Mechtron>,
    /// Mechtron index by name: an address is resolved with one lookup, however many mechtrons.
    by_name: HashMap<String, usize>,
    pub(crate) schemas: Schemas,
    /// Bundle file index by bundle-relative path.
    pub(crate) files: HashMap<String, usize>,
    /// Context name → address (`--bind`, `[run] bind`).
    pub(crate) bindings: HashMap<String, String>,
    /// The mechtron whose bind receives HTTP.
    pub(crate) http: Option<usize>,
}

impl Registry {
    /// Compiles every bind's rules and creates every mechtron in state Unknown.
    pub(crate) fn new(
        bundle: Bundle,
        schemas: Schemas,
        bindings: HashMap<String, String>,
    ) -> Registry {
        let mut binds: Vec<ServedBind> = bundle
            .binds
            .iter()
            .map(|b| ServedBind::compile(b, &bundle, &bindings))
            .collect();
        let mut mechtrons = Vec::new();
        let mut by_name = HashMap::new();
        for (i, m) in bundle.mechtrons.iter().enumerate() {
            if let Some(b) = binds.get_mut(m.bind as usize) {
                b.mechtron.get_or_insert(i);
            }
            by_name.entry(m.name.clone()).or_insert(i);
            mechtrons.push(Mechtron {
                name: m.name.clone(),
                address: mechtron_address(&m.name),
                bind: m.bind as usize,
                guest: None,
                state: RwLock::new(MechtronState::Unknown),
                module: m
                    .module
                    .and_then(|i| bundle.modules.get(i as usize))
                    .map(|x| x.path.clone()),
                origin: None,
            });
        }
        let http = bundle
            .http_bind
            .and_then(|b| binds.get(b as usize))
            .and_then(|b| b.mechtron);
        let files = bundle
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect();
        Registry {
            bundle,
            binds,
            mechtrons,
            by_name,
            schemas,
            files,
            bindings,
            http,
        }
    }

    pub fn bind_of(&self, mechtron: usize) -> &Bind {
        &self.bundle.binds[self.mechtrons[mechtron].bind]
    }

    pub fn mechtron_named(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The local mechtron a point is delivered to (`localhost:<name>` or below it).
    pub fn mechtron_for(&self, point: &str) -> Option<usize> {
        mechtron_name_of(point).and_then(|name| self.mechtron_named(name))
    }
}

/// The mechtron a point belongs to: `localhost:<name>` and every point below it. The address is
/// the same on every host of a mesh (`specs/runtime.md` §1).
pub fn mechtron_name_of(point: &str) -> Option<&str> {
    let mut segs = starlane_model::selector::segments(point);
    (segs.next()? == "localhost").then(|| segs.next()).flatten()
}

/// The address of a local mechtron.
pub fn mechtron_address(name: &str) -> String {
    format!("localhost:{name}")
}
