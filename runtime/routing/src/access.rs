//! What grants allow. Deny by default: a set of grants starts from nothing; `+` masks add bits
//! where their `on` selector covers the target, then every matching `&` mask intersects (after
//! all `+`), `super` gives everything, `priv NAME` gives a named privilege, `role NAME` gives the
//! role's grants. A grant whose selector cannot be read grants nothing (fail closed).

use starlane_ir::{Grant, GrantKind, Role};

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
pub fn needed(kind: &str, method: &str) -> Bits {
    match (kind, method) {
        ("Http", "Get" | "Head" | "Options" | "Trace") => Bits::R,
        ("Http", _) => Bits::W,
        ("Cmd", "Read") => Bits::R,
        ("Cmd", "Update") => Bits::W,
        _ => Bits::X,
    }
}

/// What a set of grants allows on one target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    pub bits: Bits,
    pub privileges: Vec<String>,
    /// The grants (by index into the list evaluated) that contributed, for audit lines.
    pub because: Vec<usize>,
}

impl Access {
    pub fn allows(&self, bit: Bits) -> bool {
        self.bits.contains(bit)
    }
}

/// The access `grants` give on `target` (of kind `target_kind`, when known). `expand` fills in a
/// selector's variables (`${users}`); a selector it cannot fill, or that does not parse, covers
/// nothing. `holder` selects grants by their `to` selector: `None` evaluates grants without `to`
/// (a port's or role's own), `Some(caller)` those whose `to` covers the caller.
pub fn evaluate(
    grants: &[Grant],
    roles: &[Role],
    target: &str,
    target_kind: Option<&str>,
    holder: Option<(&str, Option<&str>)>,
    expand: &dyn Fn(&str) -> Option<String>,
) -> Access {
    let covers = |selector: &Option<String>, point: &str, kind: Option<&str>| -> bool {
        let Some(text) = selector else { return false };
        expand(text)
            .and_then(|t| Selector::parse(&t).ok())
            .is_some_and(|s| s.matches(point, kind))
    };
    let mut access = Access::default();
    let mut intersections = Vec::new();
    let apply =
        |i: usize, g: &Grant, access: &mut Access, intersections: &mut Vec<Bits>| match &g.kind {
            GrantKind::Perm { bits, and } if covers(&g.on, target, target_kind) => {
                if *and {
                    intersections.push(Bits(*bits));
                } else {
                    access.bits = Bits(access.bits.0 | bits);
                }
                access.because.push(i);
            }
            GrantKind::Super if covers(&g.on, target, target_kind) => {
                access.bits = Bits::ALL;
                access.because.push(i);
            }
            GrantKind::Priv(name) if covers(&g.on, target, target_kind) => {
                access.privileges.push(name.clone());
                access.because.push(i);
            }
            _ => {}
        };
    for (i, g) in grants.iter().enumerate() {
        let applies = match holder {
            None => g.to.is_none(),
            Some((caller, kind)) => covers(&g.to, caller, kind),
        };
        if !applies {
            continue;
        }
        match &g.kind {
            GrantKind::Role(name) => {
                // A role's grants apply to whoever holds the role; an unknown role grants nothing.
                if let Some(role) = roles.iter().find(|r| &r.name == name) {
                    for rg in &role.grants {
                        apply(i, rg, &mut access, &mut intersections);
                    }
                }
            }
            _ => apply(i, g, &mut access, &mut intersections),
        }
    }
    for mask in intersections {
        access.bits = Bits(access.bits.0 & mask.0);
    }
    access
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(bits: u8, and: bool, on: &str) -> Grant {
        Grant {
            kind: GrantKind::Perm { bits, and },
            on: Some(on.into()),
            to: None,
            span: Default::default(),
        }
    }

    fn expand(s: &str) -> Option<String> {
        Some(s.replace("${files}", "localhost:files"))
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
        assert_eq!(a.because, [0, 2]);
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
            to: Some("localhost:users:**<User>".into()),
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
    fn an_unreadable_selector_grants_nothing() {
        let grants = [perm(0b111111, false, "${unbound}:**")];
        let a = evaluate(&grants, &[], "x:y", None, None, &|s: &str| {
            (!s.contains("unbound")).then(|| s.to_string())
        });
        assert_eq!(a.bits, Bits(0));
    }

    #[test]
    fn the_method_table() {
        assert_eq!(needed("Http", "Get"), Bits::R);
        assert_eq!(needed("Http", "Delete"), Bits::W);
        assert_eq!(needed("Cmd", "Read"), Bits::R);
        assert_eq!(needed("Cmd", "Update"), Bits::W);
        assert_eq!(needed("Ext", "Select"), Bits::X);
        assert_eq!(Bits::ALL.mask(), "CSD-RWX");
    }
}
