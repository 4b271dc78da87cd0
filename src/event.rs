//! The event as Lambda delivers it, read tolerantly: a Kinesis event (the
//! usual route), or a direct CloudWatch Logs subscription event (`awslogs`),
//! or, for `logship process`, a bare subscription payload ([`Input`]).
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
    /// Bytes that are neither gzip nor UTF-8 text.
    #[error("not an event: invalid UTF-8 at byte {at} (and not gzip)")]
    Utf8 {
        /// Bytes of valid UTF-8 before the first invalid one.
        at: usize,
    },
}

impl KinesisEvent {
    /// Reads a Lambda Kinesis event (`{"Records":[...]}`) from JSON text.
    /// `{"Records":[]}` is an empty batch; anything else without Kinesis
    /// records (`{}`, an SQS or S3 event, a bare subscription payload, an
    /// `awslogs` event) is an error that says what it looks like.
    pub fn parse(text: &str) -> Result<KinesisEvent, EventError> {
        match look(text)? {
            Looks::Kinesis(event) => Ok(event),
            Looks::AwsLogs => Err(EventError::Other(AWSLOGS)),
            Looks::BarePayload => Err(EventError::Other(BARE_PAYLOAD)),
            Looks::Other(what) => Err(EventError::Other(what)),
        }
    }
}

/// What a JSON input is.
enum Looks {
    Kinesis(KinesisEvent),
    AwsLogs,
    BarePayload,
    Other(&'static str),
}

fn look(text: &str) -> Result<Looks, EventError> {
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
        return Ok(match first.event_source.as_deref() {
            None | Some("aws:kinesis") => Looks::Kinesis(event),
            Some("aws:sqs") => Looks::Other("an SQS event"),
            Some("aws:s3") => Looks::Other("an S3 event"),
            Some("aws:dynamodb") => Looks::Other("a DynamoDB stream event"),
            Some(_) => Looks::Other("an event of another AWS source"),
        });
    }
    let shape: Option<Shape> = serde_json::from_str(text).ok();
    Ok(match shape {
        Some(Shape {
            records: Some(_), ..
        }) => Looks::Kinesis(event),
        Some(Shape {
            awslogs: Some(_), ..
        }) => Looks::AwsLogs,
        Some(Shape {
            message_type: Some(_),
            ..
        }) => Looks::BarePayload,
        Some(Shape {
            detail_type: Some(_),
            ..
        }) => Looks::Other("an EventBridge event"),
        _ => Looks::Other("JSON without Records, expected {\"Records\":[...]}"),
    })
}

/// Where an input came from, which decides how its failures are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A Kinesis batch: failures go back in `batchItemFailures`.
    Kinesis,
    /// A direct CloudWatch Logs subscription (`{"awslogs":{"data":…}}`),
    /// invoked asynchronously: anything not delivered or dead-lettered fails
    /// the invocation, so Lambda retries it and then sends it to the
    /// function's on-failure destination.
    AwsLogs,
    /// A bare subscription payload (gzip, or its JSON), as copied from a
    /// console or a DLQ message: `logship process` only.
    Payload,
}

/// An input with its records: a Kinesis event as it came, or the one record
/// an `awslogs` event or a bare payload makes (sequence number `awslogs` or
/// `payload`, so errors and dead letters name it).
#[derive(Debug)]
pub struct Input {
    /// The records, as a Kinesis batch would hold them.
    pub event: KinesisEvent,
    /// Where they came from.
    pub source: Source,
}

impl Input {
    /// Reads a Lambda event: a Kinesis event or an `awslogs` event. `region`
    /// is the region of the log groups of an `awslogs` event (the function's
    /// own: a subscription delivers within its region).
    pub fn parse_event(text: &str, region: &str) -> Result<Input, EventError> {
        match look(text)? {
            Looks::BarePayload => Err(EventError::Other(BARE_PAYLOAD)),
            looks => Input::from_looks(looks, text, region),
        }
    }

    /// The input a JSON text that is not a bare payload turned out to be.
    fn from_looks(looks: Looks, text: &str, region: &str) -> Result<Input, EventError> {
        match looks {
            Looks::Kinesis(event) => Ok(Input {
                event,
                source: Source::Kinesis,
            }),
            Looks::AwsLogs => {
                #[derive(Deserialize)]
                struct AwsLogs {
                    awslogs: Data,
                }
                #[derive(Deserialize)]
                struct Data {
                    data: String,
                }
                let e: AwsLogs = serde_json::from_str(text)
                    .map_err(|e| EventError::Json(JsonProblem::of::<AwsLogs>(text, &e)))?;
                Ok(Input::one(
                    e.awslogs.data,
                    "awslogs",
                    region,
                    Source::AwsLogs,
                ))
            }
            Looks::BarePayload => Err(EventError::Other(BARE_PAYLOAD)),
            Looks::Other(what) => Err(EventError::Other(what)),
        }
    }

    /// Reads what `logship process` is given: an event ([`Input::parse_event`]),
    /// or a bare subscription payload, gzipped or as its JSON.
    pub fn parse_bytes(raw: &[u8], region: &str) -> Result<Input, EventError> {
        use base64::Engine as _;
        let payload = |bytes: &[u8]| {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            Input::one(data, "payload", region, Source::Payload)
        };
        if raw.starts_with(&[0x1f, 0x8b]) {
            return Ok(payload(raw));
        }
        let text = std::str::from_utf8(raw).map_err(|e| EventError::Utf8 {
            at: e.valid_up_to(),
        })?;
        // The text is read once: a bare payload is taken as it is, anything
        // else as the event it looks like.
        match look(text)? {
            Looks::BarePayload => Ok(payload(text.trim().as_bytes())),
            looks => Input::from_looks(looks, text, region),
        }
    }

    fn one(data: String, name: &str, region: &str, source: Source) -> Input {
        let record = KinesisRecord {
            event_id: name.to_owned(),
            event_source_arn: String::new(),
            aws_region: region.to_owned(),
            kinesis: KinesisData {
                sequence_number: name.to_owned(),
                partition_key: String::new(),
                data,
                approximate_arrival_timestamp: None,
            },
            event_source: None,
        };
        Input {
            event: KinesisEvent {
                records: vec![record],
            },
            source,
        }
    }
}

const AWSLOGS: &str =
    "a CloudWatch Logs subscription event (awslogs), expected {\"Records\":[...]}";
const BARE_PAYLOAD: &str =
    "a bare CloudWatch Logs subscription payload, expected a Kinesis event holding it";

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
    fn awslogs_events_and_bare_payloads_become_one_record() {
        let input =
            Input::parse_event(r#"{"awslogs":{"data":"H4sIAAAA"}}"#, "eu-west-1").expect("awslogs");
        assert_eq!(input.source, Source::AwsLogs);
        let record = &input.event.records[0];
        assert_eq!(record.kinesis.data, "H4sIAAAA");
        assert_eq!(record.sequence_number(), "awslogs");
        assert_eq!(record.aws_region, "eu-west-1");
        // A Lambda event is never a bare payload: only `process` takes one.
        let bare = r#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[]}"#;
        assert!(Input::parse_event(bare, "").is_err());
        let input = Input::parse_bytes(bare.as_bytes(), "").expect("bare payload");
        assert_eq!(input.source, Source::Payload);
        assert_eq!(input.event.records.len(), 1);
        let input = Input::parse_bytes(&[0x1f, 0x8b, 8, 0], "").expect("gzip");
        assert_eq!(input.source, Source::Payload);
        // `awslogs` with no string `data` is named by its field.
        let e = Input::parse_event(r#"{"awslogs":{"data":7}}"#, "")
            .expect_err("no data")
            .to_string();
        assert!(e.contains("awslogs.data"), "{e}");
        let e = Input::parse_bytes(&[0xff, 0xfe], "")
            .expect_err("binary")
            .to_string();
        assert!(e.contains("UTF-8"), "{e}");
        let kinesis = Input::parse_bytes(br#"{"Records":[]}"#, "").expect("kinesis");
        assert_eq!(kinesis.source, Source::Kinesis);
    }

    #[test]
    fn empty_and_missing_records_are_an_empty_batch() {
        let event: KinesisEvent = serde_json::from_str("{}").expect("valid");
        assert!(event.records.is_empty());
        let event: KinesisEvent = serde_json::from_str(r#"{"Records":[]}"#).expect("valid");
        assert!(event.records.is_empty());
    }
}
