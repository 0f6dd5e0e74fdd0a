//! Checks the crate against the JSON test vectors in the repository's `conformance/` directory, which the
//! TypeScript tests read too (`conformance/conformance.test.ts`).

use std::cmp::Ordering;
use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use state_sync::{
    compare_revisions, is_canonical_revision, InvalidationEvent, Revision, SnapshotEnvelope,
    SnapshotSource,
};

fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../conformance")
        .join(name)
}

fn vectors(name: &str) -> Value {
    let path = vector_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn list<'a>(file: &'a Value, key: &str) -> &'a Vec<Value> {
    file[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` should be an array"))
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` should be a string in {value}"))
}

/// The raw JSON text of a case: `inputText` verbatim, or `input` serialized.
fn input_text(case: &Value) -> String {
    case.get("inputText")
        .and_then(Value::as_str)
        .map_or_else(|| case["input"].to_string(), str::to_owned)
}

/// Parses a case both from a `serde_json::Value` (when it has one) and from text; both must agree.
fn parse<T: DeserializeOwned + Debug + PartialEq>(case: &Value) -> Result<T, String> {
    let from_text = serde_json::from_str::<T>(&input_text(case));
    if let Some(input) = case.get("input") {
        let from_value = serde_json::from_value::<T>(input.clone());
        assert_eq!(
            from_text.as_ref().ok(),
            from_value.as_ref().ok(),
            "{}: parsing text and value disagree",
            case["name"]
        );
    }
    from_text.map_err(|e| e.to_string())
}

fn check_valid<T: DeserializeOwned + Serialize + Debug + PartialEq>(case: &Value) {
    let name = &case["name"];
    let parsed: T = parse(case).unwrap_or_else(|e| panic!("{name} should be accepted: {e}"));
    let expected = text(case, "json");
    assert_eq!(
        serde_json::to_string(&parsed).unwrap(),
        expected,
        "{name}: serialized form"
    );
    let reparsed: T =
        serde_json::from_str(expected).unwrap_or_else(|e| panic!("{name}: reparsing: {e}"));
    assert_eq!(
        reparsed, parsed,
        "{name}: the serialized form parses back to the same value"
    );
}

fn check_invalid<T: DeserializeOwned + Debug + PartialEq>(case: &Value) {
    if let Ok(value) = parse::<T>(case) {
        panic!("{} should be rejected, got {value:?}", case["name"]);
    }
}

fn check_file<T: DeserializeOwned + Serialize + Debug + PartialEq>(file: &Value) {
    for case in list(file, "valid") {
        check_valid::<T>(case);
    }
    for case in list(file, "invalid") {
        check_invalid::<T>(case);
    }
    for case in list(file, "divergent") {
        match text(case, "rust") {
            "valid" => check_valid::<T>(case),
            "invalid" => check_invalid::<T>(case),
            other => panic!(
                "{}: `rust` must be \"valid\" or \"invalid\", got {other:?}",
                case["name"]
            ),
        }
    }
}

#[test]
fn valid_revisions_parse_and_print_unchanged() {
    let file = vectors("revisions.json");
    for value in list(&file, "valid") {
        let text = value.as_str().unwrap();
        assert!(is_canonical_revision(text), "{text}");
        let revision: Revision = text.parse().unwrap();
        assert_eq!(revision.to_string(), text);
        assert_eq!(
            serde_json::from_value::<Revision>(value.clone()).unwrap(),
            revision
        );
        assert_eq!(serde_json::to_value(revision).unwrap(), *value);
    }
}

#[test]
fn invalid_revisions_are_rejected_everywhere() {
    let file = vectors("revisions.json");
    for case in list(&file, "invalid") {
        let value = &case["value"];
        if let Some(text) = value.as_str() {
            assert!(!is_canonical_revision(text), "{text:?}");
            assert!(text.parse::<Revision>().is_err(), "{text:?}");
            assert!(compare_revisions(text, "0").is_err(), "{text:?}");
            assert!(compare_revisions("0", text).is_err(), "{text:?}");
        }
        assert!(
            serde_json::from_value::<Revision>(value.clone()).is_err(),
            "{value}"
        );
        let event = json!({ "topic": "t", "revision": value });
        assert!(
            serde_json::from_value::<InvalidationEvent>(event).is_err(),
            "event with {value}"
        );
        let envelope = json!({ "revision": value, "data": 0 });
        assert!(
            serde_json::from_value::<SnapshotEnvelope<Value>>(envelope).is_err(),
            "envelope with {value}"
        );
    }
}

#[test]
fn revisions_compare_as_numbers() {
    let file = vectors("revisions.json");
    for triple in list(&file, "compare") {
        let (a, b) = (triple[0].as_str().unwrap(), triple[1].as_str().unwrap());
        let expected = triple[2].as_i64().unwrap().cmp(&0);
        assert_eq!(compare_revisions(a, b), Ok(expected), "{a} vs {b}");
        let (ra, rb) = (
            a.parse::<Revision>().unwrap(),
            b.parse::<Revision>().unwrap(),
        );
        assert_eq!(ra.cmp(&rb), expected, "Ord: {a} vs {b}");
        assert_eq!(
            compare_revisions(b, a),
            Ok(expected.reverse()),
            "{b} vs {a}"
        );
    }
    assert_eq!(compare_revisions("9", "10"), Ok(Ordering::Less));
}

#[test]
fn next_revision_is_exact_and_never_wraps() {
    let file = vectors("revisions.json");
    for pair in list(&file, "next") {
        let revision: Revision = pair[0].as_str().unwrap().parse().unwrap();
        match pair[1].as_str() {
            Some(next) => assert_eq!(revision.next().unwrap().to_string(), next),
            None => assert!(revision.next().is_err(), "{revision} has no successor"),
        }
    }
}

#[test]
fn events_match_the_vectors() {
    check_file::<InvalidationEvent>(&vectors("events.json"));
}

#[test]
fn inline_events_match_the_vectors() {
    let file = vectors("inline-events.json");
    check_file::<InvalidationEvent>(&file);
    for case in list(&file, "valid") {
        let event: InvalidationEvent = parse(case).unwrap();
        assert_eq!(
            event.data.as_ref(),
            case["input"].get("data"),
            "{}: the data is kept as sent",
            case["name"]
        );
    }
}

#[test]
fn envelopes_match_the_vectors() {
    check_file::<SnapshotEnvelope<Value>>(&vectors("envelopes.json"));
}

/// The state of the Rust-produced vectors: a typed struct, serialized in declaration order.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    theme: String,
    font_size: u32,
    recent_files: Vec<String>,
}

/// What `SnapshotSource` produces for a fixed scenario. `conformance/conformance.test.ts` feeds it to the
/// TypeScript engine. The revisions start just below 2^53 to prove they stay exact past it.
fn rust_source_scenario() -> Value {
    let sent = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&sent);
    let ticks = AtomicU64::new(1_700_000_000_000);
    let source = SnapshotSource::builder(
        "settings",
        Settings {
            theme: "light".into(),
            font_size: 14,
            recent_files: vec![],
        },
    )
    .revision(Revision::new(9_007_199_254_740_991))
    .epoch("boot-1")
    .source_id("tauri-main")
    .clock(move || ticks.fetch_add(1000, AtomicOrdering::SeqCst))
    .emitter(move |event| {
        sink.lock()
            .unwrap()
            .push(serde_json::to_string(event).unwrap());
    })
    .build()
    .unwrap();
    let snapshot =
        |source: &SnapshotSource<Settings>| serde_json::to_string(&source.snapshot()).unwrap();

    let initial = snapshot(&source);
    let changes: [fn(&mut Settings); 3] = [
        |s| s.theme = "dark".into(),
        |s| s.font_size = 16,
        |s| s.recent_files.push("notes.md".into()),
    ];
    let mut steps = Vec::new();
    for change in changes {
        source.update(change).unwrap();
        let event = sent.lock().unwrap().pop().unwrap();
        steps.push(json!({ "event": event, "snapshot": snapshot(&source) }));
    }
    json!({
        "generatedBy": "crates/conformance-tests/tests/state_sync.rs (rust_source_scenario); regenerate with UPDATE_CONFORMANCE=1 cargo test -p state-sync-conformance, then npx biome format --write conformance/rust-source.json",
        "topic": "settings",
        "initial": initial,
        "steps": steps,
    })
}

#[test]
fn rust_source_vectors_are_current() {
    let produced = rust_source_scenario();
    let path = vector_path("rust-source.json");
    if std::env::var_os("UPDATE_CONFORMANCE").is_some() {
        let text = serde_json::to_string_pretty(&produced).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    assert_eq!(
        vectors("rust-source.json"),
        produced,
        "conformance/rust-source.json is out of date: run UPDATE_CONFORMANCE=1 cargo test (see scripts/rust-check.sh)"
    );
}
