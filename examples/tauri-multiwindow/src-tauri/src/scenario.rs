//! The end-to-end scenario, run from a background thread of the real app (`STATESYNC_E2E=1`): the windows'
//! own scripts answer requests (`scenario:request` events) through the `scenario_reply` command. Prints one
//! line, `STATESYNC_E2E_RESULT {json}`, with every check and the latency figures, then exits (1 if a check
//! failed).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tauri_plugin_state_sync::StateSyncExt;

use crate::Doc;

/// The windows opened at start.
pub const WINDOWS: [&str; 3] = ["a", "b", "c"];
const TIMEOUT: Duration = Duration::from_secs(120);
const RAPID_WRITES: u64 = 1_000;
const PACED_WRITES: u64 = 200;

/// Routes the windows' messages to the scenario thread.
#[derive(Default)]
pub struct Hub {
    next_id: AtomicU64,
    replies: Mutex<HashMap<u64, Sender<Result<Value, String>>>>,
    ready: Mutex<Option<Sender<(String, Value)>>>,
}

/// A window's script started its sync handle: `state` and `revision` are what it shows first.
#[tauri::command]
#[allow(clippy::needless_pass_by_value)] // commands take their arguments by value
pub fn scenario_ready(
    hub: State<'_, Hub>,
    label: String,
    state: Value,
    revision: String,
    errors: Vec<String>,
) {
    if let Some(ready) = hub.ready.lock().unwrap().as_ref() {
        let _ = ready.send((
            label,
            json!({ "state": state, "revision": revision, "errors": errors }),
        ));
    }
}

/// A window's answer to request `id`.
#[tauri::command]
#[allow(clippy::needless_pass_by_value)]
pub fn scenario_reply(hub: State<'_, Hub>, id: u64, ok: bool, result: Value) {
    if let Some(reply) = hub.replies.lock().unwrap().remove(&id) {
        let _ = reply.send(if ok {
            Ok(result)
        } else {
            Err(result.to_string())
        });
    }
}

struct Scenario<R: Runtime> {
    app: AppHandle<R>,
    ready: Receiver<(String, Value)>,
    checks: Vec<Value>,
}

type Step = Result<String, String>;

impl<R: Runtime> Scenario<R> {
    fn request(&self, label: &str, request: Value) -> Result<Value, String> {
        let hub = self.app.state::<Hub>();
        let id = hub.next_id.fetch_add(1, Ordering::SeqCst);
        let (reply, answer) = channel();
        hub.replies.lock().unwrap().insert(id, reply);
        self.app
            .emit(
                "scenario:request",
                json!({ "id": id, "label": label, "request": request }),
            )
            .map_err(|e| e.to_string())?;
        answer
            .recv_timeout(TIMEOUT)
            .map_err(|_| format!("window {label} did not answer {request} in time"))?
            .map_err(|e| format!("window {label} failed {request}: {e}"))
    }

    fn wait_ready(&self, labels: &[&str]) -> Result<HashMap<String, Value>, String> {
        let mut ready = HashMap::new();
        let deadline = Instant::now() + TIMEOUT;
        while ready.len() < labels.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            let (label, info) = self
                .ready
                .recv_timeout(left)
                .map_err(|_| format!("windows ready: {:?} of {labels:?}", ready.keys()))?;
            ready.insert(label, info);
        }
        Ok(ready)
    }

    fn current(&self) -> (Doc, String) {
        let snapshot = self.app.state_sync().get::<Doc>("doc").unwrap();
        (snapshot.data, snapshot.revision.to_string())
    }

    /// Every window in `labels` reaches `revision` and shows the Rust state.
    fn converge(&self, labels: &[&str], revision: &str) -> Step {
        let (expected, _) = self.current();
        let expected = serde_json::to_value(&expected).unwrap();
        for label in labels {
            let shown = self.request(label, json!({ "op": "waitFor", "revision": revision }))?;
            if shown["state"] != expected {
                return Err(format!(
                    "window {label} shows {} at revision {}, Rust holds {expected} at {revision}",
                    shown["state"], shown["revision"]
                ));
            }
            if let Some(errors) = shown["errors"].as_array().filter(|e| !e.is_empty()) {
                return Err(format!("window {label} reported errors: {errors:?}"));
            }
        }
        Ok(format!("{labels:?} show {expected} at revision {revision}"))
    }

    fn check(&mut self, name: &str, step: impl FnOnce(&mut Self) -> Step) -> bool {
        let started = Instant::now();
        let result = step(self);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let ok = result.is_ok();
        let detail = result.unwrap_or_else(|e| e);
        println!(
            "{} {name} ({ms:.0} ms): {detail}",
            if ok { "ok  " } else { "FAIL" }
        );
        self.checks
            .push(json!({ "name": name, "ok": ok, "detail": detail, "ms": ms }));
        ok
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // Nearest rank.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
fn run<R: Runtime>(scenario: &mut Scenario<R>) -> Value {
    let started = Instant::now();
    let all_ready = scenario.check("three windows start on the current state", |s| {
        let ready = s.wait_ready(&WINDOWS)?;
        for (label, info) in &ready {
            if info["state"] != json!({ "value": 0, "writer": "" }) || info["revision"] != "0" {
                return Err(format!("window {label} started with {info}"));
            }
        }
        Ok(format!("{} windows at revision 0", ready.len()))
    });
    if !all_ready {
        return json!({ "checks": scenario.checks });
    }

    scenario.check("a write from Rust reaches every window", |s| {
        let revision = s
            .app
            .state_sync()
            .set(
                "doc",
                Doc {
                    value: 1,
                    writer: "rust".into(),
                },
            )
            .map_err(|e| e.to_string())?;
        s.converge(&WINDOWS, &revision.to_string())
    });

    scenario.check("a write from each window reaches every window", |s| {
        for (i, label) in WINDOWS.iter().enumerate() {
            let written = s.request(label, json!({ "op": "write", "value": 10 + i }))?;
            let revision = written["written"].as_str().ok_or("no revision")?.to_owned();
            s.converge(&WINDOWS, &revision)?;
        }
        let (doc, revision) = s.current();
        Ok(format!("last writer {} at revision {revision}", doc.writer))
    });

    scenario.check("a window opened late shows the current state", |s| {
        s.app
            .state_sync()
            .set(
                "doc",
                Doc {
                    value: 20,
                    writer: "rust".into(),
                },
            )
            .map_err(|e| e.to_string())?;
        let (doc, revision) = s.current();
        crate::open_window(&s.app, "late").map_err(|e| e.to_string())?;
        let ready = s.wait_ready(&["late"])?;
        let first = &ready["late"];
        if first["state"] != serde_json::to_value(&doc).unwrap()
            || first["revision"] != revision.as_str()
        {
            return Err(format!(
                "late window started with {first}, current is {doc:?} at {revision}"
            ));
        }
        Ok(format!(
            "first shown: {} at revision {}",
            first["state"], first["revision"]
        ))
    });

    let open = ["a", "b", "late"];
    scenario.check("a window closed mid-sync leaves nothing behind", |s| {
        let sync = s.app.state_sync();
        if !sync.subscribers().contains_key("c") {
            return Err("window c never fetched a snapshot".into());
        }
        let closing = s.app.get_webview_window("c").ok_or("no window c")?;
        let mut last = String::new();
        for i in 0..300_u64 {
            last = sync
                .set(
                    "doc",
                    Doc {
                        value: 100 + i,
                        writer: "rust".into(),
                    },
                )
                .map_err(|e| e.to_string())?
                .to_string();
            if i == 150 {
                closing.close().map_err(|e| e.to_string())?;
            }
        }
        let deadline = Instant::now() + TIMEOUT;
        while s.app.get_webview_window("c").is_some() || sync.subscribers().contains_key("c") {
            if Instant::now() > deadline {
                return Err(format!(
                    "window c still registered: {:?}",
                    sync.subscribers()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        s.converge(&open, &last)?;
        let subscribers: Vec<String> = sync.subscribers().into_keys().collect();
        if subscribers != ["a", "b", "late"] {
            return Err(format!(
                "subscribed windows after closing c: {subscribers:?}"
            ));
        }
        Ok(format!(
            "windows left: {subscribers:?}; the others reached revision {last}"
        ))
    });

    scenario.check("1,000 rapid writes end with every window on the last revision", |s| {
        let burst = s.request("a", json!({ "op": "burst", "count": RAPID_WRITES, "base": 1_000 }))?;
        if burst["distinct"] != RAPID_WRITES {
            return Err(format!("expected {RAPID_WRITES} distinct revisions: {burst}"));
        }
        let revision = burst["revision"].as_str().ok_or("no revision")?.to_owned();
        let (doc, current) = s.current();
        if current != revision || Some(doc.value) != burst["value"].as_u64() {
            return Err(format!("Rust holds {doc:?} at {current}, the burst ended with {burst}"));
        }
        s.converge(&open, &revision)?;
        Ok(format!("{RAPID_WRITES} writes from window a; every window at revision {revision}, value {}", doc.value))
    });

    let mut latency = Value::Null;
    scenario.check("window-to-window latency (paced writes from b, seen in a and late)", |s| {
        let base = 10_000;
        let paced = s.request("b", json!({ "op": "paced", "count": PACED_WRITES, "base": base }))?;
        let revision = paced["revision"].as_str().ok_or("no revision")?.to_owned();
        s.converge(&open, &revision)?;
        let writes: HashMap<u64, f64> = paced["writes"]
            .as_array()
            .ok_or("no writes")?
            .iter()
            .map(|w| (w[0].as_u64().unwrap(), w[1].as_f64().unwrap()))
            .collect();
        let mut samples = Vec::new();
        let mut missing = 0;
        for observer in ["a", "late"] {
            let seen = s.request(observer, json!({ "op": "seen", "from": base, "to": base + PACED_WRITES }))?;
            let seen: HashMap<u64, f64> = seen["seen"]
                .as_array()
                .ok_or("no seen list")?
                .iter()
                .map(|w| (w[0].as_u64().unwrap(), w[1].as_f64().unwrap()))
                .collect();
            for (value, written) in &writes {
                match seen.get(value) {
                    Some(shown) => samples.push(shown - written),
                    None => missing += 1,
                }
            }
        }
        samples.sort_by(f64::total_cmp);
        if samples.is_empty() {
            return Err("no latency samples".into());
        }
        let (p50, p99, max) = (percentile(&samples, 50.0), percentile(&samples, 99.0), samples[samples.len() - 1]);
        latency = json!({
            "writes": PACED_WRITES,
            "observers": 2,
            "samples": samples.len(),
            "skipped": missing,
            "p50Ms": p50,
            "p99Ms": p99,
            "maxMs": max,
        });
        // A window may skip an intermediate value (a newer snapshot arrived first); the last one never.
        Ok(format!("{} samples ({missing} values skipped, allowed): p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms", samples.len()))
    });

    json!({
        "checks": scenario.checks,
        "latency": latency,
        "totalMs": started.elapsed().as_secs_f64() * 1e3,
    })
}

/// Starts the scenario on a background thread; the app exits when it ends.
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    let (ready_tx, ready) = channel();
    *app.state::<Hub>().ready.lock().unwrap() = Some(ready_tx);
    std::thread::spawn(move || {
        let mut scenario = Scenario {
            app: app.clone(),
            ready,
            checks: Vec::new(),
        };
        let result = run(&mut scenario);
        let failed = scenario.checks.iter().filter(|c| c["ok"] != true).count();
        println!("STATESYNC_E2E_RESULT {result}");
        app.exit(i32::from(failed > 0));
    });
}
