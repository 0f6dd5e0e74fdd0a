//! The two messages of the protocol: invalidation events and snapshot envelopes.

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use serde_json::Value;

use crate::Revision;

/// "A revision at least this new exists for `topic`": the hint a source broadcasts after each change,
/// optionally carrying the snapshot it announces ("inline" data).
///
/// Serializes as `{"topic","revision","sourceId"?,"timestampMs"?,"epoch"?,"data"?}` in exactly that order,
/// with the optional fields omitted when `None` (never `null`), the same bytes as `JSON.stringify` of the
/// event parsed by `@statesync/core`.
///
/// Deserializing is as strict as the TypeScript `parseInvalidationEvent`: `topic` must be a non-empty
/// string, `revision` a canonical revision string, and the optional fields, when present, a string, a
/// non-negative integer, a string and any JSON value but `null` (a `null` optional field is rejected).
/// Unknown fields are ignored.
///
/// `data`, when present, is the state at `revision`: a reader may apply it as if it had fetched
/// `{"revision","data","epoch"}`, without asking the source. A state that serializes to `null` is never
/// sent inline (readers fetch it). Inline data is untrusted input like the rest of the event. Two deliberate
/// differences are listed in `conformance/README.md`: `timestampMs` must be an integer that fits `u64`
/// here (TypeScript accepts any finite number), and a duplicated key is an error here (JavaScript keeps
/// the last one).
///
/// Serializing an event with an empty `topic` fails, so such an event never reaches the wire.
///
/// # Examples
///
/// ```
/// use state_sync::{InvalidationEvent, Revision};
///
/// let event = InvalidationEvent::new("settings", Revision::new(8)).with_source_id("main");
/// assert_eq!(
///     serde_json::to_string(&event)?,
///     r#"{"topic":"settings","revision":"8","sourceId":"main"}"#
/// );
/// let parsed: InvalidationEvent = serde_json::from_str(r#"{"topic":"settings","revision":"8","sourceId":"main"}"#)?;
/// assert_eq!(parsed, event);
/// assert!(serde_json::from_str::<InvalidationEvent>(r#"{"topic":"settings","revision":8}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvalidationEvent {
    /// The resource that changed, e.g. `"settings"`. Never empty.
    #[serde(
        serialize_with = "serialize_topic",
        deserialize_with = "deserialize_topic"
    )]
    pub topic: String,
    /// The revision the resource reached.
    pub revision: Revision,
    /// Who made the change, so a writer can recognize its own echo.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub source_id: Option<String>,
    /// When the change was made, in milliseconds since the Unix epoch.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub timestamp_ms: Option<u64>,
    /// The source's epoch; readers always fetch when it differs from theirs.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub epoch: Option<String>,
    /// The state at `revision` ("inline" snapshot), when the source sends it; readers then skip the fetch.
    /// Never `Some(Value::Null)` on the wire: such an event fails to serialize, and `"data": null` is
    /// rejected when parsing.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_data",
        deserialize_with = "present"
    )]
    pub data: Option<Value>,
}

impl InvalidationEvent {
    /// An event with only `topic` and `revision`.
    ///
    /// ```
    /// use state_sync::{InvalidationEvent, Revision};
    /// let event = InvalidationEvent::new("settings", Revision::new(1));
    /// assert_eq!(serde_json::to_string(&event)?, r#"{"topic":"settings","revision":"1"}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn new(topic: impl Into<String>, revision: Revision) -> Self {
        InvalidationEvent {
            topic: topic.into(),
            revision,
            source_id: None,
            timestamp_ms: None,
            epoch: None,
            data: None,
        }
    }

    /// Sets `sourceId`.
    ///
    /// ```
    /// use state_sync::{InvalidationEvent, Revision};
    /// let event = InvalidationEvent::new("settings", Revision::new(1)).with_source_id("main");
    /// assert_eq!(event.source_id.as_deref(), Some("main"));
    /// ```
    #[must_use]
    pub fn with_source_id(mut self, source_id: impl Into<String>) -> Self {
        self.source_id = Some(source_id.into());
        self
    }

    /// Sets `timestampMs`.
    ///
    /// ```
    /// use state_sync::{InvalidationEvent, Revision};
    /// let event = InvalidationEvent::new("settings", Revision::new(1)).with_timestamp_ms(1_700_000_000_000);
    /// assert_eq!(event.timestamp_ms, Some(1_700_000_000_000));
    /// ```
    #[must_use]
    pub fn with_timestamp_ms(mut self, timestamp_ms: u64) -> Self {
        self.timestamp_ms = Some(timestamp_ms);
        self
    }

    /// Sets `epoch`.
    ///
    /// ```
    /// use state_sync::{InvalidationEvent, Revision};
    /// let event = InvalidationEvent::new("settings", Revision::new(1)).with_epoch("boot-2");
    /// assert_eq!(serde_json::to_string(&event)?, r#"{"topic":"settings","revision":"1","epoch":"boot-2"}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_epoch(mut self, epoch: impl Into<String>) -> Self {
        self.epoch = Some(epoch.into());
        self
    }

    /// Sets `data`, the inline snapshot at `revision`.
    ///
    /// ```
    /// use state_sync::{InvalidationEvent, Revision};
    /// let event = InvalidationEvent::new("settings", Revision::new(1)).with_data(serde_json::json!({"theme": "dark"}));
    /// assert_eq!(
    ///     serde_json::to_string(&event)?,
    ///     r#"{"topic":"settings","revision":"1","data":{"theme":"dark"}}"#
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// The canonical state of a topic at `revision`: what a `get_snapshot` command returns.
///
/// Serializes as `{"revision","data","epoch"?}` in that order, `epoch` omitted when `None`. Deserializing
/// requires `revision` (a canonical string) and `data` (present, even if `null`); `epoch`, when present,
/// must be a string. Unknown fields are ignored.
///
/// # Examples
///
/// ```
/// use state_sync::{Revision, SnapshotEnvelope};
///
/// let envelope = SnapshotEnvelope::new(Revision::new(3), vec!["a", "b"]).with_epoch("boot-1");
/// assert_eq!(serde_json::to_string(&envelope)?, r#"{"revision":"3","data":["a","b"],"epoch":"boot-1"}"#);
/// assert!(serde_json::from_str::<SnapshotEnvelope<Option<u8>>>(r#"{"revision":"3"}"#).is_err()); // no data
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct SnapshotEnvelope<T> {
    /// The revision `data` is at.
    pub revision: Revision,
    /// The state. Required on the wire: with `deserialize_with`, serde reports a missing `data` even when
    /// `T` is an `Option`, as the TypeScript parser does.
    #[serde(deserialize_with = "required")]
    pub data: T,
    /// The source's epoch, when it announces one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub epoch: Option<String>,
}

impl<T> SnapshotEnvelope<T> {
    /// An envelope without epoch.
    ///
    /// ```
    /// use state_sync::{Revision, SnapshotEnvelope};
    /// let envelope = SnapshotEnvelope::new(Revision::new(2), 5);
    /// assert_eq!(serde_json::to_string(&envelope)?, r#"{"revision":"2","data":5}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn new(revision: Revision, data: T) -> Self {
        SnapshotEnvelope {
            revision,
            data,
            epoch: None,
        }
    }

    /// Sets `epoch`.
    ///
    /// ```
    /// use state_sync::{Revision, SnapshotEnvelope};
    /// let envelope = SnapshotEnvelope::new(Revision::new(2), 5).with_epoch("boot-1");
    /// assert_eq!(envelope.epoch.as_deref(), Some("boot-1"));
    /// ```
    #[must_use]
    pub fn with_epoch(mut self, epoch: impl Into<String>) -> Self {
        self.epoch = Some(epoch.into());
        self
    }
}

const EMPTY_TOPIC: &str = "`topic` must be a non-empty string";

fn serialize_topic<S: Serializer>(topic: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if topic.is_empty() {
        return Err(S::Error::custom(EMPTY_TOPIC));
    }
    serializer.serialize_str(topic)
}

// serde's `serialize_with` hands over `&Option<Value>`.
#[allow(clippy::ref_option)]
pub(crate) fn serialize_data<S: Serializer>(
    data: &Option<Value>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match data {
        Some(Value::Null) => Err(S::Error::custom(
            "inline `data` must not be null: leave it out (None) and let readers fetch",
        )),
        other => other.serialize(serializer),
    }
}

fn deserialize_topic<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let topic = String::deserialize(deserializer)?;
    if topic.is_empty() {
        return Err(D::Error::custom(EMPTY_TOPIC));
    }
    Ok(topic)
}

/// An optional field that, when present, must hold a value: `null` is rejected (the field is omitted instead).
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(deserializer)?
        .map(Some)
        .ok_or_else(|| D::Error::custom("an optional field must be omitted rather than null"))
}

/// A field that must be present. Plain `T::deserialize`, but `deserialize_with` makes serde report a missing
/// field instead of substituting `None` for an `Option`.
pub(crate) fn required<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::deserialize(deserializer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn full_event_keeps_the_wire_order() {
        let event = InvalidationEvent::new("t", Revision::new(2))
            .with_epoch("e")
            .with_timestamp_ms(5)
            .with_source_id("s");
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"topic":"t","revision":"2","sourceId":"s","timestampMs":5,"epoch":"e"}"#
        );
    }

    #[test]
    fn inline_data_comes_last_and_null_data_never_reaches_the_wire() {
        let event = InvalidationEvent::new("t", Revision::new(2))
            .with_data(json!({"b": [1, 2], "a": "x"}))
            .with_epoch("e");
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"topic":"t","revision":"2","epoch":"e","data":{"a":"x","b":[1,2]}}"#
        );
        let null = InvalidationEvent::new("t", Revision::new(2)).with_data(Value::Null);
        assert!(serde_json::to_string(&null)
            .unwrap_err()
            .to_string()
            .contains("must not be null"));
        let error = serde_json::from_value::<InvalidationEvent>(
            json!({"topic": "t", "revision": "1", "data": null}),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "an optional field must be omitted rather than null"
        );
    }

    #[test]
    fn empty_topic_is_not_serialized() {
        let error = serde_json::to_string(&InvalidationEvent::new("", Revision::ZERO)).unwrap_err();
        assert_eq!(error.to_string(), EMPTY_TOPIC);
    }

    #[test]
    fn null_optional_fields_are_rejected_with_a_reason() {
        let error = serde_json::from_value::<InvalidationEvent>(
            json!({"topic": "t", "revision": "1", "epoch": null}),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "an optional field must be omitted rather than null"
        );
    }

    #[test]
    fn envelope_data_may_be_null_but_not_missing() {
        let ok: SnapshotEnvelope<Value> =
            serde_json::from_value(json!({"revision": "1", "data": null})).unwrap();
        assert_eq!(ok.data, Value::Null);
        let error =
            serde_json::from_value::<SnapshotEnvelope<Option<u8>>>(json!({"revision": "1"}))
                .unwrap_err();
        assert_eq!(error.to_string(), "missing field `data`");
    }
}
