//! Moving an installation: every object of one file store into another (`ivs migrate-files`).
use crate::{Files, Result};

// ---- files --------------------------------------------------------------------------------

/// What [`copy_files`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FilesCopyReport {
    /// Objects in the source.
    pub objects: u64,
    /// Copied now.
    pub copied: u64,
    /// Already in the target with the same size.
    pub skipped: u64,
    /// Removed from the source (`delete_source`), each after the target was seen to hold it.
    pub deleted: u64,
    pub bytes_copied: u64,
}

/// Copies every object of `from` into `to` under the same key. Objects the target already holds
/// with the same size are skipped, so an interrupted run is resumed by running it again (an
/// object store write is all or nothing: a cut-off upload leaves no object behind). With
/// `delete_source`, each source object is deleted once the target holds it.
pub async fn copy_files(
    from: &Files,
    to: &Files,
    delete_source: bool,
    mut progress: impl FnMut(&FilesCopyReport),
) -> Result<FilesCopyReport> {
    let mut objects = from.list("").await?;
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    let mut report = FilesCopyReport {
        objects: objects.len() as u64,
        ..FilesCopyReport::default()
    };
    for o in objects {
        if to.size(&o.key).await? == Some(o.size) {
            report.skipped += 1;
        } else {
            // gone since the listing (deleted by the server meanwhile): nothing to copy
            let Some(obj) = from.get(&o.key).await? else {
                continue;
            };
            let len = obj.bytes.len() as u64;
            to.put(&o.key, obj.bytes).await?;
            report.copied += 1;
            report.bytes_copied += len;
        }
        if delete_source && to.size(&o.key).await? == Some(o.size) {
            from.delete(&o.key).await?;
            report.deleted += 1;
        }
        progress(&report);
    }
    Ok(report)
}
