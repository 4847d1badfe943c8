//! Prometheus's text exposition format 0.0.4, and the three kinds of series it carries: counters,
//! gauges (read when scraped) and histograms with fixed buckets. A few dozen lines of our own
//! rather than a crate: the format is small and stable, and nothing here needs a registry.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// A count that only goes up.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Observations counted into fixed buckets (upper bounds, ascending), with their sum and count.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// One per bound, not cumulative (the writer adds them up).
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    /// An `f64`'s bits.
    sum: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0f64.to_bits()),
        }
    }

    pub fn observe(&self, value: f64) {
        if let Some(i) = self.bounds.iter().position(|b| value <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        let _ = self
            .sum
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

/// Series of one metric told apart by their labels' values. The values must come from a bounded
/// set (code constants, status codes, route templates): every new combination stays for the
/// life of the process.
pub struct Family<M> {
    names: &'static [&'static str],
    make: fn() -> M,
    series: RwLock<BTreeMap<Vec<String>, Arc<M>>>,
}

impl<M> Family<M> {
    pub fn new(names: &'static [&'static str], make: fn() -> M) -> Family<M> {
        Family {
            names,
            make,
            series: RwLock::new(BTreeMap::new()),
        }
    }

    /// The series for these label values (in the order of the family's names), made if new.
    pub fn with(&self, values: &[&str]) -> Arc<M> {
        debug_assert_eq!(values.len(), self.names.len());
        let key: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        if let Some(found) = self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return found.clone();
        }
        self.series
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_insert_with(|| Arc::new((self.make)()))
            .clone()
    }

    /// Every series, in label order (so a scrape reads the same from one time to the next).
    fn each(&self) -> Vec<(Vec<String>, Arc<M>)> {
        self.series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The text a scrape answers, written one metric at a time.
#[derive(Default)]
pub struct Exposition {
    out: String,
}

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

impl Exposition {
    fn head(&mut self, name: &str, help: &str, kind: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// One unlabelled counter.
    pub fn counter(&mut self, name: &str, help: &str, value: u64) {
        self.head(name, help, "counter");
        let _ = writeln!(self.out, "{name} {value}");
    }

    pub fn counters(&mut self, name: &str, help: &str, family: &Family<Counter>) {
        self.head(name, help, "counter");
        for (values, counter) in family.each() {
            let labels = labels(family.names, &values, None);
            let _ = writeln!(self.out, "{name}{labels} {}", counter.get());
        }
    }

    /// A gauge read now: one sample per label set given.
    pub fn gauge(&mut self, name: &str, help: &str, samples: &[(&[(&str, &str)], f64)]) {
        self.head(name, help, "gauge");
        for (pairs, value) in samples {
            let names: Vec<&str> = pairs.iter().map(|(n, _)| *n).collect();
            let values: Vec<String> = pairs.iter().map(|(_, v)| (*v).to_owned()).collect();
            let labels = labels(&names, &values, None);
            let _ = writeln!(self.out, "{name}{labels} {}", number(*value));
        }
    }

    pub fn histograms(&mut self, name: &str, help: &str, family: &Family<Histogram>) {
        self.head(name, help, "histogram");
        for (values, h) in family.each() {
            let mut seen = 0u64;
            for (bound, bucket) in h.bounds.iter().zip(h.buckets.iter()) {
                seen += bucket.load(Ordering::Relaxed);
                let le = number(*bound);
                let labels = labels(family.names, &values, Some(&le));
                let _ = writeln!(self.out, "{name}_bucket{labels} {seen}");
            }
            // Read after the buckets: an observation under way shows in the count, never the
            // other way round, so +Inf is never below the last bucket.
            let count = h.count().max(seen);
            let inf = labels(family.names, &values, Some("+Inf"));
            let plain = labels(family.names, &values, None);
            let sum = number(f64::from_bits(h.sum.load(Ordering::Relaxed)));
            let _ = writeln!(self.out, "{name}_bucket{inf} {count}");
            let _ = writeln!(self.out, "{name}_sum{plain} {sum}");
            let _ = writeln!(self.out, "{name}_count{plain} {count}");
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// `{a="x",b="y"}` (empty without labels), with `le` last for a histogram's bucket.
fn labels(names: &[&str], values: &[String], le: Option<&str>) -> String {
    let mut pairs: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
        .collect();
    if let Some(le) = le {
        pairs.push(format!("le=\"{le}\""));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", pairs.join(","))
    }
}

/// A label value as the format wants it: backslash, double quote and line feed escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_gauges_read_as_the_text_format() {
        let family = Family::new(&["method", "route"], Counter::default);
        family.with(&["GET", "/a"]).inc();
        family.with(&["GET", "/a"]).inc();
        family.with(&["POST", "/b"]).inc();
        let mut e = Exposition::default();
        e.counters("requests_total", "Requests.", &family);
        e.gauge("open", "Open now.", &[(&[], 3.0)]);
        e.counter("sent_total", "Sent.", 0);
        assert_eq!(
            e.finish(),
            "# HELP requests_total Requests.\n# TYPE requests_total counter\n\
             requests_total{method=\"GET\",route=\"/a\"} 2\n\
             requests_total{method=\"POST\",route=\"/b\"} 1\n\
             # HELP open Open now.\n# TYPE open gauge\nopen 3\n\
             # HELP sent_total Sent.\n# TYPE sent_total counter\nsent_total 0\n"
        );
    }

    #[test]
    fn a_histogram_is_cumulative_with_its_sum_and_count() {
        static BOUNDS: [f64; 3] = [0.1, 0.5, 1.0];
        let family = Family::new(&["route"], || Histogram::new(&BOUNDS));
        let h = family.with(&["/x"]);
        for v in [0.05, 0.3, 0.3, 2.0] {
            h.observe(v);
        }
        let mut e = Exposition::default();
        e.histograms("latency_seconds", "Latency.", &family);
        let text = e.finish();
        assert!(text.contains("latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"));
        assert!(text.contains("latency_seconds_bucket{route=\"/x\",le=\"0.5\"} 3\n"));
        assert!(text.contains("latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"));
        assert!(text.contains("latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"));
        assert!(text.contains("latency_seconds_sum{route=\"/x\"} 2.65\n"));
        assert!(text.contains("latency_seconds_count{route=\"/x\"} 4\n"));
    }

    /// Hostile label values (quotes, line feeds, backslashes) cannot break a line or forge one.
    #[test]
    fn label_values_are_escaped() {
        let family = Family::new(&["route"], Counter::default);
        family.with(&["/a\"}\nforged_total 99\n\\"]).inc();
        let mut e = Exposition::default();
        e.counters("c_total", "Help with a\nline feed.", &family);
        let text = e.finish();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.contains(r#"c_total{route="/a\"}\nforged_total 99\n\\"} 1"#));
        assert!(!text.lines().any(|l| l.starts_with("forged_total")));
    }

    #[test]
    fn empty_families_write_only_their_head_and_odd_numbers_their_names() {
        let family: Family<Counter> = Family::new(&["kind"], Counter::default);
        let mut e = Exposition::default();
        e.counters("none_total", "Nothing yet.", &family);
        e.gauge(
            "odd",
            "Odd.",
            &[
                (&[("x", "inf")], f64::INFINITY),
                (&[("x", "nan")], f64::NAN),
            ],
        );
        let text = e.finish();
        assert!(text
            .starts_with("# HELP none_total Nothing yet.\n# TYPE none_total counter\n# HELP odd"));
        assert!(text.contains("odd{x=\"inf\"} +Inf\n") && text.contains("odd{x=\"nan\"} NaN\n"));
    }
}
