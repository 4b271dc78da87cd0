//! The redrive's SQS client: receive (long polling), delete, and make the
//! messages left visible again at the end of a run; SQS errors mapped from
//! the one AWS classification ([`crate::aws`]).

use aws_sdk_sqs::error::ProvideErrorMetadata;

use crate::aws::{AwsError, AwsErrorKind};

use super::*;

/// Classifies an SQS error.
pub(super) fn sqs_error<E>(
    operation: &'static str,
    url: &str,
    e: aws_sdk_sqs::error::SdkError<E>,
) -> RedriveError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let AwsError { kind, detail } = AwsError::from_sdk(&e);
    let url = url.to_owned();
    match kind {
        AwsErrorKind::NotFound => RedriveError::QueueMissing { url, detail },
        AwsErrorKind::NoCredentials => RedriveError::NoCredentials,
        AwsErrorKind::AccessDenied => RedriveError::AccessDenied {
            operation,
            url,
            detail,
        },
        AwsErrorKind::Other => RedriveError::Sqs {
            operation,
            url,
            detail,
        },
    }
}

impl Redrive {
    pub(super) async fn receive(&self, max: i32) -> Result<Vec<Received>, RedriveError> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(self.options.wait_seconds.clamp(0, 20))
            .visibility_timeout(self.options.visibility_timeout.clamp(0, 43_200))
            .send()
            .await
            .map_err(|e| sqs_error("ReceiveMessage", &self.queue_url, e))?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                Some(Received {
                    message_id: m.message_id?,
                    receipt: m.receipt_handle?,
                    body: m.body.unwrap_or_default(),
                })
            })
            .collect())
    }

    pub(super) async fn delete_receipt(&self, receipt: &str) -> Result<(), RedriveError> {
        self.sqs
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| sqs_error("DeleteMessage", &self.queue_url, e))
    }

    /// Makes every message left visible again, so the next run (or consumer) sees it at once.
    pub(super) async fn release(&self, state: &mut RunState) {
        let receipts = std::mem::take(&mut state.release);
        for chunk in receipts.chunks(10) {
            let entries: Vec<_> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, receipt)| {
                    aws_sdk_sqs::types::ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(format!("r{i}"))
                        .receipt_handle(receipt)
                        .visibility_timeout(0)
                        .build()
                        .ok()
                })
                .collect();
            let result = self
                .sqs
                .change_message_visibility_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await;
            match result {
                Ok(out) if out.failed.is_empty() => {}
                Ok(out) => state.report.warnings.push(format!(
                    "{} messages could not be made visible again; they reappear after the visibility timeout",
                    out.failed.len()
                )),
                Err(e) => state.report.warnings.push(format!(
                    "messages could not be made visible again (they reappear after the visibility timeout): {}",
                    sqs_error("ChangeMessageVisibilityBatch", &self.queue_url, e)
                )),
            }
        }
    }
}
