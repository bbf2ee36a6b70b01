//! A parsed page's body as the rest of the build holds it: what other pages and the checks
//! need (its ids, forms and word count) in memory, and what only its own output and the
//! link check read (the HTML, the table of contents and the links) either in memory or,
//! once a large site's bodies pass a budget, in a temporary file ([`Spill`]) until the page
//! is rendered. A 100,000-page site holds about 300 MB of such HTML.

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::markdown::{LinkRef, Rendered, TocEntry};

/// A page's body.
#[derive(Debug, Clone)]
pub struct Body {
    /// Every id that a `#fragment` may point at.
    pub ids: Ids,
    pub word_count: usize,
    /// Forms placed with `[formular: ID]`: the id and the line in the file.
    pub forms: Vec<(String, usize)>,
    detail: Kept,
}

/// A page's ids, in one string (a site's worth is held at once), NUL between them: no id
/// holds one (pulldown-cmark turns NUL into U+FFFD).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ids(Box<str>);

impl Ids {
    pub fn new(ids: &[String]) -> Ids {
        Ids(ids.join("\0").into_boxed_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split('\0').filter(|id| !id.is_empty())
    }

    pub fn contains(&self, id: &str) -> bool {
        self.iter().any(|i| i == id)
    }
}

/// The page's text as HTML and its table of contents: what only its own output reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageHtml {
    pub html: String,
    pub toc: Vec<TocEntry>,
}

/// What only the page's own output and its links' check read.
#[derive(Debug, Clone, Default)]
struct Detail {
    content: PageHtml,
    links: Vec<LinkRef>,
}

#[derive(Debug, Clone)]
enum Kept {
    Held(Box<Detail>),
    Spilled(Record),
}

impl Body {
    /// The body of `rendered`, its detail held in memory.
    pub fn held(r: Rendered) -> Body {
        let detail = Detail {
            content: PageHtml {
                html: r.html,
                toc: r.toc,
            },
            links: r.links,
        };
        Body {
            ids: Ids::new(&r.ids),
            word_count: r.word_count,
            forms: r.forms,
            detail: Kept::Held(Box::new(detail)),
        }
    }

    /// This body with its detail held in memory or written to `spill`, as its budget says.
    pub fn keep_in(self, spill: &Spill) -> std::io::Result<Body> {
        let detail = match self.detail {
            Kept::Held(detail) => spill.keep(*detail)?,
            spilled => spilled,
        };
        Ok(Body { detail, ..self })
    }

    /// The HTML and table of contents, read back if they were spilled.
    pub fn content(&self) -> std::io::Result<Cow<'_, PageHtml>> {
        match &self.detail {
            Kept::Held(d) => Ok(Cow::Borrowed(&d.content)),
            Kept::Spilled(record) => record.content().map(Cow::Owned),
        }
    }

    /// The internal links written in the page, read back if they were spilled.
    pub fn links(&self) -> std::io::Result<Cow<'_, [LinkRef]>> {
        match &self.detail {
            Kept::Held(d) => Ok(Cow::Borrowed(&d.links)),
            Kept::Spilled(record) => record.links().map(Cow::Owned),
        }
    }
}

/// Where a build keeps the bodies that its memory budget has no room for: files without a
/// name (deleted when closed) in a folder, one a thread, created when needed and written a
/// buffer at a time ([`Spill::flush`] before reading). A site whose bodies would fit in the
/// budget (judged from the pages seen so far and the number of pages) keeps them in memory,
/// as long as those held so far fit; a larger one spills them.
#[derive(Debug)]
pub struct Spill {
    dir: PathBuf,
    budget: usize,
    pages: AtomicUsize,
    seen: AtomicUsize,
    seen_bytes: AtomicUsize,
    held: AtomicUsize,
    spilled: AtomicUsize,
    files: Vec<OnceLock<Mutex<Writer>>>,
}

/// Bytes a spill file's buffer collects before they are written.
const BUFFER: usize = 1 << 20;

#[derive(Debug)]
struct Writer {
    file: Arc<File>,
    written: u64,
    buffer: Vec<u8>,
}

impl Writer {
    fn write_buffer(&mut self) -> std::io::Result<()> {
        write_all_at(&self.file, &self.buffer, self.written)?;
        self.written += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }
}

/// A spilled detail: where it is (its links, then its content, unless that is empty).
#[derive(Debug, Clone)]
struct Record {
    file: Arc<File>,
    offset: u64,
    links_len: u32,
    len: u32,
}

impl Spill {
    /// Bodies past `budget` bytes go to files in `dir`.
    pub fn new(dir: &Path, budget: usize) -> Spill {
        let files = (0..rayon::current_num_threads().max(1))
            .map(|_| OnceLock::new())
            .collect();
        Spill {
            dir: dir.to_path_buf(),
            budget,
            pages: AtomicUsize::new(0),
            seen: AtomicUsize::new(0),
            seen_bytes: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            spilled: AtomicUsize::new(0),
            files,
        }
    }

    /// The site has `pages` pages.
    pub fn expect(&self, pages: usize) {
        self.pages.store(pages, Ordering::Relaxed);
    }

    /// How many bodies were spilled.
    pub fn spilled(&self) -> usize {
        self.spilled.load(Ordering::Relaxed)
    }

    /// The folder the files are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes what the buffers hold: spilled bodies can be read back after this.
    pub fn flush(&self) -> std::io::Result<()> {
        for writer in self.files.iter().filter_map(OnceLock::get) {
            lock(writer).write_buffer()?;
        }
        Ok(())
    }

    /// Whether a body of `size` bytes may be held (and counted as held).
    fn has_room(&self, size: usize) -> bool {
        let seen = self.seen.fetch_add(1, Ordering::Relaxed) + 1;
        let seen_bytes = self.seen_bytes.fetch_add(size, Ordering::Relaxed) + size;
        let pages = self.pages.load(Ordering::Relaxed).max(seen);
        if seen_bytes / seen * pages > self.budget {
            return false;
        }
        if self.held.fetch_add(size, Ordering::Relaxed) + size <= self.budget {
            return true;
        }
        self.held.fetch_sub(size, Ordering::Relaxed);
        false
    }

    fn keep(&self, detail: Detail) -> std::io::Result<Kept> {
        if self.has_room(weight(&detail)) {
            return Ok(Kept::Held(Box::new(detail)));
        }
        let mut w = lock(self.writer()?);
        let start = w.buffer.len();
        codec::put_links(&mut w.buffer, &detail.links);
        let links_len = w.buffer.len() - start;
        // Empty content (a check's, without HTML or table of contents) is not written:
        // reading it back would be a system call for nothing.
        if detail.content != PageHtml::default() {
            codec::put_content(&mut w.buffer, &detail.content);
        }
        let len = w.buffer.len() - start;
        let record = Record {
            file: w.file.clone(),
            offset: w.written + start as u64,
            links_len: u32::try_from(links_len).map_err(std::io::Error::other)?,
            len: u32::try_from(len).map_err(std::io::Error::other)?,
        };
        if w.buffer.len() >= BUFFER {
            w.write_buffer()?;
        }
        self.spilled.fetch_add(1, Ordering::Relaxed);
        Ok(Kept::Spilled(record))
    }

    /// This thread's file.
    fn writer(&self) -> std::io::Result<&Mutex<Writer>> {
        let slot = &self.files[rayon::current_thread_index().unwrap_or(0) % self.files.len()];
        if let Some(w) = slot.get() {
            return Ok(w);
        }
        let writer = Mutex::new(Writer {
            file: Arc::new(tempfile::tempfile_in(&self.dir)?),
            written: 0,
            buffer: Vec::with_capacity(BUFFER + 64 * 1024),
        });
        Ok(slot.get_or_init(|| writer))
    }
}

fn lock(writer: &Mutex<Writer>) -> std::sync::MutexGuard<'_, Writer> {
    writer.lock().unwrap_or_else(|e| e.into_inner())
}

/// About the bytes `detail` takes in memory: its strings, the structs holding them and
/// about 16 bytes a string that its allocation rounds up.
fn weight(detail: &Detail) -> usize {
    let links: usize = (detail.links.iter())
        .map(|l| size_of::<LinkRef>() + l.target.len() + 16)
        .sum();
    detail.content.html.len() + links + toc_weight(&detail.content.toc)
}

fn toc_weight(toc: &[TocEntry]) -> usize {
    (toc.iter())
        .map(|e| size_of::<TocEntry>() + e.id.len() + e.title.len() + 32 + toc_weight(&e.children))
        .sum()
}

impl Record {
    fn read(&self, from: u32, to: u32) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; (to - from) as usize];
        read_exact_at(&self.file, &mut bytes, self.offset + u64::from(from))?;
        Ok(bytes)
    }

    fn links(&self) -> std::io::Result<Vec<LinkRef>> {
        codec::links(&self.read(0, self.links_len)?).ok_or_else(damaged)
    }

    fn content(&self) -> std::io::Result<PageHtml> {
        if self.links_len == self.len {
            return Ok(PageHtml::default());
        }
        codec::content(&self.read(self.links_len, self.len)?).ok_or_else(damaged)
    }
}

fn damaged() -> std::io::Error {
    std::io::Error::other("a spilled page body is damaged")
}

#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(unix)]
fn read_exact_at(file: &File, bytes: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut bytes: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, bytes, offset)?;
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut bytes: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, bytes, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                bytes = &mut bytes[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// A [`Detail`]'s parts as bytes: lengths as little-endian `u32`s before each string and
/// list.
mod codec {
    use super::{LinkRef, PageHtml, TocEntry};

    pub fn put_links(out: &mut Vec<u8>, links: &[LinkRef]) {
        put_u32(out, links.len());
        for link in links {
            put_str(out, &link.target);
            put_u32(out, link.line);
            put_u32(out, link.column);
        }
    }

    pub fn put_content(out: &mut Vec<u8>, content: &PageHtml) {
        put_str(out, &content.html);
        put_toc(out, &content.toc);
    }

    fn put_toc(out: &mut Vec<u8>, toc: &[TocEntry]) {
        put_u32(out, toc.len());
        for t in toc {
            out.push(t.level);
            put_str(out, &t.id);
            put_str(out, &t.title);
            put_toc(out, &t.children);
        }
    }

    fn put_u32(out: &mut Vec<u8>, n: usize) {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }

    fn put_str(out: &mut Vec<u8>, s: &str) {
        put_u32(out, s.len());
        out.extend_from_slice(s.as_bytes());
    }

    /// The links in `bytes`; `None` if they are not what [`put_links`] wrote.
    pub fn links(bytes: &[u8]) -> Option<Vec<LinkRef>> {
        let mut r = Reader { bytes };
        let links = (0..r.u32()?)
            .map(|_| {
                Some(LinkRef {
                    target: r.string()?,
                    line: r.u32()?,
                    column: r.u32()?,
                })
            })
            .collect::<Option<_>>()?;
        r.bytes.is_empty().then_some(links)
    }

    /// The content in `bytes`; `None` if it is not what [`put_content`] wrote.
    pub fn content(bytes: &[u8]) -> Option<PageHtml> {
        let mut r = Reader { bytes };
        let html = r.string()?;
        let toc = r.toc()?;
        r.bytes.is_empty().then_some(PageHtml { html, toc })
    }

    struct Reader<'a> {
        bytes: &'a [u8],
    }

    impl Reader<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            let (head, rest) = self.bytes.split_at_checked(n)?;
            self.bytes = rest;
            Some(head)
        }

        fn u32(&mut self) -> Option<usize> {
            let b = self.take(4)?;
            Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
        }

        fn string(&mut self) -> Option<String> {
            let n = self.u32()?;
            Some(simdutf8::basic::from_utf8(self.take(n)?).ok()?.to_owned())
        }

        fn toc(&mut self) -> Option<Vec<TocEntry>> {
            (0..self.u32()?)
                .map(|_| {
                    Some(TocEntry {
                        level: *self.take(1)?.first()?,
                        id: self.string()?,
                        title: self.string()?,
                        children: self.toc()?,
                    })
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn rendered(text: &str) -> Rendered {
        use crate::markdown::{Omit, render};
        render(Path::new("a.md"), text, 1, &HashSet::new(), Omit::NOTHING).unwrap()
    }

    const PAGE: &str = "## Æbler og pærer\n\nSe [her](/a/#x) og [der](../b/).\n\n### Under\n\nTekst.\n\n## Sidst\n";

    fn spilled(b: &Body) -> bool {
        matches!(b.detail, Kept::Spilled(_))
    }

    fn weight_of(text: &str) -> usize {
        match Body::held(rendered(text)).detail {
            Kept::Held(d) => weight(&d),
            Kept::Spilled(_) => unreachable!(),
        }
    }

    #[test]
    fn spilled_bodies_read_back_as_they_were_held() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::new(dir.path(), 0);
        // Different pages, enough of them to fill the write buffer more than once.
        let texts: Vec<String> = (0..3000)
            .map(|i| format!("{PAGE}\n[side {i}](/s/{i}/)\n\n## Nr. {i}\n"))
            .collect();
        let kept: Vec<Body> = texts
            .iter()
            .map(|t| Body::held(rendered(t)).keep_in(&spill).unwrap())
            .collect();
        spill.flush().unwrap();
        for (text, body) in texts.iter().zip(&kept) {
            let held = Body::held(rendered(text));
            assert!(spilled(body));
            assert_eq!(body.content().unwrap(), held.content().unwrap());
            assert_eq!(body.links().unwrap(), held.links().unwrap());
            assert_eq!((&body.ids, body.word_count), (&held.ids, held.word_count));
        }
        let first = kept[0].content().unwrap();
        assert_eq!(first.toc[0].children.len(), 1, "{first:?}");
        assert_eq!(kept[7].links().unwrap().len(), 3);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no named files"
        );
    }

    #[test]
    fn a_check_body_spills_its_links_only_and_reads_back_empty_content() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::new(dir.path(), 0);
        let omit = crate::markdown::Omit {
            html: true,
            words: true,
            toc: true,
        };
        let checked = |text: &str| {
            let r = crate::markdown::render(Path::new("a.md"), text, 1, &HashSet::new(), omit);
            Body::held(r.unwrap())
        };
        let kept: Vec<Body> = (0..3)
            .map(|i| checked(&format!("{PAGE}[{i}](/s/{i}/)\n")))
            .map(|b| b.keep_in(&spill).unwrap())
            .collect();
        spill.flush().unwrap();
        for (i, body) in kept.iter().enumerate() {
            assert!(spilled(body));
            assert_eq!(body.content().unwrap().into_owned(), PageHtml::default());
            let held = checked(&format!("{PAGE}[{i}](/s/{i}/)\n"));
            assert_eq!(body.links().unwrap(), held.links().unwrap());
            assert_eq!(body.links().unwrap().len(), 3);
        }
        // Each record is its links alone: one after the other in the file.
        match (&kept[0].detail, &kept[1].detail) {
            (Kept::Spilled(a), Kept::Spilled(b)) => {
                assert_eq!((a.links_len, a.len), (a.len, a.len));
                assert_eq!(b.offset, a.offset + u64::from(a.len));
            }
            _ => unreachable!("spilled"),
        }
    }

    #[test]
    fn bodies_stay_in_memory_until_the_budget_is_spent() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::new(dir.path(), 2 * weight_of(PAGE));
        spill.expect(2);
        let kept: Vec<Body> = (0..4)
            .map(|_| Body::held(rendered(PAGE)).keep_in(&spill).unwrap())
            .collect();
        spill.flush().unwrap();
        assert_eq!(
            kept.iter().map(spilled).collect::<Vec<_>>(),
            [false, false, true, true]
        );
        for b in &kept {
            assert_eq!(b.content().unwrap(), kept[0].content().unwrap());
        }
    }

    #[test]
    fn a_site_whose_bodies_would_not_fit_spills_them_from_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::new(dir.path(), 10 * weight_of(PAGE));
        spill.expect(11);
        let first = Body::held(rendered(PAGE)).keep_in(&spill).unwrap();
        assert!(spilled(&first));
        spill.expect(10);
        let next = Body::held(rendered(PAGE)).keep_in(&spill).unwrap();
        assert!(!spilled(&next));
    }

    #[test]
    fn ids_are_kept_as_they_were_given() {
        let ids: Vec<String> = ["a", "faser-og-indhold", "x-1"].map(String::from).into();
        let kept = Ids::new(&ids);
        assert_eq!(kept.iter().collect::<Vec<_>>(), ids);
        assert!(kept.contains("x-1") && !kept.contains("x") && !kept.contains(""));
        assert_eq!(Ids::new(&[]).iter().count(), 0);
    }

    #[test]
    fn damaged_records_are_an_error_not_a_wrong_page() {
        let content = PageHtml {
            html: "<p>x</p>".into(),
            toc: Vec::new(),
        };
        let mut bytes = Vec::new();
        codec::put_content(&mut bytes, &content);
        assert_eq!(codec::content(&bytes), Some(content));
        assert_eq!(codec::content(&bytes[..bytes.len() - 1]), None);
        bytes.push(0);
        assert_eq!(codec::content(&bytes), None);
    }
}
