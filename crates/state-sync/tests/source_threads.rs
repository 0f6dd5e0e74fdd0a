//! `SnapshotSource` under concurrent writers and readers.

use std::sync::{Arc, Mutex};
use std::thread;

use state_sync::{InvalidationEvent, Revision, SnapshotSource};

const WRITERS: u64 = 8;
const UPDATES_PER_WRITER: u64 = 500;

#[test]
fn concurrent_updates_get_distinct_consecutive_revisions_emitted_in_order() {
    let emitted = Arc::new(Mutex::new(Vec::<InvalidationEvent>::new()));
    let sink = Arc::clone(&emitted);
    // The state counts updates, so a consistent snapshot always has `data == revision`.
    let source = Arc::new(
        SnapshotSource::builder("counter", 0_u64)
            .source_id("writer")
            .clock(|| 7)
            .emitter(move |event| {
                // Give other writers a chance to run mid-emit: an emitter outside the lock would then
                // deliver some events out of order.
                if event.revision.get() % 3 == 0 {
                    thread::yield_now();
                }
                sink.lock().unwrap().push(event.clone());
            })
            .build()
            .unwrap(),
    );

    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let source = Arc::clone(&source);
            thread::spawn(move || {
                (0..UPDATES_PER_WRITER)
                    .map(|_| source.update(|n| *n += 1).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let source = Arc::clone(&source);
            thread::spawn(move || {
                let mut last = Revision::ZERO;
                for _ in 0..2000 {
                    let snapshot = source.snapshot();
                    assert_eq!(
                        snapshot.data,
                        snapshot.revision.get(),
                        "a snapshot pairs data with its revision"
                    );
                    assert!(
                        snapshot.revision >= last,
                        "a reader never sees the revision go back"
                    );
                    last = snapshot.revision;
                }
            })
        })
        .collect();

    let mut returned: Vec<u64> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .map(Revision::get)
        .collect();
    for reader in readers {
        reader.join().unwrap();
    }

    let total = WRITERS * UPDATES_PER_WRITER;
    returned.sort_unstable();
    assert_eq!(
        returned,
        (1..=total).collect::<Vec<_>>(),
        "each update got its own revision"
    );
    assert_eq!(source.revision(), Revision::new(total));
    assert_eq!(source.snapshot().data, total);

    let emitted = emitted.lock().unwrap();
    let revisions: Vec<u64> = emitted.iter().map(|e| e.revision.get()).collect();
    assert_eq!(
        revisions,
        (1..=total).collect::<Vec<_>>(),
        "one event per update, in revision order"
    );
    assert!(emitted.iter().all(|e| e.topic == "counter"
        && e.source_id.as_deref() == Some("writer")
        && e.timestamp_ms == Some(7)
        && e.epoch.is_none()));
}

#[test]
fn the_source_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SnapshotSource<Vec<String>>>();
}
