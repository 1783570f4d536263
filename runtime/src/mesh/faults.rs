//! Fault injection for tests and diagnosis (`STARLANE_MESH_FAULTS`): the receiving host drops
//! what it would receive or send for the first attempts of every message, so resends and
//! dedupe can be shown to work against a real NATS server. Off unless the variable is set; the
//! host logs a warning when it is on.

/// `drop-in=N`: ignore attempts 1..=N of every message as if lost before arriving;
/// `drop-out=N`: send no ack and no reply for attempts 1..=N (lost on the way back — the
/// first attempt still runs, so its resends must not run it again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    pub drop_in: u32,
    pub drop_out: u32,
}

impl Faults {
    pub fn parse(text: &str) -> Result<Faults, String> {
        let mut faults = Faults::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected drop-in=N or drop-out=N"))?;
            let n: u32 = value
                .parse()
                .map_err(|_| format!("`{part}`: `{value}` is not a count"))?;
            match key {
                "drop-in" => faults.drop_in = n,
                "drop-out" => faults.drop_out = n,
                _ => return Err(format!("`{key}` is not a mesh fault (drop-in, drop-out)")),
            }
        }
        Ok(faults)
    }

    pub fn from_env() -> Result<Faults, String> {
        match std::env::var("STARLANE_MESH_FAULTS") {
            Ok(text) => Faults::parse(&text).map_err(|e| format!("STARLANE_MESH_FAULTS: {e}")),
            Err(_) => Ok(Faults::default()),
        }
    }

    pub fn any(&self) -> bool {
        *self != Faults::default()
    }

    pub fn drops_incoming(&self, attempt: u32) -> bool {
        attempt <= self.drop_in
    }

    pub fn drops_outgoing(&self, attempt: u32) -> bool {
        attempt <= self.drop_out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse() {
        assert_eq!(Faults::parse("").unwrap(), Faults::default());
        let f = Faults::parse("drop-in=1, drop-out=2").unwrap();
        assert!(f.drops_incoming(1) && !f.drops_incoming(2));
        assert!(f.drops_outgoing(2) && !f.drops_outgoing(3));
        assert!(Faults::parse("drop-all=1").is_err());
        assert!(Faults::parse("drop-in").is_err());
    }
}
