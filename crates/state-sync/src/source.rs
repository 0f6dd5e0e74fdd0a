//! The writer side: one topic's state, its revision, and the invalidation events it emits.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use crate::{InvalidationEvent, Revision, RevisionOverflowError, SnapshotEnvelope};

type Emitter = Box<dyn Fn(&InvalidationEvent) + Send + Sync>;
type Timestamps = Box<dyn Fn() -> Option<u64> + Send + Sync>;
type Inliner<T> = Box<dyn Fn(&T) -> Option<Value> + Send + Sync>;

/// Whether a [`SnapshotSource`] puts the new state into its events (`data`, an "inline" snapshot), so
/// readers apply it without fetching. Set with [`SnapshotSourceBuilder::inline`].
///
/// Inline data costs one serialization per update and makes every event as large as the state; readers
/// still fetch at start, on resync and when an event has no data. Send it only over channels whose
/// senders the readers trust (a Tauri app's own backend is one).
///
/// # Examples
///
/// ```
/// use state_sync::InlineData;
/// assert_eq!(InlineData::default(), InlineData::Never);
/// assert!(InlineData::UpTo(16 * 1024).allows(1_000));
/// assert!(!InlineData::UpTo(16 * 1024).allows(20_000));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum InlineData {
    /// Events carry no data; readers fetch each announced revision. The default of [`SnapshotSource`].
    #[default]
    Never,
    /// Every event carries the state (unless it serializes to `null`).
    Always,
    /// An event carries the state when its compact JSON is at most this many bytes; larger states are
    /// announced without data. The state is serialized at most once per update, and serializing stops as
    /// soon as the limit is passed.
    UpTo(usize),
}

impl InlineData {
    /// Whether a state whose compact JSON is `len` bytes is sent inline.
    ///
    /// ```
    /// use state_sync::InlineData;
    /// assert!(InlineData::Always.allows(usize::MAX));
    /// assert!(!InlineData::Never.allows(0));
    /// assert!(InlineData::UpTo(4).allows(4));
    /// ```
    #[must_use]
    pub fn allows(self, len: usize) -> bool {
        match self {
            InlineData::Never => false,
            InlineData::Always => true,
            InlineData::UpTo(limit) => len <= limit,
        }
    }
}

/// The inline data of `state` under `policy`, or `None` (too large, `null`, or failing to serialize).
fn inline_value<T: Serialize>(policy: InlineData, state: &T) -> Option<Value> {
    let value = match policy {
        InlineData::Never => return None,
        InlineData::Always => serde_json::to_value(state).ok()?,
        InlineData::UpTo(limit) => {
            let mut out = LimitedWriter {
                buf: Vec::new(),
                limit,
            };
            serde_json::to_writer(&mut out, state).ok()?;
            serde_json::from_slice(&out.buf).ok()?
        }
    };
    (!value.is_null()).then_some(value)
}

/// Collects at most `limit` bytes, then fails the write, which ends serialization early.
struct LimitedWriter {
    buf: Vec<u8>,
    limit: usize,
}

impl io::Write for LimitedWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buf.len() + bytes.len() > self.limit {
            return Err(io::Error::other(
                "the state is larger than the inline limit",
            ));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Inner<T> {
    state: T,
    revision: Revision,
}

/// The writer side of one topic: holds the state and its revision, bumps the revision exactly once per
/// [`update`](SnapshotSource::update), calls the emitter with the [`InvalidationEvent`], and serves
/// [`snapshot`](SnapshotSource::snapshot)s. It is `Send + Sync` when `T: Send`: share it between threads
/// (in Tauri, `app.manage(source)`) and call it from any command.
///
/// # Ordering guarantee
///
/// The emitter runs **while the source's lock is held**. Hence:
/// - events are emitted in strictly increasing revision order, one per update, whatever the number of
///   threads calling `update` (an event is never overtaken by an older one on its way to the transport);
/// - a reader that receives event `N` and asks for a snapshot gets revision `N` or newer.
///
/// The price: keep the emitter short (hand the event to the transport, as Tauri's `emit` does) and do not
/// call this source from inside it. Doing so would deadlock, so it panics with an explanation instead.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use state_sync::{Revision, SnapshotSource};
///
/// let sent = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&sent);
/// let source = SnapshotSource::builder("counter", 0_u32)
///     .source_id("backend")
///     .emitter(move |event| sink.lock().unwrap().push(serde_json::to_string(event).unwrap()))
///     .build()?;
///
/// let revision = source.update(|n| *n += 1)?;
/// assert_eq!(revision, Revision::new(1));
/// assert!(sent.lock().unwrap()[0].starts_with(r#"{"topic":"counter","revision":"1","sourceId":"backend","timestampMs":"#));
/// assert_eq!(serde_json::to_string(&source.snapshot())?, r#"{"revision":"1","data":1}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SnapshotSource<T> {
    topic: String,
    source_id: Option<String>,
    epoch: Option<String>,
    timestamps: Option<Timestamps>,
    emitter: Option<Emitter>,
    inliner: Option<Inliner<T>>,
    inner: Mutex<Inner<T>>,
}

impl<T> SnapshotSource<T> {
    /// Starts configuring a source for `topic` holding `initial` at [`Revision::ZERO`].
    ///
    /// ```
    /// use state_sync::SnapshotSource;
    /// let source = SnapshotSource::builder("settings", String::from("light")).build()?;
    /// assert_eq!(source.topic(), "settings");
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    pub fn builder(topic: impl Into<String>, initial: T) -> SnapshotSourceBuilder<T> {
        SnapshotSourceBuilder {
            topic: topic.into(),
            initial,
            revision: Revision::ZERO,
            source_id: None,
            epoch: None,
            timestamps: Some(Box::new(system_time_ms)),
            emitter: None,
            inliner: None,
        }
    }

    /// The topic this source writes.
    ///
    /// ```
    /// # use state_sync::SnapshotSource;
    /// let source = SnapshotSource::builder("settings", ()).build()?;
    /// assert_eq!(source.topic(), "settings");
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    #[must_use]
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The epoch stamped on events and snapshots, if any.
    ///
    /// ```
    /// # use state_sync::SnapshotSource;
    /// let source = SnapshotSource::builder("settings", ()).epoch("boot-7").build()?;
    /// assert_eq!(source.epoch(), Some("boot-7"));
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    #[must_use]
    pub fn epoch(&self) -> Option<&str> {
        self.epoch.as_deref()
    }

    /// The `sourceId` stamped on events, if any.
    ///
    /// ```
    /// # use state_sync::SnapshotSource;
    /// let source = SnapshotSource::builder("settings", ()).source_id("backend").build()?;
    /// assert_eq!(source.source_id(), Some("backend"));
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    #[must_use]
    pub fn source_id(&self) -> Option<&str> {
        self.source_id.as_deref()
    }

    /// The current revision.
    ///
    /// # Panics
    ///
    /// When called from inside this source's emitter (see the ordering guarantee on [`SnapshotSource`]).
    ///
    /// ```
    /// # use state_sync::{Revision, SnapshotSource};
    /// let source = SnapshotSource::builder("settings", ()).revision(Revision::new(41)).build()?;
    /// assert_eq!(source.revision(), Revision::new(41));
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    #[must_use]
    pub fn revision(&self) -> Revision {
        self.lock().revision
    }

    /// Reads the state and its revision under the lock, without cloning: e.g. to serialize a large state
    /// straight into a response.
    ///
    /// # Panics
    ///
    /// When called from inside this source's emitter.
    ///
    /// ```
    /// # use state_sync::{Revision, SnapshotSource};
    /// let source = SnapshotSource::builder("items", vec![1, 2, 3]).build()?;
    /// let (len, revision) = source.read(|items, revision| (items.len(), revision));
    /// assert_eq!((len, revision), (3, Revision::ZERO));
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    pub fn read<R>(&self, f: impl FnOnce(&T, Revision) -> R) -> R {
        let inner = self.lock();
        f(&inner.state, inner.revision)
    }

    /// Changes the state, bumps the revision by exactly one, and emits the invalidation event (under the
    /// lock, see [`SnapshotSource`]). Returns the new revision, e.g. for the caller's read-your-writes
    /// (`whenSynced(revision)` on the TypeScript side).
    ///
    /// The revision moves before `f` runs: if `f` panics, the state it left behind has a revision of its
    /// own, so no reader ever sees two different states under one revision (that change is not announced;
    /// the next update's event covers it).
    ///
    /// # Errors
    ///
    /// [`RevisionOverflowError`] when the revision is already [`Revision::MAX`]; `f` is not called and
    /// nothing changes.
    ///
    /// # Panics
    ///
    /// When called from inside this source's emitter; and if `f` or the emitter panics.
    ///
    /// ```
    /// # use state_sync::{Revision, SnapshotSource};
    /// let source = SnapshotSource::builder("counter", 0_u64).build()?;
    /// assert_eq!(source.update(|n| *n += 5)?, Revision::new(1));
    /// assert_eq!(source.snapshot().data, 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update(&self, f: impl FnOnce(&mut T)) -> Result<Revision, RevisionOverflowError> {
        let mut inner = self.lock();
        let revision = inner.revision.next()?;
        inner.revision = revision;
        f(&mut inner.state);
        if let Some(emit) = &self.emitter {
            let event = InvalidationEvent {
                topic: self.topic.clone(),
                revision,
                source_id: self.source_id.clone(),
                timestamp_ms: self.timestamps.as_ref().and_then(|now| now()),
                epoch: self.epoch.clone(),
                data: self
                    .inliner
                    .as_ref()
                    .and_then(|inline| inline(&inner.state)),
            };
            let _emitting = EmittingGuard::enter(self.address());
            emit(&event);
        }
        drop(inner);
        Ok(revision)
    }

    /// Replaces the state; the same as `update(|state| *state = value)`.
    ///
    /// # Errors
    ///
    /// [`RevisionOverflowError`] when the revision is already [`Revision::MAX`].
    ///
    /// # Panics
    ///
    /// As [`update`](SnapshotSource::update).
    ///
    /// ```
    /// # use state_sync::{Revision, SnapshotSource};
    /// let source = SnapshotSource::builder("theme", "light").build()?;
    /// source.set("dark")?;
    /// assert_eq!(source.snapshot().data, "dark");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set(&self, value: T) -> Result<Revision, RevisionOverflowError> {
        self.update(|state| *state = value)
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        assert!(
            EMITTING.with(Cell::get) != self.address(),
            "state-sync: the SnapshotSource of topic {:?} was called from inside its own emitter. The emitter runs \
             while the source is locked (so events leave in revision order), and this call would deadlock. Use \
             the event passed to the emitter, or make the call after the emitter returns.",
            self.topic
        );
        // A panic in a caller's closure or the emitter poisons the lock, but the revision always moves first,
        // so the state behind it is consistent with its revision: keep serving it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn address(&self) -> usize {
        std::ptr::from_ref(self).cast::<()>() as usize
    }
}

impl<T: Clone> SnapshotSource<T> {
    /// The current state and revision as an envelope (with the source's epoch): what a `get_snapshot`
    /// command returns.
    ///
    /// # Panics
    ///
    /// When called from inside this source's emitter.
    ///
    /// ```
    /// # use state_sync::SnapshotSource;
    /// let source = SnapshotSource::builder("theme", "light").epoch("boot-1").build()?;
    /// assert_eq!(
    ///     serde_json::to_string(&source.snapshot())?,
    ///     r#"{"revision":"0","data":"light","epoch":"boot-1"}"#
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn snapshot(&self) -> SnapshotEnvelope<T> {
        let inner = self.lock();
        SnapshotEnvelope {
            revision: inner.revision,
            data: inner.state.clone(),
            epoch: self.epoch.clone(),
        }
    }
}

impl<T> fmt::Debug for SnapshotSource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotSource")
            .field("topic", &self.topic)
            .field("source_id", &self.source_id)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

/// Configures a [`SnapshotSource`]; created by [`SnapshotSource::builder`].
///
/// # Examples
///
/// ```
/// use state_sync::{Revision, SnapshotSource};
///
/// let source = SnapshotSource::builder("settings", vec![String::from("a")])
///     .revision(Revision::new(100)) // e.g. persisted by the previous run
///     .epoch("2024-05-01T10:00:00Z") // or announce a new epoch when the revision is not persisted
///     .source_id("backend")
///     .clock(|| 1_700_000_000_000)
///     .emitter(|event| println!("{}", serde_json::to_string(event).unwrap()))
///     .build()?;
/// assert_eq!(source.revision(), Revision::new(100));
/// # Ok::<(), state_sync::EmptyTopicError>(())
/// ```
#[must_use = "call .build() to create the source"]
pub struct SnapshotSourceBuilder<T> {
    topic: String,
    initial: T,
    revision: Revision,
    source_id: Option<String>,
    epoch: Option<String>,
    timestamps: Option<Timestamps>,
    emitter: Option<Emitter>,
    inliner: Option<Inliner<T>>,
}

impl<T: Serialize> SnapshotSourceBuilder<T> {
    /// Puts the new state into each event as `data` ("inline" snapshot) according to `policy`, so readers
    /// apply it without a `get_snapshot` round trip. Default: [`InlineData::Never`].
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// use state_sync::{InlineData, SnapshotSource};
    /// let sent = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&sent);
    /// let source = SnapshotSource::builder("theme", String::from("light"))
    ///     .inline(InlineData::UpTo(16 * 1024))
    ///     .without_timestamps()
    ///     .emitter(move |event| sink.lock().unwrap().push(serde_json::to_string(event).unwrap()))
    ///     .build()?;
    /// source.set(String::from("dark"))?;
    /// assert_eq!(*sent.lock().unwrap(), [r#"{"topic":"theme","revision":"1","data":"dark"}"#]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inline(mut self, policy: InlineData) -> Self {
        self.inliner = match policy {
            InlineData::Never => None,
            policy => Some(Box::new(move |state: &T| inline_value(policy, state))),
        };
        self
    }
}

impl<T> SnapshotSourceBuilder<T> {
    /// The revision of the initial state, e.g. one persisted by a previous run. Default: [`Revision::ZERO`].
    ///
    /// ```
    /// # use state_sync::{Revision, SnapshotSource};
    /// let source = SnapshotSource::builder("t", ()).revision(Revision::new(9)).build()?;
    /// assert_eq!(source.update(|()| {})?, Revision::new(10));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn revision(mut self, revision: Revision) -> Self {
        self.revision = revision;
        self
    }

    /// The epoch stamped on every event and snapshot. Use a new one (a boot id, a start time) at each
    /// start when the revision is not persisted: readers then apply the new state whatever its revision.
    ///
    /// ```
    /// # use state_sync::SnapshotSource;
    /// let source = SnapshotSource::builder("t", ()).epoch("boot-2").build()?;
    /// assert_eq!(source.snapshot().epoch.as_deref(), Some("boot-2"));
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    pub fn epoch(mut self, epoch: impl Into<String>) -> Self {
        self.epoch = Some(epoch.into());
        self
    }

    /// The `sourceId` stamped on every event, so a window that writes through a command can skip the echo
    /// of its own change (`shouldRefresh` on the TypeScript side).
    ///
    /// ```
    /// # use state_sync::SnapshotSource;
    /// let source = SnapshotSource::builder("t", ()).source_id("backend").build()?;
    /// assert_eq!(source.source_id(), Some("backend"));
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    pub fn source_id(mut self, source_id: impl Into<String>) -> Self {
        self.source_id = Some(source_id.into());
        self
    }

    /// Where `timestampMs` comes from. Default: the system clock, in milliseconds since the Unix epoch.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use state_sync::SnapshotSource;
    /// let stamps = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&stamps);
    /// let source = SnapshotSource::builder("t", ())
    ///     .clock(|| 42)
    ///     .emitter(move |event| sink.lock().unwrap().push(event.timestamp_ms))
    ///     .build()?;
    /// source.update(|()| {})?;
    /// assert_eq!(*stamps.lock().unwrap(), [Some(42)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clock(mut self, now_ms: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.timestamps = Some(Box::new(move || Some(now_ms())));
        self
    }

    /// Emit events without `timestampMs`.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use state_sync::SnapshotSource;
    /// let sent = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&sent);
    /// let source = SnapshotSource::builder("t", ())
    ///     .without_timestamps()
    ///     .emitter(move |event| sink.lock().unwrap().push(serde_json::to_string(event).unwrap()))
    ///     .build()?;
    /// source.update(|()| {})?;
    /// assert_eq!(*sent.lock().unwrap(), [r#"{"topic":"t","revision":"1"}"#]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn without_timestamps(mut self) -> Self {
        self.timestamps = None;
        self
    }

    /// Called with the event of every update, in revision order, while the source is locked (see
    /// [`SnapshotSource`]). In a Tauri app: `move |event| { let _ = app.emit("state-sync:invalidation", event); }`.
    ///
    /// ```
    /// # use state_sync::SnapshotSource;
    /// let source = SnapshotSource::builder("t", ())
    ///     .emitter(|event| eprintln!("{} is now at {}", event.topic, event.revision))
    ///     .build()?;
    /// # Ok::<(), state_sync::EmptyTopicError>(())
    /// ```
    pub fn emitter(mut self, emit: impl Fn(&InvalidationEvent) + Send + Sync + 'static) -> Self {
        self.emitter = Some(Box::new(emit));
        self
    }

    /// Creates the source.
    ///
    /// # Errors
    ///
    /// [`EmptyTopicError`] when the topic is empty (readers reject events without a topic).
    ///
    /// ```
    /// # use state_sync::SnapshotSource;
    /// assert!(SnapshotSource::builder("", ()).build().is_err());
    /// ```
    pub fn build(self) -> Result<SnapshotSource<T>, EmptyTopicError> {
        if self.topic.is_empty() {
            return Err(EmptyTopicError);
        }
        Ok(SnapshotSource {
            topic: self.topic,
            source_id: self.source_id,
            epoch: self.epoch,
            timestamps: self.timestamps,
            emitter: self.emitter,
            inliner: self.inliner,
            inner: Mutex::new(Inner {
                state: self.initial,
                revision: self.revision,
            }),
        })
    }
}

impl<T> fmt::Debug for SnapshotSourceBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotSourceBuilder")
            .field("topic", &self.topic)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// A source was given an empty topic.
///
/// # Examples
///
/// ```
/// use state_sync::SnapshotSource;
/// let error = SnapshotSource::builder("", 0).build().unwrap_err();
/// assert_eq!(error.to_string(), "a SnapshotSource needs a non-empty topic, such as \"settings\"");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmptyTopicError;

impl fmt::Display for EmptyTopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SnapshotSource needs a non-empty topic, such as \"settings\"")
    }
}

impl std::error::Error for EmptyTopicError {}

thread_local! {
    /// The address of the source whose emitter runs on this thread, or 0.
    static EMITTING: Cell<usize> = const { Cell::new(0) };
}

/// Marks a source as emitting on this thread until dropped (also when the emitter panics).
struct EmittingGuard {
    previous: usize,
}

impl EmittingGuard {
    fn enter(address: usize) -> Self {
        EmittingGuard {
            previous: EMITTING.with(|cell| cell.replace(address)),
        }
    }
}

impl Drop for EmittingGuard {
    fn drop(&mut self) {
        EMITTING.with(|cell| cell.set(self.previous));
    }
}

fn system_time_ms() -> Option<u64> {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).ok()?;
    u64::try_from(elapsed.as_millis()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::Arc;

    #[test]
    fn calling_the_source_from_its_emitter_panics_instead_of_deadlocking() {
        let slot: Arc<Mutex<Option<Arc<SnapshotSource<u8>>>>> = Arc::default();
        let inside = Arc::clone(&slot);
        let source = Arc::new(
            SnapshotSource::builder("t", 0_u8)
                .emitter(move |_| {
                    let source = inside.lock().unwrap().clone().unwrap();
                    let _ = source.revision();
                })
                .build()
                .unwrap(),
        );
        *slot.lock().unwrap() = Some(Arc::clone(&source));
        let message = catch_unwind(AssertUnwindSafe(|| source.update(|n| *n += 1)))
            .unwrap_err()
            .downcast::<String>()
            .unwrap();
        assert!(
            message.contains("called from inside its own emitter"),
            "{message}"
        );
        // The update itself happened; the source keeps working after the panic.
        assert_eq!(source.revision(), Revision::new(1));
        *slot.lock().unwrap() = None;
    }

    #[test]
    fn another_source_may_be_used_from_an_emitter() {
        let audit = Arc::new(SnapshotSource::builder("audit", 0_u32).build().unwrap());
        let log = Arc::clone(&audit);
        let source = SnapshotSource::builder("t", ())
            .emitter(move |_| {
                log.update(|n| *n += 1).unwrap();
            })
            .build()
            .unwrap();
        source.update(|()| {}).unwrap();
        source.update(|()| {}).unwrap();
        assert_eq!(audit.snapshot().data, 2);
    }

    #[test]
    fn a_panicking_update_leaves_a_consistent_source() {
        let source = SnapshotSource::builder("t", vec![1]).build().unwrap();
        let result = catch_unwind(AssertUnwindSafe(|| {
            source
                .update(|items| {
                    items.push(2);
                    panic!("halfway");
                })
                .ok();
        }));
        assert!(result.is_err());
        let snapshot = source.snapshot();
        assert_eq!(
            (snapshot.revision, snapshot.data),
            (Revision::new(1), vec![1, 2])
        );
        assert_eq!(source.update(|items| items.push(3)), Ok(Revision::new(2)));
    }

    #[test]
    fn overflow_leaves_the_state_untouched() {
        let source = SnapshotSource::builder("t", 0)
            .revision(Revision::MAX)
            .build()
            .unwrap();
        assert_eq!(source.update(|n| *n = 1), Err(RevisionOverflowError));
        assert_eq!(source.snapshot(), SnapshotEnvelope::new(Revision::MAX, 0));
    }

    fn inline_events(policy: InlineData, values: &[serde_json::Value]) -> Vec<Option<Value>> {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&sent);
        let source = SnapshotSource::builder("t", Value::Null)
            .inline(policy)
            .emitter(move |event| sink.lock().unwrap().push(event.data.clone()))
            .build()
            .unwrap();
        for value in values {
            source.set(value.clone()).unwrap();
        }
        let events = sent.lock().unwrap().clone();
        events
    }

    #[test]
    fn inline_policy_decides_which_events_carry_data() {
        let small = serde_json::json!({"theme": "dark"}); // 16 bytes of JSON
        let large = serde_json::json!({"theme": "a much longer value"});
        let values = [small.clone(), large.clone(), Value::Null];
        assert_eq!(
            inline_events(InlineData::Never, &values),
            [None, None, None]
        );
        assert_eq!(
            inline_events(InlineData::Always, &values),
            [Some(small.clone()), Some(large), None],
            "null is never inlined"
        );
        assert_eq!(
            inline_events(InlineData::UpTo(16), &values),
            [Some(small), None, None],
            "the limit is inclusive and counts compact JSON bytes"
        );
    }

    #[test]
    fn inline_limit_stops_serializing_early() {
        let mut out = LimitedWriter {
            buf: Vec::new(),
            limit: 8,
        };
        let error = serde_json::to_writer(&mut out, &vec![0_u8; 1_000]).unwrap_err();
        assert!(error.is_io(), "{error}");
        assert!(out.buf.len() <= 8);
    }

    #[test]
    fn default_timestamps_come_from_the_system_clock() {
        let stamps = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stamps);
        let source = SnapshotSource::builder("t", ())
            .emitter(move |event| sink.lock().unwrap().push(event.timestamp_ms))
            .build()
            .unwrap();
        let before = system_time_ms().unwrap();
        source.update(|()| {}).unwrap();
        let after = system_time_ms().unwrap();
        let stamp = stamps.lock().unwrap()[0].unwrap();
        assert!(
            (before..=after).contains(&stamp),
            "{before} <= {stamp} <= {after}"
        );
    }
}
