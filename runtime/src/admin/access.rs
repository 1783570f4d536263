//! Who may use the admin listener, checked before any endpoint runs: a request from a web page
//! (`Origin`) is refused; its `Host` must be the listener's own (DNS rebinding); it needs the
//! admin token unless the endpoint was opened by the operator; a `POST` must be JSON (so a
//! browser would have to preflight, and no preflight is ever granted).

use std::net::{IpAddr, SocketAddr};

use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use hyper::{Method, Request};

use super::token;
use crate::codes;
use crate::error::RuntimeError;

/// The read endpoints an operator may open to callers without the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenRead {
    Status,
    Healthz,
    Metrics,
}

impl OpenRead {
    pub fn parse(name: &str) -> Option<OpenRead> {
        match name.trim().trim_start_matches('/') {
            "status" => Some(OpenRead::Status),
            "healthz" => Some(OpenRead::Healthz),
            "metrics" => Some(OpenRead::Metrics),
            _ => None,
        }
    }

    fn of(method: &Method, path: &str) -> Option<OpenRead> {
        if method != Method::GET {
            return None;
        }
        match path {
            "/status" => Some(OpenRead::Status),
            "/healthz" => Some(OpenRead::Healthz),
            "/metrics" => Some(OpenRead::Metrics),
            _ => None,
        }
    }
}

/// The admin listener's access rules and caps.
#[derive(Debug, Clone)]
pub struct AdminAccess {
    /// SHA-256 digests of the tokens that may use the listener.
    tokens: Vec<[u8; 32]>,
    /// Whether the tokens were configured by the operator (not generated at start).
    configured: bool,
    open: Vec<OpenRead>,
    /// Names (with or without a port) that requests may give as `Host`, besides the listener's
    /// own address.
    hosts: Vec<String>,
    /// The largest request body.
    pub max_body: usize,
    /// Requests served at once.
    pub max_concurrency: usize,
}

impl Default for AdminAccess {
    fn default() -> Self {
        AdminAccess {
            tokens: Vec::new(),
            configured: false,
            open: Vec::new(),
            hosts: Vec::new(),
            max_body: 1 << 20,
            max_concurrency: 8,
        }
    }
}

impl AdminAccess {
    /// Tokens configured by the operator, by their SHA-256 digests.
    pub fn with_token_digests(mut self, digests: Vec<[u8; 32]>) -> AdminAccess {
        self.configured |= !digests.is_empty();
        self.tokens.extend(digests);
        self
    }

    /// A token generated at start (for a loopback listener).
    pub fn with_generated_token(mut self, token: &str) -> AdminAccess {
        self.tokens.push(token::digest(token));
        self
    }

    pub fn open(mut self, reads: Vec<OpenRead>) -> AdminAccess {
        self.open = reads;
        self
    }

    pub fn hosts(mut self, hosts: Vec<String>) -> AdminAccess {
        self.hosts = hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect();
        self
    }

    /// Whether the operator configured credentials (a generated token does not count for a
    /// listener that is reachable from other machines).
    pub fn has_configured_credentials(&self) -> bool {
        self.configured
    }

    pub fn has_tokens(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Every check that comes before the endpoint; `local` is the listener's address.
    pub fn admit<B>(&self, req: &Request<B>, local: SocketAddr) -> Result<(), RuntimeError> {
        if req.headers().contains_key(ORIGIN) {
            return Err(RuntimeError::new(
                codes::CROSS_ORIGIN,
                "the request comes from a web page (it has an `Origin` header); the admin listener serves tools only",
            ));
        }
        self.check_host(req, local)?;
        let open =
            OpenRead::of(req.method(), req.uri().path()).is_some_and(|r| self.open.contains(&r));
        if !open {
            self.check_token(req)?;
        }
        // A body must say what it is: JSON for a POST, a bundle file for a PUT, so that no form a
        // web page can send without a preflight is ever acted on.
        let expected = match *req.method() {
            Method::POST => Some("application/json"),
            Method::PUT => Some("application/octet-stream"),
            _ => None,
        };
        if let Some(expected) = expected {
            let matches = req
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected));
            if !matches {
                return Err(RuntimeError::new(
                    codes::UNSUPPORTED_MEDIA_TYPE,
                    format!(
                        "a {} to the admin listener must be `Content-Type: {expected}`",
                        req.method()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_host<B>(&self, req: &Request<B>, local: SocketAddr) -> Result<(), RuntimeError> {
        let host = req
            .headers()
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        let Some(host) = host else {
            return Err(RuntimeError::new(
                codes::HOST_NOT_ALLOWED,
                "the request has no `Host` header",
            ));
        };
        if host_is_allowed(&host, local, &self.hosts) {
            return Ok(());
        }
        Err(RuntimeError::new(
            codes::HOST_NOT_ALLOWED,
            format!(
                "`Host: {host}` is not this admin listener ({local}); add the name to `[run.admin] hosts` to use it"
            ),
        )
        .detail("host", host))
    }

    fn check_token<B>(&self, req: &Request<B>) -> Result<(), RuntimeError> {
        let presented = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(token)
            });
        let Some(presented) = presented else {
            return Err(RuntimeError::new(
                codes::ADMIN_UNAUTHENTICATED,
                "the admin listener needs `Authorization: Bearer TOKEN`",
            ));
        };
        let d = token::digest(presented);
        // Every digest is compared, so the time taken does not tell which one nearly matched.
        let known = self
            .tokens
            .iter()
            .fold(false, |found, t| found | token::same_digest(t, &d));
        if known {
            Ok(())
        } else {
            Err(RuntimeError::new(
                codes::ADMIN_UNAUTHENTICATED,
                "the admin token is not one this listener accepts",
            ))
        }
    }
}

/// Whether `host` (a `Host` header value, lower case) names the listener at `local`: an IP
/// literal with the listener's port (IP literals cannot be rebound), `localhost` with the port
/// when the listener is on loopback, or a configured name.
pub fn host_is_allowed(host: &str, local: SocketAddr, configured: &[String]) -> bool {
    let (name, port) = split_host(host);
    let port_ok = port.is_none_or(|p| p == local.port());
    if configured
        .iter()
        .any(|c| c == host || (c == name && port_ok))
    {
        return true;
    }
    if port != Some(local.port()) {
        return false;
    }
    let literal = name.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return local.ip().is_unspecified()
            || ip == local.ip()
            || (ip.is_loopback() && local.ip().is_loopback());
    }
    name == "localhost" && local.ip().is_loopback()
}

/// `name:port` → (`name`, port); `[::1]:90` → (`[::1]`, 90). A port that does not parse is
/// `Some(0)`, which no listener has.
fn split_host(host: &str) -> (&str, Option<u16>) {
    let port = |p: &str| Some(p.parse().unwrap_or(0));
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => {
                let (name, rest) = host.split_at(end + 1);
                (name, rest.strip_prefix(':').and_then(port))
            }
            None => (host, None),
        };
    }
    match host.split_once(':') {
        Some((name, p)) => (name, port(p)),
        None => (host, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_must_name_the_listener() {
        let local: SocketAddr = "127.0.0.1:9090".parse().unwrap();
        assert!(host_is_allowed("127.0.0.1:9090", local, &[]));
        assert!(host_is_allowed("localhost:9090", local, &[]));
        assert!(host_is_allowed("[::1]:9090", local, &[]));
        assert!(!host_is_allowed("127.0.0.1:9091", local, &[]));
        assert!(!host_is_allowed("evil.example:9090", local, &[]));
        assert!(
            !host_is_allowed("localhost", local, &[]),
            "the port is required"
        );
        assert!(!host_is_allowed("10.0.0.1:9090", local, &[]));
        let names = ["admin.internal".to_string()];
        assert!(host_is_allowed("admin.internal", local, &names));
        assert!(host_is_allowed("admin.internal:9090", local, &names));
        assert!(!host_is_allowed("admin.internal:1", local, &names));
        let any: SocketAddr = "0.0.0.0:9090".parse().unwrap();
        assert!(host_is_allowed("10.0.0.1:9090", any, &[]));
        assert!(!host_is_allowed("localhost:9090", any, &[]));
        assert!(!host_is_allowed("rebound.example:9090", any, &[]));
    }

    #[test]
    fn hosts_split_into_name_and_port() {
        assert_eq!(split_host("a:1"), ("a", Some(1)));
        assert_eq!(split_host("a"), ("a", None));
        assert_eq!(split_host("[::1]:5"), ("[::1]", Some(5)));
        assert_eq!(split_host("[::1]"), ("[::1]", None));
    }

    fn req(method: &str, path: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut r = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.body(()).unwrap()
    }

    #[test]
    fn every_check_refuses_with_its_own_code() {
        let local: SocketAddr = "127.0.0.1:9090".parse().unwrap();
        let access = AdminAccess::default()
            .with_token_digests(vec![token::digest("s3cret")])
            .open(vec![OpenRead::Metrics]);
        let host = ("host", "127.0.0.1:9090");
        let auth = ("authorization", "Bearer s3cret");
        let json = ("content-type", "application/json");
        let code = |r: Request<()>| access.admit(&r, local).err().map(|e| e.code.id);
        assert_eq!(code(req("GET", "/status", &[host, auth])), None);
        assert_eq!(code(req("GET", "/metrics", &[host])), None, "opened");
        assert_eq!(code(req("GET", "/status", &[host])), Some("E0227"));
        assert_eq!(
            code(req(
                "GET",
                "/status",
                &[host, ("authorization", "Bearer nope")]
            )),
            Some("E0227")
        );
        assert_eq!(code(req("GET", "/status", &[auth])), Some("E0228"));
        assert_eq!(
            code(req("GET", "/status", &[("host", "evil:9090"), auth])),
            Some("E0228")
        );
        assert_eq!(code(req("POST", "/messages", &[host, auth, json])), None);
        assert_eq!(
            code(req(
                "POST",
                "/messages",
                &[host, auth, ("content-type", "text/plain")]
            )),
            Some("E0229")
        );
        assert_eq!(
            code(req(
                "POST",
                "/messages",
                &[host, auth, json, ("origin", "https://x")]
            )),
            Some("E0230")
        );
    }
}
