//! Prometheus metrics: `GET /metrics` in the text exposition format. One registry per
//! app (no global recorder), so tests can run many apps in one process.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The route pattern (`/catalog/products/{id}`), never the raw path, to bound cardinality.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

/// Every metric the process exports. Features add theirs here and register them in `new`.
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<RequestLabels, Counter>,
    pub http_latency: Family<RouteLabels, Histogram>,
    pub db_pool_size: Gauge,
    pub db_pool_idle: Gauge,
    /// Report events dropped because the capture channel was full (or a batch failed).
    pub report_events_dropped: Counter,
}

impl Metrics {
    /// The registry with the metrics above and `collectors`: figures a feature reads from its
    /// own state at each scrape (the SFU's per-stream media figures). Handed in, so that this
    /// module names no feature.
    pub fn new(collectors: Vec<Box<dyn Collector>>) -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("showfloor");
        let http_requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        let http_latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency in seconds",
            http_latency.clone(),
        );
        let db_pool_size = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Open database connections",
            db_pool_size.clone(),
        );
        let db_pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            db_pool_idle.clone(),
        );
        let report_events_dropped = Counter::default();
        registry.register(
            "report_events_dropped",
            "Report events dropped instead of slowing a viewer",
            report_events_dropped.clone(),
        );
        for collector in collectors {
            registry.register_collector(collector);
        }
        Arc::new(Metrics {
            registry,
            http_requests,
            http_latency,
            db_pool_size,
            db_pool_idle,
            report_events_dropped,
        })
    }
}

/// Middleware: count and time every request by its matched route.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    let metrics = &state.metrics;
    metrics
        .http_requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    metrics
        .http_latency
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`
pub async fn export(State(state): State<AppState>) -> Response {
    let pool = &state.db.pool;
    state.metrics.db_pool_size.set(i64::from(pool.size()));
    state.metrics.db_pool_idle.set(pool.num_idle() as i64);
    let mut body = String::new();
    if let Err(err) = encode(&mut body, &state.metrics.registry) {
        tracing::error!(error = %err, "metrics encoding failed");
    }
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
