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
use serde::de::DeserializeOwned;

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
    /// `aws:kinesis` (other sources say what the event is instead).
    #[serde(rename = "eventSource", default)]
    pub event_source: Option<String>,
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

/// The input is not a Lambda Kinesis event. The error names the field and
/// the position, or what the input looks like instead; never a value.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// JSON that does not fit the Kinesis event.
    #[error("not a Lambda Kinesis event: {0}")]
    Json(JsonProblem),
    /// Another kind of event, or no records at all.
    #[error("not a Lambda Kinesis event: this looks like {0}")]
    Other(&'static str),
}

impl KinesisEvent {
    /// Reads a Lambda Kinesis event (`{"Records":[...]}`) from JSON text.
    /// `{"Records":[]}` is an empty batch; anything else without Kinesis
    /// records (`{}`, an SQS or S3 event, a bare subscription payload, an
    /// `awslogs` event) is an error that says what it looks like.
    pub fn parse(text: &str) -> Result<KinesisEvent, EventError> {
        #[derive(Deserialize)]
        struct Shape {
            #[serde(rename = "Records")]
            records: Option<Vec<serde::de::IgnoredAny>>,
            awslogs: Option<serde::de::IgnoredAny>,
            #[serde(rename = "messageType")]
            message_type: Option<serde::de::IgnoredAny>,
            #[serde(rename = "detail-type")]
            detail_type: Option<serde::de::IgnoredAny>,
        }
        let event: KinesisEvent = match serde_json::from_str(text) {
            Ok(event) => event,
            Err(e) => return Err(EventError::Json(JsonProblem::of::<KinesisEvent>(text, &e))),
        };
        if let Some(first) = event.records.first() {
            return match first.event_source.as_deref() {
                None | Some("aws:kinesis") => Ok(event),
                Some("aws:sqs") => Err(EventError::Other("an SQS event")),
                Some("aws:s3") => Err(EventError::Other("an S3 event")),
                Some("aws:dynamodb") => Err(EventError::Other("a DynamoDB stream event")),
                Some(_) => Err(EventError::Other("an event of another AWS source")),
            };
        }
        let shape: Option<Shape> = serde_json::from_str(text).ok();
        match shape {
            Some(Shape {
                records: Some(_), ..
            }) => Ok(event),
            Some(Shape {
                awslogs: Some(_), ..
            }) => Err(EventError::Other(
                "a CloudWatch Logs subscription event (awslogs), expected {\"Records\":[...]}",
            )),
            Some(Shape {
                message_type: Some(_),
                ..
            }) => Err(EventError::Other(
                "a bare CloudWatch Logs subscription payload, expected a Kinesis event holding it",
            )),
            Some(Shape {
                detail_type: Some(_),
                ..
            }) => Err(EventError::Other("an EventBridge event")),
            _ => Err(EventError::Other(
                "JSON without Records, expected {\"Records\":[...]}",
            )),
        }
    }
}

/// What is wrong with a JSON input: the field (a path such as
/// `logEvents[3].timestamp`), what was expected, and the position; never the
/// value found there.
#[derive(Debug)]
pub struct JsonProblem {
    /// The path to the field (`.` for the top level).
    pub field: String,
    /// What is wrong, in words that hold no input.
    pub what: String,
    /// Line of the error.
    pub line: usize,
    /// Column of the error.
    pub column: usize,
}

impl std::fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "field {}: {} (line {}, column {})",
            self.field, self.what, self.line, self.column
        )
    }
}

impl JsonProblem {
    /// Describes the failure `first` of parsing `text` as a `T`. Parsing
    /// again with path tracking costs time only on this (cold) path.
    pub fn of<T: DeserializeOwned>(text: &str, first: &serde_json::Error) -> JsonProblem {
        Self::of_borrowed::<T>(text, first)
    }

    /// [`JsonProblem::of`] for types that borrow from the text.
    pub fn of_borrowed<'t, T: Deserialize<'t>>(
        text: &'t str,
        first: &serde_json::Error,
    ) -> JsonProblem {
        let mut de = serde_json::Deserializer::from_str(text);
        let (field, tracked) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => (e.path().to_string(), Some(e.into_inner())),
            // Parsed: what is left is after the value (trailing characters).
            Ok(_) => (".".to_owned(), de.end().err()),
        };
        let error = tracked.as_ref().unwrap_or(first);
        JsonProblem {
            field: if field.is_empty() || field == "?" {
                ".".to_owned()
            } else {
                field
            },
            what: describe_json_error(error),
            line: error.line(),
            column: error.column(),
        }
    }
}

/// serde's messages quote the value they met (`invalid type: string "...",
/// expected i64`); keep only what was expected.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "the input ends too early".to_owned(),
        Category::Syntax => "not valid JSON".to_owned(),
        Category::Io => "unreadable".to_owned(),
        Category::Data => {
            let text = e.to_string();
            let expected = text
                .rsplit_once(", expected ")
                .map(|(_, exp)| exp.rsplit_once(" at line ").map_or(exp, |(exp, _)| exp));
            if text.starts_with("missing field") {
                // The field's name is ours (from the schema), not the input's.
                text.split(" at line ")
                    .next()
                    .unwrap_or("missing field")
                    .to_owned()
            } else if text.starts_with("invalid type") {
                format!(
                    "wrong type, expected {}",
                    expected.unwrap_or("another type")
                )
            } else if text.starts_with("invalid length") {
                format!(
                    "wrong length, expected {}",
                    expected.unwrap_or("another length")
                )
            } else {
                format!(
                    "invalid value, expected {}",
                    expected.unwrap_or("another value")
                )
            }
        }
    }
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
    fn other_inputs_are_named_and_values_never_quoted() {
        let secret = "password=hunter2-hunter2";
        for (input, says) in [
            ("{}".to_owned(), "without Records"),
            (r#"{"awslogs":{"data":"H4sI"}}"#.to_owned(), "awslogs"),
            (
                r#"{"messageType":"DATA_MESSAGE","logEvents":[]}"#.to_owned(),
                "bare",
            ),
            (
                r#"{"Records":[{"eventSource":"aws:sqs","body":"x"}]}"#.to_owned(),
                "SQS",
            ),
            (format!(r#"{{"Records":"{secret}"}}"#), "field Records"),
            (
                format!(r#"{{"Records":[{{"kinesis":"{secret}"}}]}}"#),
                "field Records[0].kinesis",
            ),
            (format!("[\"{secret}\"]"), "not a Lambda Kinesis event"),
        ] {
            let e = KinesisEvent::parse(&input).expect_err(&input).to_string();
            assert!(e.contains(says), "{input}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        assert!(KinesisEvent::parse(r#"{"Records":[]}"#).is_ok());
    }

    #[test]
    fn empty_and_missing_records_are_an_empty_batch() {
        let event: KinesisEvent = serde_json::from_str("{}").expect("valid");
        assert!(event.records.is_empty());
        let event: KinesisEvent = serde_json::from_str(r#"{"Records":[]}"#).expect("valid");
        assert!(event.records.is_empty());
    }
}
