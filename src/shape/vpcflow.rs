//! VPC flow log records: the default version 2 format (14 fields, recognised
//! in any log group by its `2 ` start, field count and field values) and
//! custom formats given by their `${field}` list for the log groups that use
//! them. A record whose field count or a numeric/address field does not fit
//! its format is not a flow log record and stays a plain message.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::{Shape, Shaped, rfc3339_secs, snake};

const DATASET: &str = "aws.vpcflow";

/// The default format: `${version} ${account-id} ${interface-id} ${srcaddr}
/// ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start}
/// ${end} ${action} ${log-status}`.
pub const DEFAULT_V2: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

static DEFAULT: LazyLock<FlowFormat> = LazyLock::new(|| {
    FlowFormat::with_fields(
        DEFAULT_V2
            .split_ascii_whitespace()
            .map(|t| t.trim_start_matches("${").trim_end_matches('}').to_owned())
            .collect(),
    )
});

pub(super) fn default_v2() -> &'static FlowFormat {
    &DEFAULT
}

/// A flow log format: its field names in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowFormat {
    fields: Vec<String>,
    /// Each field's `aws.vpcflow.*` name (snake case), worked out once.
    names: Vec<String>,
}

/// Why a flow log format is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowFormatError {
    /// No field at all.
    #[error("the flow log format has no field")]
    Empty,
    /// A token that is not `${name}` (or a bare name) with a name of `a-z`, `0-9` and `-`.
    #[error("field {position} of the flow log format is not ${{name}}")]
    BadField {
        /// 1-based position of the token.
        position: usize,
    },
}

impl FlowFormat {
    /// Parses `${version} ${vpc-id} …` as the `LogFormat` of a flow log.
    pub fn parse(spec: &str) -> Result<FlowFormat, FlowFormatError> {
        let mut fields = Vec::new();
        for (i, token) in spec.split_ascii_whitespace().enumerate() {
            let name = match token.strip_prefix("${") {
                Some(inner) => inner.strip_suffix('}'),
                None => Some(token),
            };
            let name = name
                .filter(|n| {
                    !n.is_empty()
                        && n.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                })
                .ok_or(FlowFormatError::BadField { position: i + 1 })?;
            fields.push(name.to_owned());
        }
        if fields.is_empty() {
            return Err(FlowFormatError::Empty);
        }
        Ok(FlowFormat::with_fields(fields))
    }

    fn with_fields(fields: Vec<String>) -> FlowFormat {
        let names = fields.iter().map(|f| snake(f)).collect();
        FlowFormat { fields, names }
    }

    /// The default version 2 format.
    pub fn default_v2() -> FlowFormat {
        default_v2().clone()
    }

    /// The field names, in order.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }
}

/// What kind of value a field must hold.
fn valid(name: &str, value: &str) -> bool {
    if value == "-" {
        return true;
    }
    let number =
        || value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() && value.len() <= 20;
    match name {
        "version" | "srcport" | "dstport" | "protocol" | "packets" | "bytes" | "start" | "end"
        | "tcp-flags" | "traffic-path" => number(),
        "account-id" => number() || value == "unknown",
        "srcaddr" | "dstaddr" | "pkt-srcaddr" | "pkt-dstaddr" => value.parse::<IpAddr>().is_ok(),
        "action" => matches!(value, "ACCEPT" | "REJECT"),
        "log-status" => matches!(value, "OK" | "NODATA" | "SKIPDATA"),
        _ => true,
    }
}

pub(super) fn parse<'a>(line: &'a str, format: &FlowFormat) -> Option<Shaped<'a>> {
    let values: Vec<&str> = line.split_ascii_whitespace().collect();
    if values.len() != format.fields.len() {
        return None;
    }
    let pairs = || {
        format
            .fields
            .iter()
            .map(String::as_str)
            .zip(values.iter().copied())
    };
    if !pairs().all(|(n, v)| valid(n, v)) {
        return None;
    }
    // The objects are built directly (a flow log group is among the largest
    // of an account: no dotted-path walks, no name formatting per record).
    let (mut source, mut destination, mut network, mut event, mut flow) =
        (Map::new(), Map::new(), Map::new(), Map::new(), Map::new());
    let text = |v: &str| Value::String(v.to_owned());
    for ((name, value), vpc_name) in pairs().zip(&format.names) {
        if value == "-" {
            continue;
        }
        let number = || value.parse::<u64>().ok().map_or(Value::Null, Value::from);
        match name {
            "srcaddr" => _ = source.insert("ip".into(), text(value)),
            "dstaddr" => _ = destination.insert("ip".into(), text(value)),
            "srcport" => _ = source.insert("port".into(), number()),
            "dstport" => _ = destination.insert("port".into(), number()),
            "protocol" => {
                network.insert("iana_number".into(), text(value));
                if let Some(t) = value.parse::<u64>().ok().and_then(transport) {
                    network.insert("transport".into(), t.into());
                }
            }
            "packets" => _ = network.insert("packets".into(), number()),
            "bytes" => _ = network.insert("bytes".into(), number()),
            "start" | "end" => {
                if let Some(at) = value.parse::<i64>().ok().and_then(rfc3339_secs) {
                    event.insert(name.into(), at.into());
                }
            }
            "action" => {
                let accept = value == "ACCEPT";
                event.insert(
                    "action".into(),
                    if accept { "accept" } else { "reject" }.into(),
                );
                event.insert(
                    "outcome".into(),
                    if accept { "success" } else { "failure" }.into(),
                );
                flow.insert("action".into(), text(value));
            }
            "type" => {
                network.insert("type".into(), value.to_ascii_lowercase().into());
                flow.insert("type".into(), text(value));
            }
            "flow-direction" => {
                network.insert("direction".into(), text(value));
                flow.insert("flow_direction".into(), text(value));
            }
            "tcp-flags" => {
                flow.insert("tcp_flags".into(), text(value));
                if let Ok(bits) = value.parse::<u64>() {
                    let names: Vec<Value> = [
                        (1, "fin"),
                        (2, "syn"),
                        (4, "rst"),
                        (8, "psh"),
                        (16, "ack"),
                        (32, "urg"),
                    ]
                    .iter()
                    .filter(|(bit, _)| bits & bit != 0)
                    .map(|(_, n)| Value::from(*n))
                    .collect();
                    flow.insert("tcp_flags_array".into(), Value::Array(names));
                }
            }
            _ => _ = flow.insert(vpc_name.clone(), text(value)),
        }
    }
    let mut s = Shaped::new(Shape::VpcFlow, DATASET, Cow::Borrowed(line));
    for (key, object) in [
        ("source", source),
        ("destination", destination),
        ("network", network),
        ("event", event),
    ] {
        if !object.is_empty() {
            s.fields.insert(key.into(), Value::Object(object));
        }
    }
    if !flow.is_empty() {
        let mut aws = Map::new();
        aws.insert("vpcflow".into(), Value::Object(flow));
        s.fields.insert("aws".into(), Value::Object(aws));
    }
    Some(s)
}

/// The IANA protocol number's name, as ECS `network.transport` writes it.
fn transport(n: u64) -> Option<&'static str> {
    Some(match n {
        1 => "icmp",
        2 => "igmp",
        4 => "ipv4",
        6 => "tcp",
        17 => "udp",
        41 => "ipv6",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        89 => "ospf",
        103 => "pim",
        112 => "vrrp",
        132 => "sctp",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Shape, Shaper, understand};
    use super::*;
    use serde_json::json;

    const G: &str = "/vpc/flow-logs";

    #[test]
    fn default_format_accept() {
        let line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
        let s = understand(G, line).expect("flow");
        assert_eq!(s.shape, Shape::VpcFlow);
        assert_eq!(s.dataset, "aws.vpcflow");
        assert_eq!(s.message, line);
        let f = &s.fields;
        assert_eq!(f["source"]["ip"], "172.31.16.139");
        assert_eq!(f["source"]["port"], 20641);
        assert_eq!(f["destination"]["ip"], "172.31.16.21");
        assert_eq!(f["destination"]["port"], 22);
        assert_eq!(f["network"]["iana_number"], "6");
        assert_eq!(f["network"]["transport"], "tcp");
        assert_eq!(f["network"]["packets"], 20);
        assert_eq!(f["network"]["bytes"], 4249);
        assert_eq!(f["event"]["start"], "2014-12-14T04:06:50Z");
        assert_eq!(f["event"]["end"], "2014-12-14T04:07:50Z");
        assert_eq!(f["event"]["action"], "accept");
        assert_eq!(f["event"]["outcome"], "success");
        let v = &f["aws"]["vpcflow"];
        assert_eq!(v["version"], "2");
        assert_eq!(v["account_id"], "123456789010");
        assert_eq!(v["interface_id"], "eni-1235b8ca123456789");
        assert_eq!(v["log_status"], "OK");
        assert_eq!(s.level, None);
    }

    #[test]
    fn default_format_reject_ipv6_nodata_skipdata() {
        let s = understand(G, "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 REJECT OK").expect("v6");
        assert_eq!(s.fields["event"]["action"], "reject");
        assert_eq!(s.fields["event"]["outcome"], "failure");
        assert_eq!(
            s.fields["source"]["ip"],
            "2001:db8:1234:a100:8d6e:3477:df66:f105"
        );

        let s = understand(
            G,
            "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
        )
        .expect("nodata");
        assert_eq!(s.fields["aws"]["vpcflow"]["log_status"], "NODATA");
        assert!(s.fields.get("source").is_none());
        assert!(s.fields["event"].get("action").is_none());
        assert_eq!(s.fields["event"]["start"], "2015-05-10T18:01:16Z");

        let s = understand(
            G,
            "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA",
        )
        .expect("skipdata");
        assert_eq!(s.fields["aws"]["vpcflow"]["log_status"], "SKIPDATA");
    }

    #[test]
    fn custom_format_by_log_group() {
        let format = FlowFormat::parse("${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status} ${flow-direction} ${traffic-path} ${pkt-src-aws-service}").expect("format");
        let shaper = Shaper::new().with_flow_format("/vpc/custom*", format);
        let line = "5 vpc-0a1b2c3d subnet-0a1b2c3d i-0123456789abcdef0 eni-0a1b2c3d4e5f67890 123456789012 IPv4 10.0.1.5 52.95.110.1 49152 443 10.0.1.5 52.95.110.1 6 5210 12 1795860000 1795860060 ACCEPT 19 OK egress 8 S3";
        let s = shaper.understand("/vpc/custom-prod", line).expect("custom");
        let v = &s.fields["aws"]["vpcflow"];
        assert_eq!(v["vpc_id"], "vpc-0a1b2c3d");
        assert_eq!(v["subnet_id"], "subnet-0a1b2c3d");
        assert_eq!(v["instance_id"], "i-0123456789abcdef0");
        assert_eq!(v["pkt_srcaddr"], "10.0.1.5");
        assert_eq!(v["pkt_src_aws_service"], "S3");
        assert_eq!(v["traffic_path"], "8");
        assert_eq!(v["tcp_flags"], "19");
        assert_eq!(v["tcp_flags_array"], json!(["fin", "syn", "ack"]));
        assert_eq!(s.fields["network"]["type"], "ipv4");
        assert_eq!(s.fields["network"]["direction"], "egress");
        assert_eq!(s.fields["destination"]["port"], 443);
        // Other log groups are not read with the custom format.
        assert!(shaper.understand("/vpc/other", line).is_none());
        // A line of the custom group with a field missing is not a record.
        assert!(
            shaper
                .understand("/vpc/custom-prod", "5 vpc-0a1b2c3d subnet-0a1b2c3d")
                .is_none()
        );
    }

    #[test]
    fn bad_formats() {
        assert_eq!(FlowFormat::parse("  "), Err(FlowFormatError::Empty));
        assert_eq!(
            FlowFormat::parse("${version} ${Bad_Name}"),
            Err(FlowFormatError::BadField { position: 2 })
        );
        assert_eq!(
            FlowFormat::parse("${version} ${srcaddr"),
            Err(FlowFormatError::BadField { position: 2 })
        );
        assert_eq!(
            FlowFormat::parse(DEFAULT_V2).expect("default"),
            FlowFormat::default_v2()
        );
        assert_eq!(FlowFormat::default_v2().fields().len(), 14);
    }

    #[test]
    fn look_alikes_stay_plain() {
        for line in [
            // 13 fields
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT",
            // 15 fields
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK extra",
            // not an address
            "2 123456789010 eni-1235b8ca123456789 host-a 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            // unknown action
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ALLOW OK",
            "2 apples and 3 oranges",
        ] {
            assert!(understand(G, line).is_none(), "{line}");
        }
    }
}
