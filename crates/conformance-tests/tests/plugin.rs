//! The shared `conformance/` vectors, through the plugin's commands and events: what a window receives from
//! `plugin:state-sync|get_snapshot` and from the invalidation event must be byte for byte what the vectors
//! pin (and what the TypeScript side checks in `conformance/conformance.test.ts`).

#[path = "../../tauri-plugin-state-sync/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

use common::{app_with, invoke, record_events, window};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tauri_plugin_state_sync::{
    Builder, InlineData, Revision, GET_SNAPSHOT_COMMAND, UPDATE_COMMAND,
};

fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../conformance")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn list<'a>(file: &'a Value, key: &str) -> &'a Vec<Value> {
    file[key].as_array().unwrap()
}

fn revision(value: &Value) -> Revision {
    value.as_str().unwrap().parse().unwrap()
}

const PERMISSIONS: &[&str] = &["state-sync:read-write"];

#[test]
fn envelopes_served_by_get_snapshot_match_the_vectors() {
    let mut checked = 0;
    for case in list(&vectors("envelopes.json"), "valid") {
        let input = &case["input"];
        let name = &case["name"];
        let expected = case["json"].as_str().unwrap();
        // The plugin always announces an epoch (a new one per run unless set); for a vector without one,
        // the plugin's response is the vector's JSON with the plugin's epoch added.
        let (epoch, expected) = match input["epoch"].as_str() {
            Some(epoch) => (epoch.to_owned(), expected.to_owned()),
            None => (
                "plugin-epoch".to_owned(),
                format!(
                    "{},\"epoch\":\"plugin-epoch\"}}",
                    expected.strip_suffix('}').unwrap()
                ),
            ),
        };
        let plugin = Builder::new()
            .epoch(epoch)
            .topic_at("t", input["data"].clone(), revision(&input["revision"]))
            .build();
        let app = app_with(plugin, PERMISSIONS);
        let main = window(&app, "main");
        assert_eq!(
            invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "t" })).unwrap(),
            expected,
            "{name}"
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} envelope vectors checked");
}

/// Every valid event vector the plugin can produce (it always stamps an epoch and a timestamp): an `update`
/// command from a window makes the plugin emit exactly the vector's bytes.
#[test]
fn events_emitted_after_update_match_the_vectors() {
    let mut checked = 0;
    let (plain, inline) = (vectors("events.json"), vectors("inline-events.json"));
    for case in list(&plain, "valid").iter().chain(list(&inline, "valid")) {
        let input = &case["input"];
        let (Some(epoch), Some(timestamp)) =
            (input["epoch"].as_str(), input["timestampMs"].as_u64())
        else {
            continue;
        };
        let target = revision(&input["revision"]);
        let Some(start) = target.get().checked_sub(1) else {
            continue;
        };
        let data = input.get("data").cloned();
        let mut builder = Builder::new()
            .epoch(epoch)
            .clock(move || timestamp)
            .inline(if data.is_some() {
                InlineData::Always
            } else {
                InlineData::Never
            })
            .topic_at(
                input["topic"].as_str().unwrap(),
                Value::Null,
                Revision::new(start),
            );
        if let Some(source_id) = input["sourceId"].as_str() {
            builder = builder.source_id(source_id);
        }
        let app = app_with(builder.build(), PERMISSIONS);
        let events = record_events(&app);
        let main = window(&app, "main");
        let written = data.unwrap_or_else(|| json!({ "any": "state" }));
        let topic = input["topic"].clone();
        assert_eq!(
            invoke(
                &main,
                UPDATE_COMMAND,
                json!({ "topic": topic, "data": written })
            )
            .unwrap(),
            format!("\"{target}\"")
        );
        assert_eq!(
            *events.lock().unwrap(),
            [case["json"].as_str().unwrap()],
            "{}",
            case["name"]
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} event vectors checked");
}

#[test]
fn revisions_start_where_given_and_never_wrap() {
    let file = vectors("revisions.json");
    for pair in list(&file, "next") {
        let pair = pair.as_array().unwrap();
        let app = app_with(
            Builder::new()
                .epoch("e")
                .topic_at("t", 0_u8, revision(&pair[0]))
                .build(),
            PERMISSIONS,
        );
        let main = window(&app, "main");
        let snapshot = invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "t" })).unwrap();
        assert_eq!(
            snapshot,
            format!(r#"{{"revision":{},"data":0,"epoch":"e"}}"#, pair[0])
        );
        let result = invoke(&main, UPDATE_COMMAND, json!({ "topic": "t", "data": 1 }));
        if let Some(next) = pair[1].as_str() {
            assert_eq!(result.unwrap(), format!("\"{next}\""));
        } else {
            let error = result.unwrap_err();
            assert!(
                error
                    .as_str()
                    .unwrap()
                    .contains("reached the largest revision"),
                "{error}"
            );
            // Nothing changed.
            assert_eq!(
                invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "t" })).unwrap(),
                snapshot
            );
        }
    }
}

/// The typed state of `rust-source.json`'s scenario; field order is wire order.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    theme: String,
    font_size: u32,
    recent_files: Vec<String>,
}

/// `rust-source.json` was written by the crate's `SnapshotSource`; the plugin, driven through its commands
/// with the same data, serves and announces the same bytes. With inline data on, each event is the same
/// event plus `data`, equal to the snapshot's.
#[test]
fn the_rust_source_scenario_through_the_commands() {
    let file = vectors("rust-source.json");
    let initial: Value = serde_json::from_str(file["initial"].as_str().unwrap()).unwrap();
    for inline in [InlineData::Never, InlineData::Always] {
        let steps = list(&file, "steps");
        let stamps: Vec<u64> = steps
            .iter()
            .map(|step| {
                let event: Value = serde_json::from_str(step["event"].as_str().unwrap()).unwrap();
                event["timestampMs"].as_u64().unwrap()
            })
            .collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let plugin = Builder::new()
            .epoch(initial["epoch"].as_str().unwrap())
            .source_id("tauri-main")
            .inline(inline)
            .clock(move || stamps[next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)])
            .topic_at(
                file["topic"].as_str().unwrap(),
                serde_json::from_value::<Settings>(initial["data"].clone()).unwrap(),
                revision(&initial["revision"]),
            )
            .build();
        let app = app_with(plugin, PERMISSIONS);
        let events = record_events(&app);
        let main = window(&app, "main");
        let get = || invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "settings" })).unwrap();
        assert_eq!(get(), file["initial"].as_str().unwrap());
        for (index, step) in steps.iter().enumerate() {
            let snapshot: Value = serde_json::from_str(step["snapshot"].as_str().unwrap()).unwrap();
            invoke(
                &main,
                UPDATE_COMMAND,
                json!({ "topic": "settings", "data": snapshot["data"] }),
            )
            .unwrap();
            assert_eq!(get(), step["snapshot"].as_str().unwrap(), "step {index}");
            let emitted = events.lock().unwrap()[index].clone();
            let expected = step["event"].as_str().unwrap();
            if inline == InlineData::Never {
                assert_eq!(emitted, expected, "step {index}");
            } else {
                let emitted: Value = serde_json::from_str(&emitted).unwrap();
                let mut with_data: Value = serde_json::from_str(expected).unwrap();
                with_data["data"] = snapshot["data"].clone();
                assert_eq!(emitted, with_data, "step {index}, inline");
            }
        }
    }
}
