//! Decode: one Kinesis record's data into a CloudWatch Logs subscription payload.
//!
//! The data is base64 of a gzipped JSON payload
//! (`messageType`, `owner`, `logGroup`, `logStream`, `logEvents[{id, timestamp, message}]`).
//! Gunzipping is capped: a record that inflates past the cap (a gzip bomb) fails
//! cleanly as [`DecodeError::TooLarge`] after at most `cap + 1` bytes were
//! produced. A payload that is plain JSON (first byte `{`) is accepted too: the
//! two cannot be confused (gzip starts with `1f 8b`) and the same schema checks
//! and size cap apply. Invalid UTF-8 inside the payload is replaced by U+FFFD
//! rather than failing the record, and the payload says so.
//!
//! A [`Decoder`] owns its buffers and reuses them from record to record, so
//! decoding allocates only for the strings of the payload itself.

use std::borrow::Cow;
use std::io::Read;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// What a record turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// Log events to ship.
    Data,
    /// A health probe CloudWatch Logs sends when a subscription is created: never shipped.
    Control,
}

/// A decoded subscription payload, borrowing from the [`Decoder`]'s buffer.
#[derive(Debug)]
pub struct Payload<'a> {
    /// DATA_MESSAGE or CONTROL_MESSAGE.
    pub message_type: MessageType,
    /// The AWS account id the log group belongs to.
    pub owner: Cow<'a, str>,
    /// The log group name.
    pub log_group: Cow<'a, str>,
    /// The log stream name.
    pub log_stream: Cow<'a, str>,
    /// The log events, in order.
    pub log_events: Vec<LogEvent<'a>>,
    /// The payload held invalid UTF-8, replaced by U+FFFD.
    pub lossy_utf8: bool,
}

/// One CloudWatch log event.
#[derive(Debug)]
pub struct LogEvent<'a> {
    /// The event id (CloudWatch sends a 56-digit string; some emulators an integer).
    pub id: Cow<'a, str>,
    /// Milliseconds since the epoch: the time of the event, not of shipping.
    pub timestamp: i64,
    /// The raw message.
    pub message: Cow<'a, str>,
    /// `extractedFields`: what the subscription filter's pattern extracted,
    /// and the system fields it emits (`@aws.account`, `@aws.region`, …).
    pub extracted_fields: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

/// Why a record could not be decoded. The record's raw data is dead-lettered
/// as it came. No variant quotes the input: an error names the field and the
/// position, never a value (a payload may hold secrets).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// `data` is not base64.
    #[error("record data is not base64 ({0})")]
    Base64(Base64Problem),
    /// The data is neither gzip nor a JSON object.
    #[error("record data is neither gzip (1f 8b) nor a JSON object")]
    NotGzip,
    /// gzip stream is corrupt or truncated.
    #[error("gzip stream is corrupt or truncated: {0}")]
    Gzip(std::io::Error),
    /// Bytes follow the gzip member: a second member or garbage. CloudWatch
    /// Logs writes exactly one member per record; anything after it is refused
    /// rather than silently dropped.
    #[error(
        "record data holds {extra} bytes after the end of its gzip member (a second member or garbage); one member per record is expected"
    )]
    TrailingData {
        /// How many bytes follow the member.
        extra: usize,
    },
    /// Inflating went past the cap (a gzip bomb or a misconfigured cap).
    #[error("decompressed payload exceeds the cap of {cap} bytes")]
    TooLarge {
        /// The configured cap.
        cap: usize,
    },
    /// The payload is not a valid subscription payload.
    #[error("payload is not a CloudWatch Logs subscription payload: {0}")]
    Json(JsonProblem),
    /// `messageType` is neither DATA_MESSAGE nor CONTROL_MESSAGE.
    #[error("field messageType is neither DATA_MESSAGE nor CONTROL_MESSAGE")]
    UnknownMessageType,
    /// The record has no data at all.
    #[error("record data is empty")]
    Empty,
}

/// Where base64 decoding failed, without the offending character.
#[derive(Debug)]
pub struct Base64Problem(base64::DecodeError);

impl std::fmt::Display for Base64Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            base64::DecodeError::InvalidByte(at, _) => {
                write!(f, "invalid character at offset {at}")
            }
            base64::DecodeError::InvalidLength(len) => write!(f, "invalid length {len}"),
            base64::DecodeError::InvalidLastSymbol { offset, .. } => {
                write!(f, "invalid last character at offset {offset}")
            }
            base64::DecodeError::InvalidPadding => f.write_str("invalid padding"),
        }
    }
}

pub use crate::event::JsonProblem;

/// Decodes records one after the other, reusing its buffers.
#[derive(Debug)]
pub struct Decoder {
    cap: usize,
    compressed: Vec<u8>,
    inflated: Vec<u8>,
    /// None only if libdeflate could not allocate: the streaming path serves.
    whole: Option<Whole>,
    lossy: String,
    decompressed_bytes: u64,
}

/// libdeflate's whole-buffer gzip decompressor (its state is reused). Called
/// through its `_ex` entry point, which says how many input bytes the member
/// used, so bytes after it (a second member, garbage) are seen.
struct Whole(std::ptr::NonNull<libdeflate_sys::libdeflate_decompressor>);

// SAFETY: a libdeflate decompressor is plain heap state with no thread
// affinity; `&mut self` on every use keeps it to one thread at a time.
unsafe impl Send for Whole {}
unsafe impl Sync for Whole {}

impl Whole {
    fn new() -> Option<Whole> {
        // SAFETY: allocation only; null (out of memory) is checked.
        std::ptr::NonNull::new(unsafe { libdeflate_sys::libdeflate_alloc_decompressor() })
            .map(Whole)
    }

    /// Inflates the gzip member at the start of `input` into `out`:
    /// `(input bytes used, output bytes)`, or None when it does not fit `out`
    /// exactly or is not valid (the caller falls back to the streaming path).
    fn gzip(&mut self, input: &[u8], out: &mut [u8]) -> Option<(usize, usize)> {
        let mut used = 0usize;
        let mut produced = 0usize;
        // SAFETY: the pointers and lengths come from live slices; libdeflate
        // reads at most `input.len()` bytes and writes at most `out.len()`.
        let result = unsafe {
            libdeflate_sys::libdeflate_gzip_decompress_ex(
                self.0.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().cast(),
                out.len(),
                &mut used,
                &mut produced,
            )
        };
        (result == libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS
            && used <= input.len()
            && produced <= out.len())
        .then_some((used, produced))
    }
}

impl Drop for Whole {
    fn drop(&mut self) {
        // SAFETY: allocated by `libdeflate_alloc_decompressor`, freed once.
        unsafe { libdeflate_sys::libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

impl std::fmt::Debug for Whole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("libdeflate")
    }
}

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl Decoder {
    /// A decoder that refuses payloads inflating past `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Decoder {
            cap,
            compressed: Vec::new(),
            inflated: Vec::new(),
            whole: Whole::new(),
            lossy: String::new(),
            decompressed_bytes: 0,
        }
    }

    /// Total decompressed bytes seen so far (the benchmark's and the metrics' input size).
    pub fn decompressed_bytes(&self) -> u64 {
        self.decompressed_bytes
    }

    /// Decodes one record's base64 `data`.
    pub fn decode(&mut self, data: &str) -> Result<Payload<'_>, DecodeError> {
        if data.is_empty() {
            return Err(DecodeError::Empty);
        }
        self.compressed.clear();
        let data = data.trim_ascii();
        // SIMD first (padded or not, like the indifferent engine below); on
        // failure the scalar engine runs again only to say what is wrong.
        let simd = if data.ends_with('=') {
            base64_simd::STANDARD
        } else {
            base64_simd::STANDARD_NO_PAD
        };
        if simd
            .decode_append(data.as_bytes(), &mut self.compressed)
            .is_err()
        {
            self.compressed.clear();
            BASE64
                .decode_vec(data, &mut self.compressed)
                .map_err(|e| DecodeError::Base64(Base64Problem(e)))?;
        }
        self.inflate()?;
        self.decompressed_bytes += self.inflated.len() as u64;
        self.parse()
    }

    /// Decodes bytes that are already off base64 (gzip or plain JSON).
    pub fn decode_bytes(&mut self, bytes: &[u8]) -> Result<Payload<'_>, DecodeError> {
        self.compressed.clear();
        self.compressed.extend_from_slice(bytes);
        self.inflate()?;
        self.decompressed_bytes += self.inflated.len() as u64;
        self.parse()
    }

    fn inflate(&mut self) -> Result<(), DecodeError> {
        let input = self.compressed.as_slice();
        match input {
            [0x1f, 0x8b, ..] => {
                // ISIZE (the last four bytes) promises the size. When it is within the
                // cap, libdeflate inflates the whole member into a buffer of exactly that
                // size (about twice as fast as streaming); it cannot write past it. A lie,
                // a bomb or a corrupt stream falls back to the streaming decoder, which
                // stops at `cap + 1` bytes and gives the definitive error.
                let hint = input
                    .len()
                    .checked_sub(4)
                    .and_then(|at| input.get(at..))
                    .and_then(|tail| <[u8; 4]>::try_from(tail).ok())
                    .map(|tail| u32::from_le_bytes(tail) as usize);
                // Deflate cannot expand more than about 1032:1, so a trailer promising
                // more than that is a lie and must not make us commit a cap-sized buffer.
                let possible = input.len().saturating_mul(1032);
                if let Some(hint) = hint.filter(|h| *h <= self.cap && *h <= possible) {
                    // Growing zero-fills only the new bytes; the buffer is reused.
                    // (libdeflate skips the optional header CRC, FHCRC, that flate2
                    // checks; CloudWatch Logs never sets it.)
                    self.inflated.resize(hint, 0);
                    if let Some((used, n)) = self
                        .whole
                        .as_mut()
                        .and_then(|w| w.gzip(input, &mut self.inflated))
                    {
                        self.inflated.truncate(n);
                        return match input.len() - used {
                            0 => Ok(()),
                            extra => Err(DecodeError::TrailingData { extra }),
                        };
                    }
                }
                self.inflated.clear();
                let limit = self.cap as u64 + 1;
                let mut rest = input;
                flate2::bufread::GzDecoder::new(&mut rest)
                    .take(limit)
                    .read_to_end(&mut self.inflated)
                    .map_err(DecodeError::Gzip)?;
                if self.inflated.len() > self.cap {
                    return Err(DecodeError::TooLarge { cap: self.cap });
                }
                match rest.len() {
                    0 => Ok(()),
                    extra => Err(DecodeError::TrailingData { extra }),
                }
            }
            _ if input.trim_ascii_start().first() == Some(&b'{') => {
                if input.len() > self.cap {
                    return Err(DecodeError::TooLarge { cap: self.cap });
                }
                self.inflated.clear();
                self.inflated.extend_from_slice(input);
                Ok(())
            }
            _ => Err(DecodeError::NotGzip),
        }
    }

    fn parse(&mut self) -> Result<Payload<'_>, DecodeError> {
        // Validate UTF-8 once, then parse from a str (serde_json skips its own per-string check).
        let (text, lossy_utf8) = match std::str::from_utf8(&self.inflated) {
            Ok(text) => (text, false),
            Err(_) => {
                self.lossy = String::from_utf8_lossy(&self.inflated).into_owned();
                (self.lossy.as_str(), true)
            }
        };
        let raw: RawPayload<'_> = match serde_json::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                return Err(DecodeError::Json(
                    JsonProblem::of_borrowed::<RawPayload<'_>>(text, &e),
                ));
            }
        };
        let message_type = match raw.message_type.as_ref() {
            "DATA_MESSAGE" => MessageType::Data,
            "CONTROL_MESSAGE" => MessageType::Control,
            _ => return Err(DecodeError::UnknownMessageType),
        };
        Ok(Payload {
            message_type,
            owner: raw.owner,
            log_group: raw.log_group,
            log_stream: raw.log_stream,
            log_events: raw.log_events,
            lossy_utf8,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPayload<'a> {
    #[serde(borrow)]
    message_type: Cow<'a, str>,
    #[serde(borrow, default)]
    owner: Cow<'a, str>,
    #[serde(borrow)]
    log_group: Cow<'a, str>,
    #[serde(borrow)]
    log_stream: Cow<'a, str>,
    #[serde(borrow, default)]
    log_events: Vec<LogEvent<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for LogEvent<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(borrow, deserialize_with = "id_as_text")]
            id: Cow<'a, str>,
            timestamp: i64,
            #[serde(borrow)]
            message: Cow<'a, str>,
            #[serde(
                default,
                rename = "extractedFields",
                deserialize_with = "fields_or_none"
            )]
            extracted_fields: Option<Box<serde_json::Map<String, serde_json::Value>>>,
        }
        let raw = Raw::deserialize(deserializer)?;
        Ok(LogEvent {
            id: raw.id,
            timestamp: raw.timestamp,
            message: raw.message,
            extracted_fields: raw.extracted_fields.filter(|f| !f.is_empty()),
        })
    }
}

/// `extractedFields` as an object; anything else there (`null`, a string) is
/// no fields rather than an undecodable record: the event itself is intact.
fn fields_or_none<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<serde_json::Map<String, serde_json::Value>>>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Object(m) => Some(Box::new(m)),
        _ => None,
    })
}

/// Accepts `"id": "3654..."` and `"id": 42` alike, as text.
fn id_as_text<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Cow<'a, str>, D::Error> {
    struct IdVisitor;
    impl<'de> Visitor<'de> for IdVisitor {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or integer event id")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            // A float would silently collide ids after rounding: refuse it.
            Err(E::custom(
                "event id is a number too large or not an integer",
            ))
        }
    }
    d.deserialize_any(IdVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).expect("write to vec");
        enc.finish().expect("finish to vec")
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    const PAYLOAD: &str = r#"{"messageType":"DATA_MESSAGE","owner":"123456789012",
        "logGroup":"/aws/lambda/f","logStream":"2024/01/01/[$LATEST]abc","subscriptionFilters":["s"],
        "logEvents":[{"id":"36558493440960787426426224738233386617283722463537315840","timestamp":1704067200123,"message":"hello\n"},
                     {"id":7,"timestamp":1704067200124,"message":"tab\there"}]}"#;

    #[test]
    fn decodes_gzip_payload_with_string_and_numeric_ids() {
        let mut d = Decoder::new(1 << 20);
        let data = b64(&gzip(PAYLOAD.as_bytes()));
        let p = d.decode(&data).expect("decodes");
        assert_eq!(p.message_type, MessageType::Data);
        assert_eq!(p.owner, "123456789012");
        assert_eq!(p.log_group, "/aws/lambda/f");
        assert_eq!(p.log_events.len(), 2);
        assert_eq!(p.log_events[0].id.len(), 56);
        assert_eq!(p.log_events[1].id, "7");
        assert_eq!(p.log_events[1].message, "tab\there");
        assert!(!p.lossy_utf8);
    }

    #[test]
    fn base64_with_or_without_padding_and_errors_named() {
        let mut d = Decoder::new(1 << 20);
        for extra in 0..3 {
            // Lengths that need 0, 1 and 2 padding characters.
            let mut payload = PAYLOAD.to_owned();
            payload.push_str(&" ".repeat(extra));
            let padded = b64(&gzip(payload.as_bytes()));
            let unpadded = padded.trim_end_matches('=').to_owned();
            for data in [
                padded,
                unpadded,
                format!("  {}\n", b64(&gzip(payload.as_bytes()))),
            ] {
                assert_eq!(d.decode(&data).expect("decodes").log_events.len(), 2);
            }
        }
        for bad in ["H4sI*AAA", "H4sIA=AA", "H=="] {
            assert!(
                matches!(d.decode(bad), Err(DecodeError::Base64(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn accepts_plain_json_payload() {
        let mut d = Decoder::new(1 << 20);
        let p = d.decode(&b64(PAYLOAD.as_bytes())).expect("decodes");
        assert_eq!(p.log_events.len(), 2);
    }

    #[test]
    fn control_message_is_recognised() {
        let json = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"",
            "subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}"#;
        let mut d = Decoder::new(1 << 20);
        let p = d.decode(&b64(&gzip(json.as_bytes()))).expect("decodes");
        assert_eq!(p.message_type, MessageType::Control);
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        let mut d = Decoder::new(1 << 20);
        assert!(matches!(d.decode("%%%"), Err(DecodeError::Base64(_))));
        assert!(matches!(d.decode(""), Err(DecodeError::Empty)));
        assert!(matches!(
            d.decode(&b64(b"\x00\x01plain")),
            Err(DecodeError::NotGzip)
        ));
        let gz = gzip(PAYLOAD.as_bytes());
        let truncated = &gz[..gz.len() / 2];
        assert!(matches!(
            d.decode(&b64(truncated)),
            Err(DecodeError::Gzip(_))
        ));
        assert!(matches!(
            d.decode(&b64(&gzip(b"{\"messageType\":\"DATA_MESSAGE\"}"))),
            Err(DecodeError::Json(_))
        ));
        assert!(matches!(
            d.decode(&b64(&gzip(b"not json"))),
            Err(DecodeError::Json(_))
        ));
        let other = PAYLOAD.replace("DATA_MESSAGE", "SURPRISE");
        assert!(matches!(
            d.decode(&b64(&gzip(other.as_bytes()))),
            Err(DecodeError::UnknownMessageType)
        ));
        let float_id = PAYLOAD.replace("\"id\":7", "\"id\":1e300");
        assert!(matches!(
            d.decode(&b64(&gzip(float_id.as_bytes()))),
            Err(DecodeError::Json(_))
        ));
    }

    #[test]
    fn errors_name_the_field_and_position_never_the_value() {
        let mut d = Decoder::new(1 << 20);
        let secret = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2ln";
        let cases = [
            (
                PAYLOAD.replace("1704067200124", &format!("\"{secret}\"")),
                "logEvents[1].timestamp",
            ),
            (
                PAYLOAD.replace("\"DATA_MESSAGE\"", &format!("\"password={secret}\"")),
                "messageType",
            ),
            (
                PAYLOAD.replace("\"tab\\there\"", &format!("[\"{secret}\"]")),
                "logEvents[1].message",
            ),
            (
                PAYLOAD.replace(
                    "\"owner\":\"123456789012\"",
                    &format!("\"owner\":{{\"{secret}\":1}}"),
                ),
                "owner",
            ),
            (format!("{PAYLOAD} {secret}"), "."),
        ];
        for (payload, field) in cases {
            let e = d
                .decode(&b64(&gzip(payload.as_bytes())))
                .expect_err(field)
                .to_string();
            assert!(!e.contains("eyJ") && !e.contains("Bearer"), "{e}");
            assert!(e.contains(field), "{field}: {e}");
        }
        let e = d.decode("H4sI*secretAAA").expect_err("base64").to_string();
        assert!(!e.contains('*') && e.contains("offset 4"), "{e}");
        let e = d.decode(&b64(b"pass")).expect_err("not gzip").to_string();
        assert!(!e.contains("pass") && !e.contains("70617373"), "{e}");
    }

    #[test]
    fn bytes_after_the_gzip_member_fail_the_record() {
        let mut d = Decoder::new(1 << 20);
        let one = gzip(PAYLOAD.as_bytes());
        let other = gzip(PAYLOAD.replace("hello", "other").as_bytes());
        let cases = [
            // `cat a.gz b.gz`, `cat a.gz a.gz`, a member and garbage, and a
            // member with a few bytes that look like another trailer.
            [one.clone(), other.clone()].concat(),
            [one.clone(), one.clone()].concat(),
            [one.clone(), b"garbage after the member".to_vec()].concat(),
            [one.clone(), one[one.len() - 8..].to_vec()].concat(),
        ];
        for data in cases {
            match d.decode(&b64(&data)) {
                Err(DecodeError::TrailingData { extra }) => assert!(extra > 0),
                other => panic!("{other:?}"),
            }
        }
        // A single member still decodes.
        assert_eq!(
            d.decode(&b64(&one)).expect("one member").log_events.len(),
            2
        );
    }

    #[test]
    fn gzip_bomb_is_capped() {
        let zeros = vec![b' '; 8 << 20];
        let bomb = gzip(&zeros);
        assert!(bomb.len() < 40_000);
        let mut d = Decoder::new(1 << 20);
        assert!(matches!(
            d.decode(&b64(&bomb)),
            Err(DecodeError::TooLarge { cap }) if cap == 1 << 20
        ));
        // The buffer never grew far past the cap.
        assert!(d.inflated.capacity() < 4 << 20);
    }

    /// The gzip trailer's size field is a hint only: a bomb that claims to be
    /// small, or a stream claiming more than it holds, never gets past the cap
    /// or through as a payload.
    #[test]
    fn lying_size_trailer_is_caught() {
        let forge = |mut gz: Vec<u8>, isize: u32| {
            let at = gz.len() - 4;
            gz[at..].copy_from_slice(&isize.to_le_bytes());
            gz
        };
        let mut d = Decoder::new(1 << 20);
        let bomb = forge(gzip(&vec![b' '; 8 << 20]), 100);
        assert!(matches!(
            d.decode(&b64(&bomb)),
            Err(DecodeError::TooLarge { .. })
        ));
        let long = forge(gzip(PAYLOAD.as_bytes()), PAYLOAD.len() as u32 + 10);
        assert!(matches!(d.decode(&b64(&long)), Err(DecodeError::Gzip(_))));
        let short = forge(gzip(PAYLOAD.as_bytes()), PAYLOAD.len() as u32 - 10);
        assert!(matches!(d.decode(&b64(&short)), Err(DecodeError::Gzip(_))));
        // A tiny record claiming a cap-sized payload commits no cap-sized buffer.
        let mut big = Decoder::new(64 << 20);
        let liar = forge(gzip(PAYLOAD.as_bytes()), 60 << 20);
        assert!(big.decode(&b64(&liar)).is_err());
        assert!(big.inflated.capacity() < 1 << 20);
        // And the decoder is still good for the next record.
        let p = d.decode(&b64(&gzip(PAYLOAD.as_bytes()))).expect("decodes");
        assert_eq!(p.log_events.len(), 2);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let mut bytes = PAYLOAD.as_bytes().to_vec();
        let at = PAYLOAD.find("hello").expect("present");
        bytes[at] = 0xff;
        let mut d = Decoder::new(1 << 20);
        let p = d.decode(&b64(&gzip(&bytes))).expect("decodes lossily");
        assert!(p.lossy_utf8);
        assert!(p.log_events[0].message.starts_with('\u{fffd}'));
    }

    #[test]
    fn buffers_are_reused() {
        let mut d = Decoder::new(1 << 20);
        let data = b64(&gzip(PAYLOAD.as_bytes()));
        for _ in 0..3 {
            assert_eq!(d.decode(&data).expect("decodes").log_events.len(), 2);
        }
        assert_eq!(d.decompressed_bytes(), 3 * PAYLOAD.len() as u64);
    }
}
