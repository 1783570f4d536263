//! The Prometheus text exposition, written by `prometheus-client` (its `prometheus_text`
//! encoder: `# HELP`/`# TYPE`, escaping, the `_total` suffix of counters, histogram buckets).
//! The runtime's parts keep their counts where they are cheapest to update (atomics, maps found
//! without allocating) and describe them at scrape time as [`Family`]s, which one collector hands
//! to the crate's encoder — so families come out in the order given, samples in key order.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, prometheus_text};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`render`]'s output.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// One sample's value.
#[derive(Debug, Clone)]
pub enum Value {
    Count(u64),
    Seconds(f64),
    Level(i64),
    Histogram(Histogram),
}

/// A metric family at scrape time: its name (counters without `_total`, which the encoder adds),
/// help, type and samples.
#[derive(Debug)]
pub struct Family {
    name: &'static str,
    help: &'static str,
    kind: MetricType,
    samples: Vec<(Vec<(&'static str, String)>, Value)>,
}

impl Family {
    pub fn counter(name: &'static str, help: &'static str) -> Family {
        Family::new(name, help, MetricType::Counter)
    }

    pub fn gauge(name: &'static str, help: &'static str) -> Family {
        Family::new(name, help, MetricType::Gauge)
    }

    pub fn histogram(name: &'static str, help: &'static str) -> Family {
        Family::new(name, help, MetricType::Histogram)
    }

    fn new(name: &'static str, help: &'static str, kind: MetricType) -> Family {
        Family {
            name,
            help,
            kind,
            samples: Vec::new(),
        }
    }

    /// Adds a sample with `labels` (label values are escaped by the encoder).
    pub fn sample(mut self, labels: &[(&'static str, &str)], value: Value) -> Family {
        self.push(labels, value);
        self
    }

    pub fn push(&mut self, labels: &[(&'static str, &str)], value: Value) {
        let labels = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.samples.push((labels, value));
    }
}

/// The exposition of `families`, in order.
pub fn render(families: Vec<Family>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Families(families)));
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_text::encode(&mut out, &registry);
    out
}

#[derive(Debug)]
struct Families(Vec<Family>);

impl Collector for Families {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for family in &self.0 {
            let mut metric =
                encoder.encode_descriptor(family.name, family.help, None, family.kind)?;
            for (labels, value) in &family.samples {
                let sample = metric.encode_family(labels)?;
                match value {
                    Value::Count(n) => ConstCounter::new(*n).encode(sample)?,
                    Value::Seconds(s) => ConstCounter::new(*s).encode(sample)?,
                    Value::Level(n) => ConstGauge::new(*n).encode(sample)?,
                    Value::Histogram(h) => h.encode(sample)?,
                }
            }
        }
        Ok(())
    }
}
