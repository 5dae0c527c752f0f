//! The client-side instants at which requests leave the rate limiter, recorded without
//! touching the client: the runtime records the `attempt` field of its `amperity_request`
//! span right before it hands the request to the HTTP stack (after the limiter and the
//! authorization header), and a `tracing` layer notes the time of each such record.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tracing::field::{Field, Visit};
use tracing::span::{Id, Record};
use tracing::{Subscriber, subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{Layer, Registry};

/// The name of the runtime's per-request span.
const REQUEST_SPAN: &str = "amperity_request";
/// The field the runtime records right before sending an attempt.
const ATTEMPT_FIELD: &str = "attempt";

/// A shared list of send instants, filled by the layer [`SendTimes::install`] sets up.
#[derive(Clone, Default)]
pub struct SendTimes {
    times: Arc<Mutex<Vec<Instant>>>,
}

impl SendTimes {
    /// Installs the recording layer as the process's global `tracing` subscriber.
    /// Panics if another global subscriber is already set.
    pub fn install() -> Self {
        let times = Self::default();
        let layer = SendTimesLayer {
            times: times.clone(),
        };
        subscriber::set_global_default(Registry::default().with(layer))
            .expect("no other global tracing subscriber");
        times
    }

    /// The instants recorded so far, in the order they were recorded.
    pub fn snapshot(&self) -> Vec<Instant> {
        self.times
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

struct SendTimesLayer {
    times: SendTimes,
}

impl<S> Layer<S> for SendTimesLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        // Read the clock first: everything below is the recorder's own cost.
        let now = Instant::now();
        if ctx.metadata(id).map(|m| m.name()) != Some(REQUEST_SPAN) {
            return;
        }
        let mut attempt = HasField(false);
        values.record(&mut attempt);
        if attempt.0 {
            self.times
                .times
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(now);
        }
    }
}

/// Whether a record carries the attempt field.
struct HasField(bool);

impl Visit for HasField {
    fn record_debug(&mut self, field: &Field, _value: &dyn std::fmt::Debug) {
        self.0 |= field.name() == ATTEMPT_FIELD;
    }
}
