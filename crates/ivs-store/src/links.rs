//! Where a client fetches a stored file: a presigned URL of the bucket when the files live in
//! S3-compatible storage, else a link to this server's `/files/{token}` signed by [`UrlSigner`].
//! `/api/v2/files` and the webhook `fileUrls` both come from here.
use crate::{Files, Result, StoredFile};
use ivs_core::links::UrlSigner;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct FileLinks {
    files: Files,
    signer: Arc<UrlSigner>,
}

impl FileLinks {
    pub fn new(files: Files, signer: Arc<UrlSigner>) -> Self {
        FileLinks { files, signer }
    }

    /// The signer of `/files/{token}` links.
    pub fn signer(&self) -> &Arc<UrlSigner> {
        &self.signer
    }

    /// `KIND → URL` for a verification's files, valid `ttl_secs` from `now`.
    pub async fn urls(
        &self,
        scan_ref: &str,
        files: &[StoredFile],
        now: i64,
        ttl_secs: i64,
    ) -> Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for f in files {
            let kind = f.kind.as_str();
            let ttl = Duration::from_secs(u64::try_from(ttl_secs).unwrap_or(0));
            let url = match self.files.presigned_get(&f.object_key, ttl).await? {
                Some(url) => url,
                None => self.signer.url(scan_ref, kind, now + ttl_secs),
            };
            out.insert(kind.to_owned(), url);
        }
        Ok(out)
    }
}
