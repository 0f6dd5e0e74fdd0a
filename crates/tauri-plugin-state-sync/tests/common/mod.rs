//! Shared by the integration tests: a mock-runtime app whose ACL is resolved from the plugin's real
//! permission files and a capability, IPC calls as a window makes them, and an event recorder.

#![allow(dead_code)] // each test binary uses part of this module

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody, RuntimeAuthority};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::utils::acl::capability::Capability;
use tauri::utils::acl::manifest::{Manifest, PermissionFile};
use tauri::utils::acl::resolved::Resolved;
use tauri::utils::platform::Target;
use tauri::webview::InvokeRequest;
use tauri::{App, Listener, WebviewWindow, WebviewWindowBuilder};
use tauri_plugin_state_sync::state_sync::INVALIDATION_EVENT;

fn permission_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            permission_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            out.push(path);
        }
    }
}

/// The plugin's ACL manifest, read from `permissions/` (the hand-written sets and the files `build.rs`
/// generates for each command), as `tauri-build` would collect it for an app.
pub fn plugin_manifest() -> Manifest {
    let mut paths = Vec::new();
    // The plugin's own tests run in its directory; crates/conformance-tests includes this file from beside it.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = [
        here.join("permissions"),
        here.join("../tauri-plugin-state-sync/permissions"),
    ]
    .into_iter()
    .find(|dir| dir.join("default.toml").is_file())
    .expect("the plugin's permissions/ directory");
    permission_files(&dir, &mut paths);
    assert!(
        paths.iter().any(|p| p.ends_with("default.toml")),
        "permissions/default.toml is missing"
    );
    let files = paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            toml::from_str::<PermissionFile>(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        })
        .collect();
    Manifest::new(files, None)
}

/// A mock app with the plugin and a capability granting `permissions` to every window.
pub fn app_with(
    plugin: tauri::plugin::TauriPlugin<MockRuntime>,
    permissions: &[&str],
) -> App<MockRuntime> {
    let mut context = mock_context(noop_assets());
    let acl = BTreeMap::from([("state-sync".to_owned(), plugin_manifest())]);
    let capability: Capability = serde_json::from_value(serde_json::json!({
        "identifier": "test",
        "windows": ["*"],
        "permissions": permissions,
    }))
    .unwrap();
    let resolved = Resolved::resolve(
        &acl,
        BTreeMap::from([(capability.identifier.clone(), capability)]),
        Target::current(),
    )
    .expect("the capability resolves against the plugin's permissions");
    *context.runtime_authority_mut() = RuntimeAuthority::new(acl, resolved);
    mock_builder().plugin(plugin).build(context).unwrap()
}

pub fn window(app: &App<MockRuntime>, label: &str) -> WebviewWindow<MockRuntime> {
    WebviewWindowBuilder::new(app, label, tauri::WebviewUrl::default())
        .build()
        .unwrap()
}

/// Invokes `cmd` from `window` as its JavaScript would; `Ok` holds the raw JSON text of the response.
pub fn invoke(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<String, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: tauri::http::HeaderMap::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| match body {
        tauri::ipc::InvokeResponseBody::Json(text) => text,
        tauri::ipc::InvokeResponseBody::Raw(bytes) => String::from_utf8(bytes).unwrap(),
    })
}

/// Every invalidation event's JSON payload heard by `target` (the app, a window), in order.
pub fn record_events(target: &impl Listener<MockRuntime>) -> Arc<Mutex<Vec<String>>> {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&heard);
    target.listen(INVALIDATION_EVENT, move |event| {
        sink.lock().unwrap().push(event.payload().to_owned());
    });
    heard
}
