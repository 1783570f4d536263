//! Durations in test files, written as in `.bind` files: whole numbers with `ms` or `s`.

use std::time::Duration;

/// `200ms`, `31s` → a duration; anything else is an error naming the accepted forms.
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = match text.strip_suffix("ms") {
        Some(d) => (d, 1),
        None => match text.strip_suffix('s') {
            Some(d) => (d, 1000),
            None => {
                return Err(format!(
                    "`{text}` is not a duration such as `200ms` or `31s`"
                ));
            }
        },
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as `200ms` or `31s`"))?;
    Ok(Duration::from_millis(n.saturating_mul(unit)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_milliseconds_and_seconds() {
        assert_eq!(super::parse("200ms").unwrap().as_millis(), 200);
        assert_eq!(super::parse("31s").unwrap().as_secs(), 31);
        assert!(super::parse("1.5s").is_err());
        assert!(super::parse("5m").is_err());
    }
}
