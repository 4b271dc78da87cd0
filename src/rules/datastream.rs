//! Data streams: each source to its own Elastic-style data stream
//! `logs-<dataset>-<namespace>`, the dataset read from the log group name, so
//! Kibana shows one stream per source and fields of different sources never
//! fight over one mapping. Also the name checks Elasticsearch applies to index
//! and data stream names, used to validate rules before anything is sent.

/// Datasets, in the order [`DATASETS`] lists them.
pub const DATASETS: [&str; 5] = [
    "aws.lambda",
    "aws.vpcflow",
    "aws.cloudtrail",
    "aws.apigateway",
    "aws.cloudwatch_logs",
];

/// The dataset of a log group:
/// - `aws.lambda`: `/aws/lambda/…` (Lambda and Lambda@Edge functions);
/// - `aws.apigateway`: `API-Gateway-Execution-Logs_…` (execution logs) and `/aws/apigateway/…`;
/// - `aws.vpcflow`: names under `/vpc/` or holding `vpc-flow`, `vpcflow`,
///   `flow-log` or `flowlog` (any case): flow log groups are named by their owner,
///   these are the usual spellings;
/// - `aws.cloudtrail`: names holding `cloudtrail` (any case): the console's
///   `aws-cloudtrail-logs-<account>-<id>`, the older `CloudTrail/DefaultLogGroup`;
/// - `aws.cloudwatch_logs`: everything else.
pub fn dataset_for(log_group: &str) -> &'static str {
    DATASETS
        .get(dataset_index(log_group))
        .copied()
        .unwrap_or("aws.cloudwatch_logs")
}

/// Index of [`dataset_for`] in [`DATASETS`].
pub(crate) fn dataset_index(log_group: &str) -> usize {
    if log_group.starts_with("/aws/lambda/") {
        0
    } else if log_group.starts_with("API-Gateway-Execution-Logs_")
        || log_group.starts_with("/aws/apigateway/")
    {
        3
    } else if log_group.starts_with("/vpc/")
        || [
            "vpc-flow", "vpcflow", "flow-log", "flowlog", "vpc_flow", "flow_log",
        ]
        .iter()
        .any(|hint| contains_ignore_case(log_group, hint))
    {
        1
    } else if contains_ignore_case(log_group, "cloudtrail") {
        2
    } else {
        4
    }
}

/// `hay` holds `needle` (ASCII lower-case) in any ASCII case.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty()
        && hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
}

/// `logs-<dataset>-<namespace>`.
pub fn data_stream_name(dataset: &str, namespace: &str) -> String {
    format!("logs-{dataset}-{namespace}")
}

/// Checks a data stream namespace (`default`, `production`): what Elasticsearch
/// refuses in any index name, plus the naming scheme's own rules (no `-`, at
/// most 100 bytes). Returns the problem.
pub fn check_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        return Err("the namespace is empty".into());
    }
    if namespace.len() > 100 {
        return Err("the namespace is longer than 100 bytes".into());
    }
    if namespace.contains('-') {
        return Err(
            "a namespace cannot contain `-` (it separates the parts of logs-<dataset>-<namespace>)"
                .into(),
        );
    }
    if namespace.contains('%') {
        return Err(
            "a namespace takes no date placeholders (data streams roll over by themselves)".into(),
        );
    }
    check_chars(namespace, "the namespace")
}

/// Characters Elasticsearch refuses anywhere in an index or data stream name.
const FORBIDDEN: &[char] = &['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];

fn check_chars(name: &str, what: &str) -> Result<(), String> {
    if let Some(c) = name.chars().find(|c| c.is_uppercase()) {
        return Err(format!("{what} must be lower-case (`{c}`)"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| FORBIDDEN.contains(c) || c.is_control())
    {
        return Err(format!(
            "{what} cannot contain {}",
            match c {
                ' ' => "a space".to_owned(),
                c if c.is_control() => "a control character".to_owned(),
                c => format!("`{c}`"),
            }
        ));
    }
    Ok(())
}

/// Checks an index or data stream name pattern (`%Y`, `%m`, `%d` allowed) the
/// way Elasticsearch will check the rendered name: lower-case; none of
/// `\ / * ? " < > |`, space, `,`, `#`, `:`; not starting with `-`, `_` or `+`;
/// not `.` or `..`; at most 255 bytes once rendered. A name of the data stream
/// scheme (`logs-<dataset>-<namespace>`, which Elasticsearch's built-in
/// `logs-*-*` template turns into a data stream) must also follow that scheme:
/// no date placeholders, and dataset and namespace of at most 100 bytes.
pub fn check_index(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("the index name is empty".into());
    }
    let mut rendered_len = 0usize;
    let mut chars = pattern.char_indices();
    while let Some((_, c)) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some((_, 'Y')) => rendered_len += 4,
                Some((_, 'm' | 'd')) => rendered_len += 2,
                _ => {
                    return Err("`%` must start a date placeholder: %Y, %m or %d".into());
                }
            }
        } else {
            rendered_len += c.len_utf8();
        }
    }
    let bare = pattern
        .replace("%Y", "")
        .replace("%m", "")
        .replace("%d", "");
    check_chars(&bare, "an index name")?;
    if pattern.starts_with(['-', '_', '+']) {
        return Err("an index name cannot start with `-`, `_` or `+`".into());
    }
    if pattern == "." || pattern == ".." {
        return Err("an index name cannot be `.` or `..`".into());
    }
    if rendered_len > 255 {
        return Err("the index name is longer than 255 bytes".into());
    }
    if let Some(rest) = pattern.strip_prefix("logs-")
        && let Some((dataset, namespace)) = rest.rsplit_once('-')
    {
        if pattern.contains('%') {
            return Err(
                "logs-<dataset>-<namespace> names a data stream (Elasticsearch's built-in logs-*-* template), which takes no date placeholders: data streams roll over by themselves".into(),
            );
        }
        if dataset.is_empty() || namespace.is_empty() {
            return Err("a data stream name is logs-<dataset>-<namespace>, both non-empty".into());
        }
        if dataset.contains('-') {
            return Err("the dataset of logs-<dataset>-<namespace> cannot contain `-`".into());
        }
        if dataset.len() > 100 || namespace.len() > 100 {
            return Err(
                "the dataset and the namespace of a data stream name are at most 100 bytes each"
                    .into(),
            );
        }
    }
    Ok(())
}
