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
}

impl LocalStore {
    /// A store that forgets everything when the process ends.
    pub fn in_memory() -> LocalStore {
        LocalStore {
            path: None,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// A store kept in the JSON-lines file `path` (created if missing).
    pub fn open(path: &Path) -> std::io::Result<LocalStore> {
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
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
            }
            Err(e) => return Err(e),
        }
        Ok(LocalStore {
            path: Some(path.to_path_buf()),
            inner: Mutex::new(inner),
        })
    }

    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("local file {}", p.display()),
            None => "memory (nothing is kept after exit)".to_string(),
        }
    }

    pub fn put(&self, app: &NewApplication) -> Result<Stored, StoreError> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| StoreError("the local store is poisoned".into()))?;
        let key = (app.form_id.clone(), app.idempotency_key.clone());
        if let Some(&i) = inner.by_key.get(&key) {
            let first = &inner.applications[i];
            if app.received_at.duration_since(first.received_at) < IDEMPOTENCY_WINDOW {
                return Ok(Stored::Repeat(receipt_of(first)));
            }
        }
        if inner.by_reference.contains_key(&app.reference) {
            return Err(StoreError("reference already used".into()));
        }
        if let Some(path) = &self.path {
            let mut line = serde_json::to_string(app).map_err(|e| StoreError(e.to_string()))?;
            line.push('\n');
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
            file.write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        }
        inner.index(app.clone());
        Ok(Stored::New(receipt_of(app)))
    }

    pub fn receipt(&self, reference: &str) -> Option<(String, Receipt)> {
        let inner = self.inner.lock().ok()?;
        inner.by_reference.get(reference).map(|&i| {
            let app = &inner.applications[i];
            (app.form_id.clone(), receipt_of(app))
        })
    }

    pub fn list(&self, form_id: &str, round: Option<&str>) -> Vec<NewApplication> {
        let Ok(inner) = self.inner.lock() else {
            return Vec::new();
        };
        let mut out: Vec<NewApplication> = inner
            .applications
            .iter()
            .filter(|a| a.form_id == form_id && round.is_none_or(|r| a.round == r))
            .cloned()
            .collect();
        out.sort_by(|a, b| (a.received_at, &a.reference).cmp(&(b.received_at, &b.reference)));
        out
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
