//! Syslog lines as the CloudWatch agent ships them from EC2 and on-premises
//! servers: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`) and
//! RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, also with rsyslog's
//! RFC 3339 timestamp), each with or without `<PRI>`. Without `<PRI>` the
//! header must be complete (timestamp, host and a `tag:`), so prose that
//! happens to start with a month name stays plain.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::level::severity_level;
use super::text::timestamp_len;
use super::{Shape, Shaped};

const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const FACILITIES: &[&str] = &[
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

const SEVERITIES: &[&str] = &[
    "Emergency",
    "Alert",
    "Critical",
    "Error",
    "Warning",
    "Notice",
    "Informational",
    "Debug",
];

pub(super) fn parse<'a>(line: &'a str, dataset: &'static str) -> Option<Shaped<'a>> {
    let (pri, rest) = match line.strip_prefix('<') {
        Some(after) => {
            let close = after.bytes().take(4).position(|b| b == b'>')?;
            let digits = after.get(..close)?;
            // RFC 5424: no leading zero (`<034>` is no priority).
            if digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
                || (digits.len() > 1 && digits.starts_with('0'))
            {
                return None;
            }
            let pri: u8 = digits.parse().ok().filter(|p| *p <= 191)?;
            (Some(pri), after.get(close + 1..)?)
        }
        None => (None, line),
    };
    let mut s = Shaped::new(Shape::Syslog, dataset, Cow::Borrowed(""));
    let parsed = rfc5424(rest, &mut s) || rfc3164(rest, pri.is_some(), &mut s);
    if !parsed {
        return None;
    }
    if let Some(pri) = pri {
        let (facility, severity) = (pri / 8, pri % 8);
        s.put("log.syslog.priority", pri);
        s.put("log.syslog.facility.code", facility);
        if let Some(name) = FACILITIES.get(usize::from(facility)) {
            s.put("log.syslog.facility.name", *name);
        }
        s.put("log.syslog.severity.code", severity);
        if let Some(name) = SEVERITIES.get(usize::from(severity)) {
            s.put("log.syslog.severity.name", *name);
        }
        s.level = Some(Cow::Borrowed(severity_level(severity)));
    }
    Some(s.or_line(line))
}

/// `1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
fn rfc5424<'a>(rest: &'a str, s: &mut Shaped<'a>) -> bool {
    let Some(after_version) = rest.strip_prefix("1 ") else {
        return false;
    };
    let mut parts = after_version.splitn(6, ' ');
    let (Some(ts), Some(host), Some(app), Some(procid), Some(msgid), Some(tail)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let ts_ok = ts == "-" || (ts.contains('T') && timestamp_len(ts.as_bytes()) == Some(ts.len()));
    if !ts_ok || [host, app, procid, msgid].iter().any(|f| f.is_empty()) {
        return false;
    }
    let Some((sd, msg)) = structured_data(tail) else {
        return false;
    };
    s.put("log.syslog.version", "1");
    if host != "-" {
        s.put("host.hostname", host);
        s.put("log.syslog.hostname", host);
    }
    if app != "-" {
        s.put("process.name", app);
        s.put("log.syslog.appname", app);
    }
    if procid != "-" {
        s.put("log.syslog.procid", procid);
        if let Ok(pid) = procid.parse::<u64>() {
            s.put("process.pid", pid);
        }
    }
    if msgid != "-" {
        s.put("log.syslog.msgid", msgid);
    }
    if let Some(mut sd) = sd {
        super::undot(&mut sd);
        s.put("log.syslog.structured_data", Value::Object(sd));
    }
    s.message = Cow::Borrowed(msg.trim_start_matches('\u{feff}'));
    true
}

/// `-` or `[id k="v" …]…`, then ` MSG`: (the elements, the message).
/// Sets `name` in `params`, or adds `value` to the values it has.
fn add(params: &mut Map<String, Value>, name: &str, value: Value) {
    match params.get_mut(name) {
        None => {
            params.insert(name.to_owned(), value);
        }
        Some(Value::Array(values)) => values.push(value),
        Some(first) => {
            let first = std::mem::take(first);
            params.insert(name.to_owned(), Value::Array(vec![first, value]));
        }
    }
}

fn structured_data(tail: &str) -> Option<(Option<Map<String, Value>>, &str)> {
    if let Some(rest) = tail.strip_prefix('-') {
        if rest.is_empty() {
            return Some((None, ""));
        }
        return rest.strip_prefix(' ').map(|m| (None, m));
    }
    let b = tail.as_bytes();
    let mut i = 0;
    let mut elements = Map::new();
    while b.get(i) == Some(&b'[') {
        i += 1;
        let id_start = i;
        while b
            .get(i)
            .is_some_and(|c| !matches!(c, b' ' | b']' | b'=' | b'"'))
        {
            i += 1;
        }
        let id = tail.get(id_start..i)?;
        if id.is_empty() {
            return None;
        }
        let mut params = Map::new();
        loop {
            match b.get(i)? {
                b']' => {
                    i += 1;
                    break;
                }
                b' ' => i += 1,
                _ => {
                    let name_start = i;
                    while b
                        .get(i)
                        .is_some_and(|c| !matches!(c, b' ' | b']' | b'=' | b'"'))
                    {
                        i += 1;
                    }
                    let name = tail.get(name_start..i)?;
                    if name.is_empty() || b.get(i) != Some(&b'=') || b.get(i + 1) != Some(&b'"') {
                        return None;
                    }
                    i += 2;
                    let mut value = String::new();
                    let mut run = i;
                    loop {
                        match b.get(i)? {
                            b'\\' if matches!(b.get(i + 1), Some(b'"' | b'\\' | b']')) => {
                                value.push_str(tail.get(run..i)?);
                                value.push(char::from(*b.get(i + 1)?));
                                i += 2;
                                run = i;
                            }
                            b'"' => break,
                            _ => i += 1,
                        }
                    }
                    value.push_str(tail.get(run..i)?);
                    i += 1;
                    // RFC 5424 lets a parameter repeat: its values become a list.
                    add(&mut params, name, Value::String(value));
                }
            }
        }
        match elements.get_mut(id) {
            // An SD-ID written twice: its parameters are joined.
            Some(Value::Object(first)) => {
                for (name, value) in params {
                    add(first, &name, value);
                }
            }
            _ => {
                elements.insert(id.to_owned(), Value::Object(params));
            }
        }
    }
    if elements.is_empty() {
        return None;
    }
    let rest = tail.get(i..)?;
    let msg = if rest.is_empty() {
        ""
    } else {
        rest.strip_prefix(' ')?
    };
    Some((Some(elements), msg))
}

/// `TIMESTAMP HOSTNAME TAG[PID]: MSG` with a BSD (`Nov 27 10:00:02`) or RFC 3339
/// timestamp. With `<PRI>`, a missing tag is allowed (the MSG is then all after the host).
fn rfc3164<'a>(rest: &'a str, has_pri: bool, s: &mut Shaped<'a>) -> bool {
    let ts_len = bsd_timestamp_len(rest).or_else(|| {
        timestamp_len(rest.as_bytes()).filter(|n| *n > 8 && rest.as_bytes().get(10) == Some(&b'T'))
    });
    let Some(after_ts) = ts_len.and_then(|n| rest.get(n..)) else {
        return false;
    };
    let Some(after_ts) = after_ts.strip_prefix(' ') else {
        return false;
    };
    let Some((host, content)) = after_ts.split_once(' ') else {
        return false;
    };
    if host.is_empty() || host.ends_with(':') {
        return false;
    }
    match tag(content) {
        Some((name, pid, msg)) => {
            s.put("process.name", name);
            s.put("log.syslog.appname", name);
            if let Some(pid) = pid {
                s.put("log.syslog.procid", pid);
                if let Ok(n) = pid.parse::<u64>() {
                    s.put("process.pid", n);
                }
            }
            s.message = Cow::Borrowed(msg);
        }
        None if has_pri => s.message = Cow::Borrowed(content),
        None => return false,
    }
    s.put("host.hostname", host);
    s.put("log.syslog.hostname", host);
    true
}

/// `Mmm dd hh:mm:ss` (day space-padded or two digits).
fn bsd_timestamp_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let month = s.get(..3)?;
    if !MONTHS.contains(&month) || b.get(3) != Some(&b' ') {
        return None;
    }
    // The day: ` 1`–`31` (space-padded) or `01`–`31`.
    let day = match (b.get(4), b.get(5)) {
        (Some(b' '), Some(d)) if d.is_ascii_digit() => Some(d - b'0'),
        (Some(t), Some(d)) if t.is_ascii_digit() && d.is_ascii_digit() => {
            Some((t - b'0') * 10 + (d - b'0'))
        }
        _ => None,
    };
    let day_ok = day.is_some_and(|d| (1..=31).contains(&d));
    if !day_ok || b.get(6) != Some(&b' ') {
        return None;
    }
    // `hh:mm:ss`, each in its range (`25:61:00` is no time).
    let t = b.get(7..15)?;
    (timestamp_len(t) == Some(8)).then_some(15)
}

/// `name[pid]: msg` or `name: msg`: (name, pid, msg).
fn tag(content: &str) -> Option<(&str, Option<&str>, &str)> {
    let end = content
        .bytes()
        .take(64)
        .position(|b| matches!(b, b'[' | b':' | b' '))?;
    let name = content.get(..end)?;
    if name.is_empty() {
        return None;
    }
    let rest = content.get(end..)?;
    let (pid, rest) = match rest.strip_prefix('[') {
        Some(inner) => {
            let close = inner.find(']')?;
            (Some(inner.get(..close)?), inner.get(close + 1..)?)
        }
        None => (None, rest),
    };
    let msg = rest.strip_prefix(':')?;
    Some((name, pid, msg.strip_prefix(' ').unwrap_or(msg)))
}

#[cfg(test)]
mod tests {
    use super::super::{Shape, understand};
    use serde_json::json;

    const G: &str = "/ec2/var/log/messages";

    #[test]
    fn rfc5424_with_structured_data() {
        let line = r#"<165>1 2026-11-27T10:00:02.003Z web-1.example.com evntslog 4211 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][meta note="a \"quoted\" \] value"] An application event"#;
        let s = understand(G, line).expect("5424");
        assert_eq!(s.shape, Shape::Syslog);
        assert_eq!(s.message, "An application event");
        let f = &s.fields;
        assert_eq!(f["host"]["hostname"], "web-1.example.com");
        assert_eq!(f["process"]["name"], "evntslog");
        assert_eq!(f["process"]["pid"], 4211);
        let sys = &f["log"]["syslog"];
        assert_eq!(sys["priority"], 165);
        assert_eq!(sys["facility"]["code"], 20);
        assert_eq!(sys["facility"]["name"], "local4");
        assert_eq!(sys["severity"]["code"], 5);
        assert_eq!(sys["severity"]["name"], "Notice");
        assert_eq!(sys["msgid"], "ID47");
        assert_eq!(sys["version"], "1");
        assert_eq!(
            sys["structured_data"]["exampleSDID@32473"]["eventID"],
            "1011"
        );
        assert_eq!(
            sys["structured_data"]["meta"]["note"],
            r#"a "quoted" ] value"#
        );
        assert_eq!(s.level.as_deref(), Some("notice"));
    }

    #[test]
    fn rfc5424_nil_values_and_no_pri() {
        let s = understand(
            G,
            "<34>1 2026-11-27T10:00:02+01:00 - su - - - 'su root' failed for lonvick on /dev/pts/8",
        )
        .expect("5424");
        assert_eq!(s.message, "'su root' failed for lonvick on /dev/pts/8");
        assert_eq!(s.level.as_deref(), Some("critical"));
        assert_eq!(s.fields["log"]["syslog"]["facility"]["name"], "auth");
        assert!(s.fields.get("host").is_none());
        let s = understand(G, "1 2026-11-27T10:00:02Z host1 cron 99 - - job done")
            .expect("5424 no pri");
        assert_eq!(s.message, "job done");
        assert_eq!(s.level, None);
        assert_eq!(s.fields["process"]["pid"], 99);
    }

    #[test]
    fn a_time_out_of_range_is_no_syslog_line() {
        assert!(understand("/var/log/messages", "Nov 27 25:61:00 host app: bad time").is_none());
        assert!(understand("/var/log/messages", "Nov 32 10:00:02 host app: bad day").is_none());
        assert!(understand("/var/log/messages", "Nov  0 10:00:02 host app: bad day").is_none());
        assert!(
            understand(
                "/ecs/x",
                "2026-13-45 99:99:99,999 ERROR [main] com.acme.App - x"
            )
            .is_none()
        );
        assert!(understand("/var/log/messages", "Nov 27 23:59:60 host app: leap second").is_some());
    }

    #[test]
    fn rfc3164_with_and_without_pri() {
        let s = understand(G, "<38>Nov  7 10:00:02 ip-10-0-1-5 sshd[1234]: Accepted publickey for ec2-user from 10.0.0.9 port 50022 ssh2").expect("3164");
        assert_eq!(
            s.message,
            "Accepted publickey for ec2-user from 10.0.0.9 port 50022 ssh2"
        );
        assert_eq!(s.fields["host"]["hostname"], "ip-10-0-1-5");
        assert_eq!(s.fields["process"]["name"], "sshd");
        assert_eq!(s.fields["process"]["pid"], 1234);
        assert_eq!(s.fields["log"]["syslog"]["facility"]["name"], "auth");
        assert_eq!(s.level.as_deref(), Some("info"));

        let s = understand(
            G,
            "Nov 27 10:00:02 ip-10-0-1-5 systemd: Started Session 7 of user ec2-user.",
        )
        .expect("3164 no pri");
        assert_eq!(s.message, "Started Session 7 of user ec2-user.");
        assert_eq!(s.fields["process"]["name"], "systemd");
        assert!(s.fields["process"].get("pid").is_none());
        assert_eq!(s.level, None);

        let s = understand(
            G,
            "2026-11-27T10:00:02.123456+00:00 ip-10-0-1-5 kernel: [  12.345] eth0: link up",
        )
        .expect("rsyslog");
        assert_eq!(s.fields["process"]["name"], "kernel");
        assert_eq!(s.message, "[  12.345] eth0: link up");

        let s = understand(G, "<13>Nov 27 10:00:02 host1 a message without a tag")
            .expect("3164 pri no tag");
        assert_eq!(s.message, "a message without a tag");
        assert_eq!(s.fields["log"]["syslog"]["severity"]["name"], "Notice");
        assert_eq!(s.fields["log"]["syslog"]["facility"]["code"], json!(1));
    }

    #[test]
    fn look_alikes_stay_plain() {
        for line in [
            "<html><body>oops</body></html>",
            "<999>Nov 27 10:00:02 host1 sshd[1]: too big a PRI",
            "<>Nov 27 10:00:02 host1 sshd: empty PRI",
            "<13>not a syslog header at all",
            "Nov 27 10:00:02 the meeting moved",
            "Nov 27 we ship",
            "Nove 27 10:00:02 host sshd: x",
            "1 2026-11-27T10:00:02Z host app",
            "1 yesterday host app 1 - - msg",
            "<34>1 2026-11-27T10:00:02Z h a p m [unterminated sd",
            "May the force be with you",
        ] {
            assert!(understand(G, line).is_none(), "{line}");
        }
    }
}
