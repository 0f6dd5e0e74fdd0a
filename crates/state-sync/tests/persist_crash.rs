//! Crash safety of the durable writer side: the test binary spawns itself as a child that updates a
//! persisted source as fast as it can, kills it at many moments, and checks after each kill that the file
//! holds one complete record (old or new) and that the restarted source continues from it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use state_sync::{persister, record_checksum, FileStore, Pacing, Revision, SnapshotSource};

const CHILD_DIR: &str = "STATE_SYNC_PERSIST_CHILD_DIR";

/// The state: its own revision, and filler whose length depends on it, so a mix of two writes shows.
type State = (u64, String);
fn filler(revision: u64) -> String {
    "x".repeat(200_000 + usize::try_from(revision % 13).unwrap() * 7_000)
}

/// The child: not a test of its own (returns at once) unless the parent set `CHILD_DIR`.
#[test]
fn child_writer() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let store = FileStore::new(Path::new(&dir).join("state.json"));
    let (notifier, pending) = persister();
    let builder = match store
        .load::<State>()
        .expect("the record must always be readable")
    {
        Some(stored) => stored.into_builder("state"),
        None => SnapshotSource::builder("state", (0, filler(0))).epoch("first"),
    };
    let source = Arc::new(
        builder
            .emitter(move |_| notifier.changed())
            .build()
            .unwrap(),
    );
    let pacing = Pacing {
        debounce: Duration::ZERO,
        max_wait: Duration::ZERO,
    };
    let persister = pending.start(Arc::clone(&source), store, pacing, |e| {
        panic!("save failed: {e}")
    });
    loop {
        source
            .update(|state| {
                state.0 += 1;
                state.1 = filler(state.0);
            })
            .unwrap();
        persister.flush().unwrap();
    }
}

fn spawn_child(dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("state-sync-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Reads the file as a restarted app would and checks it is one whole record.
fn read_back(store: &FileStore) -> Option<(Revision, Option<String>)> {
    let stored = store
        .load::<State>()
        .expect("the file is always a complete record")?;
    assert_eq!(
        stored.data.0,
        stored.revision.get(),
        "state and revision from the same write"
    );
    assert_eq!(
        stored.data.1,
        filler(stored.revision.get()),
        "filler of that write, whole"
    );
    Some((stored.revision, stored.epoch))
}

#[test]
fn killed_at_many_moments_the_file_is_always_a_complete_old_or_new_record_and_revisions_continue() {
    let dir = temp_dir("crash");
    let store = FileStore::new(dir.join("state.json"));
    let mut last = Revision::ZERO;
    let mut torn = 0;
    for run in 0..16_u64 {
        let mut child = spawn_child(&dir);
        // Wait until this child has saved something new (polling the file, as a reader would), then let it
        // run a varying extra time so the kill lands anywhere in its cycle of serialize, write, fsync, rename.
        while read_back(&store).map_or(Revision::ZERO, |(r, _)| r) <= last {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis((run * 7) % 40));
        child.kill().unwrap();
        child.wait().unwrap();
        // Temporary files are left only by kills in the middle of a write; the next child deletes them.
        torn += fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        if let Some((revision, epoch)) = read_back(&store) {
            assert!(
                revision >= last,
                "run {run}: revision went back from {last} to {revision}"
            );
            assert_eq!(
                epoch.as_deref(),
                Some("first"),
                "the epoch is kept across restarts"
            );
            last = revision;
        }
    }
    assert!(
        last >= Revision::new(16),
        "each child saved at least once: {last}"
    );
    eprintln!("16 kills: final revision {last}, {torn} temporary files left by kills mid-write (ignored by load)");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_torn_temporary_file_next_to_the_record_is_ignored_and_a_torn_record_is_refused() {
    let dir = temp_dir("torn");
    let store = FileStore::new(dir.join("state.json"));
    store
        .save(Revision::new(4), Some("e"), &(4_u64, filler(4)))
        .unwrap();
    let whole = fs::read_to_string(store.path()).unwrap();
    fs::write(dir.join(".state.json.1-0.tmp"), &whole[..whole.len() / 2]).unwrap();
    assert_eq!(
        read_back(&store),
        Some((Revision::new(4), Some("e".into())))
    );

    fs::write(store.path(), &whole[..whole.len() / 2]).unwrap();
    let error = store.load::<State>().unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert!(
        error.to_string().contains("checksum does not match"),
        "{error}"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn records_match_the_typescript_format() {
    // The same record @statesync/persistence writes: checksum over the UTF-16 code units, then the JSON.
    let dir = temp_dir("format");
    let store = FileStore::new(dir.join("s.json"));
    store
        .save(
            Revision::new(12),
            Some("boot-2"),
            &serde_json::json!({ "theme": "dark", "name": "Zoë" }),
        )
        .unwrap();
    let text = fs::read_to_string(store.path()).unwrap();
    let (sum, payload) = text.split_at(8);
    assert_eq!(sum, record_checksum(payload));
    assert!(
        payload.starts_with(r#"{"revision":"12","epoch":"boot-2","data":{"#),
        "{payload}"
    );
    assert!(payload.ends_with(r#","schemaVersion":1}"#), "{payload}");
    // A checksum over UTF-16 code units differs from one over UTF-8 bytes for non-ASCII text.
    assert_eq!(record_checksum("Zoë"), {
        let mut h: u32 = 0x811c_9dc5;
        for u in [0x5a_u32, 0x6f, 0xeb] {
            h = (h ^ u).wrapping_mul(0x0100_0193);
        }
        format!("{h:08x}")
    });
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_persister_paces_saves_and_writes_a_pending_one_when_dropped() {
    let dir = temp_dir("pacing");
    let store = FileStore::new(dir.join("counter.json"));
    let (notifier, pending) = persister();
    let source = Arc::new(
        SnapshotSource::builder("counter", 0_u64)
            .emitter(move |_| notifier.changed())
            .build()
            .unwrap(),
    );
    let pacing = Pacing {
        debounce: Duration::from_hours(1),
        max_wait: Duration::from_hours(1),
    };
    let persister = pending.start(Arc::clone(&source), store.clone(), pacing, |e| {
        panic!("{e}")
    });
    for _ in 0..100 {
        source.update(|n| *n += 1).unwrap();
    }
    assert!(
        store.load::<u64>().unwrap().is_none(),
        "nothing written during the debounce"
    );
    drop(persister);
    let stored = store.load::<u64>().unwrap().unwrap();
    assert_eq!((stored.revision, stored.data), (Revision::new(100), 100));
    fs::remove_dir_all(&dir).unwrap();
}
