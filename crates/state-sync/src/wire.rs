//! The wire protocol of `@statesync/server`, version 1: the messages between a server and its clients
//! (WebSocket text frames, SSE `data:` lines) and the JSON bodies of its HTTP endpoints.
//!
//! The spec is the repository's `docs/guide/wire-protocol.md`; JSON Schemas and test vectors are in
//! `conformance/server/`, and the repository's conformance tests check these types against the vectors.
//!
//! - Server → client: [`ServerMessage`] (`hello`, `poke`, `heartbeat`, `error`).
//! - Client → server: [`ClientMessage`] (`subscribe`, `unsubscribe`).
//! - HTTP bodies: [`SnapshotResponse`] (`GET <base>/snapshot?topic=…`), [`WriteRequest`] and
//!   [`WriteResult`] (`POST <base>/write?topic=…`), [`ErrorBody`] (every 4xx/5xx answer).
//!
//! Parse untrusted text with [`ServerMessage::parse`] and [`ClientMessage::parse`]: they never panic and
//! say what is wrong in a [`WireError`]. The types also implement serde's `Deserialize` with the same
//! field rules, for input that is already a `serde_json::Value`.
//!
//! Rules shared by every message: a revision is a canonical decimal string ([`Revision`]); a topic is a
//! non-empty string of at most [`MAX_TOPIC_LENGTH`] UTF-16 code units (what JavaScript's `length`
//! counts); an epoch is an opaque string; optional fields are omitted, never `null`; unknown fields are
//! ignored and dropped when a message is parsed and written again; numbers are read exactly (no `u64`
//! passes through a float). Serialized messages are compact JSON with the fields in the order of the
//! vectors, the same bytes as `JSON.stringify` of the message parsed by the TypeScript parsers.
//!
//! # Examples
//!
//! ```
//! use state_sync::wire::{ClientMessage, ServerMessage};
//! use state_sync::Revision;
//!
//! // A client subscribes, then reads what the server sends.
//! let subscribe = ClientMessage::Subscribe { topics: vec!["board".into()] };
//! assert_eq!(serde_json::to_string(&subscribe)?, r#"{"type":"subscribe","topics":["board"]}"#);
//!
//! let message = ServerMessage::parse(r#"{"type":"poke","topic":"board","revision":"12","epoch":"e1"}"#)?;
//! let events = message.events();
//! assert_eq!(events[0].revision, Revision::new(12));
//! assert_eq!(events[0].epoch.as_deref(), Some("e1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::num::NonZeroU64;

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::{InvalidationEvent, Revision};

/// The protocol version this module speaks, sent in [`Hello::protocol`].
///
/// ```
/// assert_eq!(state_sync::wire::PROTOCOL_VERSION, 1);
/// ```
pub const PROTOCOL_VERSION: u64 = 1;

/// The longest topic, in UTF-16 code units (JavaScript's `string.length`): 1024.
///
/// ```
/// use state_sync::wire::{ClientMessage, MAX_TOPIC_LENGTH};
/// let long = "a".repeat(MAX_TOPIC_LENGTH + 1);
/// let text = format!(r#"{{"type":"subscribe","topics":["{long}"]}}"#);
/// assert!(ClientMessage::parse(&text, 64).is_err());
/// ```
pub const MAX_TOPIC_LENGTH: usize = 1024;

/// How many topics one `subscribe` may name unless a server is configured otherwise (its
/// `maxSubscriptions`, also the most topics one connection may hold): 64.
///
/// ```
/// use state_sync::wire::{ClientMessage, DEFAULT_MAX_SUBSCRIPTIONS};
/// let message = ClientMessage::parse(r#"{"type":"subscribe","topics":["a"]}"#, DEFAULT_MAX_SUBSCRIPTIONS)?;
/// assert_eq!(message.topics(), ["a"]);
/// # Ok::<(), state_sync::wire::WireError>(())
/// ```
pub const DEFAULT_MAX_SUBSCRIPTIONS: usize = 64;

/// The path prefix of a server's endpoints unless it is configured otherwise: `/statesync`, so
/// `/statesync/ws`, `/statesync/events`, `/statesync/snapshot` and `/statesync/write`.
///
/// ```
/// let url = format!("{}/snapshot?topic=board", state_sync::wire::DEFAULT_BASE_PATH);
/// assert_eq!(url, "/statesync/snapshot?topic=board");
/// ```
pub const DEFAULT_BASE_PATH: &str = "/statesync";

/// Whether `topic` is a valid topic on the wire: non-empty and at most [`MAX_TOPIC_LENGTH`] UTF-16 code
/// units long (an astral character such as an emoji counts twice, as in JavaScript).
///
/// ```
/// use state_sync::wire::is_topic;
/// assert!(is_topic("board:42"));
/// assert!(!is_topic(""));
/// assert!(is_topic(&"a".repeat(1024)));
/// assert!(!is_topic(&"😀".repeat(513))); // 1026 UTF-16 code units
/// ```
#[must_use]
pub fn is_topic(topic: &str) -> bool {
    // A UTF-16 code unit never takes less than one UTF-8 byte, so short strings need no count.
    !topic.is_empty()
        && (topic.len() <= MAX_TOPIC_LENGTH || topic.encode_utf16().count() <= MAX_TOPIC_LENGTH)
}

const BAD_TOPIC: &str = "a topic must be a non-empty string of at most 1024 UTF-16 code units";

fn serialize_topic<S: Serializer>(topic: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if !is_topic(topic) {
        return Err(S::Error::custom(BAD_TOPIC));
    }
    serializer.serialize_str(topic)
}

fn deserialize_topic<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let topic = String::deserialize(deserializer)?;
    if !is_topic(&topic) {
        return Err(D::Error::custom(BAD_TOPIC));
    }
    Ok(topic)
}

// serde's `serialize_with` hands over `&Option<String>`.
#[allow(clippy::ref_option)]
fn serialize_optional_topic<S: Serializer>(
    topic: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match topic {
        Some(topic) => serialize_topic(topic, serializer),
        None => serializer.serialize_none(),
    }
}

fn deserialize_optional_topic<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    deserialize_topic(deserializer).map(Some)
}

fn serialize_topics<S: Serializer>(topics: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    if topics.is_empty() {
        return Err(S::Error::custom("`topics` must name at least one topic"));
    }
    if !topics.iter().all(|topic| is_topic(topic)) {
        return Err(S::Error::custom(BAD_TOPIC));
    }
    topics.serialize(serializer)
}

fn deserialize_topics<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let topics = Vec::<String>::deserialize(deserializer)?;
    if topics.is_empty() {
        return Err(D::Error::custom("`topics` must name at least one topic"));
    }
    if !topics.iter().all(|topic| is_topic(topic)) {
        return Err(D::Error::custom(BAD_TOPIC));
    }
    Ok(topics)
}

/// Where a topic stands: its revision in its epoch. One entry of a [`Heartbeat`].
///
/// Serializes as `{"topic","revision","epoch"}`.
///
/// # Examples
///
/// ```
/// use state_sync::wire::TopicState;
/// use state_sync::Revision;
///
/// let state = TopicState::new("board", Revision::new(13), "e1");
/// assert_eq!(serde_json::to_string(&state)?, r#"{"topic":"board","revision":"13","epoch":"e1"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TopicState {
    /// The topic; see [`is_topic`].
    #[serde(
        serialize_with = "serialize_topic",
        deserialize_with = "deserialize_topic"
    )]
    pub topic: String,
    /// The topic's current revision.
    pub revision: Revision,
    /// The topic's epoch (changes when its history restarts, e.g. Redis came back empty).
    pub epoch: String,
}

impl TopicState {
    /// A topic state.
    ///
    /// ```
    /// use state_sync::wire::TopicState;
    /// use state_sync::Revision;
    /// assert_eq!(TopicState::new("a", Revision::ZERO, "e").epoch, "e");
    /// ```
    #[must_use]
    pub fn new(topic: impl Into<String>, revision: Revision, epoch: impl Into<String>) -> Self {
        TopicState {
            topic: topic.into(),
            revision,
            epoch: epoch.into(),
        }
    }

    /// The invalidation event a client hands its engine for this entry: `{topic, revision, epoch}`.
    ///
    /// ```
    /// use state_sync::wire::TopicState;
    /// use state_sync::Revision;
    /// let event = TopicState::new("a", Revision::new(1), "e").to_event();
    /// assert_eq!(serde_json::to_string(&event)?, r#"{"topic":"a","revision":"1","epoch":"e"}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn to_event(&self) -> InvalidationEvent {
        InvalidationEvent::new(self.topic.clone(), self.revision).with_epoch(self.epoch.clone())
    }
}

/// The protocol version of a [`Hello`]: serializes as `1` and accepts nothing else.
///
/// ```
/// use state_sync::wire::Protocol1;
/// assert_eq!(serde_json::to_string(&Protocol1)?, "1");
/// assert!(serde_json::from_str::<Protocol1>("1").is_ok());
/// assert!(serde_json::from_str::<Protocol1>("2").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Protocol1;

impl Serialize for Protocol1 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(PROTOCOL_VERSION)
    }
}

impl<'de> Deserialize<'de> for Protocol1 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match whole_number(deserializer)? {
            Some(PROTOCOL_VERSION) => Ok(Protocol1),
            _ => Err(D::Error::custom(
                "`protocol` must be 1: this client speaks version 1 of the protocol",
            )),
        }
    }
}

/// A JSON number that is a whole number from 0 to `u64::MAX`, read exactly: an integer, or a float
/// with no fractional part that is at most 2^53 (so exact), such as `15000.0`. `None` for other numbers.
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    struct WholeNumber;

    impl serde::de::Visitor<'_> for WholeNumber {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a whole number")
        }

        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Option<u64>, E> {
            Ok(Some(value))
        }

        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Option<u64>, E> {
            Ok(u64::try_from(value).ok())
        }

        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::float_cmp
        )]
        fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Option<u64>, E> {
            // 2^53: every whole float up to here is exact, and the cast below is then lossless.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            Ok(((0.0..=EXACT).contains(&value) && value.trunc() == value).then_some(value as u64))
        }
    }

    deserializer.deserialize_any(WholeNumber)
}

fn deserialize_heartbeat_ms<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<NonZeroU64, D::Error> {
    whole_number(deserializer)?
        .and_then(NonZeroU64::new)
        .ok_or_else(|| D::Error::custom("`heartbeatMs` must be a whole number of milliseconds > 0"))
}

/// The first message of every connection: the protocol version and the heartbeat period.
///
/// Serializes (inside [`ServerMessage::Hello`]) as `{"type":"hello","protocol":1,"heartbeatMs"}`.
/// `heartbeatMs` is read exactly: a whole number from 1 to `u64::MAX` (`15000.0` is read as 15000).
///
/// # Examples
///
/// ```
/// use state_sync::wire::{Hello, ServerMessage};
/// use std::num::NonZeroU64;
///
/// let hello = ServerMessage::Hello(Hello::new(NonZeroU64::new(15_000).unwrap()));
/// assert_eq!(serde_json::to_string(&hello)?, r#"{"type":"hello","protocol":1,"heartbeatMs":15000}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    /// Always 1.
    pub protocol: Protocol1,
    /// The heartbeat period in milliseconds. A client treats a connection silent for 2.5 times this as dead.
    #[serde(deserialize_with = "deserialize_heartbeat_ms")]
    pub heartbeat_ms: NonZeroU64,
}

impl Hello {
    /// A `hello` with this heartbeat period.
    ///
    /// ```
    /// use state_sync::wire::Hello;
    /// use std::num::NonZeroU64;
    /// assert_eq!(Hello::new(NonZeroU64::MIN).heartbeat_ms.get(), 1);
    /// ```
    #[must_use]
    pub fn new(heartbeat_ms: NonZeroU64) -> Self {
        Hello {
            protocol: Protocol1,
            heartbeat_ms,
        }
    }
}

/// A topic changed (or a subscription was just granted): where it stands, and its state when small.
///
/// Serializes (inside [`ServerMessage::Poke`]) as `{"type":"poke","topic","revision","epoch","data"?}`.
/// `data` is the state at `revision` ("inline" snapshot); when absent, a client fetches. A poke whose
/// `data` is `null` is read as a plain invalidation (`data: None`), since a `null` state is never
/// inlined; serializing `Some(Value::Null)` fails.
///
/// # Examples
///
/// ```
/// use state_sync::wire::{Poke, ServerMessage};
/// use state_sync::Revision;
///
/// let poke = Poke::new("board", Revision::new(13), "e1").with_data(serde_json::json!({"cards": ["a"]}));
/// assert_eq!(
///     serde_json::to_string(&ServerMessage::Poke(poke))?,
///     r#"{"type":"poke","topic":"board","revision":"13","epoch":"e1","data":{"cards":["a"]}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Poke {
    /// The topic; see [`is_topic`].
    #[serde(
        serialize_with = "serialize_topic",
        deserialize_with = "deserialize_topic"
    )]
    pub topic: String,
    /// The revision the topic reached.
    pub revision: Revision,
    /// The topic's epoch.
    pub epoch: String,
    /// The state at `revision`, when the server sends it inline. Never `Some(Value::Null)`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::protocol::serialize_data"
    )]
    pub data: Option<Value>,
}

impl Poke {
    /// A poke without inline data.
    ///
    /// ```
    /// use state_sync::wire::Poke;
    /// use state_sync::Revision;
    /// assert_eq!(Poke::new("a", Revision::new(2), "e").data, None);
    /// ```
    #[must_use]
    pub fn new(topic: impl Into<String>, revision: Revision, epoch: impl Into<String>) -> Self {
        Poke {
            topic: topic.into(),
            revision,
            epoch: epoch.into(),
            data: None,
        }
    }

    /// Sets the inline data.
    ///
    /// ```
    /// use state_sync::wire::Poke;
    /// use state_sync::Revision;
    /// let poke = Poke::new("a", Revision::new(2), "e").with_data(serde_json::json!(5));
    /// assert_eq!(poke.data, Some(serde_json::json!(5)));
    /// ```
    #[must_use]
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// The invalidation event a client hands its engine: `{topic, revision, epoch, data?}`.
    ///
    /// ```
    /// use state_sync::wire::Poke;
    /// use state_sync::Revision;
    /// let event = Poke::new("a", Revision::new(2), "e").with_data(serde_json::json!([1])).to_event();
    /// assert_eq!(serde_json::to_string(&event)?, r#"{"topic":"a","revision":"2","epoch":"e","data":[1]}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn to_event(&self) -> InvalidationEvent {
        let event = InvalidationEvent::new(self.topic.clone(), self.revision)
            .with_epoch(self.epoch.clone());
        match &self.data {
            Some(data) => event.with_data(data.clone()),
            None => event,
        }
    }
}

/// Where every subscribed topic stands, sent every `heartbeatMs`: a client that missed a poke catches up.
///
/// Serializes (inside [`ServerMessage::Heartbeat`]) as `{"type":"heartbeat","topics":[…]}`.
///
/// # Examples
///
/// ```
/// use state_sync::wire::{Heartbeat, ServerMessage, TopicState};
/// use state_sync::Revision;
///
/// let heartbeat = Heartbeat { topics: vec![TopicState::new("a", Revision::new(1), "e")] };
/// assert_eq!(
///     serde_json::to_string(&ServerMessage::Heartbeat(heartbeat))?,
///     r#"{"type":"heartbeat","topics":[{"topic":"a","revision":"1","epoch":"e"}]}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Heartbeat {
    /// One entry per topic the connection holds (possibly none).
    pub topics: Vec<TopicState>,
}

/// The codes of server `error` messages and of HTTP error bodies, written in `snake_case`.
///
/// # Examples
///
/// ```
/// use state_sync::wire::ErrorCode;
/// assert_eq!(serde_json::to_string(&ErrorCode::TooManySubscriptions)?, r#""too_many_subscriptions""#);
/// assert!(serde_json::from_str::<ErrorCode>(r#""teapot""#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A malformed request or message (HTTP 400).
    BadRequest,
    /// Not authorized, or an origin not allowed (HTTP 403).
    Forbidden,
    /// A `subscribe` past the server's `maxSubscriptions` (WebSocket only).
    TooManySubscriptions,
    /// A message or body above the server's limit (HTTP 413).
    TooLarge,
    /// No such endpoint (HTTP 404; 405 for a known path with the wrong method).
    NotFound,
    /// A write whose `expectedRevision` or `epoch` is not where the topic stands (HTTP 409).
    Conflict,
    /// The store (Redis) is unreachable, or the server is closing (HTTP 503).
    Unavailable,
    /// A server fault (HTTP 500).
    Internal,
}

impl ErrorCode {
    /// The code as written on the wire.
    ///
    /// ```
    /// use state_sync::wire::ErrorCode;
    /// assert_eq!(ErrorCode::BadRequest.as_str(), "bad_request");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::TooManySubscriptions => "too_many_subscriptions",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused or malformed request; the connection stays open.
///
/// Serializes (inside [`ServerMessage::Error`]) as `{"type":"error","code","message","topic"?}`.
///
/// # Examples
///
/// ```
/// use state_sync::wire::{ErrorCode, ErrorMessage, ServerMessage};
///
/// let message = ServerMessage::parse(r#"{"type":"error","code":"forbidden","message":"No.","topic":"s"}"#)?;
/// assert_eq!(
///     message,
///     ServerMessage::Error(ErrorMessage::new(ErrorCode::Forbidden, "No.").with_topic("s"))
/// );
/// # Ok::<(), state_sync::wire::WireError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ErrorMessage {
    /// What went wrong.
    pub code: ErrorCode,
    /// For humans.
    pub message: String,
    /// The topic it concerns, when it concerns one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_optional_topic",
        deserialize_with = "deserialize_optional_topic"
    )]
    pub topic: Option<String>,
}

impl ErrorMessage {
    /// An error about the connection.
    ///
    /// ```
    /// use state_sync::wire::{ErrorCode, ErrorMessage};
    /// assert_eq!(ErrorMessage::new(ErrorCode::Internal, "Oops.").topic, None);
    /// ```
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorMessage {
            code,
            message: message.into(),
            topic: None,
        }
    }

    /// Sets the topic.
    ///
    /// ```
    /// use state_sync::wire::{ErrorCode, ErrorMessage};
    /// let error = ErrorMessage::new(ErrorCode::Forbidden, "No.").with_topic("s");
    /// assert_eq!(error.topic.as_deref(), Some("s"));
    /// ```
    #[must_use]
    pub fn with_topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = Some(topic.into());
        self
    }
}

/// A message from the server: one WebSocket text frame or one SSE `data:` line.
///
/// Tagged by `type`; see each variant's type for its fields.
///
/// # Examples
///
/// ```
/// use state_sync::wire::ServerMessage;
///
/// match ServerMessage::parse(r#"{"type":"hello","protocol":1,"heartbeatMs":15000}"#)? {
///     ServerMessage::Hello(hello) => assert_eq!(hello.heartbeat_ms.get(), 15_000),
///     other => panic!("expected a hello, got {other:?}"),
/// }
/// # Ok::<(), state_sync::wire::WireError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMessage {
    /// `{"type":"hello",…}`: the first message of a connection.
    Hello(Hello),
    /// `{"type":"poke",…}`: a topic changed.
    Poke(Poke),
    /// `{"type":"heartbeat",…}`: where every subscribed topic stands.
    Heartbeat(Heartbeat),
    /// `{"type":"error",…}`: a refused request.
    Error(ErrorMessage),
}

const SERVER_TYPES: [&str; 4] = ["hello", "poke", "heartbeat", "error"];
const CLIENT_TYPES: [&str; 2] = ["subscribe", "unsubscribe"];

impl ServerMessage {
    /// Parses a server message from untrusted text. Never panics.
    ///
    /// A duplicated key keeps its last value, as `JSON.parse` does.
    ///
    /// # Errors
    ///
    /// A [`WireError`] whose [`kind`](WireError::kind) says whether the text is not JSON, not an
    /// object, of an unknown `type`, or a known message with a missing or malformed field.
    ///
    /// ```
    /// use state_sync::wire::{ServerMessage, WireErrorKind};
    /// let error = ServerMessage::parse(r#"{"type":"poke","topic":"a","revision":12,"epoch":"e"}"#).unwrap_err();
    /// assert_eq!(error.kind(), WireErrorKind::Invalid);
    /// assert_eq!(ServerMessage::parse("[]").unwrap_err().kind(), WireErrorKind::NotAnObject);
    /// ```
    pub fn parse(text: &str) -> Result<Self, WireError> {
        parse_tagged(text, &SERVER_TYPES, "server")
    }

    /// The invalidation events a client hands its engine for this message: one for a poke, one per
    /// entry of a heartbeat, none for `hello` and `error`.
    ///
    /// ```
    /// use state_sync::wire::ServerMessage;
    /// let heartbeat = ServerMessage::parse(
    ///     r#"{"type":"heartbeat","topics":[{"topic":"a","revision":"1","epoch":"e"},{"topic":"b","revision":"0","epoch":"f"}]}"#,
    /// )?;
    /// assert_eq!(heartbeat.events().len(), 2);
    /// # Ok::<(), state_sync::wire::WireError>(())
    /// ```
    #[must_use]
    pub fn events(&self) -> Vec<InvalidationEvent> {
        match self {
            ServerMessage::Poke(poke) => vec![poke.to_event()],
            ServerMessage::Heartbeat(heartbeat) => {
                heartbeat.topics.iter().map(TopicState::to_event).collect()
            }
            ServerMessage::Hello(_) | ServerMessage::Error(_) => Vec::new(),
        }
    }
}

/// A message from a client (WebSocket only: SSE clients name their topics in the URL).
///
/// Serializes as `{"type":"subscribe"|"unsubscribe","topics":[…]}`; `topics` names at least one topic,
/// each valid per [`is_topic`]. How many a message may name is the server's limit, checked by
/// [`ClientMessage::parse`].
///
/// # Examples
///
/// ```
/// use state_sync::wire::ClientMessage;
///
/// let message = ClientMessage::parse(r#"{"type":"unsubscribe","topics":["a"],"x":1}"#, 64)?;
/// assert_eq!(message, ClientMessage::Unsubscribe { topics: vec!["a".into()] });
/// assert_eq!(serde_json::to_string(&message)?, r#"{"type":"unsubscribe","topics":["a"]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ClientMessage {
    /// Start receiving pokes and heartbeats for these topics (each is authorized separately).
    Subscribe {
        /// The topics, at least one.
        #[serde(
            serialize_with = "serialize_topics",
            deserialize_with = "deserialize_topics"
        )]
        topics: Vec<String>,
    },
    /// Stop receiving these topics.
    Unsubscribe {
        /// The topics, at least one.
        #[serde(
            serialize_with = "serialize_topics",
            deserialize_with = "deserialize_topics"
        )]
        topics: Vec<String>,
    },
}

impl ClientMessage {
    /// Parses a client message from untrusted text, with at most `max_topics` topics (the server's
    /// `maxSubscriptions`, [`DEFAULT_MAX_SUBSCRIPTIONS`] by default). Never panics.
    ///
    /// # Errors
    ///
    /// A [`WireError`]: not JSON, not an object, an unknown `type`, a malformed message, or
    /// [`WireErrorKind::TooManyTopics`].
    ///
    /// ```
    /// use state_sync::wire::{ClientMessage, WireErrorKind};
    /// let error = ClientMessage::parse(r#"{"type":"subscribe","topics":["a","b","c"]}"#, 2).unwrap_err();
    /// assert_eq!(error.kind(), WireErrorKind::TooManyTopics);
    /// ```
    pub fn parse(text: &str, max_topics: usize) -> Result<Self, WireError> {
        let message: ClientMessage = parse_tagged(text, &CLIENT_TYPES, "client")?;
        let count = message.topics().len();
        if count > max_topics {
            return Err(WireError::new(
                WireErrorKind::TooManyTopics,
                format!("the message names {count} topics, more than the limit of {max_topics}"),
            ));
        }
        Ok(message)
    }

    /// The topics the message names.
    ///
    /// ```
    /// use state_sync::wire::ClientMessage;
    /// let message = ClientMessage::Subscribe { topics: vec!["a".into(), "b".into()] };
    /// assert_eq!(message.topics(), ["a", "b"]);
    /// ```
    #[must_use]
    pub fn topics(&self) -> &[String] {
        match self {
            ClientMessage::Subscribe { topics } | ClientMessage::Unsubscribe { topics } => topics,
        }
    }
}

fn parse_tagged<T: serde::de::DeserializeOwned>(
    text: &str,
    types: &[&str],
    side: &str,
) -> Result<T, WireError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        WireError::new(
            WireErrorKind::NotJson,
            format!("the message is not JSON ({e})"),
        )
    })?;
    let Value::Object(object) = &value else {
        return Err(WireError::new(
            WireErrorKind::NotAnObject,
            "the message is not a JSON object",
        ));
    };
    match object.get("type") {
        Some(Value::String(kind)) if types.contains(&kind.as_str()) => {}
        other => {
            let shown = other.map_or_else(
                || String::from("(missing)"),
                |kind| preview(&kind.to_string()),
            );
            return Err(WireError::new(
                WireErrorKind::UnknownType,
                format!(
                    "unknown {side} message type {shown}; expected one of {}",
                    types.join(", ")
                ),
            ));
        }
    }
    serde_json::from_value(value).map_err(|e| WireError::new(WireErrorKind::Invalid, e.to_string()))
}

/// At most 40 characters of `text`, for error messages.
fn preview(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Why a message was rejected by [`ServerMessage::parse`] or [`ClientMessage::parse`].
///
/// # Examples
///
/// ```
/// use state_sync::wire::{ServerMessage, WireErrorKind};
/// let error = ServerMessage::parse(r#"{"type":"snapshot"}"#).unwrap_err();
/// assert_eq!(error.kind(), WireErrorKind::UnknownType);
/// assert!(error.to_string().contains("\"snapshot\""));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    kind: WireErrorKind,
    message: String,
}

impl WireError {
    fn new(kind: WireErrorKind, message: impl Into<String>) -> Self {
        WireError {
            kind,
            message: message.into(),
        }
    }

    /// What kind of problem it is.
    ///
    /// ```
    /// use state_sync::wire::{ServerMessage, WireErrorKind};
    /// assert_eq!(ServerMessage::parse("poke").unwrap_err().kind(), WireErrorKind::NotJson);
    /// ```
    #[must_use]
    pub fn kind(&self) -> WireErrorKind {
        self.kind
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad state-sync wire message: {}", self.message)
    }
}

impl std::error::Error for WireError {}

/// The kinds of [`WireError`].
///
/// # Examples
///
/// ```
/// use state_sync::wire::{ClientMessage, WireErrorKind};
/// let kind = ClientMessage::parse(r#"{"type":"subscribe","topics":[]}"#, 64).unwrap_err().kind();
/// assert_eq!(kind, WireErrorKind::Invalid);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireErrorKind {
    /// The text is not JSON.
    NotJson,
    /// The JSON is not an object.
    NotAnObject,
    /// `type` is missing, not a string, or not a message of this direction (e.g. a newer protocol's).
    UnknownType,
    /// A known message with a missing or malformed field.
    Invalid,
    /// A client message naming more topics than the limit given to [`ClientMessage::parse`].
    TooManyTopics,
}

/// The `200` body of `GET <base>/snapshot?topic=…`: `{"revision","epoch","data"}`, in that order.
///
/// The response carries `ETag: "<percent-encoded epoch>:<revision>"`, opaque to clients: send it back
/// as `If-None-Match`, and a `304 Not Modified` (no body) means the snapshot held is still current.
/// `data` is required (it may be `null`); `epoch` is required here, unlike in a [`SnapshotEnvelope`],
/// into which it converts.
///
/// # Examples
///
/// ```
/// use state_sync::wire::SnapshotResponse;
/// use state_sync::{Revision, SnapshotEnvelope};
///
/// let body = r#"{"revision":"13","epoch":"e1","data":{"cards":["a"]}}"#;
/// let response: SnapshotResponse = serde_json::from_str(body)?;
/// assert_eq!(response.revision, Revision::new(13));
/// assert_eq!(serde_json::to_string(&response)?, body);
/// let envelope: SnapshotEnvelope<serde_json::Value> = response.into();
/// assert_eq!(envelope.epoch.as_deref(), Some("e1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// [`SnapshotEnvelope`]: crate::SnapshotEnvelope
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct SnapshotResponse<T = Value> {
    /// The revision `data` is at.
    pub revision: Revision,
    /// The topic's epoch.
    pub epoch: String,
    /// The state (the topic's initial value while it was never written).
    #[serde(deserialize_with = "crate::protocol::required")]
    pub data: T,
}

impl<T> From<SnapshotResponse<T>> for crate::SnapshotEnvelope<T> {
    fn from(response: SnapshotResponse<T>) -> Self {
        crate::SnapshotEnvelope::new(response.revision, response.data).with_epoch(response.epoch)
    }
}

/// The body of `POST <base>/write?topic=…` (when the server offers writes): replace the topic's state
/// with `data` if it still stands at `expectedRevision` in `epoch`. Serializes as
/// `{"epoch","expectedRevision","data"}`.
///
/// # Examples
///
/// ```
/// use state_sync::wire::WriteRequest;
/// use state_sync::Revision;
///
/// let request = WriteRequest { epoch: "e1".into(), expected_revision: Revision::new(3), data: vec!["a"] };
/// assert_eq!(serde_json::to_string(&request)?, r#"{"epoch":"e1","expectedRevision":"3","data":["a"]}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct WriteRequest<T = Value> {
    /// The epoch the writer read.
    pub epoch: String,
    /// The revision the writer read; the write fails with `409 conflict` if the topic moved on.
    pub expected_revision: Revision,
    /// The new state. Required (it may be `null`).
    #[serde(deserialize_with = "crate::protocol::required")]
    pub data: T,
}

/// The `200` body of a write: `{"revision","epoch"}`, where the topic stands after it.
///
/// # Examples
///
/// ```
/// use state_sync::wire::WriteResult;
/// use state_sync::Revision;
///
/// let result: WriteResult = serde_json::from_str(r#"{"revision":"4","epoch":"e1"}"#)?;
/// assert_eq!(result.revision, Revision::new(4));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WriteResult {
    /// The revision the write produced.
    pub revision: Revision,
    /// The topic's epoch.
    pub epoch: String,
}

fn deserialize_http_code<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<ErrorCode, D::Error> {
    match ErrorCode::deserialize(deserializer)? {
        ErrorCode::TooManySubscriptions => Err(D::Error::custom(
            "`too_many_subscriptions` is not an HTTP error code",
        )),
        code => Ok(code),
    }
}

/// The body of every 4xx/5xx answer: `{"error","message","revision"?,"epoch"?}`.
///
/// `revision` and `epoch` come with a `409 conflict` when the server knows where the topic stands.
/// Status codes: `400 bad_request`, `403 forbidden`, `404`/`405 not_found`, `409 conflict`,
/// `413 too_large`, `503 unavailable`, `500 internal`; `too_many_subscriptions` never appears here.
///
/// # Examples
///
/// ```
/// use state_sync::wire::{ErrorBody, ErrorCode};
/// use state_sync::Revision;
///
/// let body: ErrorBody = serde_json::from_str(
///     r#"{"error":"conflict","message":"Topic \"a\" moved on.","revision":"5","epoch":"e1"}"#,
/// )?;
/// assert_eq!(body.error, ErrorCode::Conflict);
/// assert_eq!(body.revision, Some(Revision::new(5)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    #[serde(deserialize_with = "deserialize_http_code")]
    pub error: ErrorCode,
    /// For humans.
    pub message: String,
    /// Where the topic stands (with a conflict, when known).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::protocol::present"
    )]
    pub revision: Option<Revision>,
    /// The topic's epoch (with a conflict, when known).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::protocol::present"
    )]
    pub epoch: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn heartbeat_ms_is_read_exactly() {
        let hello = |ms: &str| {
            ServerMessage::parse(&format!(
                r#"{{"type":"hello","protocol":1,"heartbeatMs":{ms}}}"#
            ))
        };
        let ms = |ms: &str| match hello(ms) {
            Ok(ServerMessage::Hello(hello)) => Some(hello.heartbeat_ms.get()),
            _ => None,
        };
        assert_eq!(ms("18446744073709551615"), Some(u64::MAX));
        assert_eq!(ms("15000.0"), Some(15_000));
        assert_eq!(ms("1e3"), Some(1_000));
        assert_eq!(ms("0"), None);
        assert_eq!(ms("-1"), None);
        assert_eq!(ms("1.5"), None);
        assert_eq!(ms("18446744073709551616"), None); // past u64, a float in serde_json
        assert_eq!(ms("9007199254740994.0"), None); // a float past 2^53 may not be exact
        assert_eq!(ms("\"15000\""), None);
        assert_eq!(hello("0").unwrap_err().kind(), WireErrorKind::Invalid);
    }

    #[test]
    fn protocol_accepts_one_only() {
        for protocol in ["1", "1.0"] {
            let text = format!(r#"{{"type":"hello","protocol":{protocol},"heartbeatMs":5}}"#);
            assert!(ServerMessage::parse(&text).is_ok(), "{text}");
        }
        for protocol in ["2", "0", "-1", "\"1\"", "null", "true"] {
            let text = format!(r#"{{"type":"hello","protocol":{protocol},"heartbeatMs":5}}"#);
            let error = ServerMessage::parse(&text).unwrap_err();
            assert_eq!(error.kind(), WireErrorKind::Invalid, "{text}");
        }
    }

    #[test]
    fn poke_data_null_is_a_plain_invalidation_and_is_never_written() {
        let message = ServerMessage::parse(
            r#"{"type":"poke","topic":"a","revision":"1","epoch":"e","data":null}"#,
        )
        .unwrap();
        assert_eq!(
            message,
            ServerMessage::Poke(Poke::new("a", Revision::new(1), "e"))
        );
        let null =
            ServerMessage::Poke(Poke::new("a", Revision::new(1), "e").with_data(Value::Null));
        assert!(serde_json::to_string(&null)
            .unwrap_err()
            .to_string()
            .contains("must not be null"));
    }

    #[test]
    fn invalid_topics_are_neither_read_nor_written() {
        let astral = "😀".repeat(513);
        assert_eq!(astral.chars().count(), 513);
        for topic in [String::new(), "a".repeat(1025), astral] {
            let poke = ServerMessage::Poke(Poke::new(topic.clone(), Revision::ZERO, "e"));
            assert!(serde_json::to_string(&poke).is_err());
            let text = json!({"type": "poke", "topic": topic, "revision": "0", "epoch": "e"});
            assert!(ServerMessage::parse(&text.to_string()).is_err());
            let error = ServerMessage::Error(
                ErrorMessage::new(ErrorCode::Forbidden, "x").with_topic(topic.clone()),
            );
            assert!(serde_json::to_string(&error).is_err());
            let subscribe = ClientMessage::Subscribe {
                topics: vec![topic.clone()],
            };
            assert!(serde_json::to_string(&subscribe).is_err());
        }
        let empty = ClientMessage::Subscribe { topics: Vec::new() };
        assert!(serde_json::to_string(&empty).is_err());
    }

    #[test]
    fn error_kinds_and_messages() {
        let kind = |text: &str| ServerMessage::parse(text).unwrap_err().kind();
        assert_eq!(kind(""), WireErrorKind::NotJson);
        assert_eq!(kind("{\"type\":\"poke\""), WireErrorKind::NotJson);
        assert_eq!(kind("null"), WireErrorKind::NotAnObject);
        assert_eq!(kind("{}"), WireErrorKind::UnknownType);
        assert_eq!(kind(r#"{"type":5}"#), WireErrorKind::UnknownType);
        assert_eq!(
            kind(r#"{"type":"subscribe","topics":["a"]}"#),
            WireErrorKind::UnknownType
        );
        let message = ServerMessage::parse(&format!(r#"{{"type":"{}"}}"#, "x".repeat(100)))
            .unwrap_err()
            .to_string();
        assert!(message.contains('…') && message.len() < 200, "{message}");
        let message =
            ServerMessage::parse(r#"{"type":"poke","topic":"a","revision":"012","epoch":"e"}"#)
                .unwrap_err()
                .to_string();
        assert!(message.contains("leading zero"), "{message}");
    }

    #[test]
    fn a_duplicated_key_keeps_its_last_value_as_in_javascript() {
        let message = ClientMessage::parse(
            r#"{"type":"unsubscribe","topics":["a"],"type":"subscribe"}"#,
            64,
        )
        .unwrap();
        assert_eq!(
            message,
            ClientMessage::Subscribe {
                topics: vec!["a".into()]
            }
        );
    }

    #[test]
    fn http_bodies() {
        let missing_data =
            serde_json::from_str::<SnapshotResponse<Option<u8>>>(r#"{"revision":"1","epoch":"e"}"#);
        assert!(missing_data.is_err());
        let null_data: SnapshotResponse =
            serde_json::from_str(r#"{"revision":"1","epoch":"e","data":null}"#).unwrap();
        assert_eq!(null_data.data, Value::Null);
        assert!(serde_json::from_str::<ErrorBody>(
            r#"{"error":"too_many_subscriptions","message":"x"}"#
        )
        .is_err());
        assert!(serde_json::from_str::<ErrorBody>(
            r#"{"error":"conflict","message":"x","epoch":null}"#
        )
        .is_err());
        assert!(serde_json::from_str::<WriteRequest>(
            r#"{"epoch":"e","expectedRevision":3,"data":1}"#
        )
        .is_err());
    }
}
