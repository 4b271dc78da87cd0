//! The bounded ship fan-out: bodies shipped as they are cut, at most a given
//! number of requests at once, each report taken as it finishes. The pipeline
//! and the redrive ship through [`ship_all`].

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::encode::Body;
use crate::ship::{ShipReport, Shipper, Until};

/// A finished request: its report, or the task's failure.
pub type Done = Result<ShipReport, tokio::task::JoinError>;

/// Ships every body that `next` cuts from `state`, as soon as it is cut, at
/// most `concurrency` requests at once, and hands each report to `absorb` as
/// it finishes (between cuts, without waiting, and at the end). Returns when
/// every request started has finished; stops cutting if a slot can no longer
/// be had.
pub async fn ship_all<S>(
    state: &mut S,
    concurrency: usize,
    shipper: &Arc<Shipper>,
    until: &Until,
    mut next: impl FnMut(&mut S) -> Option<Body>,
    mut absorb: impl FnMut(&mut S, Done),
) {
    let mut fan_out = FanOut::new(concurrency);
    while let Some(body) = next(state) {
        if !fan_out.ship(body, shipper, until).await {
            break;
        }
        while let Some(done) = fan_out.finished() {
            absorb(state, done);
        }
    }
    while let Some(done) = fan_out.next().await {
        absorb(state, done);
    }
}

/// The requests in flight and their slots.
#[derive(Debug)]
struct FanOut {
    permits: Arc<Semaphore>,
    tasks: JoinSet<ShipReport>,
}

impl FanOut {
    /// A fan-out of at most `concurrency` (at least 1) requests at once.
    fn new(concurrency: usize) -> FanOut {
        FanOut {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            tasks: JoinSet::new(),
        }
    }

    /// Waits for a free slot, then starts shipping `body`; false when it cannot start.
    async fn ship(&mut self, body: Body, shipper: &Arc<Shipper>, until: &Until) -> bool {
        let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await else {
            return false;
        };
        let shipper = Arc::clone(shipper);
        let until = until.clone();
        // The invocation's span (its request id) follows the task.
        self.tasks.spawn(
            async move {
                let report = shipper.ship(body, &until).await;
                drop(permit);
                report
            }
            .instrument(tracing::Span::current()),
        );
        true
    }

    /// A report already finished, without waiting.
    fn finished(&mut self) -> Option<Done> {
        self.tasks.try_join_next()
    }

    /// The next report to finish; None when nothing is in flight.
    async fn next(&mut self) -> Option<Done> {
        self.tasks.join_next().await
    }
}
