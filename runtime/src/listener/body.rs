//! Reading a request body within its limits: the payload limit (declared `Content-Length` and
//! bytes as they arrive), the shared body budget, and the body-read timeout.

use std::time::Duration;

use http_body_util::BodyExt;

use super::budget::{BodyBudget, BodyHold};
use crate::codes;
use crate::error::RuntimeError;

/// The whole body, and the budget it holds until the request is answered.
pub async fn read_body<B>(
    mut body: B,
    declared: Option<u64>,
    limit: u64,
    budget: &BodyBudget,
    timeout: Duration,
) -> Result<(Vec<u8>, BodyHold), RuntimeError>
where
    B: hyper::body::Body<Data = bytes::Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let mut hold = budget.hold();
    // A declared length is drawn from the budget at once (and the buffer sized to it), so a
    // request that cannot fit is refused before its body is read.
    let expected = declared.unwrap_or(0) as usize;
    if !budget.draw(&mut hold, expected) {
        return Err(over_budget(budget));
    }
    let mut bytes = Vec::with_capacity(expected);
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                return Err(RuntimeError::new(
                    codes::REQUEST_TIMEOUT,
                    format!(
                        "the request body did not arrive within {} s ({} bytes came)",
                        timeout.as_secs_f64(),
                        bytes.len()
                    ),
                ));
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(RuntimeError::new(
                    codes::BAD_REQUEST,
                    format!("the request body could not be read: {e}"),
                ));
            }
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        if (bytes.len() + data.len()) as u64 > limit {
            return Err(too_large(limit));
        }
        let more = (bytes.len() + data.len()).saturating_sub(hold.bytes());
        if !budget.draw(&mut hold, more) {
            return Err(over_budget(budget));
        }
        bytes.extend_from_slice(&data);
    }
    Ok((bytes, hold))
}

fn over_budget(budget: &BodyBudget) -> RuntimeError {
    RuntimeError::new(
        codes::OVERLOADED,
        format!(
            "the request bodies being received hold the whole body budget ({} bytes); try again later",
            budget.total()
        ),
    )
}

fn too_large(limit: u64) -> RuntimeError {
    RuntimeError::new(
        codes::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than the limit of {limit} bytes"),
    )
}
