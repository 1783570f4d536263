//! Live logs (`specs/runtime.md` §10): a `tracing` layer that turns every event into one JSON
//! object, keeps the most recent in memory and hands new ones to followers — what `GET /logs`
//! on the admin listener (`starlane logs`) serves.
//!
//! Each line carries the event's fields (a request's `mechtron`, `port`, `code`, a guest
//! console line's `mechtron` and `port`) and the fields of the spans it happened in (the
//! request's `request_id`), flattened, so a line can be filtered and joined without parsing
//! its message.

use std::collections::VecDeque;
use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use tokio::sync::broadcast;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Record};
use tracing::{Event, Id, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// Lines kept for `--since` and for a client that connects later.
pub const KEPT_LINES: usize = 10_000;
/// Lines a slow follower may fall behind before it is told it missed some.
const FOLLOW_BUFFER: usize = 4_096;

/// One log line.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Increasing; a follower that joins during a snapshot skips what it already has.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    pub level: Level,
    pub mechtron: Option<String>,
    /// The line as one JSON object (no newline).
    pub json: String,
}

/// Which lines a reader wants.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub mechtron: Option<String>,
    /// The least severe level shown (`warn` shows warnings and errors).
    pub level: Option<Level>,
    /// Only lines at most this old.
    pub since: Option<Duration>,
}

impl LogFilter {
    pub fn admits(&self, line: &LogLine, now_ms: u64) -> bool {
        // tracing orders levels by verbosity: ERROR < WARN < INFO.
        self.level.is_none_or(|l| line.level <= l)
            && self
                .mechtron
                .as_ref()
                .is_none_or(|m| line.mechtron.as_deref() == Some(m.as_str()))
            && self
                .since
                .is_none_or(|s| line.at_ms + s.as_millis() as u64 >= now_ms)
    }
}

/// The logs of this process: recent lines and a channel of new ones.
pub struct LogHub {
    recent: Mutex<VecDeque<Arc<LogLine>>>,
    next: AtomicU64,
    new_lines: broadcast::Sender<Arc<LogLine>>,
}

impl LogHub {
    pub fn new() -> Arc<LogHub> {
        Arc::new(LogHub {
            recent: Mutex::new(VecDeque::with_capacity(KEPT_LINES)),
            next: AtomicU64::new(0),
            new_lines: broadcast::channel(FOLLOW_BUFFER).0,
        })
    }

    /// The `tracing` layer that feeds this hub.
    pub fn layer(self: &Arc<Self>) -> HubLayer {
        HubLayer {
            hub: self.clone(),
            sinks: Mutex::new(Vec::new()),
        }
    }

    /// The layer, also writing each line (and a newline) to every sink: stderr for
    /// `--log-format json`, the `--log-file`. One format everywhere.
    pub fn layer_writing_to(self: &Arc<Self>, sinks: Vec<Box<dyn Write + Send>>) -> HubLayer {
        HubLayer {
            hub: self.clone(),
            sinks: Mutex::new(sinks),
        }
    }

    fn push(&self, at_ms: u64, level: Level, mechtron: Option<String>, json: String) {
        let line = Arc::new(LogLine {
            seq: self.next.fetch_add(1, Ordering::Relaxed),
            at_ms,
            level,
            mechtron,
            json,
        });
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() == KEPT_LINES {
                recent.pop_front();
            }
            recent.push_back(line.clone());
        }
        let _ = self.new_lines.send(line);
    }

    /// New lines from now on (subscribe before taking [`LogHub::recent`] so none fall between).
    pub fn follow(&self) -> broadcast::Receiver<Arc<LogLine>> {
        self.new_lines.subscribe()
    }

    /// The kept lines the filter admits, oldest first.
    pub fn recent(&self, filter: &LogFilter) -> Vec<Arc<LogLine>> {
        let now = now_ms();
        self.recent
            .lock()
            .map(|r| {
                r.iter()
                    .filter(|l| filter.admits(l, now))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `2026-12-02T18:40:42.123Z`.
pub fn utc_millis(ms: u64) -> String {
    let seconds = starlane_ir::signature::utc(ms / 1000);
    format!("{}.{:03}Z", seconds.trim_end_matches('Z'), ms % 1000)
}

/// Feeds a [`LogHub`]; add it to the process's subscriber.
pub struct HubLayer {
    hub: Arc<LogHub>,
    sinks: Mutex<Vec<Box<dyn Write + Send>>>,
}

/// Fields recorded on a span, kept in its extensions.
struct SpanFields(Map<String, Value>);

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::from(format!("{value:?}")));
    }
}

impl<S> Layer<S> for HubLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut JsonVisitor(&mut fields.0));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let at_ms = now_ms();
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert("timestamp".into(), Value::from(utc_millis(at_ms)));
        line.insert("level".into(), Value::from(meta.level().as_str()));
        line.insert("target".into(), Value::from(meta.target()));
        // Outer spans first, so the event's own fields win a name clash.
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    for (k, v) in &fields.0 {
                        line.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        event.record(&mut JsonVisitor(&mut line));
        let mechtron = line
            .get("mechtron")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .map(str::to_string);
        let json = Value::Object(line).to_string();
        if let Ok(mut sinks) = self.sinks.lock() {
            for sink in sinks.iter_mut() {
                // A log that cannot be written must not take the process down.
                let _ = sink.write_all(format!("{json}\n").as_bytes());
            }
        }
        self.hub.push(at_ms, *meta.level(), mechtron, json);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn events_become_json_lines_with_their_span_fields_and_filters_apply() {
        let hub = LogHub::new();
        let subscriber = tracing_subscriber::registry().with(hub.layer());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", request_id = "r-1");
            let _in = span.enter();
            tracing::info!(mechtron = "hello", port = "greet", "a console line");
            tracing::warn!(code = "E0205", "refused");
        });
        let all = hub.recent(&LogFilter::default());
        assert_eq!(all.len(), 2);
        let first: Value = serde_json::from_str(&all[0].json).unwrap();
        assert_eq!(first["message"], "a console line");
        assert_eq!(first["mechtron"], "hello");
        assert_eq!(first["port"], "greet");
        assert_eq!(first["request_id"], "r-1");
        assert_eq!(first["level"], "INFO");
        assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));
        let warn_only = LogFilter {
            level: Some(Level::WARN),
            ..Default::default()
        };
        assert_eq!(hub.recent(&warn_only).len(), 1);
        let hello = LogFilter {
            mechtron: Some("hello".into()),
            ..Default::default()
        };
        assert_eq!(hub.recent(&hello).len(), 1);
        assert!(all[0].seq < all[1].seq);
    }

    #[test]
    fn only_the_most_recent_lines_are_kept() {
        let hub = LogHub::new();
        for i in 0..KEPT_LINES + 5 {
            hub.push(0, Level::INFO, None, i.to_string());
        }
        let kept = hub.recent(&LogFilter::default());
        assert_eq!(kept.len(), KEPT_LINES);
        assert_eq!(kept[0].json, "5");
    }

    #[test]
    fn millisecond_timestamps() {
        assert_eq!(utc_millis(1_796_236_842_007), "2026-12-02T18:40:42.007Z");
    }
}
