//! What grants allow. Deny by default: a set of grants starts from nothing; `+` masks add bits
//! where their `on` selector covers the target, then every matching `&` mask intersects (after
//! all `+`), `super` gives everything, `priv NAME` gives a named privilege, `role NAME` gives the
//! role's grants. A grant whose selector cannot be read grants nothing (fail closed).

use smallvec::SmallVec;
use starlane_ir::{Grant, GrantKind, Method, Role, SelectorPattern};
use starlane_model::vocabulary::{CmdMethod, HttpMethod};

use crate::selector::Selector;

/// Permission bits, most significant first: create, select, delete children; read, write,
/// execute the resource (`CSD-RWX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bits(pub u8);

impl Bits {
    pub const C: Bits = Bits(0b100000);
    pub const S: Bits = Bits(0b010000);
    pub const D: Bits = Bits(0b001000);
    pub const R: Bits = Bits(0b000100);
    pub const W: Bits = Bits(0b000010);
    pub const X: Bits = Bits(0b000001);
    pub const ALL: Bits = Bits(0b111111);

    pub fn contains(self, other: Bits) -> bool {
        self.0 & other.0 == other.0
    }

    /// `CSD-RWX` with denied bits in lower case: `cSd-RwX`.
    pub fn mask(self) -> String {
        let letters = ['C', 'S', 'D', 'R', 'W', 'X'];
        let mut s = String::new();
        for (i, l) in letters.iter().enumerate() {
            if i == 3 {
                s.push('-');
            }
            let on = self.0 & (0b100000 >> i) != 0;
            s.push(if on { *l } else { l.to_ascii_lowercase() });
        }
        s
    }

    /// The single letter of a one-bit value (`R`).
    pub fn letter(self) -> char {
        match self {
            Bits::C => 'C',
            Bits::S => 'S',
            Bits::D => 'D',
            Bits::R => 'R',
            Bits::W => 'W',
            _ => 'X',
        }
    }
}

/// The permission bit a call needs, by message kind and method (`specs/runtime.md` publishes the
/// table): reading methods need `R`, changing methods `W`, everything else (`Ext<*>`, other
/// commands, hyperspace messages) `X`.
pub fn needed(method: &Method) -> Bits {
    use HttpMethod::*;
    match method {
        Method::Http(Get | Head | Options | Trace) => Bits::R,
        Method::Http(_) => Bits::W,
        Method::Cmd(CmdMethod::Read) => Bits::R,
        Method::Cmd(CmdMethod::Update) => Bits::W,
        _ => Bits::X,
    }
}

/// What a set of grants allows on one target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    pub bits: Bits,
    pub privileges: Vec<String>,
    /// The grants (by index into the list evaluated) that contributed, for audit lines. Inline
    /// for the usual few: every message with a caller evaluates grants.
    pub because: SmallVec<[usize; 4]>,
}

impl Access {
    pub fn allows(&self, bit: Bits) -> bool {
        self.bits.contains(bit)
    }
}

/// Why a grant could not be compiled: the load fails for its bind (a grant is never dropped
/// silently, which would grant nothing where the author meant something).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantError {
    /// Index of the grant in the list compiled.
    pub grant: usize,
    pub span: starlane_ir::SourceSpan,
    pub message: String,
}

impl std::fmt::Display for GrantError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What one compiled grant gives.
#[derive(Debug, Clone)]
enum Gives {
    Perm {
        bits: Bits,
        and: bool,
    },
    Priv(String),
    Super,
    /// A role's own grants, compiled.
    Role(Vec<Compiled>),
}

#[derive(Debug, Clone)]
struct Compiled {
    gives: Gives,
    on: Option<Selector>,
    to: Option<Selector>,
}

/// A set of grants compiled once — variables filled in, selectors parsed, roles resolved — and
/// evaluated per call without reading any text.
#[derive(Debug, Clone, Default)]
pub struct GrantSet {
    grants: Vec<Compiled>,
}

impl GrantSet {
    /// Compiles `grants` (with the `roles` they name). `bound` gives the address of a context
    /// name a selector uses (`${users}`); a selector it cannot fill or an unknown role is an error
    /// naming the grant.
    pub fn compile(
        grants: &[Grant],
        roles: &[Role],
        bound: &dyn Fn(&str) -> Option<String>,
    ) -> Result<GrantSet, GrantError> {
        let compiled = grants
            .iter()
            .enumerate()
            .map(|(i, g)| compile_one(i, g, roles, bound, true))
            .collect::<Result<_, _>>()?;
        Ok(GrantSet { grants: compiled })
    }

    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// The access these grants give on `target` (of kind `target_kind`, when known). `holder`
    /// selects grants by their `to` selector: `None` evaluates grants without `to` (a port's or
    /// role's own), `Some(caller)` those whose `to` covers the caller.
    pub fn evaluate(
        &self,
        target: &str,
        target_kind: Option<&str>,
        holder: Option<(&str, Option<&str>)>,
    ) -> Access {
        let mut access = Access::default();
        let mut intersections = Vec::new();
        for (i, g) in self.grants.iter().enumerate() {
            let applies = match (holder, &g.to) {
                (None, to) => to.is_none(),
                (Some(_), None) => false,
                (Some((caller, kind)), Some(to)) => to.matches(caller, kind),
            };
            if !applies {
                continue;
            }
            match &g.gives {
                Gives::Role(own) => {
                    for rg in own {
                        apply(i, rg, target, target_kind, &mut access, &mut intersections);
                    }
                }
                _ => apply(i, g, target, target_kind, &mut access, &mut intersections),
            }
        }
        for mask in intersections {
            access.bits = Bits(access.bits.0 & mask.0);
        }
        access
    }
}

fn apply(
    i: usize,
    g: &Compiled,
    target: &str,
    target_kind: Option<&str>,
    access: &mut Access,
    intersections: &mut Vec<Bits>,
) {
    let covered =
        g.on.as_ref()
            .is_some_and(|on| on.matches(target, target_kind));
    if !covered {
        return;
    }
    match &g.gives {
        Gives::Perm { bits, and: true } => intersections.push(*bits),
        Gives::Perm { bits, and: false } => access.bits = Bits(access.bits.0 | bits.0),
        Gives::Super => access.bits = Bits::ALL,
        Gives::Priv(name) => access.privileges.push(name.clone()),
        Gives::Role(_) => return,
    }
    access.because.push(i);
}

fn compile_one(
    i: usize,
    g: &Grant,
    roles: &[Role],
    bound: &dyn Fn(&str) -> Option<String>,
    top: bool,
) -> Result<Compiled, GrantError> {
    let fail = |message: String| GrantError {
        grant: i,
        span: g.span,
        message,
    };
    let selector = |pattern: &Option<SelectorPattern>| -> Result<Option<Selector>, GrantError> {
        let Some(pattern) = pattern else {
            return Ok(None);
        };
        Selector::with_context(pattern, bound)
            .map(Some)
            .map_err(|e| {
                fail(format!(
                    "`{pattern}`: {e} (a context name that is not bound?)"
                ))
            })
    };
    let gives = match &g.kind {
        GrantKind::Perm { bits, and } => Gives::Perm {
            bits: Bits(*bits),
            and: *and,
        },
        GrantKind::Priv(name) => Gives::Priv(name.clone()),
        GrantKind::Super => Gives::Super,
        GrantKind::Role(name) if top => {
            let role = roles
                .iter()
                .find(|r| &r.name == name)
                .ok_or_else(|| fail(format!("role `{name}` is not declared")))?;
            let own = role
                .grants
                .iter()
                .map(|rg| compile_one(i, rg, roles, bound, false))
                .collect::<Result<_, _>>()?;
            Gives::Role(own)
        }
        GrantKind::Role(name) => {
            return Err(fail(format!("role `{name}` is granted inside a role")));
        }
    };
    Ok(Compiled {
        gives,
        on: selector(&g.on)?,
        to: selector(&g.to)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(text: &str) -> SelectorPattern {
        SelectorPattern::parse(text).unwrap()
    }

    fn perm(bits: u8, and: bool, on: &str) -> Grant {
        Grant {
            kind: GrantKind::Perm { bits, and },
            on: Some(sel(on)),
            to: None,
            span: Default::default(),
        }
    }

    fn expand(name: &str) -> Option<String> {
        (name == "files").then(|| "localhost:files".to_string())
    }

    /// Compiles and evaluates, as the runtime does at load and per call.
    fn evaluate(
        grants: &[Grant],
        roles: &[Role],
        target: &str,
        kind: Option<&str>,
        holder: Option<(&str, Option<&str>)>,
        expand: &dyn Fn(&str) -> Option<String>,
    ) -> Access {
        GrantSet::compile(grants, roles, expand)
            .unwrap()
            .evaluate(target, kind, holder)
    }

    #[test]
    fn deny_by_default_then_add_then_intersect() {
        let none = evaluate(&[], &[], "localhost:files:a", None, None, &expand);
        assert_eq!(none.bits, Bits(0));
        let grants = [
            perm(0b010101, false, "${files}:**"),     // +cSd-RwX
            perm(0b000100, false, "localhost:other"), // elsewhere
            perm(0b111100, true, "${files}:**"),      // &CSD-Rwx
        ];
        let a = evaluate(&grants, &[], "localhost:files:a", None, None, &expand);
        assert_eq!(a.bits.mask(), "cSd-Rwx");
        assert!(a.allows(Bits::R) && !a.allows(Bits::X));
        assert_eq!(a.because.as_slice(), [0, 2]);
    }

    #[test]
    fn roles_apply_to_their_holders_only() {
        let role = Role {
            name: "editor".into(),
            grants: vec![perm(0b000010, false, "${files}:**")],
            span: Default::default(),
        };
        let give = Grant {
            kind: GrantKind::Role("editor".into()),
            on: None,
            to: Some(sel("localhost:users:**<User>")),
            span: Default::default(),
        };
        let grants = [give];
        let ada = evaluate(
            &grants,
            std::slice::from_ref(&role),
            "localhost:files:x",
            None,
            Some(("localhost:users:ada", Some("User"))),
            &expand,
        );
        assert!(ada.allows(Bits::W));
        let anon = evaluate(
            &grants,
            &[role],
            "localhost:files:x",
            None,
            Some(("localhost:guests:bob", Some("User"))),
            &expand,
        );
        assert!(!anon.allows(Bits::W));
    }

    #[test]
    fn a_grant_that_cannot_be_compiled_fails_instead_of_granting_nothing() {
        let grants = [
            perm(0b000100, false, "localhost:ok"),
            perm(0b111111, false, "${unbound}:**"),
        ];
        let e = GrantSet::compile(&grants, &[], &expand).unwrap_err();
        assert_eq!(e.grant, 1);
        assert!(e.message.contains("`${unbound}` has no value"), "{e}");
        let role = Grant {
            kind: GrantKind::Role("ghost".into()),
            on: None,
            to: Some(sel("localhost:users:**")),
            span: Default::default(),
        };
        let e = GrantSet::compile(&[role], &[], &expand).unwrap_err();
        assert!(e.message.contains("`ghost` is not declared"), "{e}");
    }

    #[test]
    fn the_method_table() {
        let m = |text: &str| Method::parse(text).unwrap();
        assert_eq!(needed(&m("Http<Get>")), Bits::R);
        assert_eq!(needed(&m("Http<Delete>")), Bits::W);
        assert_eq!(needed(&m("Cmd<Read>")), Bits::R);
        assert_eq!(needed(&m("Cmd<Update>")), Bits::W);
        assert_eq!(needed(&m("Ext<Select>")), Bits::X);
        assert_eq!(Bits::ALL.mask(), "CSD-RWX");
    }
}
