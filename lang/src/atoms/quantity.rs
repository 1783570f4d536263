//! Durations (`500ms`, `2s`) and sizes (`16MiB`): a whole number glued to a unit.

use nom::character::complete::{alpha0, digit1};
use nom::combinator::all_consuming;
use nom::{IResult, Parser};

use super::AtomError;

fn number_and_unit(input: &str) -> IResult<&str, (&str, &str)> {
    (digit1, alpha0).parse(input)
}

fn split(text: &str, what: &str, example: &str) -> Result<(u64, usize, String), AtomError> {
    let Ok((_, (digits, unit))) = all_consuming(number_and_unit).parse(text) else {
        return Err(AtomError::new(
            0..text.len(),
            format!("invalid {what} `{text}`"),
            format!("expected a whole number and a unit, such as `{example}`"),
        ));
    };
    let value = digits.parse::<u64>().map_err(|_| {
        AtomError::new(
            0..digits.len(),
            format!("{what} `{text}` is too large"),
            "too large",
        )
    })?;
    Ok((value, digits.len(), unit.to_string()))
}

/// A duration in milliseconds. Units: `ms`, `s`.
pub fn duration_ms(text: &str) -> Result<u64, AtomError> {
    let (value, at, unit) = split(text, "duration", "500ms")?;
    let factor = match unit.as_str() {
        "ms" => 1,
        "s" => 1000,
        "" => {
            return Err(AtomError::new(
                at..at,
                format!("duration `{text}` has no unit"),
                "add `ms` or `s`",
            ));
        }
        _ => {
            return Err(AtomError::new(
                at..text.len(),
                format!("unknown duration unit `{unit}`"),
                "expected `ms` or `s`",
            ));
        }
    };
    value.checked_mul(factor).ok_or_else(|| {
        AtomError::new(
            0..text.len(),
            format!("duration `{text}` is too large"),
            "too large",
        )
    })
}

/// A size in bytes. Units: `B`, `KiB`, `MiB`, `GiB`.
pub fn size_bytes(text: &str) -> Result<u64, AtomError> {
    let (value, at, unit) = split(text, "size", "16MiB")?;
    let factor: u64 = match unit.as_str() {
        "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => {
            return Err(AtomError::new(
                at..text.len(),
                format!("unknown size unit `{unit}`"),
                "expected `B`, `KiB`, `MiB` or `GiB`",
            ));
        }
    };
    value.checked_mul(factor).ok_or_else(|| {
        AtomError::new(
            0..text.len(),
            format!("size `{text}` is too large"),
            "too large",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_ms("500ms"), Ok(500));
        assert_eq!(duration_ms("2s"), Ok(2000));
        assert_eq!(duration_ms("2").unwrap_err().span, 1..1);
        assert_eq!(duration_ms("2min").unwrap_err().span, 1..4);
    }

    #[test]
    fn sizes() {
        assert_eq!(size_bytes("16MiB"), Ok(16 << 20));
        assert!(size_bytes("16MB").is_err());
    }
}
