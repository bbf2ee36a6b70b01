//! A local application store for previews (`site-gen serve`, `form-handler serve` without
//! DynamoDB) and benchmarks: applications in memory, appended to a JSON-lines file when a
//! path is given so they survive a restart.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{IDEMPOTENCY_WINDOW, NewApplication, Receipt, StoreError, Stored};

#[derive(Default)]
struct Inner {
    applications: Vec<NewApplication>,
    by_reference: HashMap<String, usize>,
    /// (form, idempotency key) -> index of the application.
    by_key: HashMap<(String, String), usize>,
}

/// Applications in memory, optionally also in a file.
pub struct LocalStore {
    path: Option<PathBuf>,
    inner: Mutex<Inner>,
    /// Woken for each new application (the preview's stream of applications to mail).
    added: tokio::sync::Notify,
}

impl LocalStore {
    /// A store that forgets everything when the process ends.
    pub fn in_memory() -> LocalStore {
        LocalStore {
            path: None,
            inner: Mutex::new(Inner::default()),
            added: tokio::sync::Notify::new(),
        }
    }

    /// A store kept in the JSON-lines file `path` (created if missing).
    pub fn open(path: &Path) -> std::io::Result<LocalStore> {
        LocalStore::read(path, true)
    }

    /// The store in the JSON-lines file `path`, which must exist (for the export: a
    /// mistyped path is an error, not an empty list of applications).
    pub fn open_existing(path: &Path) -> std::io::Result<LocalStore> {
        LocalStore::read(path, false)
    }

    fn read(path: &Path, create: bool) -> std::io::Result<LocalStore> {
        let mut inner = Inner::default();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for (i, line) in text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    let app: NewApplication = serde_json::from_str(line).map_err(|e| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("{}:{}: {e}", path.display(), i + 1),
                        )
                    })?;
                    inner.index(app);
                }
            }
            Err(e) if create && e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
            }
            Err(e) => return Err(e),
        }
        Ok(LocalStore {
            path: Some(path.to_path_buf()),
            inner: Mutex::new(inner),
            added: tokio::sync::Notify::new(),
        })
    }

    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("local file {}", p.display()),
            None => "memory (nothing is kept after exit)".to_string(),
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Inconsistent("the local store is poisoned"))
    }

    pub fn put(&self, app: &NewApplication) -> Result<Stored, StoreError> {
        let mut inner = self.lock()?;
        let key = (app.form_id.clone(), app.idempotency_key.clone());
        if let Some(&i) = inner.by_key.get(&key) {
            let first = &inner.applications[i];
            if app.received_at.duration_since(first.received_at) < IDEMPOTENCY_WINDOW {
                return Ok(Stored::repeat_of(
                    app,
                    &first.content_hash,
                    receipt_of(first),
                ));
            }
        }
        if inner.by_reference.contains_key(&app.reference) {
            return Err(StoreError::Inconsistent("reference already used"));
        }
        if let Some(path) = &self.path {
            let file_error = |source| StoreError::File {
                path: path.clone(),
                source,
            };
            let mut line =
                serde_json::to_string(app).map_err(|e| file_error(std::io::Error::other(e)))?;
            line.push('\n');
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(file_error)?;
            file.write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(file_error)?;
        }
        inner.index(app.clone());
        drop(inner);
        self.added.notify_waiters();
        Ok(Stored::New(receipt_of(app)))
    }

    pub fn receipt(&self, reference: &str) -> Result<Option<(String, Receipt)>, StoreError> {
        let inner = self.lock()?;
        Ok(inner.by_reference.get(reference).map(|&i| {
            let app = &inner.applications[i];
            (app.form_id.clone(), receipt_of(app))
        }))
    }

    /// The applications stored after the first `seen`, in the order they were stored, and
    /// how many there are in all (the `seen` of the next call): the local store's stream.
    pub fn since(&self, seen: usize) -> Result<(Vec<NewApplication>, usize), StoreError> {
        let inner = self.lock()?;
        let all = inner.applications.len();
        Ok((inner.applications[seen.min(all)..].to_vec(), all))
    }

    /// Waits until an application is stored. Make the future before calling
    /// [`LocalStore::since`], so that nothing stored in between is missed.
    pub fn added(&self) -> tokio::sync::futures::Notified<'_> {
        self.added.notified()
    }

    pub fn list(
        &self,
        form_id: &str,
        round: Option<&str>,
    ) -> Result<Vec<NewApplication>, StoreError> {
        let inner = self.lock()?;
        let mut out: Vec<NewApplication> = inner
            .applications
            .iter()
            .filter(|a| a.form_id == form_id && round.is_none_or(|r| a.round == r))
            .cloned()
            .collect();
        out.sort_by(|a, b| (a.received_at, &a.reference).cmp(&(b.received_at, &b.reference)));
        Ok(out)
    }
}

impl Inner {
    fn index(&mut self, app: NewApplication) {
        let i = self.applications.len();
        self.by_reference.insert(app.reference.clone(), i);
        self.by_key
            .insert((app.form_id.clone(), app.idempotency_key.clone()), i);
        self.applications.push(app);
    }
}

fn receipt_of(app: &NewApplication) -> Receipt {
    Receipt {
        reference: app.reference.clone(),
        received_at: app.received_at,
        round: app.round.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(reference: &str, key: &str, hash: &str, at: &str) -> NewApplication {
        NewApplication {
            reference: reference.into(),
            form_id: "f".into(),
            form_version: 1,
            round: "2019-03".into(),
            received_at: at.parse().unwrap(),
            fields: Default::default(),
            privacy_notice_version: "v".into(),
            idempotency_key: key.into(),
            content_hash: hash.into(),
            expires_at: "2030-01-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_key_is_one_application_and_other_content_under_it_is_refused() {
        let store = LocalStore::in_memory();
        let first = app("AAAAAAAA2", "client:k", "h1", "2019-03-01T10:00:00Z");
        assert!(matches!(store.put(&first), Ok(Stored::New(_))));
        let retry = app("BBBBBBBB2", "client:k", "h1", "2019-03-01T10:01:00Z");
        match store.put(&retry) {
            Ok(Stored::Repeat(r)) => assert_eq!(r.reference, "AAAAAAAA2"),
            other => panic!("{other:?}"),
        }
        let changed = app("CCCCCCCC2", "client:k", "h2", "2019-03-01T10:02:00Z");
        assert_eq!(store.put(&changed).unwrap(), Stored::KeyReused);
        // After the 24-hour window the key is free again.
        let later = app("DDDDDDDD2", "client:k", "h2", "2019-03-02T10:00:01Z");
        assert!(matches!(store.put(&later), Ok(Stored::New(_))));
        assert_eq!(store.list("f", None).unwrap().len(), 2);
    }

    #[test]
    fn an_application_stored_before_content_hashes_counts_as_a_repeat() {
        let store = LocalStore::in_memory();
        let old = app("AAAAAAAA2", "client:k", "", "2019-03-01T10:00:00Z");
        store.put(&old).unwrap();
        let retry = app("BBBBBBBB2", "client:k", "h1", "2019-03-01T10:01:00Z");
        assert!(matches!(store.put(&retry), Ok(Stored::Repeat(_))));
    }

    #[test]
    fn the_export_does_not_create_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope/applications.jsonl");
        let e = LocalStore::open_existing(&path).err().unwrap();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        assert!(!dir.path().join("nope").exists());
        LocalStore::open(&path).unwrap();
        assert!(dir.path().join("nope").exists());
    }
}
