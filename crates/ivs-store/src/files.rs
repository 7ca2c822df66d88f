//! Verification files through `object_store`: a local directory by default (S3-compatible
//! storage plugs in behind the same trait).
use crate::Result;
use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
}

/// An object read back.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub bytes: Bytes,
}

impl Files {
    /// Files under a local directory (created when missing).
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            crate::StoreError::Config(format!("cannot create files directory {}: {e}", dir.display()))
        })?;
        Ok(Files {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
        })
    }

    pub fn from_store(store: Arc<dyn ObjectStore>) -> Self {
        Files { store }
    }

    /// The object key of a verification's image.
    pub fn key_for(scan_ref: &str, kind: &str) -> String {
        format!("verifications/{scan_ref}/{kind}")
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.store
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Option<StoredObject>> {
        match self.store.get(&ObjectPath::from(key)).await {
            Ok(r) => Ok(Some(StoredObject {
                bytes: r.bytes().await?,
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes an object; deleting one that is already gone succeeds.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Storage reachability probe.
    pub async fn ping(&self) -> Result<()> {
        use futures::StreamExt;
        let mut listing = self.store.list(Some(&ObjectPath::from("verifications")));
        match listing.next().await {
            None | Some(Ok(_)) | Some(Err(object_store::Error::NotFound { .. })) => Ok(()),
            Some(Err(e)) => Err(e.into()),
        }
    }
}
