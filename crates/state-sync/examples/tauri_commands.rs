//! The Rust half of a Tauri app synced with state-sync, written against this crate only (the `tauri` crate
//! is not a dependency). The functions in `commands` are what the `#[tauri::command]`s call; the comments
//! show the Tauri wiring. Run it with `cargo run --example tauri_commands`: `main` plays the part of Tauri
//! and prints what would cross the IPC boundary.
//!
//! The TypeScript side (one per window):
//!
//! ```ts
//! import { createTauriRevisionSync } from '@statesync/tauri';
//! import { listen } from '@tauri-apps/api/event';
//! import { invoke } from '@tauri-apps/api/core';
//!
//! const handle = createTauriRevisionSync({
//!   topic: 'settings',
//!   listen,
//!   invoke,
//!   eventName: 'state-sync:invalidation',
//!   commandName: 'get_snapshot',
//!   args: { topic: 'settings' },
//!   applier: { apply: ({ data }) => render(data) },
//! });
//! await handle.start();
//! const revision = await invoke<string>('set_theme', { theme: 'dark' });
//! await handle.whenSynced(revision); // read-your-writes
//! ```

use std::sync::{Arc, Mutex};

use serde::Serialize;
use state_sync::{InvalidationEvent, SnapshotEnvelope, SnapshotSource};

/// The state of the `settings` topic. Field order is the order on the wire.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    theme: String,
    font_size: u32,
}

/// The state of the `todos` topic.
#[derive(Clone, Debug, Serialize)]
pub struct Todo {
    title: String,
    done: bool,
}

/// What `get_snapshot` returns: one envelope type per topic. `untagged` serializes just the envelope,
/// and typed envelopes keep their fields in wire order (a `serde_json::Value` would sort the keys).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Snapshot {
    /// The `settings` topic.
    Settings(SnapshotEnvelope<Settings>),
    /// The `todos` topic.
    Todos(SnapshotEnvelope<Vec<Todo>>),
}

mod commands {
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::{InvalidationEvent, Settings, Snapshot, SnapshotSource, Todo};

    /// Everything the app syncs; in Tauri: `app.manage(AppState::new(emit))`.
    pub struct AppState {
        pub settings: SnapshotSource<Settings>,
        pub todos: SnapshotSource<Vec<Todo>>,
    }

    impl AppState {
        /// `emit` forwards every invalidation event to the windows. In Tauri (inside `setup`, with
        /// `use tauri::Emitter;`):
        ///
        /// ```ignore
        /// let app_handle = app.handle().clone();
        /// app.manage(AppState::new(move |event| {
        ///     // A failed emit only delays the windows until their next resync; never panic here.
        ///     let _ = app_handle.emit(state_sync::INVALIDATION_EVENT, event);
        /// }));
        /// ```
        pub fn new(emit: impl Fn(&InvalidationEvent) + Clone + Send + Sync + 'static) -> Self {
            // A new epoch per run: the revisions are not persisted, so readers must accept revision 0 again.
            let started = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            let epoch = format!("boot-{started}");
            AppState {
                settings: SnapshotSource::builder(
                    "settings",
                    Settings {
                        theme: "light".into(),
                        font_size: 14,
                    },
                )
                .epoch(&epoch)
                .source_id("backend")
                .emitter(emit.clone())
                .build()
                .expect("the topic is not empty"),
                todos: SnapshotSource::builder("todos", Vec::new())
                    .epoch(epoch)
                    .source_id("backend")
                    .emitter(emit)
                    .build()
                    .expect("the topic is not empty"),
            }
        }
    }

    /// The body of:
    ///
    /// ```ignore
    /// #[tauri::command]
    /// fn get_snapshot(topic: String, state: tauri::State<'_, AppState>) -> Result<Snapshot, String> {
    ///     commands::get_snapshot(&state, &topic)
    /// }
    /// ```
    ///
    /// The TypeScript provider calls `invoke('get_snapshot', { topic })`. An error string reaches the engine's
    /// `onError` with phase `getSnapshot`, and the engine retries.
    pub fn get_snapshot(state: &AppState, topic: &str) -> Result<Snapshot, String> {
        match topic {
            "settings" => Ok(Snapshot::Settings(state.settings.snapshot())),
            "todos" => Ok(Snapshot::Todos(state.todos.snapshot())),
            other => Err(format!(
                "get_snapshot: unknown topic {other:?}; known: \"settings\", \"todos\""
            )),
        }
    }

    /// The body of `#[tauri::command] fn set_theme(theme: String, state: tauri::State<'_, AppState>)`.
    /// Returns the new revision as a string, for `handle.whenSynced(revision)` in the window that asked.
    pub fn set_theme(state: &AppState, theme: String) -> Result<String, String> {
        if theme.is_empty() {
            return Err("set_theme: `theme` must not be empty".into());
        }
        state
            .settings
            .update(|s| s.theme = theme)
            .map(|revision| revision.to_string())
            .map_err(|e| e.to_string())
    }

    /// The body of `#[tauri::command] fn add_todo(title: String, state: tauri::State<'_, AppState>)`.
    pub fn add_todo(state: &AppState, title: String) -> Result<String, String> {
        state
            .todos
            .update(|todos| todos.push(Todo { title, done: false }))
            .map(|revision| revision.to_string())
            .map_err(|e| e.to_string())
    }
}

/// The JSON Tauri would send over IPC.
fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("events and snapshots always serialize")
}

fn main() {
    // Stands in for `app.emit`: collects the JSON Tauri would send to every window.
    let wire = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&wire);
    let state = commands::AppState::new(move |event| sink.lock().unwrap().push(json(event)));
    let snapshot = |topic: &str| commands::get_snapshot(&state, topic).map(|s| json(&s));

    println!(
        "invoke('get_snapshot', {{ topic: 'settings' }}) -> {}",
        snapshot("settings").unwrap()
    );
    let revision = commands::set_theme(&state, "dark".into()).unwrap();
    println!("invoke('set_theme', {{ theme: 'dark' }}) -> {revision:?}");
    commands::add_todo(&state, "write docs".into()).unwrap();
    for event in wire.lock().unwrap().iter() {
        println!("emit('{}', {event})", state_sync::INVALIDATION_EVENT);
    }
    println!(
        "invoke('get_snapshot', {{ topic: 'settings' }}) -> {}",
        snapshot("settings").unwrap()
    );
    println!(
        "invoke('get_snapshot', {{ topic: 'todos' }}) -> {}",
        snapshot("todos").unwrap()
    );
    println!(
        "invoke('get_snapshot', {{ topic: 'nope' }}) -> Err({:?})",
        snapshot("nope").unwrap_err()
    );

    assert_eq!(revision, "1");
    assert_eq!(wire.lock().unwrap().len(), 2, "one event per update");
    let Ok(Snapshot::Settings(settings)) = commands::get_snapshot(&state, "settings") else {
        unreachable!("the settings topic returns settings")
    };
    assert_eq!(
        (settings.revision.get(), settings.data.theme.as_str()),
        (1, "dark")
    );
}
