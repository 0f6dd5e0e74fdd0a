//! Durable writer side: a [`SnapshotSource`] whose state, revision and epoch survive restarts.
//!
//! [`FileStore`] reads and writes one record file crash-safely: the new record goes to a temporary file
//! in the same directory, is flushed to disk (`fsync`), then renamed over the old one, and the directory
//! is flushed too. A crash at any moment leaves the old record or the new one, never a torn file.
//!
//! [`Persister`] saves a source in a background thread after its changes, paced (debounce, max wait), so
//! updates never wait for the disk.
//!
//! The record is the same as `@statesync/persistence` writes: 8 hex digits of FNV-1a (32 bits, over the
//! UTF-16 code units of the payload), then the payload
//! `{"revision":"…","epoch":"…","data":…,"savedAt":…,"schemaVersion":1}`.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Revision, SnapshotSource, SnapshotSourceBuilder};

/// A record read back by [`FileStore::load`]: the state, its revision and epoch, and when it was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<T> {
    /// The revision the state had when saved.
    pub revision: Revision,
    /// The source's epoch when saved.
    pub epoch: Option<String>,
    /// The state.
    pub data: T,
    /// Milliseconds since the Unix epoch.
    pub saved_at: u64,
}

impl<T> Stored<T> {
    /// Starts a source builder from this record: `initial` is the stored state, and the revision and
    /// epoch continue where they were, so readers never see the revision go back after a restart.
    ///
    /// ```
    /// # use state_sync::{FileStore, Revision, SnapshotSource};
    /// # let dir = std::env::temp_dir().join(format!("state-sync-doc-{}", std::process::id()));
    /// let store = FileStore::new(dir.join("settings.json"));
    /// store.save(Revision::new(7), Some("boot-1"), &String::from("dark"))?;
    /// let stored = store.load::<String>()?.expect("saved above");
    /// let source = stored.into_builder("settings").build()?;
    /// assert_eq!((source.revision(), source.epoch()), (Revision::new(7), Some("boot-1")));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_builder(self, topic: impl Into<String>) -> SnapshotSourceBuilder<T> {
        let builder = SnapshotSource::builder(topic, self.data).revision(self.revision);
        match self.epoch {
            Some(epoch) => builder.epoch(epoch),
            None => builder,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordOut<'a, T> {
    revision: Revision,
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch: Option<&'a str>,
    data: &'a T,
    saved_at: u64,
    schema_version: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordIn<T> {
    revision: Revision,
    #[serde(default)]
    epoch: Option<String>,
    data: T,
    saved_at: u64,
    schema_version: u32,
}

/// FNV-1a (32 bits) over the UTF-16 code units of `text`, as 8 lowercase hex digits: the checksum
/// `@statesync/persistence` stores in front of each record.
///
/// ```
/// assert_eq!(state_sync::record_checksum(""), "811c9dc5");
/// ```
#[must_use]
pub fn record_checksum(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for unit in text.encode_utf16() {
        hash = (hash ^ u32::from(unit)).wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// One record file, written crash-safely (temporary file, `fsync`, rename, directory `fsync`).
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store for the record at `path`; its directory is created on the first save.
    ///
    /// ```
    /// let store = state_sync::FileStore::new("/var/lib/my-app/settings.json");
    /// assert_eq!(store.path().file_name().unwrap(), "settings.json");
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    /// The record's path.
    ///
    /// ```
    /// # let store = state_sync::FileStore::new("state.json");
    /// assert_eq!(store.path(), std::path::Path::new("state.json"));
    /// ```
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the record: `Ok(None)` when there is none yet.
    ///
    /// # Errors
    ///
    /// The file cannot be read; or [`io::ErrorKind::InvalidData`] when its checksum fails, it does not
    /// parse, or it has a schema version other than 1. The file is left as it is: decide whether to start
    /// fresh (then with a new epoch, since the revision is lost) or to stop.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("state-sync-doc-load-{}", std::process::id()));
    /// let store = state_sync::FileStore::new(dir.join("none.json"));
    /// assert!(store.load::<u32>()?.is_none());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn load<T: DeserializeOwned>(&self) -> io::Result<Option<Stored<T>>> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        let invalid = |why: String| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {why}", self.path.display()),
            )
        };
        let (sum, payload) = text
            .split_at_checked(8)
            .ok_or_else(|| invalid("not a state-sync record".into()))?;
        if record_checksum(payload) != sum {
            return Err(invalid(
                "the checksum does not match the stored bytes".into(),
            ));
        }
        let record: RecordIn<T> =
            serde_json::from_str(payload).map_err(|e| invalid(e.to_string()))?;
        if record.schema_version != 1 {
            return Err(invalid(format!(
                "schema version {} (expected 1)",
                record.schema_version
            )));
        }
        Ok(Some(Stored {
            revision: record.revision,
            epoch: record.epoch,
            data: record.data,
            saved_at: record.saved_at,
        }))
    }

    /// Writes a record atomically: a crash leaves the old file or the new one.
    ///
    /// # Errors
    ///
    /// The data cannot be serialized, or a file operation fails (the old record is then untouched and
    /// the temporary file removed).
    ///
    /// ```
    /// # use state_sync::{FileStore, Revision};
    /// # let dir = std::env::temp_dir().join(format!("state-sync-doc-save-{}", std::process::id()));
    /// let store = FileStore::new(dir.join("counter.json"));
    /// store.save(Revision::new(3), None, &42_u32)?;
    /// assert_eq!(store.load::<u32>()?.map(|s| (s.revision, s.data)), Some((Revision::new(3), 42)));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn save<T: Serialize>(
        &self,
        revision: Revision,
        epoch: Option<&str>,
        data: &T,
    ) -> io::Result<()> {
        let payload = serde_json::to_string(&RecordOut {
            revision,
            epoch,
            data,
            saved_at: now_ms(),
            schema_version: 1,
        })
        .map_err(io::Error::other)?;
        self.write_atomic(&(record_checksum(&payload) + &payload))
    }

    /// Deletes temporary files that writes interrupted by a crash left next to the record (they are never
    /// read). Call it at start, before this process writes; [`PendingPersister::start`] does. Returns how
    /// many were deleted.
    ///
    /// # Errors
    ///
    /// The directory cannot be listed (a missing directory is not an error) or a file cannot be deleted.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("state-sync-doc-stale-{}", std::process::id()));
    /// let store = state_sync::FileStore::new(dir.join("settings.json"));
    /// assert_eq!(store.remove_stale_temp_files()?, 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn remove_stale_temp_files(&self) -> io::Result<usize> {
        let (dir, name) = self.dir_and_name();
        let prefix = format!(".{name}.");
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(error) => return Err(error),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let file = entry.file_name().to_string_lossy().into_owned();
            let temp = Path::new(&file).extension().is_some_and(|ext| ext == "tmp");
            if temp && file.starts_with(&prefix) {
                fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn dir_and_name(&self) -> (&Path, String) {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = self
            .path
            .file_name()
            .map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
        (dir, name)
    }

    fn write_atomic(&self, text: &str) -> io::Result<()> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir)?;
        let name = self
            .path
            .file_name()
            .map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
        let temp = dir.join(format!(
            ".{name}.{}-{}.tmp",
            std::process::id(),
            TEMP_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            drop(file);
            fs::rename(&temp, &self.path)?;
            sync_dir(dir)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp); // the write's own error is the one returned
        }
        result
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(()) // Windows: ReplaceFile semantics of rename; directories cannot be opened for fsync
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// When a [`Persister`] saves: once changes have been quiet for `debounce`, and at most `max_wait` after
/// the first unsaved change, however long changes keep coming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Quiet time before a save. Default 100 ms.
    pub debounce: Duration,
    /// Longest delay of a save during a continuous burst. Default 1 s.
    pub max_wait: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            debounce: Duration::from_millis(100),
            max_wait: Duration::from_secs(1),
        }
    }
}

enum Msg {
    Changed,
    Flush(Sender<io::Result<()>>),
    Stop,
}

/// Tells a [`Persister`] that its source changed; cheap to clone, meant for the source's emitter.
#[derive(Clone)]
pub struct ChangeNotifier(Sender<Msg>);

impl ChangeNotifier {
    /// Schedules a save (never blocks; ignored once the persister is gone).
    ///
    /// ```
    /// let (notifier, _pending) = state_sync::persister();
    /// notifier.changed();
    /// ```
    pub fn changed(&self) {
        let _ = self.0.send(Msg::Changed);
    }
}

impl fmt::Debug for ChangeNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangeNotifier")
    }
}

/// A [`Persister`] not started yet: [`start`](PendingPersister::start) it once the source is built.
pub struct PendingPersister {
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
}

impl fmt::Debug for PendingPersister {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PendingPersister")
    }
}

type ErrorHook = Box<dyn Fn(&io::Error) + Send>;

/// Creates the two halves of a persister: the [`ChangeNotifier`] to call from the source's emitter, and
/// the [`PendingPersister`] to start with the built source.
///
/// ```
/// use std::sync::Arc;
/// use state_sync::{persister, FileStore, Pacing, Revision, SnapshotSource};
///
/// # let dir = std::env::temp_dir().join(format!("state-sync-doc-persister-{}", std::process::id()));
/// let store = FileStore::new(dir.join("settings.json"));
/// let (notifier, pending) = persister();
/// let builder = match store.load::<String>()? {
///     Some(stored) => stored.into_builder("settings"), // revision and epoch continue
///     None => SnapshotSource::builder("settings", String::from("light")).epoch("first-boot"),
/// };
/// let source = Arc::new(builder.emitter(move |_event| notifier.changed()).build()?);
/// let persister = pending.start(Arc::clone(&source), store.clone(), Pacing::default(), |error| eprintln!("{error}"));
///
/// source.set(String::from("dark"))?;
/// persister.flush()?; // or drop it: a pending save is written before the thread ends
/// assert_eq!(store.load::<String>()?.map(|s| (s.revision, s.data)), Some((Revision::new(1), String::from("dark"))));
/// # drop(persister);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn persister() -> (ChangeNotifier, PendingPersister) {
    let (tx, rx) = mpsc::channel();
    (ChangeNotifier(tx.clone()), PendingPersister { tx, rx })
}

impl PendingPersister {
    /// Spawns the thread that saves `source` into `store` after each change (paced). Save failures go to
    /// `on_error`; the next change tries again. First it deletes temporary files left by a crash (see
    /// [`FileStore::remove_stale_temp_files`]; a failure there goes to `on_error` too).
    ///
    /// # Panics
    ///
    /// When the operating system refuses to spawn a thread.
    pub fn start<T: Serialize + Send + 'static>(
        self,
        source: Arc<SnapshotSource<T>>,
        store: FileStore,
        pacing: Pacing,
        on_error: impl Fn(&io::Error) + Send + 'static,
    ) -> Persister {
        let PendingPersister { tx, rx } = self;
        if let Err(error) = store.remove_stale_temp_files() {
            on_error(&error);
        }
        let on_error: ErrorHook = Box::new(on_error);
        let thread = std::thread::Builder::new()
            .name(format!("state-sync persist {}", source.topic()))
            .spawn(move || run(&rx, &source, &store, pacing, &on_error))
            .expect("state-sync: cannot spawn the persister thread");
        Persister {
            tx,
            thread: Some(thread),
        }
    }
}

fn save<T: Serialize>(source: &SnapshotSource<T>, store: &FileStore) -> io::Result<()> {
    // Serialize under the source's lock (consistent state and revision), write after releasing it.
    let payload = source.read(|data, revision| {
        serde_json::to_string(&RecordOut {
            revision,
            epoch: source.epoch(),
            data,
            saved_at: now_ms(),
            schema_version: 1,
        })
    });
    let payload = payload.map_err(io::Error::other)?;
    store.write_atomic(&(record_checksum(&payload) + &payload))
}

fn run<T: Serialize>(
    rx: &Receiver<Msg>,
    source: &SnapshotSource<T>,
    store: &FileStore,
    pacing: Pacing,
    on_error: &ErrorHook,
) {
    let report = |result: io::Result<()>| {
        if let Err(error) = &result {
            on_error(error);
        }
        result
    };
    loop {
        // Idle: wait for a change (or a flush, which then has nothing new to write but still saves).
        let mut reply = match rx.recv() {
            Ok(Msg::Changed) => None,
            Ok(Msg::Flush(reply)) => Some(reply),
            Ok(Msg::Stop) | Err(_) => return,
        };
        let first = Instant::now();
        let mut last = first;
        let mut stop = false;
        while reply.is_none() {
            let due = (last + pacing.debounce).min(first + pacing.max_wait);
            match rx.recv_timeout(due.saturating_duration_since(Instant::now())) {
                Ok(Msg::Changed) => last = Instant::now(),
                Ok(Msg::Flush(r)) => reply = Some(r),
                Err(RecvTimeoutError::Timeout) => break,
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => {
                    stop = true;
                    break;
                }
            }
        }
        let result = report(save(source, store));
        if let Some(reply) = reply {
            let _ = reply.send(result);
        }
        if stop {
            return;
        }
    }
}

/// Saves a [`SnapshotSource`] in a background thread after its changes. Dropping it writes a pending
/// save and joins the thread.
pub struct Persister {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
}

impl Persister {
    /// Writes the current state now and waits for it (e.g. before the app exits).
    ///
    /// # Errors
    ///
    /// The save failed (it was also passed to `on_error`), or the thread is gone.
    pub fn flush(&self) -> io::Result<()> {
        let (reply, answer) = mpsc::channel();
        self.tx
            .send(Msg::Flush(reply))
            .map_err(|_| io::Error::other("state-sync: the persister thread has stopped"))?;
        answer
            .recv()
            .map_err(|_| io::Error::other("state-sync: the persister thread has stopped"))?
    }
}

impl Drop for Persister {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for Persister {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Persister")
    }
}
