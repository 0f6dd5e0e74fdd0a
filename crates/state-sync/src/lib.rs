//! The Rust side of the state-sync protocol, wire-compatible with the TypeScript `@statesync/core`.
//!
//! state-sync keeps one piece of state consistent across many runtimes with **invalidate → fetch the
//! canonical snapshot → apply it if it is newer**. In a Tauri app the truth lives in Rust: a
//! [`SnapshotSource`] holds it, bumps its [`Revision`] on every change, emits an [`InvalidationEvent`]
//! (`app.emit("state-sync:invalidation", event)`), and a `get_snapshot` command returns its
//! [`SnapshotEnvelope`]. Windows run `@statesync/tauri`, which listens, invokes, and applies only newer
//! snapshots.
//!
//! The wire format is checked against the TypeScript implementation by the shared test vectors in the
//! repository's `conformance/` directory:
//! - a revision is a canonical decimal **string** (`"42"`), never a JSON number;
//! - an event is `{"topic","revision","sourceId"?,"timestampMs"?,"epoch"?,"data"?}` (`data`: the state at
//!   `revision`, sent inline when the source's [`InlineData`] policy allows), an envelope
//!   `{"revision","data","epoch"?}`, in that field order, optional fields omitted rather than `null`.
//!
//! The [`wire`] module holds the messages of `@statesync/server`'s WebSocket/SSE protocol and its HTTP
//! bodies, for clients (or servers) written in Rust.
//!
//! # Examples
//!
//! ```
//! use state_sync::{InvalidationEvent, Revision, SnapshotSource};
//! use std::sync::mpsc;
//!
//! let (tx, rx) = mpsc::channel::<InvalidationEvent>();
//! let tx = std::sync::Mutex::new(tx);
//! let source = SnapshotSource::builder("settings", String::from("light"))
//!     .emitter(move |event| tx.lock().unwrap().send(event.clone()).unwrap())
//!     .build()?;
//!
//! source.set(String::from("dark"))?;
//! assert_eq!(rx.recv()?.revision, Revision::new(1));
//! assert_eq!(serde_json::to_string(&source.snapshot())?, r#"{"revision":"1","data":"dark"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![warn(clippy::pedantic)]

mod persist;
mod protocol;
mod revision;
mod source;
pub mod wire;

pub use persist::{
    persister, record_checksum, ChangeNotifier, FileStore, Pacing, PendingPersister, Persister,
    Stored,
};
pub use protocol::{InvalidationEvent, SnapshotEnvelope};
pub use revision::{
    compare_revisions, is_canonical_revision, ParseRevisionError, ParseRevisionErrorKind, Revision,
    RevisionOverflowError,
};
pub use source::{EmptyTopicError, InlineData, SnapshotSource, SnapshotSourceBuilder};

/// Compiles and runs the README's Rust examples as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The Tauri event name used for invalidation events throughout the state-sync docs: pass the same name
/// as `eventName` to `@statesync/tauri` and to `app.emit` in Rust.
///
/// ```
/// assert_eq!(state_sync::INVALIDATION_EVENT, "state-sync:invalidation");
/// ```
pub const INVALIDATION_EVENT: &str = "state-sync:invalidation";
