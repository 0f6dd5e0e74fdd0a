//! A Tauri 2 plugin that keeps Rust-owned state in sync across every window, with
//! [`state-sync`](state_sync) underneath and `@statesync/tauri` in the windows.
//!
//! Register each topic with its initial state; the plugin then
//! - serves `{"revision","data","epoch"?}` snapshots through the `plugin:state-sync|get_snapshot` command,
//! - emits an invalidation event ([`state_sync::INVALIDATION_EVENT`]) to every webview after each change,
//!   windows opened later included, carrying the new state inline when it is small ([`Builder::inline`]),
//! - lets trusted windows replace a topic through `plugin:state-sync|update` (its own permission,
//!   `state-sync:allow-update`, not in the default set),
//! - saves topics registered with [`Builder::persisted_topic`] to a file after their changes, and loads them
//!   at the next start (state, revision and epoch),
//! - and gives Rust code (commands, background tasks) typed access through [`StateSyncExt::state_sync`].
//!
//! # Examples
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tauri_plugin_state_sync::StateSyncExt;
//!
//! #[derive(Clone, Serialize, Deserialize)]
//! struct Settings {
//!     theme: String,
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // In your app: `tauri::Builder::default()`; here Tauri's mock runtime.
//! let app = tauri::test::mock_builder()
//!     .plugin(
//!         tauri_plugin_state_sync::Builder::new()
//!             .topic("settings", Settings { theme: "light".into() })
//!             .build(),
//!     )
//!     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
//!
//! // From any command or thread holding an `AppHandle`:
//! let revision = app.state_sync().update("settings", |s: &mut Settings| s.theme = "dark".into())?;
//! assert_eq!(revision.get(), 1);
//! assert_eq!(app.state_sync().get::<Settings>("settings")?.data.theme, "dark");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![warn(clippy::pedantic)]

mod commands;
mod error;
mod topic;

use std::any::type_name;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use tauri::plugin::TauriPlugin;
use tauri::{Emitter, Manager, RunEvent, Runtime, WindowEvent};

pub use error::Error;
pub use state_sync::{
    self, FileStore, InlineData, InvalidationEvent, Pacing, Revision, SnapshotEnvelope,
    SnapshotSource,
};

use topic::{ErasedTopic, Persisted};

/// The plugin's name: commands are `plugin:state-sync|<command>`, permissions `state-sync:<permission>`.
///
/// ```
/// assert_eq!(tauri_plugin_state_sync::PLUGIN_NAME, "state-sync");
/// ```
pub const PLUGIN_NAME: &str = "state-sync";

/// The command that returns a topic's snapshot: pass it as `commandName` to `@statesync/tauri`.
///
/// ```
/// assert_eq!(tauri_plugin_state_sync::GET_SNAPSHOT_COMMAND, "plugin:state-sync|get_snapshot");
/// ```
pub const GET_SNAPSHOT_COMMAND: &str = "plugin:state-sync|get_snapshot";

/// The command that replaces a topic's state from a window (permission `state-sync:allow-update`).
///
/// ```
/// assert_eq!(tauri_plugin_state_sync::UPDATE_COMMAND, "plugin:state-sync|update");
/// ```
pub const UPDATE_COMMAND: &str = "plugin:state-sync|update";

/// The inline limit used unless [`Builder::inline`] says otherwise: states up to 16 KiB of JSON travel in
/// the event, larger ones are fetched.
///
/// ```
/// use tauri_plugin_state_sync::{InlineData, DEFAULT_INLINE};
/// assert_eq!(DEFAULT_INLINE, InlineData::UpTo(16 * 1024));
/// ```
pub const DEFAULT_INLINE: InlineData = InlineData::UpTo(16 * 1024);

type SharedEmitter = Arc<dyn Fn(&InvalidationEvent) + Send + Sync>;
type SharedClock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// What every topic of one plugin instance shares.
struct TopicConfig<'a> {
    epoch: &'a str,
    source_id: Option<&'a str>,
    inline: InlineData,
    clock: Option<&'a SharedClock>,
    emit: &'a SharedEmitter,
}

type MakeTopic =
    Box<dyn FnOnce(&TopicConfig<'_>) -> Result<Box<dyn ErasedTopic>, String> + Send + 'static>;

/// Configures the plugin: the topics with their initial state, the inline policy, the epoch.
///
/// # Examples
///
/// ```
/// use tauri_plugin_state_sync::{Builder, InlineData};
///
/// let plugin = Builder::new()
///     .topic("settings", serde_json::json!({ "theme": "light" }))
///     .topic("counter", 0_u64)
///     .inline(InlineData::UpTo(4 * 1024))
///     .source_id("backend")
///     .build::<tauri::test::MockRuntime>();
/// # let _ = plugin;
/// ```
#[must_use = "call .build() and pass the plugin to tauri::Builder::plugin"]
pub struct Builder {
    topics: Vec<(String, MakeTopic)>,
    inline: InlineData,
    epoch: Option<String>,
    source_id: Option<String>,
    clock: Option<SharedClock>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field(
                "topics",
                &self.topics.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            )
            .field("inline", &self.inline)
            .field("epoch", &self.epoch)
            .field("source_id", &self.source_id)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// A plugin without topics, inlining states up to [`DEFAULT_INLINE`], with a new epoch per run.
    ///
    /// ```
    /// let builder = tauri_plugin_state_sync::Builder::new();
    /// # let _ = builder;
    /// ```
    pub fn new() -> Self {
        Builder {
            topics: Vec::new(),
            inline: DEFAULT_INLINE,
            epoch: None,
            source_id: None,
            clock: None,
        }
    }

    /// Registers `topic` with its initial state at revision 0. `T` is what Rust code reads and writes
    /// ([`StateSync::update`]), what windows receive (serialized), and what the `update` command accepts
    /// (deserialized; anything else is rejected with [`Error::InvalidData`]).
    ///
    /// The app fails to start when `topic` is empty or registered twice.
    ///
    /// ```
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Todo { title: String, done: bool }
    ///
    /// let builder = tauri_plugin_state_sync::Builder::new().topic("todos", Vec::<Todo>::new());
    /// # let _ = builder;
    /// ```
    pub fn topic<T>(self, topic: impl Into<String>, initial: T) -> Self
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        self.topic_at(topic, initial, Revision::ZERO)
    }

    /// Registers `topic` with a state and the revision it had, e.g. both persisted by the previous run
    /// (then also keep the [`epoch`](Builder::epoch) of that run, so windows keep comparing revisions).
    ///
    /// ```
    /// use tauri_plugin_state_sync::{Builder, Revision};
    /// let builder = Builder::new().epoch("store-1").topic_at("counter", 41_u64, Revision::new(41));
    /// # let _ = builder;
    /// ```
    pub fn topic_at<T>(mut self, topic: impl Into<String>, state: T, revision: Revision) -> Self
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        let name: String = topic.into();
        let topic = name.clone();
        let make: MakeTopic = Box::new(move |config: &TopicConfig<'_>| {
            let emit = Arc::clone(config.emit);
            let mut builder = SnapshotSource::builder(topic, state)
                .revision(revision)
                .epoch(config.epoch)
                .inline(config.inline)
                .emitter(move |event| emit(event));
            if let Some(source_id) = config.source_id {
                builder = builder.source_id(source_id);
            }
            if let Some(clock) = config.clock {
                let clock = Arc::clone(clock);
                builder = builder.clock(move || clock());
            }
            builder
                .build()
                .map(|source| Box::new(source) as Box<dyn ErasedTopic>)
                .map_err(|error| error.to_string())
        });
        self.topics.push((name, make));
        self
    }

    /// Registers `topic` saved in `store`: at start the plugin loads the saved state, revision and epoch (or
    /// starts from `initial` with the plugin's epoch when there is no file yet), and a background thread saves
    /// the topic after its changes (paced: 100 ms of quiet, at most 1 s late), crash-safely (temporary file,
    /// fsync, rename). Windows that outlive a restart keep comparing revisions. Pending saves are written when
    /// the app exits, or now with [`StateSync::flush`]. The record is the one `@statesync/persistence` writes.
    ///
    /// The app fails to start when the file exists but cannot be read or parsed into `T`.
    ///
    /// ```
    /// use tauri_plugin_state_sync::{Builder, FileStore};
    /// # let dir = std::env::temp_dir();
    /// let builder = Builder::new().persisted_topic("settings", 14_u32, FileStore::new(dir.join("settings.json")));
    /// # let _ = builder;
    /// ```
    pub fn persisted_topic<T>(
        mut self,
        topic: impl Into<String>,
        initial: T,
        store: FileStore,
    ) -> Self
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        let name: String = topic.into();
        let topic = name.clone();
        let make: MakeTopic = Box::new(move |config: &TopicConfig<'_>| {
            let path = store.path().display().to_string();
            let stored = store
                .load::<T>()
                .map_err(|error| format!("cannot read topic {topic:?} from {path}: {error}"))?;
            let builder = match stored {
                Some(stored) => stored.into_builder(topic.clone()),
                None => SnapshotSource::builder(topic.clone(), initial).epoch(config.epoch),
            };
            let (notifier, pending) = state_sync::persister();
            let emit = Arc::clone(config.emit);
            let mut builder = builder.inline(config.inline).emitter(move |event| {
                emit(event);
                notifier.changed();
            });
            if let Some(source_id) = config.source_id {
                builder = builder.source_id(source_id);
            }
            if let Some(clock) = config.clock {
                let clock = Arc::clone(clock);
                builder = builder.clock(move || clock());
            }
            let source = Arc::new(builder.build().map_err(|error| error.to_string())?);
            let persister = pending.start(
                Arc::clone(&source),
                store,
                Pacing::default(),
                move |error| {
                    eprintln!("state-sync: saving topic {topic:?} to {path} failed: {error}");
                },
            );
            Ok(Box::new(Persisted { source, persister }) as Box<dyn ErasedTopic>)
        });
        self.topics.push((name, make));
        self
    }

    /// When events carry the new state (`data`), so windows apply it without calling `get_snapshot`.
    /// Default: [`DEFAULT_INLINE`]. Use [`InlineData::Never`] for large or sensitive state: windows then
    /// fetch each change.
    ///
    /// ```
    /// use tauri_plugin_state_sync::{Builder, InlineData};
    /// let builder = Builder::new().inline(InlineData::Never);
    /// # let _ = builder;
    /// ```
    pub fn inline(mut self, policy: InlineData) -> Self {
        self.inline = policy;
        self
    }

    /// The epoch stamped on events and snapshots. Default: a new one per run (`boot-<ms>-<pid>`), since the
    /// plugin does not persist revisions; windows then accept the new run's state whatever its revision.
    ///
    /// ```
    /// let builder = tauri_plugin_state_sync::Builder::new().epoch("v2-2024-05-01");
    /// # let _ = builder;
    /// ```
    pub fn epoch(mut self, epoch: impl Into<String>) -> Self {
        self.epoch = Some(epoch.into());
        self
    }

    /// The `sourceId` stamped on events. Default: none.
    ///
    /// ```
    /// let builder = tauri_plugin_state_sync::Builder::new().source_id("backend");
    /// # let _ = builder;
    /// ```
    pub fn source_id(mut self, source_id: impl Into<String>) -> Self {
        self.source_id = Some(source_id.into());
        self
    }

    /// Where events' `timestampMs` comes from. Default: the system clock (milliseconds since the Unix epoch).
    ///
    /// ```
    /// let builder = tauri_plugin_state_sync::Builder::new().clock(|| 1_700_000_000_000);
    /// # let _ = builder;
    /// ```
    pub fn clock(mut self, now_ms: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(now_ms));
        self
    }

    /// Creates the plugin: pass it to `tauri::Builder::plugin`.
    ///
    /// ```
    /// let plugin = tauri_plugin_state_sync::Builder::new()
    ///     .topic("counter", 0_u32)
    ///     .build::<tauri::test::MockRuntime>();
    /// # let _ = plugin;
    /// ```
    #[must_use]
    pub fn build<R: Runtime>(self) -> TauriPlugin<R> {
        let Builder {
            topics,
            inline,
            epoch,
            source_id,
            clock,
        } = self;
        tauri::plugin::Builder::new(PLUGIN_NAME)
            .invoke_handler(tauri::generate_handler![
                commands::get_snapshot,
                commands::update
            ])
            .setup(move |app, _api| {
                let emitter_app = app.clone();
                let emit: SharedEmitter = Arc::new(move |event: &InvalidationEvent| {
                    // `emit` only queues the message for each webview. A failure (the app is shutting
                    // down) leaves the windows to their next fetch; never panic inside the source's lock.
                    let _ = emitter_app.emit(state_sync::INVALIDATION_EVENT, event);
                });
                let epoch = epoch.unwrap_or_else(new_epoch);
                let config = TopicConfig {
                    epoch: &epoch,
                    source_id: source_id.as_deref(),
                    inline,
                    clock: clock.as_ref(),
                    emit: &emit,
                };
                let mut registered = BTreeMap::new();
                for (name, make) in topics {
                    if registered.contains_key(&name) {
                        return Err(
                            format!("state-sync: topic {name:?} is registered twice").into()
                        );
                    }
                    let topic = make(&config).map_err(|error| format!("state-sync: {error}"))?;
                    registered.insert(name, topic);
                }
                app.manage(StateSync {
                    topics: registered,
                    subscribers: Mutex::default(),
                });
                Ok(())
            })
            .on_event(|app, event| match event {
                RunEvent::WindowEvent {
                    label,
                    event: WindowEvent::Destroyed,
                    ..
                } => {
                    if let Some(state) = app.try_state::<StateSync>() {
                        state.forget_window(label);
                    }
                }
                RunEvent::Exit => {
                    if let Some(state) = app.try_state::<StateSync>() {
                        if let Err(error) = state.flush() {
                            eprintln!("state-sync: saving on exit failed: {error}");
                        }
                    }
                }
                _ => {}
            })
            .build()
    }
}

fn new_epoch() -> String {
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis());
    format!("boot-{started}-{}", std::process::id())
}

/// The plugin's state, managed by Tauri: every topic, and which windows follow which topics. Reach it with
/// [`StateSyncExt::state_sync`] (or `app.state::<StateSync>()`).
///
/// # Examples
///
/// ```
/// use tauri_plugin_state_sync::StateSyncExt;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app = tauri::test::mock_builder()
///     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 0_u64).build())
///     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
/// let sync = app.state_sync();
/// assert_eq!(sync.topics().collect::<Vec<_>>(), ["counter"]);
/// sync.update("counter", |n: &mut u64| *n += 1)?;
/// assert_eq!(sync.revision("counter")?.get(), 1);
/// # Ok(())
/// # }
/// ```
pub struct StateSync {
    topics: BTreeMap<String, Box<dyn ErasedTopic>>,
    /// Window label → the topics it fetched; a window leaves when it is destroyed.
    subscribers: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

impl fmt::Debug for StateSync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateSync")
            .field("topics", &self.topics.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl StateSync {
    /// The registered topics, in name order.
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("b", 0).topic("a", 0).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// assert_eq!(app.state_sync().topics().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.topics.keys().map(String::as_str)
    }

    /// The typed source behind `topic`, e.g. for [`SnapshotSource::read`] without cloning.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownTopic`], or [`Error::WrongType`] when `topic` holds another type than `T`.
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("items", vec![1, 2, 3]).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// let len = app.state_sync().source::<Vec<i32>>("items")?.read(|items, _| items.len());
    /// assert_eq!(len, 3);
    /// assert!(app.state_sync().source::<String>("items").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn source<T: 'static>(&self, topic: &str) -> Result<&SnapshotSource<T>, Error> {
        let erased = self.topic(topic)?;
        erased
            .as_any()
            .downcast_ref::<SnapshotSource<T>>()
            .ok_or_else(|| Error::WrongType {
                topic: topic.to_owned(),
                requested: type_name::<T>(),
                registered: erased.type_name(),
            })
    }

    /// The current state of `topic` with its revision and epoch.
    ///
    /// # Errors
    ///
    /// As [`source`](StateSync::source).
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("theme", String::from("light")).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// assert_eq!(app.state_sync().get::<String>("theme")?.data, "light");
    /// # Ok(())
    /// # }
    /// ```
    pub fn get<T: Clone + 'static>(&self, topic: &str) -> Result<SnapshotEnvelope<T>, Error> {
        Ok(self.source::<T>(topic)?.snapshot())
    }

    /// Changes `topic` in place, bumps its revision and notifies every window. Returns the new revision.
    ///
    /// # Errors
    ///
    /// As [`source`](StateSync::source), and [`Error::RevisionOverflow`].
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 0_u64).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// let revision = app.state_sync().update("counter", |n: &mut u64| *n += 5)?;
    /// assert_eq!((revision.get(), app.state_sync().get::<u64>("counter")?.data), (1, 5));
    /// # Ok(())
    /// # }
    /// ```
    pub fn update<T: 'static>(
        &self,
        topic: &str,
        f: impl FnOnce(&mut T),
    ) -> Result<Revision, Error> {
        self.source::<T>(topic)?
            .update(f)
            .map_err(|_| Error::RevisionOverflow {
                topic: topic.to_owned(),
            })
    }

    /// Replaces the state of `topic`; the same as `update(topic, |state| *state = value)`.
    ///
    /// # Errors
    ///
    /// As [`update`](StateSync::update).
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("theme", String::from("light")).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// app.state_sync().set("theme", String::from("dark"))?;
    /// assert_eq!(app.state_sync().get::<String>("theme")?.data, "dark");
    /// # Ok(())
    /// # }
    /// ```
    pub fn set<T: 'static>(&self, topic: &str, value: T) -> Result<Revision, Error> {
        self.update(topic, |state| *state = value)
    }

    /// The current revision of `topic`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownTopic`].
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 0_u64).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// assert_eq!(app.state_sync().revision("counter")?.get(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn revision(&self, topic: &str) -> Result<Revision, Error> {
        Ok(self.topic(topic)?.revision())
    }

    /// The snapshot envelope of `topic` as JSON, exactly what `get_snapshot` returns.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownTopic`], [`Error::Serialize`].
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 7_u64).epoch("e1").build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// assert_eq!(app.state_sync().snapshot_json("counter")?.get(), r#"{"revision":"0","data":7,"epoch":"e1"}"#);
    /// # Ok(())
    /// # }
    /// ```
    pub fn snapshot_json(&self, topic: &str) -> Result<Box<RawValue>, Error> {
        self.topic(topic)?.snapshot_json()
    }

    /// Replaces the state of `topic` with JSON `data`, checked against the topic's type: what the `update`
    /// command does.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownTopic`], [`Error::InvalidData`] (nothing changes), [`Error::RevisionOverflow`].
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 0_u64).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// assert_eq!(app.state_sync().replace_json("counter", serde_json::json!(3))?.get(), 1);
    /// assert!(app.state_sync().replace_json("counter", serde_json::json!("three")).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn replace_json(&self, topic: &str, data: Value) -> Result<Revision, Error> {
        self.topic(topic)?.replace_json(data)
    }

    /// The windows that fetched a snapshot, with their topics. A window leaves this list when it is
    /// destroyed, so a closed window leaves nothing behind.
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 0_u64).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// assert!(app.state_sync().subscribers().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn subscribers(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Writes the pending saves of every persisted topic ([`Builder::persisted_topic`]) now. The plugin
    /// also does this when the app exits.
    ///
    /// # Errors
    ///
    /// The first write that failed (the other topics are still written).
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 0_u64).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// app.state_sync().flush()?; // nothing to write: no persisted topic
    /// # Ok(())
    /// # }
    /// ```
    pub fn flush(&self) -> std::io::Result<()> {
        let mut first = Ok(());
        for topic in self.topics.values() {
            if let Err(error) = topic.flush() {
                if first.is_ok() {
                    first = Err(error);
                }
            }
        }
        first
    }

    fn topic(&self, topic: &str) -> Result<&dyn ErasedTopic, Error> {
        self.topics
            .get(topic)
            .map(AsRef::as_ref)
            .ok_or_else(|| Error::UnknownTopic {
                topic: topic.to_owned(),
                known: self.topics.keys().cloned().collect(),
            })
    }

    fn subscribe(&self, window: &str, topic: &str) {
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(window.to_owned())
            .or_default()
            .insert(topic.to_owned());
    }

    fn forget_window(&self, window: &str) {
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(window);
    }
}

/// Reaches the plugin's [`StateSync`] from an `App`, `AppHandle`, `Window` or `Webview`.
///
/// # Examples
///
/// ```
/// use tauri_plugin_state_sync::StateSyncExt;
///
/// #[tauri::command]
/// fn add_one<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Result<String, tauri_plugin_state_sync::Error> {
///     Ok(app.state_sync().update("counter", |n: &mut u64| *n += 1)?.to_string())
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let app = tauri::test::mock_builder()
/// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 0_u64).build())
/// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
/// assert_eq!(add_one(app.handle().clone())?, "1");
/// # Ok(())
/// # }
/// ```
pub trait StateSyncExt<R: Runtime> {
    /// The plugin's state.
    ///
    /// # Panics
    ///
    /// When the plugin was not added to the app (`tauri::Builder::plugin`).
    ///
    /// ```
    /// # use tauri_plugin_state_sync::StateSyncExt;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let app = tauri::test::mock_builder()
    /// #     .plugin(tauri_plugin_state_sync::Builder::new().topic("counter", 0_u64).build())
    /// #     .build(tauri::test::mock_context(tauri::test::noop_assets()))?;
    /// let sync = app.state_sync();
    /// # let _ = sync;
    /// # Ok(())
    /// # }
    /// ```
    fn state_sync(&self) -> &StateSync;
}

impl<R: Runtime, M: Manager<R>> StateSyncExt<R> for M {
    fn state_sync(&self) -> &StateSync {
        self.try_state::<StateSync>()
            .expect(
                "state-sync: the plugin is not registered; add \
                 .plugin(tauri_plugin_state_sync::Builder::new().topic(…).build()) to tauri::Builder",
            )
            .inner()
    }
}
