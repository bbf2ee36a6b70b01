//! A folder a build reads, writes or removes tens of thousands of files in, named relative
//! to it. On Unix the folder is held open and each file is named relative to that handle
//! (the `*at` system calls), so that the kernel looks up the two or three names of a page's
//! path rather than every name from the root down: once a page read, twice a page written
//! and twice a page removed. Elsewhere the names are joined to the folder's path.

use std::io;
use std::path::{Path, PathBuf};

pub(super) struct Folder {
    path: PathBuf,
    #[cfg(unix)]
    handle: rustix::fd::OwnedFd,
}

impl Folder {
    pub(super) fn open(path: &Path) -> io::Result<Folder> {
        Ok(Folder {
            path: path.to_path_buf(),
            #[cfg(unix)]
            handle: {
                use rustix::fs::{Mode, OFlags};
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
                rustix::fs::open(path, flags, Mode::empty())?
            },
        })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes of the file `rel`, without asking its size first as `fs::read` does
    /// (content files are small: one system call a file fewer).
    pub(super) fn read(&self, rel: &Path) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let mut file = self.open_file(rel)?;
        let mut bytes = Vec::with_capacity(4 * 1024);
        // Through `Take`, `read_to_end` is the generic one, which does not stat the file.
        file.by_ref().take(u64::MAX).read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// Writes `bytes` to the file `rel` (`/`-separated), creating its folders as needed.
    pub(super) fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.create_dir_all(parent)?;
        }
        self.write_file(rel, bytes)
    }

    fn create_dir_all(&self, rel: &str) -> io::Result<()> {
        match self.create_dir(rel) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some((parent, _)) = rel.rsplit_once('/') {
                    self.create_dir_all(parent)?;
                }
                match self.create_dir(rel) {
                    Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
                    _ => Ok(()),
                }
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(unix)]
impl Folder {
    fn open_file(&self, rel: &Path) -> io::Result<std::fs::File> {
        use rustix::fs::OFlags;
        let flags = OFlags::RDONLY | OFlags::CLOEXEC;
        Ok(rustix::fs::openat(&self.handle, rel, flags, 0.into())?.into())
    }

    fn create_dir(&self, rel: &str) -> io::Result<()> {
        Ok(rustix::fs::mkdirat(&self.handle, rel, 0o777.into())?)
    }

    fn write_file(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        use rustix::fs::OFlags;
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
        let file = rustix::fs::openat(&self.handle, rel, flags, 0o666.into())?;
        io::Write::write_all(&mut std::fs::File::from(file), bytes)
    }

    pub(super) fn remove_file(&self, rel: &str) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(
            &self.handle,
            rel,
            rustix::fs::AtFlags::empty(),
        )?)
    }

    pub(super) fn remove_dir(&self, rel: &str) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(
            &self.handle,
            rel,
            rustix::fs::AtFlags::REMOVEDIR,
        )?)
    }
}

#[cfg(not(unix))]
impl Folder {
    fn open_file(&self, rel: &Path) -> io::Result<std::fs::File> {
        std::fs::File::open(self.path.join(rel))
    }

    fn create_dir(&self, rel: &str) -> io::Result<()> {
        std::fs::create_dir(self.path.join(rel))
    }

    fn write_file(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::write(self.path.join(rel), bytes)
    }

    pub(super) fn remove_file(&self, rel: &str) -> io::Result<()> {
        std::fs::remove_file(self.path.join(rel))
    }

    pub(super) fn remove_dir(&self, rel: &str) -> io::Result<()> {
        std::fs::remove_dir(self.path.join(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_into_new_folders_and_replaces_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        folder.write("a/b/c/index.html", b"first, longer").unwrap();
        folder.write("a/b/other.html", b"beside").unwrap();
        folder.write("a/b/c/index.html", b"second").unwrap();
        folder.write("top.html", b"top").unwrap();
        let read = |rel: &str| std::fs::read(dir.path().join(rel)).unwrap();
        assert_eq!(read("a/b/c/index.html"), b"second");
        assert_eq!(read("a/b/other.html"), b"beside");
        assert_eq!(read("top.html"), b"top");
        assert_eq!(folder.read(Path::new("a/b/other.html")).unwrap(), b"beside");
        // A path outside the folder is read as it is.
        let outside = dir.path().join("top.html");
        assert_eq!(folder.read(&outside).unwrap(), b"top");
    }

    fn kind<T>(result: io::Result<T>) -> io::ErrorKind {
        result.map(|_| ()).unwrap_err().kind()
    }

    #[test]
    fn says_what_is_missing_or_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        assert_eq!(
            kind(folder.read(Path::new("gone.md"))),
            io::ErrorKind::NotFound
        );
        folder.write("file", b"x").unwrap();
        // A file where a folder would have to be.
        assert!(folder.write("file/index.html", b"y").is_err());
        folder.write("full/page.html", b"z").unwrap();
        assert_eq!(
            kind(folder.remove_dir("full")),
            io::ErrorKind::DirectoryNotEmpty
        );
        folder.remove_file("full/page.html").unwrap();
        folder.remove_dir("full").unwrap();
        assert_eq!(
            kind(folder.remove_file("full/page.html")),
            io::ErrorKind::NotFound
        );
        assert!(!dir.path().join("full").exists());
        assert!(Folder::open(&dir.path().join("file")).is_err());
    }
}
