//! Permission masks: `+CSD-RWX`, `&csd-RwX` — exactly six letters in that order, upper = granted.

use nom::character::complete::{one_of, satisfy};
use nom::combinator::all_consuming;
use nom::{IResult, Parser};

use super::{AtomError, offset};

/// How a mask combines with what is already granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum MaskOp {
    /// `+`: adds the upper-case bits.
    Add,
    /// `&`: keeps only the upper-case bits.
    And,
}

/// Bits: C S D (children) then R W X (the resource), most significant first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Mask {
    pub op: MaskOp,
    pub bits: u8,
}

const LETTERS: [char; 6] = ['c', 's', 'd', 'r', 'w', 'x'];

fn letter(expected: char) -> impl Fn(&str) -> IResult<&str, bool> {
    move |input| {
        satisfy(|c| c.to_ascii_lowercase() == expected)
            .map(|c: char| c.is_ascii_uppercase())
            .parse(input)
    }
}

fn mask(input: &str) -> IResult<&str, Mask> {
    (
        one_of("+&"),
        letter('c'),
        letter('s'),
        letter('d'),
        nom::character::complete::char('-'),
        letter('r'),
        letter('w'),
        letter('x'),
    )
        .map(|(op, c, s, d, _, r, w, x)| Mask {
            op: if op == '+' { MaskOp::Add } else { MaskOp::And },
            bits: [c, s, d, r, w, x]
                .iter()
                .fold(0u8, |acc, &bit| (acc << 1) | u8::from(bit)),
        })
        .parse(input)
}

pub fn parse(text: &str) -> Result<Mask, AtomError> {
    match all_consuming(mask).parse(text) {
        Ok((_, m)) => Ok(m),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let at = offset(text, e.input);
            let end = (at + e.input.chars().next().map_or(0, char::len_utf8)).min(text.len());
            let label = match at {
                0 => "expected `+` (add) or `&` (intersect)".to_string(),
                4 => "expected `-` between the child and resource letters".to_string(),
                i if i <= 7 => {
                    let idx = if i < 4 { i - 1 } else { i - 2 };
                    format!(
                        "expected `{}` or `{}`",
                        LETTERS[idx].to_ascii_uppercase(),
                        LETTERS[idx]
                    )
                }
                _ => "unexpected text after the mask".to_string(),
            };
            Err(AtomError::new(
                at..end.max(at),
                format!("invalid permission mask `{text}`"),
                label,
            ))
        }
        Err(nom::Err::Incomplete(_)) => Err(AtomError::new(
            0..text.len(),
            "invalid permission mask",
            "here",
        )),
    }
}

impl std::fmt::Display for Mask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.op == MaskOp::Add { "+" } else { "&" })?;
        for (i, letter) in LETTERS.iter().enumerate() {
            if i == 3 {
                f.write_str("-")?;
            }
            let set = self.bits & (1 << (5 - i)) != 0;
            let c = if set {
                letter.to_ascii_uppercase()
            } else {
                *letter
            };
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_round_trip() {
        for text in ["+CSD-RWX", "&csd-RwX", "+cSd-Rwx"] {
            assert_eq!(parse(text).unwrap().to_string(), text);
        }
        assert_eq!(parse("+CSD-RWX").unwrap().bits, 0b111111);
    }

    #[test]
    fn errors_point_at_the_bad_letter() {
        assert_eq!(parse("+CSDRWX").unwrap_err().span, 4..5);
        assert_eq!(parse("+CQD-RWX").unwrap_err().span, 2..3);
        assert_eq!(parse("CSD-RWX").unwrap_err().span, 0..1);
        assert_eq!(parse("+cSd+RwX").unwrap_err().span, 4..5);
    }
}
