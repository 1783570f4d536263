//! hyper answers a request it cannot parse by itself (400, 414, 431 with an empty body) before
//! the service ever sees it. Those replies are rewritten, as they are written, into the
//! runtime's error shape — a JSON body and an `x-starlane-error` code — so every error a client
//! gets looks the same.

use crate::codes;
use crate::error::RuntimeError;

/// A replacement reply being written.
pub struct Rewrite {
    bytes: Vec<u8>,
    written: usize,
}

impl Rewrite {
    pub fn remaining(&self) -> &[u8] {
        &self.bytes[self.written..]
    }

    pub fn advance(&mut self, n: usize) {
        self.written = (self.written + n).min(self.bytes.len());
    }
}

/// The rewrite of hyper's automatic reply that `head` starts, if it is one: status 400, 414 or
/// 431 with no body.
pub fn rewrite(head: &[u8]) -> Option<Rewrite> {
    let line_end = head.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&head[..line_end]).ok()?;
    let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
    let empty = std::str::from_utf8(head)
        .ok()?
        .to_ascii_lowercase()
        .contains("\r\ncontent-length: 0\r\n");
    if !empty {
        return None;
    }
    let error = match status {
        400 => RuntimeError::new(codes::BAD_REQUEST, "the request is not valid HTTP/1.1"),
        414 => {
            let mut e = RuntimeError::new(codes::BAD_REQUEST, "the request target is too long");
            e.status = 414;
            e
        }
        431 => RuntimeError::new(
            codes::HEADERS_TOO_LARGE,
            "the request head is too large or has too many headers",
        ),
        _ => return None,
    };
    Some(Rewrite {
        bytes: render(&error),
        written: 0,
    })
}

/// A whole HTTP/1.1 reply for `error` that closes the connection.
fn render(error: &RuntimeError) -> Vec<u8> {
    let body = serde_json::to_vec_pretty(&error.to_json()).unwrap_or_default();
    let reason = hyper::StatusCode::from_u16(error.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\nx-starlane-error: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        error.status,
        error.code.id,
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_empty_error_replies_become_json_errors() {
        let head =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let r = rewrite(head).unwrap();
        let text = String::from_utf8(r.remaining().to_vec()).unwrap();
        assert!(text.starts_with("HTTP/1.1 431 "), "{text}");
        assert!(text.contains("x-starlane-error: E0207\r\n"), "{text}");
        assert!(text.contains("\"code\": \"E0207\""), "{text}");
        let r = rewrite(b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n").unwrap();
        let text = String::from_utf8(r.remaining().to_vec()).unwrap();
        assert!(text.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{text}");
        assert!(text.contains("E0208"), "{text}");
    }

    #[test]
    fn other_replies_are_left_alone() {
        assert!(rewrite(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n").is_none());
        assert!(rewrite(b"HTTP/1.1 100 Continue\r\n\r\n").is_none());
    }
}
