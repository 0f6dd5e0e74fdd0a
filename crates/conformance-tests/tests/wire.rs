//! Checks `state_sync::wire` against the server wire protocol's vectors,
//! `conformance/server/messages.json`, which the TypeScript parsers of `@statesync/server` read too
//! (`conformance/server.test.ts`).
//!
//! Every valid message parses, writes back exactly the vector's `json` bytes, and parses again to the same
//! value; a server message yields exactly the vector's `events`. Every invalid message is rejected with an
//! error, through `parse` and through serde's `Deserialize` alike.

use std::fmt::Debug;
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use state_sync::wire::{
    ClientMessage, ErrorBody, ServerMessage, SnapshotResponse, WireError, WriteRequest, WriteResult,
};

fn vectors() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../conformance/server/messages.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn cases<'a>(value: &'a Value, path: &[&str]) -> &'a Vec<Value> {
    let list = path
        .iter()
        .fold(value, |v, key| &v[*key])
        .as_array()
        .unwrap_or_else(|| panic!("{path:?} should be an array"));
    assert!(!list.is_empty(), "{path:?} should not be empty");
    list
}

fn field<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` should be a string in {case}"))
}

/// Parses `text` with `parse`, checks it writes exactly `json`, and that `json` parses back to the same
/// value and the same bytes.
fn round_trip<T: Serialize + Debug + PartialEq>(
    case: &Value,
    parse: impl Fn(&str) -> Result<T, WireError>,
) -> T {
    let name = field(case, "name");
    let parsed = parse(field(case, "text")).unwrap_or_else(|e| panic!("{name}: {e}"));
    let json = field(case, "json");
    let written = serde_json::to_string(&parsed).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(written, json, "{name}: written bytes");
    let again = parse(json).unwrap_or_else(|e| panic!("{name}: parsing `json`: {e}"));
    assert_eq!(again, parsed, "{name}: `json` parses to another value");
    parsed
}

#[test]
fn valid_server_messages_parse_write_back_and_yield_their_events() {
    let vectors = vectors();
    for case in cases(&vectors, &["server", "valid"]) {
        let name = field(case, "name");
        let message = round_trip(case, ServerMessage::parse);
        let direct: ServerMessage = serde_json::from_str(field(case, "text"))
            .unwrap_or_else(|e| panic!("{name}: serde: {e}"));
        assert_eq!(direct, message, "{name}: serde and parse disagree");
        let events: Vec<Value> = message
            .events()
            .iter()
            .map(|event| serde_json::to_value(event).unwrap())
            .collect();
        assert_eq!(Value::Array(events), case["events"], "{name}: events");
        match (&message, case.get("error")) {
            (ServerMessage::Error(error), Some(expected)) => {
                assert_eq!(error.code.as_str(), field(expected, "code"), "{name}");
                assert_eq!(
                    error.topic.as_deref(),
                    expected.get("topic").and_then(Value::as_str),
                    "{name}"
                );
            }
            (ServerMessage::Error(_), None) => panic!("{name}: the vector should give `error`"),
            (_, Some(_)) => panic!("{name}: expected an error message, got {message:?}"),
            (_, None) => {}
        }
    }
}

#[test]
fn invalid_server_messages_are_rejected() {
    let vectors = vectors();
    for case in cases(&vectors, &["server", "invalid"]) {
        let (name, text) = (field(case, "name"), field(case, "text"));
        let parsed = ServerMessage::parse(text);
        assert!(parsed.is_err(), "{name}: accepted as {parsed:?}");
        assert!(
            serde_json::from_str::<ServerMessage>(text).is_err(),
            "{name}: accepted by serde"
        );
    }
}

#[test]
fn valid_client_messages_parse_and_write_back() {
    let vectors = vectors();
    let max = usize::try_from(vectors["client"]["maxTopics"].as_u64().expect("maxTopics")).unwrap();
    for case in cases(&vectors, &["client", "valid"]) {
        let name = field(case, "name");
        let message = round_trip(case, |text| ClientMessage::parse(text, max));
        let expected: ClientMessage = serde_json::from_value(case["message"].clone())
            .unwrap_or_else(|e| panic!("{name}: `message`: {e}"));
        assert_eq!(message, expected, "{name}");
    }
}

#[test]
fn invalid_client_messages_are_rejected() {
    let vectors = vectors();
    let max = usize::try_from(vectors["client"]["maxTopics"].as_u64().expect("maxTopics")).unwrap();
    for case in cases(&vectors, &["client", "invalid"]) {
        let (name, text) = (field(case, "name"), field(case, "text"));
        let parsed = ClientMessage::parse(text, max);
        assert!(parsed.is_err(), "{name}: accepted as {parsed:?}");
    }
}

fn http_bodies<T: Serialize + DeserializeOwned + Debug + PartialEq>(vectors: &Value, kind: &str) {
    let parse = |text: &str| serde_json::from_str::<T>(text).map_err(|e| e.to_string());
    for case in cases(vectors, &["http", kind, "valid"]) {
        let name = field(case, "name");
        let body = parse(field(case, "text")).unwrap_or_else(|e| panic!("{kind} {name}: {e}"));
        let json = field(case, "json");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            json,
            "{kind} {name}: written bytes"
        );
        assert_eq!(
            parse(json).as_ref(),
            Ok(&body),
            "{kind} {name}: `json` parses to another value"
        );
    }
    for case in cases(vectors, &["http", kind, "invalid"]) {
        let name = field(case, "name");
        let parsed = parse(field(case, "text"));
        assert!(parsed.is_err(), "{kind} {name}: accepted as {parsed:?}");
    }
}

#[test]
fn http_bodies_parse_write_back_or_are_rejected() {
    let vectors = vectors();
    http_bodies::<SnapshotResponse>(&vectors, "snapshot");
    http_bodies::<WriteRequest>(&vectors, "writeRequest");
    http_bodies::<WriteResult>(&vectors, "writeResult");
    http_bodies::<ErrorBody>(&vectors, "error");
}
