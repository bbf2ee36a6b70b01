//! The live preview (`site-gen serve`) in-process: rebuilds after edits, keeps the last good
//! build when an edit breaks the site, reports the errors, and serves pages over HTTP.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use site_gen::serve::{Preview, router};

use crate::{copy_dir, fixture, options};

fn site_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture("ok"), &root);
    let root = std::fs::canonicalize(&root).unwrap();
    (dir, root)
}

fn page(preview: &Preview, path: &str) -> String {
    let generation = preview.current().expect("a good build");
    let bytes = generation.get(path).expect("an output").expect("renders");
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn edits_rebuild_and_a_broken_edit_keeps_the_last_good_build() {
    let (_dir, root) = site_copy();
    let preview = Preview::new(&root, options());
    assert_eq!(preview.status().version, 1);
    assert_eq!(preview.status().errors, None);
    assert!(page(&preview, "a/index.html").contains("Side A"));

    // An edit to a known page, told as such (the incremental path the watcher takes).
    let a = root.join("content/a.md");
    replace_in(&a, "title: Side A", "title: Side Alfa");
    preview.note_changes(Some(vec![a.clone()]));
    preview.rebuild();
    assert_eq!(preview.status().version, 2);
    assert!(page(&preview, "a/index.html").contains("Side Alfa"));
    // Pages that list it follow: the menu on the front page.
    assert!(page(&preview, "index.html").contains("Side Alfa"));

    // A broken edit: errors with file and line, and the last good build stays.
    replace_in(&a, "weight: 1", "weight: 1\ncolour: blue");
    preview.note_changes(Some(vec![a.clone()]));
    preview.rebuild();
    let status = preview.status();
    assert_eq!(status.version, 2, "a failed rebuild is not a new version");
    let errors = status.errors.expect("the errors are reported");
    // The same code frame as `site-gen check` prints: the line, a caret under the key.
    assert!(
        errors.starts_with(
            "error[E0003]: unknown front matter key `colour`\n --> content/a.md:5:1\n  |\n5 | colour: blue\n  | ^^^^^^\n"
        ),
        "{errors}"
    );
    assert!(page(&preview, "a/index.html").contains("Side Alfa"));

    // Fixing it recovers without a restart.
    replace_in(&a, "colour: blue\n", "");
    replace_in(&a, "title: Side Alfa", "title: Side Beta");
    preview.note_changes(Some(vec![a.clone()]));
    preview.rebuild();
    assert_eq!(
        preview.status(),
        site_gen::serve::Status {
            version: 3,
            errors: None,
            editor: false,
        }
    );
    assert!(page(&preview, "a/index.html").contains("Side Beta"));
}

/// Every output of the preview's current build, against a build from scratch of the same
/// files: the quick path must give the same bytes.
fn assert_same_as_a_full_load(preview: &Preview, root: &Path) {
    let generation = preview.current().expect("a good build");
    let fresh = site_gen::build::load(root, &options(), None).expect("the site loads");
    let paths = |r: &site_gen::render::Renderer| {
        let mut p: Vec<String> = r.outputs().iter().map(|o| r.path_of(o)).collect();
        p.sort();
        p
    };
    assert_eq!(paths(&generation.renderer), paths(&fresh));
    for output in fresh.outputs() {
        let path = fresh.path_of(&output);
        let want = fresh.render(&output).expect("renders");
        let got = generation.get(&path).expect("an output").expect("renders");
        assert!(*got == want, "{path} differs from a full load's");
    }
}

#[test]
fn edits_that_keep_the_site_s_shape_take_the_quick_path_and_give_what_a_full_load_gives() {
    let (_dir, root) = site_copy();
    let (a, b) = (root.join("content/a.md"), root.join("content/b.md"));
    // A and B of the same weight: their titles decide their order in the front page's list.
    replace_in(&b, "weight: 2", "weight: 1");
    let preview = Preview::new(&root, options());
    let rebuild = |files: &[&Path]| {
        preview.note_changes(Some(files.iter().map(|p| p.to_path_buf()).collect()));
        preview.rebuild();
    };

    // A body edit and a new title (which may reorder the section's list): quick.
    replace_in(&a, "Forløbet er gratis.", "Forløbet er stadig gratis.");
    replace_in(&b, "title: Side B", "title: Aaa Side B");
    rebuild(&[&a, &b]);
    assert_eq!(preview.quick_rebuilds(), 1);
    assert_eq!(preview.status().errors, None);
    assert!(page(&preview, "a/index.html").contains("stadig gratis"));
    assert_same_as_a_full_load(&preview, &root);

    // A new heading (new ids another page's link may find): the full way, same bytes.
    replace_in(&a, "::: Økonomi", "## Ny overskrift\n\n::: Økonomi");
    rebuild(&[&a]);
    assert_eq!(preview.quick_rebuilds(), 1);
    assert_same_as_a_full_load(&preview, &root);

    // A broken link: the full way, the load's message, the last good build kept.
    replace_in(
        &a,
        "Forløbet er stadig gratis.",
        "Se [prisen](/findes-ikke/).",
    );
    rebuild(&[&a]);
    assert_eq!(preview.quick_rebuilds(), 1);
    let errors = preview
        .status()
        .errors
        .expect("the broken link is reported");
    assert!(errors.contains("content/a.md:"), "{errors}");
    assert!(errors.contains("/findes-ikke/"), "{errors}");
    assert!(page(&preview, "a/index.html").contains("stadig gratis"));

    // Fixed, after an error: the full way; then quick again.
    replace_in(&a, "Se [prisen](/findes-ikke/).", "Se [prisen](/b/).");
    rebuild(&[&a]);
    assert_eq!(preview.status().errors, None);
    replace_in(&a, "Se [prisen](/b/).", "Se [prisen](/b/#kontakt).");
    rebuild(&[&a]);
    assert_eq!(preview.quick_rebuilds(), 2);
    assert_same_as_a_full_load(&preview, &root);
}

#[test]
fn new_files_and_template_errors_are_seen() {
    let (_dir, root) = site_copy();
    let preview = Preview::new(&root, options());

    // A new page in a section: the file list is read again and the section lists it.
    std::fs::write(
        root.join("content/kurser/vinter-2019.md"),
        "---\ntitle: Vinter 2019\ndate: 2019-02-01\n---\nTekst.\n",
    )
    .unwrap();
    preview.note_changes(None);
    preview.rebuild();
    assert!(page(&preview, "kurser/index.html").contains("Vinter 2019"));

    // A template syntax error names the template and line.
    let page_html = root.join("templates/page.html");
    let good = std::fs::read_to_string(&page_html).unwrap();
    std::fs::write(&page_html, format!("{good}\n{{% if %}}\n")).unwrap();
    preview.note_changes(None);
    preview.rebuild();
    let errors = preview.status().errors.expect("template error reported");
    assert!(errors.contains("templates/page.html:"), "{errors}");
    std::fs::write(&page_html, good).unwrap();
    preview.note_changes(None);
    preview.rebuild();
    assert_eq!(preview.status().errors, None);
}

/// Sends `request` (its request line and headers; `Host: localhost` unless it has one) and
/// returns the status, the head and the body of the answer.
fn exchange(addr: std::net::SocketAddr, request: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let host = if request.contains("Host:") {
        ""
    } else {
        "Host: localhost\r\n"
    };
    let (line, headers) = request.split_once("\r\n").unwrap_or((request, ""));
    write!(stream, "{line}\r\n{host}{headers}Connection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String, String) {
    exchange(addr, &format!("GET {path} HTTP/1.1\r\n"))
}

fn post(addr: std::net::SocketAddr, path: &str, headers: &str) -> (u16, String) {
    let (status, _, body) = exchange(
        addr,
        &format!("POST {path} HTTP/1.1\r\n{headers}Content-Length: 0\r\n"),
    );
    (status, body)
}

/// Serves `preview` on a free port of its own runtime.
fn serve(preview: &Arc<Preview>) -> (tokio::runtime::Runtime, std::net::SocketAddr) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(Arc::clone(preview));
    runtime.spawn(async move { axum::serve(listener, app).await });
    (runtime, addr)
}

#[test]
fn http_pages_redirects_404_and_the_reload_script() {
    let (_dir, root) = site_copy();
    let preview = Preview::new(&root, options());
    let (_runtime, addr) = serve(&preview);

    let (status, head, body) = get(addr, "/a/");
    assert_eq!(status, 200);
    assert!(
        head.to_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(
        body.contains("<script src=\"/__livereload.js\" data-version=\"1\"></script></body>"),
        "{body}"
    );

    let (status, head, _) = get(addr, "/a");
    assert_eq!(status, 301);
    assert!(head.to_lowercase().contains("location: /a/"), "{head}");

    let (status, _, body) = get(addr, "/findes-ikke/");
    assert_eq!(status, 404);
    assert!(body.contains("__livereload.js"));

    let (status, head, body) = get(addr, "/__livereload.js");
    assert_eq!(status, 200);
    assert!(head.contains("text/javascript"));
    assert!(body.contains("new EventSource(\"/__livereload\")"));

    let (status, _, body) = get(addr, "/sitemap.xml");
    assert_eq!(status, 200);
    assert!(body.contains("<loc>https://example.dk/a/</loc>"), "{body}");
}

#[test]
fn the_overlay_opens_an_error_s_place_in_the_configured_editor() {
    use site_gen::serve::Editor;
    let (dir, root) = site_copy();
    let preview = Preview::new(&root, options());
    let (_runtime, addr) = serve(&preview);
    let open = "/__open-in-editor?file=content/a.md&line=5&column=2";
    let asked = "X-Site-Gen: open\r\n";
    assert!(!preview.status().editor);
    assert_eq!(post(addr, open, asked).0, 404, "no editor configured");

    // An "editor" that writes down what it was given.
    let out = dir.path().join("opened.txt");
    let script = format!("printf '%s\\n' \"$@\" > '{}'", out.display());
    preview.set_editor(Editor::Command(
        ["sh", "-c", &script, "sh", "{file}", "{line}", "{column}"]
            .map(String::from)
            .to_vec(),
    ));
    assert!(preview.status().editor, "the overlay is told to make links");
    assert_eq!(
        post(addr, open, "").0,
        403,
        "only the overlay's own requests"
    );
    let rebound = format!("Host: evil.example:{}\r\n{asked}", addr.port());
    assert_eq!(
        post(addr, open, &rebound).0,
        403,
        "only this machine's names"
    );
    let (status, _) = post(
        addr,
        "/__open-in-editor?file=.site-gen/applications.jsonl",
        asked,
    );
    assert_eq!(status, 400, "only content/ and templates/");
    let (status, body) = post(addr, "/__open-in-editor?file=../opened.txt", asked);
    assert_eq!(
        (status, body.as_str()),
        (400, "`../opened.txt` is not a file of the site")
    );
    assert!(!out.exists());
    assert_eq!(post(addr, open, asked).0, 204);
    let wanted = format!("{}\n5\n2\n", root.join("content/a.md").display());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::read_to_string(&out).ok().as_deref() != Some(wanted.as_str()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the editor was not started with the place"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // A URL scheme is opened by the browser: the overlay is given the URL.
    let other = Preview::new(&root, options());
    other.set_editor(Editor::parse("vscode://file/{file}:{line}:{column}"));
    let (_runtime, addr) = serve(&other);
    let (status, body) = post(addr, open, asked);
    assert_eq!(status, 200);
    let url = format!("vscode://file/{}:5:2", root.join("content/a.md").display());
    assert_eq!(body, serde_json::json!({ "url": url }).to_string());
}
