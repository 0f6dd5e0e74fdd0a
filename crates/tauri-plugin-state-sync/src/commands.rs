//! The commands a window may call: `plugin:state-sync|get_snapshot` (in the default permission set) and
//! `plugin:state-sync|update` (only with `state-sync:allow-update`).

use serde_json::value::RawValue;
use serde_json::Value;
use tauri::{command, Runtime, State, Webview};

use crate::{Error, StateSync};

/// Returns the topic's snapshot envelope `{"revision","data","epoch"?}`, as `@statesync/tauri`'s provider
/// expects: `createTauriSnapshotProvider({ invoke, commandName: 'plugin:state-sync|get_snapshot', args: { topic } })`.
#[command]
#[allow(clippy::needless_pass_by_value)] // commands receive their arguments by value
pub(crate) fn get_snapshot<R: Runtime>(
    webview: Webview<R>,
    state: State<'_, StateSync>,
    topic: String,
) -> Result<Box<RawValue>, Error> {
    let snapshot = state.snapshot_json(&topic)?;
    state.subscribe(webview.window().label(), &topic);
    Ok(snapshot)
}

/// Replaces the topic's state with `data` (checked against the topic's Rust type) and returns the new
/// revision as a string, for `whenSynced(revision)`.
#[command]
#[allow(clippy::needless_pass_by_value)] // commands receive their arguments by value
pub(crate) fn update(
    state: State<'_, StateSync>,
    topic: String,
    data: Value,
) -> Result<String, Error> {
    state
        .replace_json(&topic, data)
        .map(|revision| revision.to_string())
}
