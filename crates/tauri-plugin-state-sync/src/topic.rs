//! Topics of any serde type behind one object-safe trait, so the plugin can serve them by name.

use std::any::{type_name, Any};
use std::io;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;
use state_sync::{Persister, Revision, SnapshotEnvelope, SnapshotSource};

use crate::Error;

/// A [`SnapshotSource`] seen without its type.
pub(crate) trait ErasedTopic: Send + Sync {
    fn snapshot_json(&self) -> Result<Box<RawValue>, Error>;
    fn replace_json(&self, data: Value) -> Result<Revision, Error>;
    fn revision(&self) -> Revision;
    fn type_name(&self) -> &'static str;
    /// The typed `SnapshotSource<T>`, for downcasting.
    fn as_any(&self) -> &dyn Any;
    /// Writes a pending save now (persisted topics only).
    fn flush(&self) -> io::Result<()> {
        Ok(())
    }
}

impl<T> ErasedTopic for SnapshotSource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn snapshot_json(&self) -> Result<Box<RawValue>, Error> {
        // Serialized under the source's lock, straight from the state: no clone, fields in declaration order.
        self.read(|state, revision| {
            let envelope = SnapshotEnvelope {
                revision,
                data: state,
                epoch: self.epoch().map(str::to_owned),
            };
            serde_json::value::to_raw_value(&envelope)
        })
        .map_err(|source| Error::Serialize {
            topic: self.topic().to_owned(),
            source,
        })
    }

    fn replace_json(&self, data: Value) -> Result<Revision, Error> {
        // Deserialized before the lock is taken: bad input changes nothing and costs the writers nothing.
        let value = T::deserialize(data).map_err(|source| Error::InvalidData {
            topic: self.topic().to_owned(),
            source,
        })?;
        self.set(value).map_err(|_| Error::RevisionOverflow {
            topic: self.topic().to_owned(),
        })
    }

    fn revision(&self) -> Revision {
        SnapshotSource::revision(self)
    }

    fn type_name(&self) -> &'static str {
        type_name::<T>()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A topic saved to a file by a background [`Persister`] after its changes.
pub(crate) struct Persisted<T> {
    pub(crate) source: Arc<SnapshotSource<T>>,
    pub(crate) persister: Persister,
}

impl<T> ErasedTopic for Persisted<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn snapshot_json(&self) -> Result<Box<RawValue>, Error> {
        self.source.snapshot_json()
    }

    fn replace_json(&self, data: Value) -> Result<Revision, Error> {
        self.source.replace_json(data)
    }

    fn revision(&self) -> Revision {
        self.source.revision()
    }

    fn type_name(&self) -> &'static str {
        type_name::<T>()
    }

    fn as_any(&self) -> &dyn Any {
        &*self.source
    }

    fn flush(&self) -> io::Result<()> {
        self.persister.flush()
    }
}
