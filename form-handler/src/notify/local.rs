//! Mails in a folder, for previews: each mail is written as `<reference>-<kind>.eml` (the
//! folder is the outbox), and a mail whose file exists is marked sent. Nothing leaves the
//! machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Mark, Marks, Outbox, SendError};
use crate::mail::{Address, Mail, MailKind, mime};
use crate::store::StoreError;

/// A folder of `.eml` files.
#[derive(Debug, Clone)]
pub struct MailDir {
    dir: PathBuf,
    from: Address,
}

impl MailDir {
    /// Mails from `from` into `dir` (made when the first mail is written).
    pub fn new(dir: impl Into<PathBuf>, from: Address) -> MailDir {
        MailDir {
            dir: dir.into(),
            from,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a mail.
    pub fn file(&self, reference: &str, kind: MailKind) -> PathBuf {
        self.dir.join(format!("{reference}-{}.eml", kind.as_str()))
    }
}

impl Outbox for MailDir {
    async fn send(&self, mail: &Mail) -> Result<String, SendError> {
        let path = self.file(&mail.reference, mail.kind);
        let eml = mime::to_eml(mail, &self.from, jiff::Timestamp::now());
        let io = |e: std::io::Error| SendError::Transient(format!("{:?}", e.kind()));
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        // Whole or not at all: a half-written file would count as sent.
        let partial = path.with_extension("eml.partial");
        std::fs::write(&partial, eml).map_err(io)?;
        std::fs::rename(&partial, &path).map_err(io)?;
        Ok(path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default())
    }
}

impl Marks for MailDir {
    async fn marks(&self, reference: &str) -> Result<BTreeMap<MailKind, Mark>, StoreError> {
        Ok(MailKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let file = self.file(reference, kind);
                file.exists().then(|| {
                    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
                    (kind, Mark::Sent(name.unwrap_or_default()))
                })
            })
            .collect())
    }

    /// The file is the mark: written by [`Outbox::send`] already.
    async fn mark(&self, _: &str, _: MailKind, _: &Mark) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The preview's stream: delivers the mails of every application in `state`'s local store
/// into `outbox`, those stored before the start first, then each one as it is stored (the
/// HTTP answer never waits for it). Returns at once when the store is not local. The forms
/// and mail texts are the handler's current ones, so a preview follows the editors' edits.
pub async fn follow(
    state: std::sync::Arc<crate::http::AppState>,
    outbox: MailDir,
    site_url: String,
) {
    // Without the `aws` feature the local store is the only kind, so the pattern cannot fail.
    #[allow(irrefutable_let_patterns)]
    let crate::store::Store::Local(store) = &state.store else {
        return;
    };
    let mut seen = 0;
    loop {
        let added = store.added();
        tokio::pin!(added);
        added.as_mut().enable();
        match store.since(seen) {
            Ok((applications, all)) => {
                seen = all;
                for app in &applications {
                    let forms = state.forms();
                    match super::deliver(&forms, &site_url, app, &outbox, &outbox).await {
                        Ok(delivery) => super::log(&delivery),
                        Err(e) => {
                            tracing::warn!(reference = %app.reference, error = %e, "mail not delivered")
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "the local store could not be read"),
        }
        added.await;
    }
}
