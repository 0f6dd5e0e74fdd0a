//! The plugin's error type, returned by the Rust API and, as its message, by the commands.

use std::fmt;

use serde::{Serialize, Serializer};

/// What can go wrong when reading or writing a topic. Commands reject with its message (`Display`), which
/// `@statesync/tauri` reports through `onError` (phase `getSnapshot`) or the caller's `invoke` promise.
///
/// # Examples
///
/// ```
/// use tauri_plugin_state_sync::Error;
/// let error = Error::UnknownTopic { topic: "nope".into(), known: vec!["settings".into()] };
/// assert_eq!(
///     error.to_string(),
///     r#"state-sync: unknown topic "nope"; this app registers: "settings""#
/// );
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No topic of this name was registered with [`Builder::topic`](crate::Builder::topic).
    UnknownTopic {
        /// The topic asked for.
        topic: String,
        /// The registered topics.
        known: Vec<String>,
    },
    /// The topic holds another Rust type than the one asked for.
    WrongType {
        /// The topic.
        topic: String,
        /// The type asked for.
        requested: &'static str,
        /// The type registered.
        registered: &'static str,
    },
    /// Data sent to the `update` command does not deserialize into the topic's type.
    InvalidData {
        /// The topic.
        topic: String,
        /// Why serde rejected it.
        source: serde_json::Error,
    },
    /// The topic's state could not be serialized.
    Serialize {
        /// The topic.
        topic: String,
        /// Why serde failed.
        source: serde_json::Error,
    },
    /// The topic's revision is at its maximum; nothing was changed.
    RevisionOverflow {
        /// The topic.
        topic: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownTopic { topic, known } => {
                let known: Vec<String> = known.iter().map(|t| format!("{t:?}")).collect();
                write!(
                    f,
                    "state-sync: unknown topic {topic:?}; this app registers: {}",
                    if known.is_empty() {
                        String::from("no topic (add one with Builder::topic)")
                    } else {
                        known.join(", ")
                    }
                )
            }
            Error::WrongType {
                topic,
                requested,
                registered,
            } => write!(
                f,
                "state-sync: topic {topic:?} holds a {registered}, not a {requested}"
            ),
            Error::InvalidData { topic, source } => {
                write!(f, "state-sync: invalid data for topic {topic:?}: {source}")
            }
            Error::Serialize { topic, source } => {
                write!(f, "state-sync: cannot serialize topic {topic:?}: {source}")
            }
            Error::RevisionOverflow { topic } => write!(
                f,
                "state-sync: topic {topic:?} reached the largest revision; start a new epoch"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidData { source, .. } | Error::Serialize { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Commands send the message: a plain string on the JavaScript side.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
