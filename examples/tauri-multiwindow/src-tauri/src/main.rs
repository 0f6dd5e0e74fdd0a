//! Three windows (and a fourth opened later) showing one Rust-owned state, kept in sync by
//! tauri-plugin-state-sync. Run normally it is a small demo (each window has a "+1" button); with
//! `STATESYNC_E2E=1` it runs the end-to-end scenario of `scenario.rs`, prints its result and exits.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod scenario;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

/// The synced state: topic `doc` (TypeScript: `src/doc-store.ts`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doc {
    value: u64,
    writer: String,
}

/// Opens a window showing the front end; `label` is its name (`a`, `b`, `c`, `late`).
fn open_window<R: Runtime>(app: &AppHandle<R>, label: &str) -> tauri::Result<WebviewWindow<R>> {
    let offset = f64::from(u8::try_from(label.len()).unwrap_or(0)) * 20.0;
    WebviewWindowBuilder::new(app, label, WebviewUrl::App("index.html".into()))
        .title(format!("state-sync: window {label}"))
        .inner_size(320.0, 200.0)
        .position(offset, offset)
        .build()
}

fn main() {
    let run_scenario = std::env::var_os("STATESYNC_E2E").is_some();
    tauri::Builder::default()
        .plugin(
            tauri_plugin_state_sync::Builder::new()
                .topic("doc", Doc::default())
                .build(),
        )
        .manage(scenario::Hub::default())
        .invoke_handler(tauri::generate_handler![
            scenario::scenario_ready,
            scenario::scenario_reply
        ])
        .setup(move |app| {
            for label in scenario::WINDOWS {
                open_window(app.handle(), label)?;
            }
            if run_scenario {
                scenario::spawn(app.handle().clone());
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the app failed to start");
}
