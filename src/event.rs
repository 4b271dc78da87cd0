//! The Kinesis event as Lambda delivers it, read tolerantly.
//!
//! `aws_lambda_events::kinesis::KinesisEvent` decodes every record's base64
//! `data` while the event itself is deserialized, so one record that is not
//! base64 fails the whole invocation and Kinesis retries the whole batch
//! forever. This type keeps `data` as the raw string instead; the decode stage
//! turns it into bytes record by record and reports a bad one by its sequence
//! number while the others go on. Field names match the Lambda event exactly,
//! so the same JSON deserializes into either type.

use serde::Deserialize;

/// A Lambda Kinesis event: `{"Records": [...]}`.
#[derive(Debug, Default, Deserialize)]
pub struct KinesisEvent {
    /// The records of the batch, in shard order.
    #[serde(rename = "Records", default)]
    pub records: Vec<KinesisRecord>,
}

/// One record of the batch, with its payload still base64.
#[derive(Debug, Default, Deserialize)]
pub struct KinesisRecord {
    /// `shardId-000000000000:4954...`; the shard id is the part before the colon.
    #[serde(rename = "eventID", default)]
    pub event_id: String,
    /// The stream ARN.
    #[serde(rename = "eventSourceARN", default)]
    pub event_source_arn: String,
    /// The region of the stream, which is the region of the log groups.
    #[serde(rename = "awsRegion", default)]
    pub aws_region: String,
    /// The Kinesis part of the record.
    #[serde(default)]
    pub kinesis: KinesisData,
}

/// The `kinesis` object of a record.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KinesisData {
    /// The sequence number: what `batchItemFailures` reports.
    #[serde(default)]
    pub sequence_number: String,
    /// The partition key the producer chose.
    #[serde(default)]
    pub partition_key: String,
    /// base64 of the record's bytes (for CloudWatch Logs: gzip of a JSON payload).
    #[serde(default)]
    pub data: String,
    /// Seconds since the epoch when Kinesis received the record.
    #[serde(default)]
    pub approximate_arrival_timestamp: Option<f64>,
}

impl KinesisRecord {
    /// The shard id, taken from `eventID` (`shardId-...:sequence`).
    pub fn shard_id(&self) -> &str {
        self.event_id
            .split_once(':')
            .map_or(self.event_id.as_str(), |(shard, _)| shard)
    }

    /// The sequence number of the record.
    pub fn sequence_number(&self) -> &str {
        &self.kinesis.sequence_number
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_lambda_event_and_keeps_bad_base64_as_text() {
        let json = r#"{"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"pk",
            "sequenceNumber":"49590338271490256608559692538361571095921575989136588898",
            "data":"not base64!!","approximateArrivalTimestamp":1545084650.987},
            "eventSource":"aws:kinesis","eventVersion":"1.0",
            "eventID":"shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
            "eventName":"aws:kinesis:record","awsRegion":"eu-west-1",
            "eventSourceARN":"arn:aws:kinesis:eu-west-1:123456789012:stream/logs"}]}"#;
        let event: KinesisEvent = serde_json::from_str(json).expect("valid event");
        let record = &event.records[0];
        assert_eq!(record.shard_id(), "shardId-000000000006");
        assert_eq!(record.kinesis.data, "not base64!!");
        assert_eq!(record.aws_region, "eu-west-1");
        assert!(record.sequence_number().starts_with("4959"));
    }

    #[test]
    fn empty_and_missing_records_are_an_empty_batch() {
        let event: KinesisEvent = serde_json::from_str("{}").expect("valid");
        assert!(event.records.is_empty());
        let event: KinesisEvent = serde_json::from_str(r#"{"Records":[]}"#).expect("valid");
        assert!(event.records.is_empty());
    }
}
