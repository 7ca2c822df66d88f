//! Verification files through `object_store`: a local directory by default, or an S3-compatible
//! bucket. With S3, clients fetch files through presigned URLs of the bucket; with a directory,
//! through this server's signed `/files/{token}` links (see [`crate::links`]).
use crate::Result;
use bytes::Bytes;
use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::signer::Signer;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, PutOptions, PutPayload, RetryConfig,
};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    /// Present when the backend serves presigned URLs itself (S3).
    signer: Option<Arc<dyn Signer>>,
    /// Set `Content-Type` on upload (object stores that keep attributes; not a directory).
    typed: bool,
}

/// An object read back.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub bytes: Bytes,
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
}

/// Where an S3-compatible bucket is and how to sign for it.
#[derive(Clone, Default)]
pub struct S3Settings {
    /// e.g. `https://s3.eu-central-1.amazonaws.com` or `http://127.0.0.1:9000`; empty means AWS
    /// for `region`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    /// Empty: credentials come from the AWS environment (`AWS_ACCESS_KEY_ID`, …, instance metadata).
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Allow a plain-HTTP endpoint (test servers, a MinIO on loopback).
    pub allow_http: bool,
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`.
    pub path_style: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("allow_http", &self.allow_http)
            .field("path_style", &self.path_style)
            .finish()
    }
}

/// The MIME type of an image by its magic bytes (the server accepts only these).
fn sniff_content_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "application/octet-stream"
    }
}

impl Files {
    /// Files under a local directory (created when missing).
    pub fn local(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            crate::StoreError::Config(format!("cannot create files directory {}: {e}", dir.display()))
        })?;
        Ok(Files {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
            signer: None,
            typed: false,
        })
    }

    /// Files in an S3-compatible bucket. Builds the client only: nothing is sent until first use
    /// (see [`Files::ping`]).
    pub fn s3(s: &S3Settings) -> Result<Self> {
        if s.bucket.is_empty() {
            return Err(crate::StoreError::Config(
                "files.bucket is required for S3".into(),
            ));
        }
        let mut b = if s.access_key_id.is_empty() {
            AmazonS3Builder::from_env()
        } else {
            AmazonS3Builder::new()
                .with_access_key_id(&s.access_key_id)
                .with_secret_access_key(&s.secret_access_key)
        };
        // fail within seconds when the endpoint is down (readiness probes, CLI runs) instead of
        // object_store's default of retrying for up to three minutes
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 3,
            retry_timeout: Duration::from_secs(20),
        };
        let client = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(60))
            .with_allow_http(s.allow_http);
        b = b
            .with_bucket_name(&s.bucket)
            .with_client_options(client)
            .with_retry(retry)
            .with_virtual_hosted_style_request(!s.path_style);
        if !s.region.is_empty() {
            b = b.with_region(&s.region);
        }
        if !s.endpoint.is_empty() {
            b = b.with_endpoint(s.endpoint.trim_end_matches('/'));
        }
        let s3 = Arc::new(b.build()?);
        Ok(Files {
            store: s3.clone(),
            signer: Some(s3),
            typed: true,
        })
    }

    pub fn from_store(store: Arc<dyn ObjectStore>) -> Self {
        Files {
            store,
            signer: None,
            typed: false,
        }
    }

    /// True when clients fetch files from the store itself through presigned URLs.
    pub fn presigns(&self) -> bool {
        self.signer.is_some()
    }

    /// The object key of a verification's image.
    pub fn key_for(scan_ref: &str, kind: &str) -> String {
        format!("verifications/{scan_ref}/{kind}")
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        let mut opts = PutOptions::default();
        if self.typed {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, sniff_content_type(&bytes).into());
            opts.attributes = attributes;
        }
        self.store
            .put_opts(&ObjectPath::from(key), PutPayload::from(bytes), opts)
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

    /// The size of an object, `None` when it does not exist.
    pub async fn size(&self, key: &str) -> Result<Option<u64>> {
        match self.store.head(&ObjectPath::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every object under `prefix` (all objects when empty), in no particular order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>> {
        let prefix = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
        let mut listing = self.store.list(prefix.as_ref());
        let mut out = Vec::new();
        while let Some(item) = listing.next().await {
            match item {
                Ok(meta) => out.push(ObjectInfo {
                    key: meta.location.to_string(),
                    size: meta.size,
                }),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }

    /// A presigned GET URL valid for `ttl` when the store signs its own URLs (S3); `None` for a
    /// directory, whose files the server hands out itself.
    pub async fn presigned_get(&self, key: &str, ttl: Duration) -> Result<Option<String>> {
        let Some(signer) = &self.signer else {
            return Ok(None);
        };
        let url = signer
            .signed_url(reqwest::Method::GET, &ObjectPath::from(key), ttl)
            .await?;
        Ok(Some(url.to_string()))
    }

    /// Deletes an object; deleting one that is already gone succeeds.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Storage reachability probe (for S3 a listing request: endpoint, bucket and credentials),
    /// answered within 10 seconds.
    pub async fn ping(&self) -> Result<()> {
        let mut listing = self.store.list(Some(&ObjectPath::from("verifications")));
        let first = tokio::time::timeout(Duration::from_secs(10), listing.next())
            .await
            .map_err(|_| crate::StoreError::Config("file storage did not answer within 10 s".into()))?;
        match first {
            None | Some(Ok(_)) => Ok(()),
            // a directory not written to yet; for a bucket, the bucket itself is missing
            Some(Err(object_store::Error::NotFound { .. })) if self.signer.is_none() => Ok(()),
            Some(Err(e)) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_accepted_image_types() {
        assert_eq!(sniff_content_type(&[0xff, 0xd8, 0xff, 0xe0]), "image/jpeg");
        assert_eq!(sniff_content_type(b"\x89PNG\r\n\x1a\nrest"), "image/png");
        assert_eq!(sniff_content_type(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(sniff_content_type(b"GIF89a"), "application/octet-stream");
    }

    #[tokio::test]
    async fn a_directory_lists_sizes_and_does_not_presign() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::local(dir.path()).unwrap();
        files
            .put("verifications/a/FRONT", Bytes::from_static(b"12345"))
            .await
            .unwrap();
        files
            .put("verifications/b/FACE", Bytes::from_static(b"12"))
            .await
            .unwrap();
        let mut all = files.list("").await.unwrap();
        all.sort_by(|a, b| a.key.cmp(&b.key));
        assert_eq!(
            all,
            vec![
                ObjectInfo {
                    key: "verifications/a/FRONT".into(),
                    size: 5
                },
                ObjectInfo {
                    key: "verifications/b/FACE".into(),
                    size: 2
                },
            ]
        );
        assert_eq!(files.size("verifications/a/FRONT").await.unwrap(), Some(5));
        assert_eq!(files.size("verifications/zz/FRONT").await.unwrap(), None);
        assert!(!files.presigns());
        assert_eq!(
            files
                .presigned_get("verifications/a/FRONT", Duration::from_secs(60))
                .await
                .unwrap(),
            None
        );
    }
}
