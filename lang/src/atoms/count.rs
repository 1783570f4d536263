//! List counts: `[]`, `[N]`, `[N-]`, `[N-M]` (the text between the brackets).

use nom::character::complete::{char, digit1};
use nom::combinator::{all_consuming, opt};
use nom::{IResult, Parser};

use super::AtomError;

/// How many items a list pattern accepts; `max` is `None` for "no upper bound".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Count {
    pub min: u64,
    pub max: Option<u64>,
}

/// The digits before and after an optional `-`.
type CountParts<'a> = (Option<&'a str>, Option<(char, Option<&'a str>)>);

fn count(input: &str) -> IResult<&str, CountParts<'_>> {
    (opt(digit1), opt((char('-'), opt(digit1)))).parse(input)
}

pub fn parse(inner: &str) -> Result<Count, AtomError> {
    let bad = || {
        AtomError::new(
            0..inner.len(),
            format!("invalid list count `[{inner}]`"),
            "expected `[N]`, `[N-]` or `[N-M]`",
        )
    };
    let (_, (min, range)) = all_consuming(count).parse(inner).map_err(|_| bad())?;
    let num = |d: &str| d.parse::<u64>().map_err(|_| bad());
    let result = match (min, range) {
        (None, None) => Count { min: 0, max: None },
        (Some(n), None) => {
            let n = num(n)?;
            Count {
                min: n,
                max: Some(n),
            }
        }
        (Some(n), Some((_, None))) => Count {
            min: num(n)?,
            max: None,
        },
        (Some(n), Some((_, Some(m)))) => Count {
            min: num(n)?,
            max: Some(num(m)?),
        },
        (None, Some(_)) => return Err(bad()),
    };
    if result.max.is_some_and(|max| max < result.min) {
        return Err(AtomError::new(
            0..inner.len(),
            format!("list count `[{inner}]` has its upper bound below its lower bound"),
            "empty range",
        ));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(parse(""), Ok(Count { min: 0, max: None }));
        assert_eq!(
            parse("3"),
            Ok(Count {
                min: 3,
                max: Some(3)
            })
        );
        assert_eq!(parse("1-"), Ok(Count { min: 1, max: None }));
        assert_eq!(
            parse("1-5"),
            Ok(Count {
                min: 1,
                max: Some(5)
            })
        );
        assert!(parse("5-1").is_err());
        assert!(parse("-1").is_err());
    }
}
