//! `GET /metrics`: what `webhook serve` has done, in Prometheus's text format (version 0.0.4),
//! and the one log line per request on stderr.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use clap::ValueEnum;
use serde_json::json;

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the commit-time histogram, in seconds.
const COMMIT_BUCKETS: [f64; 13] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Upper bounds of the batch-size histogram, in webhooks per commit.
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// The counters and histograms of one server.
pub struct Metrics {
    requests: Mutex<BTreeMap<u16, u64>>,
    outcomes: Mutex<BTreeMap<&'static str, u64>>,
    connection_errors: Mutex<BTreeMap<&'static str, u64>>,
    commit_seconds: Histogram<13>,
    batch_size: Histogram<9>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics {
            requests: Mutex::new(BTreeMap::new()),
            outcomes: Mutex::new(BTreeMap::new()),
            connection_errors: Mutex::new(BTreeMap::new()),
            commit_seconds: Histogram::new(COMMIT_BUCKETS),
            batch_size: Histogram::new(BATCH_BUCKETS),
        }
    }

    /// A request answered with `status`, and what became of its webhook, if it carried one.
    pub fn answered(&self, status: u16, outcome: Option<&'static str>) {
        *self.requests.lock().unwrap_or_else(PoisonError::into_inner).entry(status).or_default() += 1;
        if let Some(outcome) = outcome {
            *self.outcomes.lock().unwrap_or_else(PoisonError::into_inner).entry(outcome).or_default() += 1;
        }
    }

    /// A connection that hyper refused or closed itself, before any request was answered by
    /// the application, for `reason` (see `http::Refusal`).
    pub fn connection_error(&self, reason: &'static str) {
        *self.connection_errors.lock().unwrap_or_else(PoisonError::into_inner).entry(reason).or_default() +=
            1;
    }

    /// One ledger transaction of `webhooks` webhooks that took `took`, committed or not.
    pub fn committed(&self, webhooks: usize, took: Duration) {
        self.commit_seconds.observe(took.as_secs_f64());
        self.batch_size.observe(webhooks as f64);
    }

    /// Everything, in the text format; `in_flight` is the gauge's value now.
    pub fn render(&self, in_flight: usize) -> String {
        let mut text = String::new();
        text.push_str("# HELP faceauth_webhook_requests_total Requests answered, by HTTP status.\n");
        text.push_str("# TYPE faceauth_webhook_requests_total counter\n");
        for (status, count) in self.requests.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            let _ = writeln!(text, "faceauth_webhook_requests_total{{status=\"{status}\"}} {count}");
        }
        text.push_str(
            "# HELP faceauth_webhook_outcomes_total Webhooks posted to the path, by what became of them.\n",
        );
        text.push_str("# TYPE faceauth_webhook_outcomes_total counter\n");
        for (outcome, count) in self.outcomes.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            let _ = writeln!(text, "faceauth_webhook_outcomes_total{{outcome=\"{outcome}\"}} {count}");
        }
        text.push_str(
            "# HELP faceauth_webhook_connection_errors_total Connections the HTTP layer refused or closed \
             itself, by reason (no request was answered by the server for them).\n",
        );
        text.push_str("# TYPE faceauth_webhook_connection_errors_total counter\n");
        for (reason, count) in self.connection_errors.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            let _ = writeln!(text, "faceauth_webhook_connection_errors_total{{reason=\"{reason}\"}} {count}");
        }
        self.commit_seconds.render(
            &mut text,
            "faceauth_webhook_commit_seconds",
            "Time of one ledger transaction (a group of webhooks committed together), in seconds.",
        );
        self.batch_size.render(
            &mut text,
            "faceauth_webhook_commit_batch_size",
            "Webhooks committed in one ledger transaction.",
        );
        text.push_str("# HELP faceauth_webhook_requests_in_flight Requests read and not yet answered.\n");
        text.push_str("# TYPE faceauth_webhook_requests_in_flight gauge\n");
        let _ = writeln!(text, "faceauth_webhook_requests_in_flight {in_flight}");
        text
    }
}

/// A histogram with fixed buckets; the sum kept in millionths.
struct Histogram<const N: usize> {
    bounds: [f64; N],
    /// Observations at or under each bound (not cumulative; summed when rendered).
    buckets: [AtomicU64; N],
    count: AtomicU64,
    sum_millionths: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    fn new(bounds: [f64; N]) -> Histogram<N> {
        Histogram {
            bounds,
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_millionths: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: f64) {
        if let Some(bucket) = self.bounds.iter().position(|bound| value <= *bound) {
            self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        // Saturating float-to-int conversion: a negative or absurd value cannot wrap.
        self.sum_millionths.fetch_add((value * 1e6) as u64, Ordering::Relaxed);
    }

    fn render(&self, text: &mut String, name: &str, help: &str) {
        let _ = writeln!(text, "# HELP {name} {help}");
        let _ = writeln!(text, "# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(text, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(text, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_millionths.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(text, "{name}_sum {sum}");
        let _ = writeln!(text, "{name}_count {count}");
    }
}

/// How the per-request lines on stderr are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `faceauth: webhook serve: POST /webhook: 200 recorded (recorded, 1.2 ms)`.
    Text,
    /// One JSON object a line: method, path, status, outcome, reason, latency_ms.
    Json,
}

/// One request, as its log line tells it: never a body, a key or a token.
pub struct Logged<'a> {
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    pub status: u16,
    pub outcome: Option<&'static str>,
    /// Why a request was refused (messages name fields and types, never values).
    pub reason: Option<&'a str>,
    pub latency: Duration,
}

impl LogFormat {
    /// The line for `request`.
    pub fn line(self, request: &Logged<'_>) -> String {
        let ms = request.latency.as_secs_f64() * 1000.0;
        match self {
            LogFormat::Text => {
                let detail = request.reason.or(request.outcome).unwrap_or("");
                let outcome = request.outcome.map(|o| format!("{o}, ")).unwrap_or_default();
                format!(
                    "faceauth: webhook serve: {} {}: {} {detail} ({outcome}{ms:.1} ms)",
                    request.method, request.path, request.status
                )
            }
            LogFormat::Json => json!({
                "method": request.method,
                "path": request.path,
                "status": request.status,
                "outcome": request.outcome,
                "reason": request.reason,
                "latency_ms": (ms * 1000.0).round() / 1000.0,
            })
            .to_string(),
        }
    }

    /// The line for a connection the HTTP layer refused itself: `reason`, the status it
    /// answered (if it answered), and hyper's description of the error (which names no value
    /// the client sent).
    pub fn connection_line(self, reason: &str, status: Option<u16>, detail: &str) -> String {
        match self {
            LogFormat::Text => {
                let status = status.map_or_else(|| "closed".to_owned(), |s| s.to_string());
                format!("faceauth: webhook serve: connection: {status} {reason} ({detail})")
            }
            LogFormat::Json => json!({
                "connection_error": reason,
                "status": status,
                "reason": detail,
            })
            .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_has_every_series() {
        let metrics = Metrics::new();
        metrics.answered(200, Some("recorded"));
        metrics.answered(200, Some("recorded"));
        metrics.answered(503, Some("unavailable"));
        metrics.answered(404, None);
        metrics.committed(3, Duration::from_millis(2));
        metrics.connection_error("head_too_large");
        let text = metrics.render(1);
        for expected in [
            "faceauth_webhook_requests_total{status=\"200\"} 2",
            "faceauth_webhook_requests_total{status=\"404\"} 1",
            "faceauth_webhook_outcomes_total{outcome=\"recorded\"} 2",
            "faceauth_webhook_outcomes_total{outcome=\"unavailable\"} 1",
            "faceauth_webhook_commit_seconds_bucket{le=\"0.001\"} 0",
            "faceauth_webhook_commit_seconds_bucket{le=\"0.0025\"} 1",
            "faceauth_webhook_commit_seconds_bucket{le=\"+Inf\"} 1",
            "faceauth_webhook_commit_seconds_count 1",
            "faceauth_webhook_commit_batch_size_bucket{le=\"4\"} 1",
            "faceauth_webhook_requests_in_flight 1",
            "faceauth_webhook_connection_errors_total{reason=\"head_too_large\"} 1",
        ] {
            assert!(text.contains(expected), "{expected} in\n{text}");
        }
    }

    #[test]
    fn log_lines_carry_status_outcome_and_latency() {
        let request = Logged {
            method: "POST",
            path: "/webhook",
            status: 503,
            outcome: Some("unavailable"),
            reason: Some("the ledger failed: locked"),
            latency: Duration::from_micros(1500),
        };
        assert_eq!(
            LogFormat::Text.line(&request),
            "faceauth: webhook serve: POST /webhook: 503 the ledger failed: locked (unavailable, 1.5 ms)"
        );
        let json: serde_json::Value = serde_json::from_str(&LogFormat::Json.line(&request)).expect("JSON");
        assert_eq!(json["status"], 503);
        assert_eq!(json["outcome"], "unavailable");
        assert_eq!(json["latency_ms"], 1.5);
    }
}
