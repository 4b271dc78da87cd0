//! The bounded ship fan-out: bodies shipped as they are cut, at most a given
//! number of requests at once, each report taken as it finishes. The pipeline
//! and the redrive ship through it.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::encode::Body;
use crate::ship::{ShipReport, Shipper, Until};

/// The bounded ship fan-out: bodies shipped as they come, at most
/// `concurrency` requests at once, each report taken as it finishes. The
/// pipeline and the redrive ship through it.
#[derive(Debug)]
pub struct FanOut {
    permits: Arc<Semaphore>,
    tasks: JoinSet<ShipReport>,
}

impl FanOut {
    /// A fan-out of at most `concurrency` (at least 1) requests at once.
    pub fn new(concurrency: usize) -> FanOut {
        FanOut {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            tasks: JoinSet::new(),
        }
    }

    /// Waits for a free slot, then starts shipping `body`; false when it cannot start.
    pub async fn ship(&mut self, body: Body, shipper: &Arc<Shipper>, until: &Until) -> bool {
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
    pub fn finished(&mut self) -> Option<Result<ShipReport, tokio::task::JoinError>> {
        self.tasks.try_join_next()
    }

    /// The next report to finish; None when nothing is in flight.
    pub async fn next(&mut self) -> Option<Result<ShipReport, tokio::task::JoinError>> {
        self.tasks.join_next().await
    }
}
