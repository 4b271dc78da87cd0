//! What a redrive run reports: progress so far, what became of each message,
//! and the run as a whole.

use std::time::Duration;

use crate::dlq::Source;

use super::*;

/// Counts so far; handed to the progress callback after every batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Messages received (each counted once).
    pub messages: u64,
    /// Messages deleted (all their documents delivered, or rewritten).
    pub deleted: u64,
    /// Messages rewritten with only their undelivered documents.
    pub rewritten: u64,
    /// Messages left in the queue.
    pub left: u64,
    /// Documents found in the messages.
    pub documents: u64,
    /// Documents delivered (or already there).
    pub delivered: u64,
    /// Documents still in the queue (left or rewritten messages).
    pub undelivered: u64,
    /// Documents written to the file.
    pub written: u64,
    /// Time since the run started.
    pub elapsed: Duration,
}

impl Progress {
    /// Documents handled per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            (self.delivered + self.written) as f64 / secs
        } else {
            0.0
        }
    }

    /// One line for the operator.
    pub fn line(&self) -> String {
        format!(
            "{} messages ({} deleted, {} rewritten, {} left), {} documents: {} delivered, {} left{}; {:.0} docs/s, {:.1}s",
            self.messages,
            self.deleted,
            self.rewritten,
            self.left,
            self.documents,
            self.delivered,
            self.undelivered,
            if self.written > 0 {
                format!(", {} written to file", self.written)
            } else {
                String::new()
            },
            self.rate(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Every document delivered; the message is deleted.
    Delivered,
    /// Partly delivered: the undelivered documents are in a new message and the original is deleted.
    Rewritten {
        /// Documents delivered.
        delivered: usize,
        /// Documents written back to the queue.
        left: usize,
        /// Why they are still undelivered.
        reason: String,
    },
    /// Left in the queue as it was.
    Left {
        /// Documents delivered (a later redrive re-ships them; Elasticsearch answers 409).
        delivered: usize,
        /// Why.
        reason: String,
    },
    /// Not a logship DLQ message this version understands; left in the queue.
    Unparseable {
        /// What is wrong with it.
        error: String,
    },
    /// A record dead-lettered undecodable; left in the queue.
    Undecodable {
        /// The decode error (from the message, or from decoding it again).
        error: String,
    },
    /// Dry run: this many documents would be re-shipped (for an undecodable
    /// record run through the pipeline: the events it decodes to).
    WouldShip,
    /// Written to the file.
    Written,
}

/// One message of the run.
#[derive(Debug, Clone)]
pub struct MessageReport {
    /// The SQS message id.
    pub message_id: String,
    /// What it holds; None when it could not be parsed.
    pub kind: Option<crate::dlq::Kind>,
    /// The reason recorded when it was dead-lettered.
    pub reason: String,
    /// Where its record came from.
    pub source: Option<Source>,
    /// Documents in it (events, for an undecodable record that decodes now).
    pub documents: usize,
    /// What happened.
    pub outcome: MessageOutcome,
}

impl MessageReport {
    /// Whether the message is still in the queue after the run.
    pub fn left_in_queue(&self) -> bool {
        matches!(
            self.outcome,
            MessageOutcome::Left { .. }
                | MessageOutcome::Unparseable { .. }
                | MessageOutcome::Undecodable { .. }
                | MessageOutcome::WouldShip
                | MessageOutcome::Written
        )
    }
}

impl MessageReport {
    /// Whether the message needs a later run or an operator: left undelivered, unparseable or undecodable.
    pub fn needs_attention(&self) -> bool {
        matches!(
            self.outcome,
            MessageOutcome::Left { .. }
                | MessageOutcome::Unparseable { .. }
                | MessageOutcome::Undecodable { .. }
        )
    }
}

/// The whole run.
#[derive(Debug, Default)]
pub struct Report {
    /// Final counts.
    pub progress: Progress,
    /// Every message received, in order.
    pub messages: Vec<MessageReport>,
    /// Why the run stopped before the queue was empty (destination down, SQS failing, interrupted).
    pub stopped: Option<RedriveError>,
    /// Non-fatal problems (messages that could not be made visible again: they reappear after the visibility timeout).
    pub warnings: Vec<String>,
}

impl Report {
    /// Whether anything is left to do: a message that needs attention, or a run that stopped early.
    pub fn incomplete(&self) -> bool {
        self.stopped.is_some() || self.messages.iter().any(MessageReport::needs_attention)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_line() {
        let p = Progress {
            messages: 3,
            deleted: 2,
            left: 1,
            documents: 30,
            delivered: 20,
            undelivered: 10,
            elapsed: Duration::from_secs(2),
            ..Progress::default()
        };
        let line = p.line();
        assert!(
            line.contains(
                "3 messages (2 deleted, 0 rewritten, 1 left), 30 documents: 20 delivered, 10 left"
            ),
            "{line}"
        );
        assert!(line.contains("10 docs/s"), "{line}");
    }
}
