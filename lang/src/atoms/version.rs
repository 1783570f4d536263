//! `MAJOR.MINOR.PATCH(-prerelease)?`

use nom::bytes::complete::take_while1;
use nom::character::complete::{char, digit1};
use nom::combinator::{all_consuming, opt, recognize};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::{AtomError, offset};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<String>,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

fn number(input: &str) -> IResult<&str, u64> {
    digit1.map_res(|d: &str| d.parse::<u64>()).parse(input)
}

fn semver(input: &str) -> IResult<&str, Version> {
    (
        number,
        preceded(char('.'), number),
        preceded(char('.'), number),
        opt(preceded(
            char('-'),
            recognize(take_while1(|c: char| {
                c.is_ascii_alphanumeric() || c == '.' || c == '-'
            })),
        )),
    )
        .map(|(major, minor, patch, pre)| Version {
            major,
            minor,
            patch,
            pre: pre.map(str::to_string),
        })
        .parse(input)
}

/// Parses a whole version atom.
pub fn parse(text: &str) -> Result<Version, AtomError> {
    match all_consuming(semver).parse(text) {
        Ok((_, v)) => Ok(v),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let at = offset(text, e.input);
            Err(AtomError::new(
                at..text.len().max(at),
                format!("invalid version `{text}`"),
                "expected a version such as `1.0.0`",
            ))
        }
        Err(nom::Err::Incomplete(_)) => {
            Err(AtomError::new(0..text.len(), "invalid version", "here"))
        }
    }
}

/// Parses a version at the start of `text`, returning it and its length (for points).
pub(crate) fn prefix(text: &str) -> Option<(Version, usize)> {
    semver(text)
        .ok()
        .map(|(rest, v)| (v, text.len() - rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse("1.0.0").unwrap().to_string(), "1.0.0");
        assert_eq!(
            parse("1.1.0-beta.1").unwrap().pre.as_deref(),
            Some("beta.1")
        );
        assert_eq!(parse("1.0").unwrap_err().span, 3..3);
        assert_eq!(parse("1.x.0").unwrap_err().span, 2..5);
    }
}
