//! The plugin inside Tauri's own mock runtime (`tauri::test`): commands called over IPC as a window calls
//! them, with the ACL resolved from the plugin's permission files; events; the Rust API; window accounting.

mod common;

use std::collections::BTreeSet;

use common::{app_with, invoke, record_events, window};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tauri::Manager;
use tauri_plugin_state_sync::{
    Builder, InlineData, InvalidationEvent, Revision, StateSync, StateSyncExt,
    GET_SNAPSHOT_COMMAND, UPDATE_COMMAND,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    theme: String,
    font_size: u32,
}

fn settings() -> Settings {
    Settings {
        theme: "light".into(),
        font_size: 14,
    }
}

fn plugin() -> Builder {
    Builder::new()
        .topic("settings", settings())
        .topic("counter", 0_u64)
        .epoch("boot-1")
        .clock(|| 1_700_000_000_000)
}

fn parse_event(json: &str) -> InvalidationEvent {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

#[test]
fn get_snapshot_returns_the_envelope_in_wire_order() {
    let app = app_with(plugin().build(), &["state-sync:default"]);
    let main = window(&app, "main");
    assert_eq!(
        invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "settings" })).unwrap(),
        r#"{"revision":"0","data":{"theme":"light","fontSize":14},"epoch":"boot-1"}"#
    );
}

#[test]
fn unknown_topic_is_an_error_naming_the_known_topics() {
    let app = app_with(plugin().build(), &["state-sync:default"]);
    let main = window(&app, "main");
    assert_eq!(
        invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "nope" })).unwrap_err(),
        json!("state-sync: unknown topic \"nope\"; this app registers: \"counter\", \"settings\"")
    );
}

#[test]
fn default_permission_allows_reading_but_not_updating() {
    let app = app_with(plugin().build(), &["state-sync:default"]);
    let main = window(&app, "main");
    let error = invoke(
        &main,
        UPDATE_COMMAND,
        json!({ "topic": "counter", "data": 5 }),
    )
    .unwrap_err();
    assert!(
        error.as_str().unwrap().contains("not allowed"),
        "update must be denied without state-sync:allow-update: {error}"
    );
    assert_eq!(app.state_sync().get::<u64>("counter").unwrap().data, 0);
}

#[test]
fn without_any_permission_even_reading_is_denied() {
    let app = app_with(plugin().build(), &["state-sync:deny-get-snapshot"]);
    let main = window(&app, "main");
    assert!(invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "counter" })).is_err());
}

#[test]
fn update_with_its_permission_replaces_the_state_and_returns_the_revision() {
    let app = app_with(
        plugin().build(),
        &["state-sync:default", "state-sync:allow-update"],
    );
    let main = window(&app, "main");
    let data = json!({ "theme": "dark", "fontSize": 16 });
    assert_eq!(
        invoke(
            &main,
            UPDATE_COMMAND,
            json!({ "topic": "settings", "data": data })
        )
        .unwrap(),
        r#""1""#
    );
    assert_eq!(
        app.state_sync().get::<Settings>("settings").unwrap().data,
        Settings {
            theme: "dark".into(),
            font_size: 16
        }
    );
}

#[test]
fn the_read_write_set_grants_both_commands() {
    let app = app_with(plugin().build(), &["state-sync:read-write"]);
    let main = window(&app, "main");
    invoke(
        &main,
        UPDATE_COMMAND,
        json!({ "topic": "counter", "data": 9 }),
    )
    .unwrap();
    assert_eq!(
        invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "counter" })).unwrap(),
        r#"{"revision":"1","data":9,"epoch":"boot-1"}"#
    );
}

#[test]
fn update_rejects_data_of_the_wrong_shape_and_changes_nothing() {
    let app = app_with(plugin().build(), &["state-sync:read-write"]);
    let events = record_events(&app);
    let main = window(&app, "main");
    for bad in [
        json!({ "theme": "dark" }),                   // missing field
        json!({ "theme": 1, "fontSize": 16 }),        // wrong type
        json!(null),                                  // not an object
        json!({ "__proto__": { "polluted": true } }), // hostile, still missing fields
    ] {
        let error = invoke(
            &main,
            UPDATE_COMMAND,
            json!({ "topic": "settings", "data": bad }),
        )
        .unwrap_err();
        assert!(
            error
                .as_str()
                .unwrap()
                .starts_with("state-sync: invalid data for topic \"settings\""),
            "{error}"
        );
    }
    let snapshot = app.state_sync().get::<Settings>("settings").unwrap();
    assert_eq!(
        (snapshot.revision, snapshot.data),
        (Revision::ZERO, settings())
    );
    assert!(
        events.lock().unwrap().is_empty(),
        "no event for a rejected update"
    );
}

#[test]
fn every_change_reaches_every_window_including_one_created_later() {
    let app = app_with(plugin().build(), &["state-sync:default"]);
    let first = window(&app, "first");
    let heard_by_first = record_events(&first);
    app.state_sync()
        .update("counter", |n: &mut u64| *n += 1)
        .unwrap();
    let late = window(&app, "late");
    let heard_by_late = record_events(&late);
    // The late window starts from the current snapshot...
    assert_eq!(
        invoke(&late, GET_SNAPSHOT_COMMAND, json!({ "topic": "counter" })).unwrap(),
        r#"{"revision":"1","data":1,"epoch":"boot-1"}"#
    );
    app.state_sync()
        .update("counter", |n: &mut u64| *n += 1)
        .unwrap();
    // ...and hears what follows, as does the first window, which heard both.
    let revisions = |heard: &Vec<String>| -> Vec<u64> {
        heard
            .iter()
            .map(|e| parse_event(e).revision.get())
            .collect()
    };
    assert_eq!(revisions(&heard_by_first.lock().unwrap()), [1, 2]);
    assert_eq!(revisions(&heard_by_late.lock().unwrap()), [2]);
}

#[test]
fn small_states_travel_inline_and_large_ones_are_fetched() {
    let app = app_with(
        plugin().inline(InlineData::UpTo(40)).build(),
        &["state-sync:default"],
    );
    let events = record_events(&app);
    let sync = app.state_sync();
    sync.update("settings", |s: &mut Settings| s.theme = "dark".into())
        .unwrap();
    sync.update("settings", |s: &mut Settings| {
        s.theme = "a theme with a name longer than the limit".into();
    })
    .unwrap();
    let events = events.lock().unwrap();
    assert_eq!(
        events[0],
        r#"{"topic":"settings","revision":"1","timestampMs":1700000000000,"epoch":"boot-1","data":{"fontSize":14,"theme":"dark"}}"#
    );
    assert_eq!(
        events[1],
        r#"{"topic":"settings","revision":"2","timestampMs":1700000000000,"epoch":"boot-1"}"#
    );
}

#[test]
fn inline_can_be_turned_off() {
    let app = app_with(
        plugin().inline(InlineData::Never).build(),
        &["state-sync:default"],
    );
    let events = record_events(&app);
    app.state_sync().set("counter", 3_u64).unwrap();
    assert_eq!(parse_event(&events.lock().unwrap()[0]).data, None);
}

#[test]
fn the_default_inlines_small_states() {
    let app = app_with(Builder::new().topic("counter", 0_u64).build(), &[]);
    let events = record_events(&app);
    app.state_sync().set("counter", 3_u64).unwrap();
    let event = parse_event(&events.lock().unwrap()[0]);
    assert_eq!(event.data, Some(json!(3)));
    assert!(
        event
            .epoch
            .as_deref()
            .is_some_and(|e| e.starts_with("boot-")),
        "a new epoch per run by default: {event:?}"
    );
}

#[test]
fn rust_api_is_typed() {
    let app = app_with(plugin().build(), &[]);
    let sync = app.state_sync();
    assert_eq!(sync.topics().collect::<Vec<_>>(), ["counter", "settings"]);
    let error = sync
        .update("counter", |s: &mut String| s.clear())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "state-sync: topic \"counter\" holds a u64, not a alloc::string::String"
    );
    assert!(sync.revision("missing").is_err());
    assert_eq!(sync.revision("counter").unwrap(), Revision::ZERO);
}

#[test]
fn writes_from_many_threads_are_announced_once_each_in_revision_order() {
    let app = app_with(plugin().inline(InlineData::Always).build(), &[]);
    let events = record_events(&app);
    let handle = app.handle().clone();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                for _ in 0..250 {
                    handle
                        .state_sync()
                        .update("counter", |n: &mut u64| *n += 1)
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 1_000);
    for (index, json) in events.iter().enumerate() {
        let event = parse_event(json);
        let expected = index as u64 + 1;
        // Each event's inline data is the state at its revision: the counter equals the revision here.
        assert_eq!(
            (event.revision.get(), event.data),
            (expected, Some(json!(expected)))
        );
    }
    assert_eq!(app.state_sync().get::<u64>("counter").unwrap().data, 1_000);
}

/// Which windows follow which topics. The removal of a destroyed window happens on Tauri's
/// `WindowEvent::Destroyed`, which the mock runtime never emits: the end-to-end test of
/// `examples/tauri-multiwindow` checks it with real windows ("a window closed mid-sync leaves nothing behind").
#[test]
fn windows_that_fetch_are_accounted_per_window_and_topic() {
    let app = app_with(plugin().build(), &["state-sync:default"]);
    let a = window(&app, "a");
    let b = window(&app, "b");
    assert!(app.state_sync().subscribers().is_empty());
    invoke(&a, GET_SNAPSHOT_COMMAND, json!({ "topic": "settings" })).unwrap();
    invoke(&a, GET_SNAPSHOT_COMMAND, json!({ "topic": "counter" })).unwrap();
    invoke(&a, GET_SNAPSHOT_COMMAND, json!({ "topic": "counter" })).unwrap();
    invoke(&b, GET_SNAPSHOT_COMMAND, json!({ "topic": "counter" })).unwrap();
    invoke(&b, GET_SNAPSHOT_COMMAND, json!({ "topic": "unknown" })).unwrap_err();
    let subscribers = app.state_sync().subscribers();
    assert_eq!(subscribers.len(), 2);
    assert_eq!(
        subscribers["a"],
        BTreeSet::from(["counter".to_owned(), "settings".to_owned()])
    );
    assert_eq!(
        subscribers["b"],
        BTreeSet::from(["counter".to_owned()]),
        "a failed fetch subscribes nothing"
    );
}

#[test]
fn topics_must_be_unique_and_non_empty() {
    for (builder, message) in [
        (
            Builder::new().topic("a", 0_u8).topic("a", 1_u8),
            "state-sync: topic \"a\" is registered twice",
        ),
        (
            Builder::new().topic("", 0_u8),
            "a SnapshotSource needs a non-empty topic",
        ),
    ] {
        let result = tauri::test::mock_builder()
            .plugin(builder.build())
            .build(tauri::test::mock_context(tauri::test::noop_assets()));
        let Err(error) = result else {
            panic!("the app must not start with {message:?}")
        };
        let error = error.to_string();
        assert!(error.contains(message), "{error}");
    }
}

#[test]
fn the_state_is_reachable_as_managed_state_too() {
    let app = app_with(plugin().build(), &[]);
    let state: tauri::State<'_, StateSync> = app.state();
    assert_eq!(state.get::<u64>("counter").unwrap().data, 0);
}

/// A persisted topic continues where the previous run left it: state, revision and epoch.
#[test]
fn a_persisted_topic_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "tauri-plugin-state-sync-test-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("counter.json");
    let first_epoch;
    {
        let app = app_with(
            Builder::new()
                .persisted_topic(
                    "counter",
                    0_u64,
                    tauri_plugin_state_sync::FileStore::new(&file),
                )
                .build(),
            &["state-sync:default"],
        );
        let sync = app.state_sync();
        first_epoch = sync.get::<u64>("counter").unwrap().epoch;
        assert!(
            first_epoch.is_some(),
            "a new file starts with the plugin's epoch"
        );
        sync.set("counter", 5_u64).unwrap();
        sync.set("counter", 6_u64).unwrap();
        sync.flush().unwrap();
    }
    let app = app_with(
        Builder::new()
            .persisted_topic(
                "counter",
                0_u64,
                tauri_plugin_state_sync::FileStore::new(&file),
            )
            .build(),
        &["state-sync:default"],
    );
    let main = window(&app, "main");
    let expected = format!(
        r#"{{"revision":"2","data":6,"epoch":"{}"}}"#,
        first_epoch.unwrap()
    );
    assert_eq!(
        invoke(&main, GET_SNAPSHOT_COMMAND, json!({ "topic": "counter" })).unwrap(),
        expected
    );
    // And it keeps counting from there.
    assert_eq!(
        app.state_sync().set("counter", 7_u64).unwrap(),
        Revision::new(3)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unreadable_persisted_topic_stops_the_app_with_the_path() {
    let dir = std::env::temp_dir().join(format!(
        "tauri-plugin-state-sync-bad-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("counter.json");
    std::fs::write(&file, "not a record").unwrap();
    let result = tauri::test::mock_builder()
        .plugin(
            Builder::new()
                .persisted_topic(
                    "counter",
                    0_u64,
                    tauri_plugin_state_sync::FileStore::new(&file),
                )
                .build(),
        )
        .build(tauri::test::mock_context(tauri::test::noop_assets()));
    let Err(error) = result else {
        panic!("a corrupt file must not be replaced silently")
    };
    assert!(error.to_string().contains("counter.json"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}
