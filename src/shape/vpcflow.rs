//! VPC flow log records: the default version 2 format (14 fields, recognised
//! in any log group by its `2 ` start, field count and field values) and
//! custom formats given by their `${field}` list for the log groups that use
//! them. A record whose field count or a numeric/address field does not fit
//! its format is not a flow log record and stays a plain message.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::written::{EcsJson, Writer};
use super::{Shape, Shaped, rfc3339_secs, rfc3339_secs_text, snake};

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
    /// How a record is written as JSON directly; None for a format that
    /// gives a field twice (read into a tree, where the last one wins).
    plan: Option<Plan>,
}

/// Formats with more fields than this are read into a tree.
const MAX_TYPED: usize = 64;

/// Where the fields a record's ECS objects come from, and the `aws.vpcflow`
/// members in key order: worked out once per format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Plan {
    srcaddr: Option<usize>,
    dstaddr: Option<usize>,
    srcport: Option<usize>,
    dstport: Option<usize>,
    protocol: Option<usize>,
    packets: Option<usize>,
    bytes: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
    action: Option<usize>,
    kind: Option<usize>,
    direction: Option<usize>,
    /// (`aws.vpcflow` key, field index, is `tcp_flags_array`), by key.
    vpc: Vec<(String, usize, bool)>,
    /// What each field must hold.
    kinds: Vec<Kind>,
}

impl Plan {
    fn new(fields: &[String], names: &[String]) -> Option<Plan> {
        if fields.len() > MAX_TYPED {
            return None;
        }
        let mut p = Plan {
            kinds: fields.iter().map(|f| kind(f)).collect(),
            ..Plan::default()
        };
        for (i, (field, name)) in fields.iter().zip(names).enumerate() {
            let (slot, in_vpc) = match field.as_str() {
                "srcaddr" => (Some(&mut p.srcaddr), false),
                "dstaddr" => (Some(&mut p.dstaddr), false),
                "srcport" => (Some(&mut p.srcport), false),
                "dstport" => (Some(&mut p.dstport), false),
                "protocol" => (Some(&mut p.protocol), false),
                "packets" => (Some(&mut p.packets), false),
                "bytes" => (Some(&mut p.bytes), false),
                "start" => (Some(&mut p.start), false),
                "end" => (Some(&mut p.end), false),
                "action" => (Some(&mut p.action), true),
                "type" => (Some(&mut p.kind), true),
                "flow-direction" => (Some(&mut p.direction), true),
                _ => (None, true),
            };
            if let Some(slot) = slot {
                if slot.is_some() {
                    return None;
                }
                *slot = Some(i);
            }
            if in_vpc {
                p.vpc.push((name.clone(), i, false));
                if field == "tcp-flags" {
                    p.vpc.push(("tcp_flags_array".to_owned(), i, true));
                }
            }
        }
        p.vpc.sort_by(|a, b| a.0.cmp(&b.0));
        if p.vpc.windows(2).any(|w| matches!(w, [a, b] if a.0 == b.0)) {
            return None;
        }
        Some(p)
    }
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
        let names: Vec<String> = fields.iter().map(|f| snake(f)).collect();
        let plan = Plan::new(&fields, &names);
        FlowFormat {
            fields,
            names,
            plan,
        }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    /// A TCP or UDP port: 0–65535.
    Port,
    /// An IANA protocol number: 0–255.
    Protocol,
    Account,
    Address,
    Action,
    Status,
    Any,
}

fn kind(name: &str) -> Kind {
    match name {
        "srcport" | "dstport" => Kind::Port,
        "protocol" => Kind::Protocol,
        "version" | "packets" | "bytes" | "start" | "end" | "tcp-flags" | "traffic-path" => {
            Kind::Number
        }
        "account-id" => Kind::Account,
        "srcaddr" | "dstaddr" | "pkt-srcaddr" | "pkt-dstaddr" => Kind::Address,
        "action" => Kind::Action,
        "log-status" => Kind::Status,
        _ => Kind::Any,
    }
}

/// Whether a field of `name` may hold `value`.
fn valid(name: &str, value: &str) -> bool {
    fits(kind(name), value)
}

/// Whether a field of `kind` may hold `value`.
fn fits(kind: Kind, value: &str) -> bool {
    if value == "-" {
        return true;
    }
    // Digits only, at most `max` as a number: a string of digits as long as
    // `max` compares as its number does.
    let at_most = |max: &str| {
        !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_digit())
            && (value.len() < max.len() || (value.len() == max.len() && value <= max))
    };
    let number = || at_most("18446744073709551615");
    match kind {
        Kind::Number => number(),
        Kind::Port => at_most("65535"),
        Kind::Protocol => at_most("255"),
        Kind::Account => number() || value == "unknown",
        Kind::Address => value.parse::<IpAddr>().is_ok(),
        Kind::Action => matches!(value, "ACCEPT" | "REJECT"),
        Kind::Status => matches!(value, "OK" | "NODATA" | "SKIPDATA"),
        Kind::Any => true,
    }
}

/// [`parse`] with the fields written as JSON ([`Shaped::written`]) rather
/// than into [`Shaped::fields`], when the format allows it.
pub(super) fn parse_written<'a>(line: &'a str, format: &FlowFormat) -> Option<Shaped<'a>> {
    let Some(plan) = &format.plan else {
        return parse(line, format);
    };
    let mut values = [""; MAX_TYPED];
    let mut n = 0;
    for v in line.split_ascii_whitespace() {
        *values.get_mut(n)? = v;
        n += 1;
    }
    if n != format.fields.len() {
        return None;
    }
    let values = values.get(..n)?;
    if !plan.kinds.iter().zip(values).all(|(k, v)| fits(*k, v)) {
        return None;
    }
    let mut s = Shaped::new(Shape::VpcFlow, DATASET, Cow::Borrowed(line));
    let json = write(values, plan, line.len());
    if !json.is_empty() {
        s.written = Some(json);
    }
    Some(s)
}

/// A record's ECS fields as JSON, members in key order: what [`parse`] puts
/// in its tree, written as the document writer would write that tree.
fn write(values: &[&str], plan: &Plan, line_len: usize) -> EcsJson {
    let get = |slot: Option<usize>| {
        slot.and_then(|i| values.get(i))
            .copied()
            .filter(|v| *v != "-")
    };
    let number = |v: &str| v.parse::<u64>().ok();
    let time = |v: Option<&str>| {
        v.and_then(|v| v.parse::<i64>().ok())
            .and_then(rfc3339_secs_text)
    };
    let mut w = Writer::with_capacity(line_len * 2 + 160);

    // event: action, end, outcome, start
    let action = get(plan.action).map(|a| a == "ACCEPT");
    if let Some(accept) = action {
        w.str("action", if accept { "accept" } else { "reject" });
    }
    if let Some(end) = time(get(plan.end)) {
        w.str("end", end.as_str());
    }
    if let Some(accept) = action {
        w.str("outcome", if accept { "success" } else { "failure" });
    }
    if let Some(start) = time(get(plan.start)) {
        w.str("start", start.as_str());
    }
    w.end_event();

    // aws.vpcflow
    let mut open = false;
    for (key, i, flags) in &plan.vpc {
        let Some(v) = values.get(*i).copied().filter(|v| *v != "-") else {
            continue;
        };
        let bits = if *flags {
            match number(v) {
                Some(bits) => Some(bits),
                None => continue,
            }
        } else {
            None
        };
        if !open {
            w.open("vpcflow");
            open = true;
        }
        match bits {
            None => w.str(key, v),
            Some(bits) => {
                w.key(key);
                let out = w.out();
                out.push(b'[');
                let mut first = true;
                for (bit, name) in TCP_FLAGS {
                    if bits & bit != 0 {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        out.push(b'"');
                        out.extend_from_slice(name.as_bytes());
                        out.push(b'"');
                    }
                }
                out.push(b']');
            }
        }
    }
    if open {
        w.close();
    }
    w.end_aws();

    // destination, network, source
    let (ip, port) = (get(plan.dstaddr), get(plan.dstport));
    if ip.is_some() || port.is_some() {
        w.open("destination");
        if let Some(ip) = ip {
            w.str("ip", ip);
        }
        if let Some(port) = port {
            w.uint("port", number(port));
        }
        w.close();
    }
    let (bytes, direction, protocol, packets, kind) = (
        get(plan.bytes),
        get(plan.direction),
        get(plan.protocol),
        get(plan.packets),
        get(plan.kind),
    );
    if bytes.is_some()
        || direction.is_some()
        || protocol.is_some()
        || packets.is_some()
        || kind.is_some()
    {
        w.open("network");
        if let Some(bytes) = bytes {
            w.uint("bytes", number(bytes));
        }
        if let Some(direction) = direction {
            w.str("direction", direction);
        }
        if let Some(protocol) = protocol {
            w.str("iana_number", protocol);
        }
        if let Some(packets) = packets {
            w.uint("packets", number(packets));
        }
        if let Some(t) = protocol.and_then(number).and_then(transport) {
            w.str("transport", t);
        }
        if let Some(kind) = kind {
            w.str("type", &kind.to_ascii_lowercase());
        }
        w.close();
    }
    let (ip, port) = (get(plan.srcaddr), get(plan.srcport));
    if ip.is_some() || port.is_some() {
        w.open("source");
        if let Some(ip) = ip {
            w.str("ip", ip);
        }
        if let Some(port) = port {
            w.uint("port", number(port));
        }
        w.close();
    }
    w.finish()
}

/// `tcp-flags` bits and their names, in the order `tcp_flags_array` lists them.
const TCP_FLAGS: [(u64, &str); 6] = [
    (1, "fin"),
    (2, "syn"),
    (4, "rst"),
    (8, "psh"),
    (16, "ack"),
    (32, "urg"),
];

/// Reads a record into [`Shaped::fields`] (the tree); the reference for
/// [`parse_written`], and the reader of formats it does not take.
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
                    let names: Vec<Value> = TCP_FLAGS
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
    use proptest::prelude::*;
    use serde_json::json;

    const G: &str = "/vpc/flow-logs";

    #[test]
    fn a_port_or_protocol_out_of_range_is_no_flow_record() {
        for line in [
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 99999 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 65536 6 20 4249 1418530010 1418530070 ACCEPT OK",
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 256 20 4249 1418530010 1418530070 ACCEPT OK",
        ] {
            assert!(understand(G, line).is_none(), "{line}");
        }
        let edge = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 0 65535 255 20 4249 1418530010 1418530070 ACCEPT OK";
        assert!(understand(G, edge).is_some());
    }

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

    /// The custom format of the property test: every field the shape
    /// treats apart, and free ones.
    const CUSTOM: &str = "${version} ${vpc-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status} ${flow-direction} ${traffic-path} ${pkt-src-aws-service}";

    /// A value for a field of `name`: valid, `-`, or anything (mostly valid).
    fn value(name: &'static str) -> impl Strategy<Value = String> {
        let valid: BoxedStrategy<String> = match name {
            "version" | "srcport" | "dstport" | "packets" | "bytes" | "traffic-path" => {
                prop_oneof!["[0-9]{1,5}", "0[0-9]{1,3}", "[0-9]{19,20}"].boxed()
            }
            "protocol" => prop_oneof!["(1|6|17|58|99|255)", "0?[0-9]{1,3}"].boxed(),
            "tcp-flags" => "[0-9]{1,3}|[0-9]{20}".boxed(),
            "start" | "end" => prop_oneof!["1[0-9]{9}", "[0-9]{1,3}", "[0-9]{12,13}"].boxed(),
            "account-id" => {
                prop_oneof!["[0-9]{12}", Just("unknown".to_owned()), "4111111111111111"].boxed()
            }
            "srcaddr" | "dstaddr" | "pkt-srcaddr" => prop_oneof![
                "10\\.[0-9]{1,2}\\.[0-9]\\.[0-9]{1,3}",
                Just("2001:db8::1".to_owned())
            ]
            .boxed(),
            "action" => prop_oneof![Just("ACCEPT".to_owned()), Just("REJECT".to_owned())].boxed(),
            "log-status" => prop_oneof![Just("OK".to_owned()), Just("NODATA".to_owned())].boxed(),
            "type" => "(IPv4|IPv6|EFA)".boxed(),
            "flow-direction" => "(ingress|egress)".boxed(),
            _ => prop_oneof![
                "[a-z0-9-]{1,12}",
                "[!-~]{1,16}",
                Just("password=hunter2hunter2".to_owned()),
                Just("AKIAIOSFODNN7EXAMPLE".to_owned()),
                Just("caf\u{e9}\"\\x".to_owned()),
            ]
            .boxed(),
        };
        prop_oneof![8 => valid, 1 => Just("-".to_owned()), 1 => "[!-~]{1,6}"]
    }

    fn line(format: &'static str) -> impl Strategy<Value = String> {
        let names: Vec<&'static str> = format
            .split_ascii_whitespace()
            .map(|t| t.trim_start_matches("${").trim_end_matches('}'))
            .collect();
        names
            .into_iter()
            .map(value)
            .collect::<Vec<_>>()
            .prop_map(|values| values.join(" "))
    }

    fn tree_and_written(line: &str, format: &FlowFormat) {
        let tree = parse(line, format);
        let written = parse_written(line, format);
        assert_eq!(tree.is_some(), written.is_some(), "{line}");
        if let (Some(tree), Some(mut written)) = (tree, written) {
            assert!(written.fields.is_empty());
            let json = written.written.take().unwrap_or_default();
            // Byte for byte what the document writer makes of the tree.
            assert_eq!(json, EcsJson::from_tree(&tree.fields), "{line}");
            let map = json.into_map();
            assert_eq!(map, tree.fields, "{line}");
            written.fields = map;
            assert_eq!(written, tree);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1500))]

        #[test]
        fn written_fields_are_the_tree_default(line in line(DEFAULT_V2)) {
            tree_and_written(&line, default_v2());
        }

        #[test]
        fn written_fields_are_the_tree_custom(line in line(CUSTOM)) {
            let format = FlowFormat::parse(CUSTOM).expect("format");
            tree_and_written(&line, &format);
        }
    }

    #[test]
    fn formats_giving_a_field_twice_are_read_into_a_tree() {
        for spec in [
            "${version} ${srcaddr} ${srcaddr}",
            "${version} ${vpc-id} ${vpc-id}",
            "${version} ${tcp-flags} ${tcp-flags-array}",
        ] {
            let format = FlowFormat::parse(spec).expect("format");
            assert!(format.plan.is_none(), "{spec}");
            let s = parse_written("2 10.0.0.1 -", &format);
            assert!(s.is_none_or(|s| s.written.is_none()));
        }
        let format = FlowFormat::parse("${version} ${srcaddr} ${srcaddr}").expect("format");
        let s = parse_written("2 10.0.0.1 -", &format).expect("record");
        assert_eq!(s.fields["source"]["ip"], "10.0.0.1");
        assert!(default_v2().plan.is_some());
        assert!(FlowFormat::parse(CUSTOM).expect("format").plan.is_some());
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
