//! `fixtures/ok` built into a temporary folder: what the output holds, that it is the same
//! every time, and that a failed build leaves the previous output alone.

use std::path::{Path, PathBuf};

use site_gen::{BuildError, BuildOptions};
use tempfile::TempDir;

use crate::{fixture, names_in, options, options_on, read, read_tree};

/// Builds `fixtures/ok` with `options` into `<tempdir>/public`.
fn build_ok(options: &BuildOptions) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let report = site_gen::build(&fixture("ok"), &out, options).unwrap();
    assert_eq!(report.output, out);
    (dir, out)
}

/// The fingerprinted copy of `static/css/site.css` in `out`, e.g. `static/css/site.0123456789.css`.
fn hashed_css(out: &Path) -> String {
    let hashed: Vec<String> = names_in(&out.join("static/css"))
        .into_iter()
        .filter(|n| n != "site.css")
        .collect();
    assert_eq!(hashed.len(), 1, "{hashed:?}");
    let name = &hashed[0];
    let hash = name
        .strip_prefix("site.")
        .and_then(|n| n.strip_suffix(".css"))
        .unwrap_or_else(|| panic!("unexpected name {name}"));
    assert!(
        hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{name}"
    );
    format!("static/css/{name}")
}

#[test]
fn outputs_are_exactly_the_expected_files_with_pretty_urls() {
    let (_dir, out) = build_ok(&options());
    let css = hashed_css(&out);
    let files: Vec<String> = read_tree(&out).into_keys().collect();
    let mut expected = vec![
        "404.html",
        "a/index.html",
        "b/index.html",
        "c/index.html",
        "gammel-b/index.html",
        "index.html",
        "kurser/efteraar-2018/index.html",
        "kurser/foraar-2019/index.html",
        "kurser/index.html",
        "robots.txt",
        "sitemap.xml",
        "static/css/site.css",
        &css,
    ];
    expected.sort();
    assert_eq!(files, expected);
}

#[test]
fn sitemap_has_absolute_urls_and_lastmod() {
    let (_dir, out) = build_ok(&options());
    // base_url is written with a trailing slash in site.yaml; URLs must not get `//`.
    assert_eq!(
        read(&out, "sitemap.xml"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
         \x20 <url><loc>https://example.dk/</loc></url>\n\
         \x20 <url><loc>https://example.dk/a/</loc></url>\n\
         \x20 <url><loc>https://example.dk/b/</loc><lastmod>2018-11-01</lastmod></url>\n\
         \x20 <url><loc>https://example.dk/c/</loc></url>\n\
         \x20 <url><loc>https://example.dk/kurser/</loc></url>\n\
         \x20 <url><loc>https://example.dk/kurser/efteraar-2018/</loc><lastmod>2018-08-30</lastmod></url>\n\
         \x20 <url><loc>https://example.dk/kurser/foraar-2019/</loc><lastmod>2019-01-10</lastmod></url>\n\
         </urlset>\n"
    );
}

#[test]
fn robots_txt_names_the_sitemap() {
    let (_dir, out) = build_ok(&options());
    assert_eq!(
        read(&out, "robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.dk/sitemap.xml\n"
    );
}

#[test]
fn base_url_option_overrides_site_yaml() {
    let mut o = options();
    o.base_url = Some("https://preview.example.dk/".into());
    let (_dir, out) = build_ok(&o);
    assert!(
        read(&out, "robots.txt").ends_with("Sitemap: https://preview.example.dk/sitemap.xml\n")
    );
    assert!(
        read(&out, "b/index.html")
            .contains("<link rel=\"canonical\" href=\"https://preview.example.dk/b/\">")
    );
}

#[test]
fn not_found_page_uses_the_404_template() {
    let (_dir, out) = build_ok(&options());
    let html = read(&out, "404.html");
    assert!(
        html.contains("<title>Siden findes ikke – Prøvesitet</title>"),
        "{html}"
    );
    assert!(html.contains("<h1>Siden findes ikke</h1>"), "{html}");
    assert!(html.contains("<link rel=\"canonical\" href=\"https://example.dk/404.html\">"));
}

#[test]
fn alias_redirects_to_its_target() {
    let (_dir, out) = build_ok(&options());
    let html = read(&out, "gammel-b/index.html");
    assert!(
        html.contains("<meta http-equiv=\"refresh\" content=\"0; url=/b/\">"),
        "{html}"
    );
    assert!(html.contains("<link rel=\"canonical\" href=\"https://example.dk/b/\">"));
    assert!(html.contains("<a href=\"/b/\">Side B</a>"));
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
}

#[test]
fn css_is_fingerprinted_and_referenced_by_pages() {
    let (_dir, out) = build_ok(&options());
    let css = hashed_css(&out);
    let source = std::fs::read(fixture("ok").join("templates/static/css/site.css")).unwrap();
    assert_eq!(std::fs::read(out.join(&css)).unwrap(), source);
    assert_eq!(
        std::fs::read(out.join("static/css/site.css")).unwrap(),
        source
    );
    let link = format!("<link rel=\"stylesheet\" href=\"/{css}\">");
    for page in [
        "index.html",
        "a/index.html",
        "kurser/index.html",
        "404.html",
    ] {
        assert!(read(&out, page).contains(&link), "{page} lacks {link}");
    }
}

#[test]
fn external_links_get_noopener_and_internal_ones_do_not() {
    let (_dir, out) = build_ok(&options());
    let html = read(&out, "a/index.html");
    assert!(
        html.contains(
            "<a href=\"https://www.sm.dk/\" rel=\"noopener\">Social- og Boligministeriet</a>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/b/#kontakt\">skriv til os</a>"),
        "{html}"
    );
    assert!(read(&out, "b/index.html").contains("<h2 id=\"kontakt\">Kontakt</h2>"));
}

#[test]
fn folds_render_as_details() {
    let (_dir, out) = build_ok(&options());
    let html = read(&out, "a/index.html");
    assert!(
        html.contains(
            "<details class=\"fold\" id=\"faser-og-indhold\">\n<summary>Faser og indhold</summary>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<details class=\"fold\" id=\"oekonomi\">\n<summary>Økonomi</summary>"),
        "{html}"
    );
    assert!(html.contains("<p>Forløbet er gratis.</p>"), "{html}");
    assert_eq!(html.matches("</details>").count(), 2);
}

#[test]
fn drafts_only_with_the_drafts_option() {
    let (_dir, out) = build_ok(&options());
    assert!(!out.join("kladde").exists());
    assert!(!read(&out, "sitemap.xml").contains("/kladde/"));

    let mut with_drafts = options();
    with_drafts.drafts = true;
    let (_dir, out) = build_ok(&with_drafts);
    assert!(read(&out, "kladde/index.html").contains("<h1>Kladde</h1>"));
    assert!(read(&out, "sitemap.xml").contains("<loc>https://example.dk/kladde/</loc>"));
}

#[test]
fn publish_date_in_the_future_is_left_out_until_that_day() {
    // nyhed.md has `publish_date: 2019-03-15`.
    for day in ["2019-03-01", "2019-03-14"] {
        let (_dir, out) = build_ok(&options_on(day));
        assert!(!out.join("nyhed").exists(), "{day}");
    }
    for day in ["2019-03-15", "2020-01-01"] {
        let (_dir, out) = build_ok(&options_on(day));
        assert!(
            read(&out, "nyhed/index.html").contains("<h1>Nyhed</h1>"),
            "{day}"
        );
    }
}

#[test]
fn danish_date_filter() {
    let (_dir, out) = build_ok(&options());
    let html = read(&out, "b/index.html");
    assert!(
        html.contains(
            "<p class=\"date\">Udgivet <time datetime=\"2017-04-06\">6. april 2017</time> (06/04 2017)</p>"
        ),
        "{html}"
    );
    assert!(
        html.contains("Sidst opdateret <time datetime=\"2018-11-01\">01/11 2018</time>"),
        "{html}"
    );
}

#[test]
fn template_values_are_escaped() {
    let (_dir, out) = build_ok(&options());
    let html = read(&out, "c/index.html");
    assert!(
        html.contains("<h1>Mærker &lt;b&gt; og &amp; tegn</h1>"),
        "{html}"
    );
    assert!(!html.contains("<b>"), "{html}");
    let index = read(&out, "index.html");
    assert!(
        index.contains("<a href=\"/c/\">Mærker &lt;b&gt; og &amp; tegn</a>"),
        "{index}"
    );
}

#[test]
fn sections_list_their_pages_in_their_order() {
    let (_dir, out) = build_ok(&options());
    // kurser/ has `sort_by: date`: newest first, although "efteraar" sorts first by name.
    let html = read(&out, "kurser/index.html");
    let foraar = html
        .find("<li><a href=\"/kurser/foraar-2019/\">Forår 2019</a> <span class=\"date\">10/01 2019</span></li>")
        .expect(&html);
    let efteraar = html
        .find("<li><a href=\"/kurser/efteraar-2018/\">Efterår 2018</a> <span class=\"date\">30/08 2018</span></li>")
        .expect(&html);
    assert!(foraar < efteraar, "{html}");
    // The front page: by weight, with the section as a subsection.
    let index = read(&out, "index.html");
    let a = index
        .find("<li><a href=\"/a/\">Side A</a></li>")
        .expect(&index);
    let b = index
        .find("<li><a href=\"/b/\">Side B</a></li>")
        .expect(&index);
    assert!(a < b, "{index}");
    assert!(index.contains("<li><a href=\"/kurser/\">Kurser</a></li>"));
}

#[test]
fn breadcrumbs_and_menu() {
    let (_dir, out) = build_ok(&options());
    let html = read(&out, "kurser/foraar-2019/index.html");
    assert!(
        html.contains(
            "<ol class=\"breadcrumbs\">\n<li><a href=\"/\">Forside</a></li>\n<li><a href=\"/kurser/\">Kurser</a></li>\n</ol>"
        ),
        "{html}"
    );
    let a = read(&out, "a/index.html");
    assert!(
        a.contains("<nav>\n<a href=\"/a/\" aria-current=\"page\">Side A</a>\n<a href=\"/kurser/\">Kurser</a>\n</nav>"),
        "{a}"
    );
}

#[test]
fn builds_are_byte_for_byte_deterministic() {
    let (_one, first) = build_ok(&options());
    let (_two, second) = build_ok(&options());
    let (a, b) = (read_tree(&first), read_tree(&second));
    assert_eq!(a.len(), 13);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(&b[path] == bytes, "{path} differs between two builds");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let (dir, out) = build_ok(&options());
    let before = read_tree(&out);
    assert!(before.contains_key("b/index.html"));

    // Fails while rendering, i.e. after the staging folder was created.
    match site_gen::build(&fixture("template_url"), &out, &options()) {
        Err(BuildError::Content(d)) => {
            assert_eq!(d.len(), 1, "{d}");
            let d = d.iter().next().unwrap();
            assert!(d.location().starts_with("templates/section.html:9:"), "{d}");
        }
        other => panic!("expected the build to fail with content errors: {other:?}"),
    }
    assert_eq!(read_tree(&out), before);

    // Fails while loading, before anything is written.
    assert!(matches!(
        site_gen::build(&fixture("three_faults"), &out, &options()),
        Err(BuildError::Content(d)) if d.len() == 3
    ));
    assert_eq!(read_tree(&out), before);

    assert_eq!(names_in(dir.path()), ["public"]);
}

#[test]
fn a_new_build_replaces_the_previous_output_completely() {
    let mut with_drafts = options();
    with_drafts.drafts = true;
    let (dir, out) = build_ok(&with_drafts);
    assert!(out.join("kladde/index.html").exists());
    std::fs::write(out.join("stale.txt"), "left over").unwrap();
    // Beside files of pages that stay, and deeper (the old site is removed by the new
    // site's file list first, then by walking what is left).
    std::fs::write(out.join("b/stale.txt"), "left over").unwrap();
    std::fs::create_dir_all(out.join("b/x/y")).unwrap();
    std::fs::write(out.join("b/x/y/z.txt"), "left over").unwrap();

    site_gen::build(&fixture("ok"), &out, &options()).unwrap();
    assert!(!out.join("kladde").exists());
    assert!(!out.join("stale.txt").exists());
    assert!(!out.join("b/stale.txt").exists());
    assert!(!out.join("b/x").exists());
    assert!(out.join("b/index.html").exists());
    // Neither the staging folder nor the moved-aside old output is left behind.
    assert_eq!(names_in(dir.path()), ["public"]);
}

#[test]
fn refuses_to_replace_the_sources() {
    let dir = tempfile::tempdir().unwrap();
    crate::copy_dir(&fixture("minimal"), dir.path());
    let root = dir.path();
    for output in [
        root.to_path_buf(),
        root.join("content"),
        root.join("templates/out"),
    ] {
        match site_gen::build(root, &output, &options()) {
            Err(BuildError::Usage(m)) => assert!(m.starts_with("refusing to replace "), "{m}"),
            other => panic!("{}: {other:?}", output.display()),
        }
    }
    assert_eq!(read_tree(root), read_tree(&fixture("minimal")));
}

/// Every output of the site at `root`, loaded with `spill` (or holding every body).
fn outputs(
    root: &Path,
    spill: Option<&site_gen::body::Spill>,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>, BuildError> {
    let renderer = site_gen::build::load(root, &options(), spill)?;
    let files = std::sync::Mutex::new(std::collections::BTreeMap::new());
    site_gen::build::render_all(&renderer, &|path, bytes| {
        files
            .lock()
            .unwrap()
            .insert(path.to_string(), bytes.to_vec());
        Ok(())
    })?;
    Ok(files.into_inner().unwrap())
}

#[test]
fn a_load_that_spills_every_body_renders_the_same_site_and_finds_the_same_faults() {
    let dir = tempfile::tempdir().unwrap();
    // The programme's own site: folds, forms, tables of contents, links.
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for root in [real.as_path(), &fixture("ok")] {
        let spill = site_gen::body::Spill::new(dir.path(), 0);
        let spilled = outputs(root, Some(&spill)).unwrap();
        assert!(
            spill.spilled() > 3,
            "{}: {}",
            root.display(),
            spill.spilled()
        );
        assert_eq!(spilled, outputs(root, None).unwrap(), "{}", root.display());
    }
    for case in ["broken_link", "missing_anchor", "three_faults"] {
        let spill = site_gen::body::Spill::new(dir.path(), 0);
        let faults = |r: Result<_, BuildError>| match r {
            Err(BuildError::Content(d)) => d.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            other => panic!(
                "{case}: expected content errors, got {:?}",
                other.map(|_| ())
            ),
        };
        let spilled = faults(outputs(&fixture(case), Some(&spill)));
        assert!(spill.spilled() > 0, "{case}");
        assert_eq!(spilled, faults(outputs(&fixture(case), None)), "{case}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no named files"
    );
}

#[test]
fn the_programmes_templates_only_print_the_pages_html_and_reading_time() {
    // So `site-gen check` leaves them out of the pages; a template that reads them makes the
    // check write and count them again, slower.
    for templates in [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates"),
        fixture("ok").join("templates"),
    ] {
        let theme = site_gen::templates::Theme::load(&templates).unwrap();
        assert!(theme.prints_only(&["content"]), "{}", templates.display());
        assert!(
            theme.prints_only(&["reading_time", "word_count"]),
            "{}",
            templates.display()
        );
    }
}
