//! The Elasticsearch/OpenSearch side of the contract server: `_bulk` and cluster info.
//!
//! Mirrors Elasticsearch 8 behaviour: authentication (`ApiKey` / `Basic`) with a
//! `security_exception` 401, `Content-Type` checks (406), whole-request 400s for a malformed
//! bulk body (unterminated body, bad action line, unknown action parameter, validation errors),
//! and per-item results for `create`, `index`, `update` and `delete` — 201 `created`, 409
//! `version_conflict_engine_exception` on an existing `_id`, 400 `mapper_parsing_exception` for a
//! document that is not a JSON object or carries metadata fields — in a response shaped (and
//! ordered) like the real one.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

use super::{Ctx, ES_MAX_BODY, ES_VERSION, ItemLog, RejectPredicate, State, StoredDoc};
use crate::http::{Request, Response};

const CLUSTER_UUID: &str = "tEsTkItClUsTeRuUiD0001";
const INDEX_UUID: &str = "tEsTkItInDeXuUiD000001";

/// Fields Elasticsearch refuses inside a document source.
const METADATA_FIELDS: &[&str] = &[
    "_id",
    "_index",
    "_source",
    "_routing",
    "_seq_no",
    "_primary_term",
    "_version",
    "_ignored",
    "_field_names",
    "_tier",
    "_doc_count",
    "_nested_path",
];

/// Parameters allowed in a bulk action line.
const ACTION_PARAMS: &[&str] = &[
    "_index",
    "_id",
    "routing",
    "pipeline",
    "require_alias",
    "require_data_stream",
    "op_type",
    "version",
    "version_type",
    "if_seq_no",
    "if_primary_term",
    "dynamic_templates",
    "retry_on_conflict",
    "_source",
    "list_executed_pipelines",
];

fn js(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn json_response(status: u16, body: String) -> Response {
    Response::new(status, "application/json", body).header("x-elastic-product", "Elasticsearch")
}

/// `{"error":{"root_cause":[{...}],"type":..,"reason":..},"status":..}`
fn error_response(status: u16, kind: &str, reason: &str) -> Response {
    let cause = format!(r#"{{"type":{},"reason":{}}}"#, js(kind), js(reason));
    let body = format!(
        r#"{{"error":{{"root_cause":[{cause}],"type":{},"reason":{}}},"status":{status}}}"#,
        js(kind),
        js(reason)
    );
    json_response(status, body)
}

fn unauthorized(request: &Request) -> Response {
    let reason = if request.header("authorization").is_some() {
        format!(
            "unable to authenticate with provided credentials and anonymous access is not allowed \
             for this request [{}]",
            request.path()
        )
    } else {
        format!(
            "missing authentication credentials for REST request [{}]",
            request.target
        )
    };
    let header = r#"{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}"#;
    let cause = format!(
        r#"{{"type":"security_exception","reason":{},"header":{header}}}"#,
        js(&reason)
    );
    let body = format!(
        r#"{{"error":{{"root_cause":[{cause}],"type":"security_exception","reason":{},"header":{header}}},"status":401}}"#,
        js(&reason)
    );
    json_response(401, body)
        .header(
            "www-authenticate",
            r#"Basic realm="security", charset="UTF-8""#,
        )
        .header("www-authenticate", "ApiKey")
}

fn authorized(token: Option<&str>, request: &Request) -> bool {
    let Some(token) = token else {
        return true;
    };
    let Some((scheme, credentials)) = request
        .header("authorization")
        .and_then(|a| a.trim().split_once(' '))
    else {
        return false;
    };
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("ApiKey") {
        credentials == token
    } else if scheme.eq_ignore_ascii_case("Basic") {
        STANDARD
            .decode(credentials)
            .is_ok_and(|decoded| decoded == token.as_bytes())
    } else {
        false
    }
}

/// The whole-request answer for a [`Fault::Status`](super::Fault::Status).
pub(super) fn fault_response(request: &Request, status: u16) -> Response {
    let (kind, reason) = match status {
        400 => (
            "illegal_argument_exception",
            "simulated bad request".to_string(),
        ),
        401 => return unauthorized(request),
        403 => (
            "security_exception",
            "action [indices:data/write/bulk] is unauthorized for API key id [testkit]".into(),
        ),
        404 => (
            "index_not_found_exception",
            "no such index [testkit]".into(),
        ),
        408 => ("timeout_exception", "simulated request timeout".into()),
        409 => (
            "version_conflict_engine_exception",
            "simulated version conflict".into(),
        ),
        413 => (
            "content_too_long_exception",
            format!("request content length exceeds [{ES_MAX_BODY}] bytes"),
        ),
        429 => (
            "es_rejected_execution_exception",
            "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, \
             replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, \
             max_coordinating_and_primary_bytes=0]"
                .into(),
        ),
        503 => (
            "cluster_block_exception",
            "blocked by: [SERVICE_UNAVAILABLE/2/no master];".into(),
        ),
        _ => (
            "exception",
            format!("simulated failure with status {status}"),
        ),
    };
    error_response(status, kind, &reason)
}

/// Any route this server does not implement.
pub(super) fn no_handler(request: &Request) -> Response {
    let body = format!(
        r#"{{"error":"no handler found for uri [{}] and method [{}]","status":400}}"#,
        request.target.replace('"', "\\\""),
        request.method
    );
    json_response(400, body)
}

/// `GET /` (and `HEAD /`): cluster info, behind authentication.
pub(super) fn info(ctx: &mut Ctx<'_>) -> Response {
    let token = ctx.shared.lock().token.clone();
    if !authorized(token.as_deref(), ctx.request) {
        return unauthorized(ctx.request);
    }
    let body = format!(
        r#"{{"name":"testkit-node","cluster_name":"testkit","cluster_uuid":"{CLUSTER_UUID}","version":{{"number":"{ES_VERSION}","build_flavor":"default","build_type":"tar","build_hash":"0000000000000000000000000000000000000000","build_date":"2024-08-05T10:05:34.233336849Z","build_snapshot":false,"lucene_version":"9.11.1","minimum_wire_compatibility_version":"7.17.0","minimum_index_compatibility_version":"7.0.0"}},"tagline":"You Know, for Search"}}"#
    );
    json_response(200, body)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Create,
    Index,
    Update,
    Delete,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Index => "index",
            Kind::Update => "update",
            Kind::Delete => "delete",
        }
    }
}

/// The document line of an action, parsed outside the state lock.
enum Source {
    None,
    /// A JSON object.
    Object(Value),
    /// Item-level 400 `mapper_parsing_exception` with this reason (empty: the line was empty,
    /// a whole-request validation error).
    Invalid(String),
}

struct Op {
    kind: Kind,
    index: Option<String>,
    id: Option<String>,
    source: Source,
    doc_as_upsert: bool,
}

fn bad_action(reason: String) -> Response {
    error_response(400, "illegal_argument_exception", &reason)
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(_) => "VALUE_BOOLEAN",
        Value::Number(_) => "VALUE_NUMBER",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// Parses a bulk body into operations, or the whole-request error Elasticsearch would answer.
fn parse(body: &[u8], default_index: Option<&str>, light: bool) -> Result<Vec<Op>, Response> {
    if body.is_empty() {
        return Err(error_response(
            400,
            "parse_exception",
            "request body is required",
        ));
    }
    if body.last() != Some(&b'\n') {
        return Err(bad_action(
            "The bulk request must be terminated by a newline [\\n]".into(),
        ));
    }
    let lines: Vec<&[u8]> = body[..body.len() - 1].split(|&b| b == b'\n').collect();
    let mut ops = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        let line = lines[i].trim_ascii();
        i += 1;
        if line.is_empty() {
            continue;
        }
        let action: Value = serde_json::from_slice(line).map_err(|e| {
            bad_action(format!(
                "Malformed action/metadata line [{line_no}], expected START_OBJECT but found \
                 invalid JSON: {e}"
            ))
        })?;
        let Value::Object(action) = action else {
            return Err(bad_action(format!(
                "Malformed action/metadata line [{line_no}], expected START_OBJECT but found [{}]",
                describe(&action)
            )));
        };
        if action.len() != 1 {
            return Err(bad_action(format!(
                "Malformed action/metadata line [{line_no}], expected a single action but found \
                 [{}] fields",
                action.len()
            )));
        }
        let (name, params) = action.into_iter().next().expect("one entry");
        let kind = match name.as_str() {
            "create" => Kind::Create,
            "index" => Kind::Index,
            "update" => Kind::Update,
            "delete" => Kind::Delete,
            other => {
                return Err(bad_action(format!(
                    "Malformed action/metadata line [{line_no}], expected one of [create, delete, \
                     index, update] but found [{other}]"
                )));
            }
        };
        let Value::Object(params) = params else {
            return Err(bad_action(format!(
                "Malformed action/metadata line [{line_no}], expected START_OBJECT but found [{}]",
                describe(&params)
            )));
        };
        let mut index = default_index.map(str::to_string);
        let mut id = None;
        let mut kind = kind;
        for (key, value) in &params {
            if !ACTION_PARAMS.contains(&key.as_str()) {
                return Err(bad_action(format!(
                    "Action/metadata line [{line_no}] contains an unknown parameter [{key}]"
                )));
            }
            match (key.as_str(), value) {
                ("_index", Value::String(s)) => index = Some(s.clone()),
                ("_id", Value::String(s)) => id = Some(s.clone()),
                ("_id", Value::Number(n)) => id = Some(n.to_string()),
                ("_index" | "_id", other) => {
                    return Err(bad_action(format!(
                        "Malformed action/metadata line [{line_no}], [{key}] must be a string but \
                         found [{}]",
                        describe(other)
                    )));
                }
                ("op_type", Value::String(op)) if kind == Kind::Index => match op.as_str() {
                    "create" => kind = Kind::Create,
                    "index" => {}
                    other => {
                        return Err(bad_action(format!(
                            "opType must be 'create' or 'index', found: [{other}]"
                        )));
                    }
                },
                _ => {}
            }
        }
        let source = if kind == Kind::Delete {
            Source::None
        } else {
            // Like Elasticsearch, an action without a following line is silently dropped.
            let Some(doc) = lines.get(i) else {
                break;
            };
            i += 1;
            parse_source(doc.trim_ascii(), light)
        };
        ops.push(Op {
            kind,
            index,
            id,
            source,
            doc_as_upsert: false,
        });
    }
    let mut errors = Vec::new();
    if ops.is_empty() {
        errors.push("no requests added".to_string());
    }
    for op in &mut ops {
        if op.index.as_deref().is_none_or(str::is_empty) {
            errors.push("index is missing".into());
        }
        match &op.id {
            Some(id) if id.len() > 512 => errors.push(format!(
                "id [{id}] is too long, must be no longer than 512 bytes but was: {}",
                id.len()
            )),
            Some(id) if id.is_empty() => errors.push("id is missing".into()),
            None if matches!(op.kind, Kind::Update | Kind::Delete) => {
                errors.push("id is missing".into())
            }
            _ => {}
        }
        if let (Kind::Create | Kind::Index, Source::Invalid(reason)) = (op.kind, &op.source)
            && reason.is_empty()
        {
            errors.push("source is missing".into());
        }
        if op.kind == Kind::Update {
            let doc = match &mut op.source {
                Source::Object(Value::Object(update)) => {
                    op.doc_as_upsert = update.get("doc_as_upsert") == Some(&Value::Bool(true));
                    update.remove("doc")
                }
                _ => None,
            };
            match doc {
                Some(doc @ Value::Object(_)) => op.source = Source::Object(doc),
                _ => errors.push("script or doc is missing".into()),
            }
        }
    }
    if !errors.is_empty() {
        let mut reason = "Validation Failed: ".to_string();
        for (n, e) in errors.iter().enumerate() {
            let _ = write!(reason, "{}: {e};", n + 1);
        }
        return Err(error_response(
            400,
            "action_request_validation_exception",
            &reason,
        ));
    }
    Ok(ops)
}

fn parse_source(line: &[u8], light: bool) -> Source {
    if line.is_empty() {
        // Reported as a validation error ("source is missing").
        return Source::Invalid(String::new());
    }
    if light {
        return if line.first() == Some(&b'{') && line.last() == Some(&b'}') {
            Source::Object(Value::Null)
        } else {
            Source::Invalid("failed to parse: the document must be a JSON object".into())
        };
    }
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(map)) => {
            if let Some(field) = map.keys().find(|k| METADATA_FIELDS.contains(&k.as_str())) {
                Source::Invalid(format!(
                    "[1:2] Field [{field}] is a metadata field and cannot be added inside a \
                     document. Use the index API request parameters."
                ))
            } else {
                Source::Object(Value::Object(map))
            }
        }
        Ok(other) => Source::Invalid(format!(
            "failed to parse: the document must be a JSON object, found [{}]",
            describe(&other)
        )),
        Err(e) => Source::Invalid(format!("failed to parse: {e}")),
    }
}

/// An autogenerated `_id`, 20 URL-safe characters like Elasticsearch's.
fn auto_id(n: u64) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut bytes = [0u8; 15];
    bytes[..8].copy_from_slice(&nanos.to_be_bytes());
    bytes[8..15].copy_from_slice(&n.to_be_bytes()[1..]);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn item_error_kind(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("mapper_parsing_exception", "failed to parse"),
        403 => (
            "cluster_block_exception",
            "index blocked by: [FORBIDDEN/8/index write (api)];",
        ),
        404 => ("index_not_found_exception", "no such index"),
        409 => (
            "version_conflict_engine_exception",
            "version conflict, document already exists (current version [1])",
        ),
        429 => (
            "es_rejected_execution_exception",
            "rejected execution of primary operation [coordinating_and_primary_bytes=0, \
             replica_bytes=0, all_bytes=0, primary_operation_bytes=0, \
             max_coordinating_and_primary_bytes=0]",
        ),
        503 => (
            "unavailable_shards_exception",
            "[0] primary shard is not active Timeout: [1m]",
        ),
        _ => ("exception", "simulated item failure"),
    }
}

/// How one item ended.
enum Outcome {
    Ok {
        version: u64,
        result: &'static str,
        seq_no: u64,
        status: u16,
    },
    Failed {
        status: u16,
        kind: String,
        reason: String,
    },
}

/// Appends one item of the response, shaped and ordered like Elasticsearch's.
fn push_item(out: &mut String, action: &str, index: &str, id: &str, outcome: &Outcome) {
    let _ = write!(
        out,
        r#"{{{}:{{"_index":{},"_id":{},"#,
        js(action),
        js(index),
        js(id)
    );
    match outcome {
        Outcome::Ok {
            version,
            result,
            seq_no,
            status,
        } => {
            let _ = write!(
                out,
                r#""_version":{version},"result":{},"_shards":{{"total":2,"successful":1,"failed":0}},"_seq_no":{seq_no},"_primary_term":1,"status":{status}}}}}"#,
                js(result)
            );
        }
        Outcome::Failed {
            status,
            kind,
            reason,
        } => {
            let _ = write!(
                out,
                r#""status":{status},"error":{{"type":{},"reason":{}"#,
                js(kind),
                js(reason)
            );
            if matches!(status, 400 | 404 | 409) {
                let _ = write!(
                    out,
                    r#","index_uuid":"{INDEX_UUID}","shard":"0","index":{}"#,
                    js(index)
                );
            }
            out.push_str("}}}");
        }
    }
}

/// Applies one operation to the stored documents.
fn execute(
    state: &mut State,
    op: &Op,
    key: &(String, String),
    reject: Option<&RejectPredicate>,
) -> Outcome {
    let id = &key.1;
    let source = match &op.source {
        Source::Invalid(reason) => {
            return Outcome::Failed {
                status: 400,
                kind: "mapper_parsing_exception".into(),
                reason: reason.clone(),
            };
        }
        Source::Object(source) => Some(source),
        Source::None => None,
    };
    if let (Some(source), Some(reject)) = (source, reject)
        && op.kind != Kind::Delete
        && !source.is_null()
        && reject(source)
    {
        return Outcome::Failed {
            status: 400,
            kind: "mapper_parsing_exception".into(),
            reason: "failed to parse field [message] of type [keyword] in document: refused by \
                     the testkit persistent-reject predicate"
                .into(),
        };
    }
    if let Some(source) = source
        && matches!(op.kind, Kind::Create | Kind::Index)
        && !state.no_mapping
        && !state.docs.contains_key(key)
        && let Err((kind, reason)) = state.mappings.apply(&key.0, id, source)
    {
        return Outcome::Failed {
            status: 400,
            kind,
            reason,
        };
    }
    let seq_no = state.seq_no;
    state.seq_no += 1;
    let created = |state: &mut State, source: &Value| {
        state.docs.insert(
            key.clone(),
            StoredDoc {
                source: source.clone(),
                version: 1,
                seq_no,
            },
        );
        Outcome::Ok {
            version: 1,
            result: "created",
            seq_no,
            status: 201,
        }
    };
    let updated = |existing: &mut StoredDoc| {
        existing.version += 1;
        existing.seq_no = seq_no;
        Outcome::Ok {
            version: existing.version,
            result: "updated",
            seq_no,
            status: 200,
        }
    };
    match (op.kind, source) {
        (Kind::Create, Some(source)) => {
            if let Some(existing) = state.docs.get(key) {
                return Outcome::Failed {
                    status: 409,
                    kind: "version_conflict_engine_exception".into(),
                    reason: format!(
                        "[{id}]: version conflict, document already exists (current version [{}])",
                        existing.version
                    ),
                };
            }
            *state.create_attempts.entry(id.clone()).or_insert(0) += 1;
            created(state, source)
        }
        (Kind::Index, Some(source)) => match state.docs.get_mut(key) {
            Some(existing) => {
                existing.source = source.clone();
                updated(existing)
            }
            None => created(state, source),
        },
        (Kind::Update, Some(partial)) => match state.docs.get_mut(key) {
            Some(existing) => {
                if let (Value::Object(doc), Value::Object(partial)) =
                    (&mut existing.source, partial)
                {
                    for (k, v) in partial {
                        doc.insert(k.clone(), v.clone());
                    }
                }
                updated(existing)
            }
            None if op.doc_as_upsert => created(state, partial),
            None => Outcome::Failed {
                status: 404,
                kind: "document_missing_exception".into(),
                reason: format!("[{id}]: document missing"),
            },
        },
        (Kind::Delete, _) | (_, None) => match state.docs.remove(key) {
            Some(existing) => Outcome::Ok {
                version: existing.version + 1,
                result: "deleted",
                seq_no,
                status: 200,
            },
            // Not an error for Elasticsearch: a 404 item with result not_found.
            None => Outcome::Ok {
                version: 1,
                result: "not_found",
                seq_no,
                status: 404,
            },
        },
    }
}

/// `POST /_bulk`, `POST /{index}/_bulk`.
pub(super) fn bulk(ctx: &mut Ctx<'_>, default_index: Option<&str>) -> Response {
    let body = match &ctx.body {
        Ok(body) => body.as_ref(),
        Err(reason) => return error_response(400, "parse_exception", reason),
    };
    let limit = ctx.max_body.unwrap_or(ES_MAX_BODY);
    if body.len() > limit {
        return error_response(
            413,
            "content_too_long_exception",
            &format!(
                "request content length [{}] exceeds the maximum of [{limit}] bytes",
                body.len()
            ),
        );
    }
    let token = ctx.shared.lock().token.clone();
    if !authorized(token.as_deref(), ctx.request) {
        return unauthorized(ctx.request);
    }
    let content_type = ctx.request.header("content-type").unwrap_or("");
    if !content_type.to_ascii_lowercase().contains("json") {
        return json_response(
            406,
            format!(
                r#"{{"error":"Content-Type header [{}] is not supported","status":406}}"#,
                content_type.replace('"', "\\\"")
            ),
        );
    }
    let ops = match parse(body, default_index, ctx.light) {
        Ok(ops) => ops,
        Err(response) => return response,
    };
    ctx.items = ops.len();

    let mut out = String::with_capacity(64 + ops.len() * 200);
    let mut errors = false;
    let mut state = ctx.shared.lock();
    let reject = state.reject.clone();
    let log_items = state.generation == ctx.generation;
    for (n, op) in ops.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let index = op.index.clone().unwrap_or_default();
        let id = match &op.id {
            Some(id) => id.clone(),
            None => {
                state.auto_ids += 1;
                auto_id(state.auto_ids)
            }
        };
        let key = (index, id);
        let outcome = match ctx.item_fault {
            Some((status, nth)) if (n + 1) % nth == 0 => {
                let (kind, reason) = item_error_kind(status);
                Outcome::Failed {
                    status,
                    kind: kind.into(),
                    reason: if status == 409 {
                        format!("[{}]: {reason}", key.1)
                    } else {
                        reason.into()
                    },
                }
            }
            _ => execute(&mut state, op, &key, reject.as_deref()),
        };
        push_item(&mut out, op.kind.name(), &key.0, &key.1, &outcome);
        let (status, error_type) = match outcome {
            Outcome::Ok { status, .. } => (status, None),
            Outcome::Failed { status, kind, .. } => {
                errors = true;
                (status, Some(kind))
            }
        };
        if log_items {
            let (index, id) = key;
            state.items.push(ItemLog {
                request: ctx.slot,
                action: op.kind.name().to_string(),
                index,
                id,
                status,
                error_type,
            });
        }
    }
    drop(state);
    let took = ctx.received_at.elapsed().as_millis();
    json_response(
        200,
        format!(r#"{{"took":{took},"errors":{errors},"items":[{out}]}}"#),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_ids_look_like_elasticsearch_ids() {
        let a = auto_id(1);
        assert_eq!(a.len(), 20);
        assert_ne!(a, auto_id(2));
    }

    #[test]
    fn parse_rejects_unterminated_and_unknown_actions() {
        let parse = |body: &[u8], index| parse(body, index, false);
        assert!(parse(b"{\"create\":{}}\n{}", Some("i")).is_err());
        assert!(parse(b"{\"upsert\":{}}\n{}\n", Some("i")).is_err());
        assert!(parse(b"{\"create\":{\"_type\":\"x\"}}\n{}\n", Some("i")).is_err());
        assert!(parse(b"{\"create\":{}}\n{}\n", None).is_err()); // index is missing
        let ops = parse(
            b"{\"create\":{\"_id\":\"1\"}}\n{\"a\":1}\n\n{\"delete\":{\"_id\":\"2\"}}\n",
            Some("i"),
        )
        .unwrap_or_else(|_| panic!("valid body"));
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[1].kind, Kind::Delete);
    }
}
