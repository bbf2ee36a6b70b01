//! Publishing against moto's S3 and CloudFront, with every request counted by kind.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use site_publish::manifest::{MANIFEST_KEY, Manifest};
use site_publish::plan::Source;
use site_publish::run::Run;
use site_publish::{PublishError, Report};

use crate::moto::Moto;
use crate::site::{Stack, built_files, copy_of_site, differences, options, repository};

/// The headers every object must carry, written out here (not taken from the code).
fn expected_headers(key: &str) -> (&'static str, &'static str) {
    let ext = key.rsplit('.').next().unwrap();
    let content_type = match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        other => panic!("the site has a .{other} file ({key}): add its type here"),
    };
    let name = key.rsplit('/').next().unwrap();
    let parts: Vec<&str> = name.split('.').collect();
    let fingerprinted = parts.len() >= 3
        && parts[parts.len() - 2].len() == 10
        && parts[parts.len() - 2]
            .bytes()
            .all(|b| b.is_ascii_hexdigit());
    let cache = if fingerprinted {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=0, must-revalidate"
    };
    (content_type, cache)
}

/// The bucket holds exactly `files` (and the manifest), each with its headers.
async fn assert_bucket_holds(stack: &Stack, moto: &Moto, files: &BTreeMap<String, Vec<u8>>) {
    let mut contents = stack.contents(moto).await;
    let manifest = contents
        .remove(MANIFEST_KEY)
        .expect("the manifest is written");
    let manifest = Manifest::parse(&manifest.bytes).expect("a manifest this code reads");
    assert!(
        manifest.complete,
        "a finished run leaves the manifest complete"
    );
    assert_eq!(
        contents.keys().collect::<Vec<_>>(),
        files.keys().collect::<Vec<_>>()
    );
    for (key, stored) in &contents {
        assert!(
            stored.bytes == files[key],
            "{key}: other bytes than the build's"
        );
        let (content_type, cache) = expected_headers(key);
        assert_eq!(stored.content_type, content_type, "{key}");
        assert_eq!(stored.cache_control, cache, "{key}");
    }
    assert_eq!(manifest.objects.len(), files.len());
}

/// The uploads of a run, in the order S3 got them: the manifest (marked incomplete) first,
/// then every asset before any page, every page before the sitemap, the manifest last.
fn assert_reader_safe_order(log: &[[String; 3]]) {
    let puts: Vec<&str> = log
        .iter()
        .filter(|[method, path, _]| method == "PUT" && path.trim_matches('/').contains('/'))
        .map(|[_, path, _]| path.splitn(3, '/').nth(2).unwrap())
        .collect();
    assert_eq!(puts.first(), Some(&MANIFEST_KEY), "{puts:?}");
    assert_eq!(puts.last(), Some(&MANIFEST_KEY), "{puts:?}");
    let rank = |key: &str| match key {
        "sitemap.xml" | "robots.txt" => 2,
        k if k.ends_with(".html") => 1,
        _ => 0,
    };
    let ranks: Vec<u8> = puts[1..puts.len() - 1].iter().map(|k| rank(k)).collect();
    assert!(ranks.is_sorted(), "uploads out of order: {puts:?}");
    assert!(
        ranks.contains(&0) && ranks.contains(&1) && ranks.contains(&2),
        "{puts:?}"
    );
}

/// Publishes the site at `root` as it is on `day` (verifying the bucket by a listing when
/// `verify`).
async fn publish_day(
    stack: &Stack,
    moto: &Moto,
    root: &Path,
    day: &str,
    verify: bool,
) -> Result<Report, PublishError> {
    site_publish::publish(stack.target(moto), root, options(day), verify, false).await
}

fn paths(keys: &BTreeSet<String>) -> Vec<String> {
    keys.iter().map(|k| format!("/{k}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_publish_same_day_again_and_the_day_after_a_deadline() {
    let moto = Moto::start();
    let stack = Stack::create(&moto, "site").await;
    let root = repository();

    // Into an empty bucket: everything, with its headers, one invalidation.
    let report = publish_day(&stack, &moto, &root, "2019-03-29", false)
        .await
        .unwrap();
    let log = moto.take_log();
    assert_reader_safe_order(&log);
    let requests = crate::moto::Requests::of(&log);
    let before = built_files(&root, "2019-03-29");
    assert_eq!(report.files, before.len());
    assert_eq!(report.uploaded, before.len());
    assert_eq!(
        report.source,
        Source::Listing,
        "no manifest yet: the bucket is listed"
    );
    assert_eq!(
        requests.get("PutObject"),
        before.len() + 2,
        "{requests:?}: the files and the manifest twice"
    );
    assert_eq!(
        requests.get("CloudFrontCreateInvalidation"),
        1,
        "{requests:?}"
    );
    assert_eq!(requests.get("DeleteObjects"), 0, "{requests:?}");
    assert_bucket_holds(&stack, &moto, &before).await;
    let all: BTreeSet<String> = before.keys().cloned().collect();
    assert_eq!(stack.invalidations(&moto).await, [paths(&all)]);

    // The same day again, as an editor's run (trusting the manifest) and as the nightly
    // run (verifying by a listing): nothing written, one and two requests.
    for (verify, expected) in [(false, 1), (true, 2)] {
        let report = site_publish::publish(
            stack.target(&moto),
            &root,
            options("2019-03-29"),
            verify,
            false,
        )
        .await
        .unwrap();
        let requests = moto.take_requests();
        assert_eq!(requests.s3(), expected, "verify {verify}: {requests:?}");
        assert!(requests.s3() <= 3);
        assert_eq!(requests.writes(), 0, "verify {verify}: {requests:?}");
        assert_eq!((report.uploaded, report.deleted), (0, 0));
        assert!(report.invalidated.is_empty() && report.changed.is_empty());
    }
    assert_eq!(stack.invalidations(&moto).await.len(), 1);

    // The day after the mini courses' deadline (29 March 2019): exactly what a build into
    // a folder changes, and nothing else.
    let after = built_files(&root, "2019-03-30");
    let changed = differences(&before, &after);
    for page in [
        "minivejledningsforloeb/index.html",
        "etaarige-forloeb/index.html",
    ] {
        assert!(
            changed.contains(page),
            "{page} must change after a deadline: {changed:?}"
        );
    }
    assert!(changed.len() < before.len() / 2, "{changed:?}");
    let report = publish_day(&stack, &moto, &root, "2019-03-30", false)
        .await
        .unwrap();
    let requests = moto.take_requests();
    assert_eq!(report.uploaded, changed.len());
    assert_eq!(requests.get("PutObject"), changed.len() + 2, "{requests:?}");
    assert_eq!(requests.get("GetObject"), 1, "{requests:?}");
    assert_eq!(requests.get("ListObjectsV2"), 0, "{requests:?}");
    assert_eq!(requests.get("DeleteObjects"), 0, "{requests:?}");
    assert!(
        report
            .changed
            .contains(&"https://dagtilbud.example.dk/minivejledningsforloeb/".to_string())
    );
    assert_bucket_holds(&stack, &moto, &after).await;
    assert_eq!(stack.invalidations(&moto).await[1], paths(&changed));
}

const NEWS: &str = "---\ntitle: \"Nyt om konferencen\"\ndescription: \"Program for konferencen.\"\npublish_date: 2019-03-05\n---\n\nProgrammet er klar.\n";
const OLD: &str = "---\ntitle: \"Tilmelding åben\"\ndescription: \"Tilmeldingen er åben.\"\nexpiry_date: 2019-03-05\n---\n\nTilmeld jer nu.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_appears_on_its_publish_date_and_leaves_on_its_expiry_date() {
    let moto = Moto::start();
    let stack = Stack::create(&moto, "dates").await;
    let site = copy_of_site();
    std::fs::write(site.path().join("content/nyhed.md"), NEWS).unwrap();
    std::fs::write(site.path().join("content/tilmelding.md"), OLD).unwrap();

    publish_day(&stack, &moto, site.path(), "2019-03-04", false)
        .await
        .unwrap();
    moto.take_requests();
    let contents = stack.contents(&moto).await;
    assert!(!contents.contains_key("nyhed/index.html"));
    assert!(contents.contains_key("tilmelding/index.html"));
    let sitemap = String::from_utf8(contents["sitemap.xml"].bytes.clone()).unwrap();
    assert!(
        !sitemap.contains("/nyhed/") && sitemap.contains("/tilmelding/"),
        "{sitemap}"
    );

    let report = publish_day(&stack, &moto, site.path(), "2019-03-05", false)
        .await
        .unwrap();
    let requests = moto.take_requests();
    assert_eq!(report.deleted, 1);
    assert_eq!(requests.get("DeleteObjects"), 1, "{requests:?}");
    assert!(requests.s3() <= 10, "{requests:?}");
    let after = built_files(site.path(), "2019-03-05");
    assert_bucket_holds(&stack, &moto, &after).await;
    let sitemap = String::from_utf8(after["sitemap.xml"].clone()).unwrap();
    assert!(
        sitemap.contains("/nyhed/") && !sitemap.contains("/tilmelding/"),
        "{sitemap}"
    );
    let last = stack.invalidations(&moto).await.pop().unwrap();
    for path in [
        "/nyhed/index.html",
        "/tilmelding/index.html",
        "/sitemap.xml",
    ] {
        assert!(
            last.contains(&path.to_string()),
            "{path} not invalidated: {last:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_error_publishes_nothing_and_says_where() {
    let moto = Moto::start();
    let stack = Stack::create(&moto, "errors").await;
    let site = copy_of_site();
    publish_day(&stack, &moto, site.path(), "2019-03-04", false)
        .await
        .unwrap();
    let page = site.path().join("content/privatlivspolitik.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replacen("title:", "titel:", 1)).unwrap();
    moto.take_requests();
    let error = publish_day(&stack, &moto, site.path(), "2019-03-05", true)
        .await
        .unwrap_err();
    let requests = moto.take_requests();
    assert_eq!(requests.writes(), 0, "{requests:?}");
    assert_eq!(error.outcome(), "content_errors");
    let message = error.to_string();
    assert!(
        message.contains("content/privatlivspolitik.md:2"),
        "{message}"
    );
    assert!(message.contains("titel"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_stale_manifest_still_gives_the_right_site() {
    let moto = Moto::start();
    let stack = Stack::create(&moto, "stale").await;
    let root = repository();
    let day = "2019-03-04";
    let files = built_files(&root, day);
    publish_day(&stack, &moto, &root, day, false).await.unwrap();
    let s3 = moto.s3();

    // Deleted by hand: the bucket is listed and every object put again (its headers
    // cannot be known without reading it), then the next run is quiet again.
    s3.delete_object()
        .bucket(&stack.bucket)
        .key(MANIFEST_KEY)
        .send()
        .await
        .unwrap();
    moto.take_requests();
    let report = publish_day(&stack, &moto, &root, day, false).await.unwrap();
    assert_eq!(report.source, Source::Listing);
    assert_eq!(report.uploaded, files.len());
    assert_bucket_holds(&stack, &moto, &files).await;
    publish_day(&stack, &moto, &root, day, false).await.unwrap();
    assert_eq!(moto.take_requests().writes(), 0);

    // Stale: a page replaced and a file added by hand. The nightly run (verifying) puts
    // the page back, removes the file and invalidates both.
    s3.put_object()
        .bucket(&stack.bucket)
        .key("index.html")
        .body(b"<p>hand-made</p>".to_vec().into())
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(&stack.bucket)
        .key("gammel.html")
        .body(b"old".to_vec().into())
        .send()
        .await
        .unwrap();
    moto.take_requests();
    let report = publish_day(&stack, &moto, &root, day, true).await.unwrap();
    let requests = moto.take_requests();
    assert_eq!((report.uploaded, report.deleted), (1, 1), "{report:?}");
    assert_eq!(requests.get("PutObject"), 3, "{requests:?}");
    assert_eq!(report.invalidated, ["/gammel.html", "/index.html"]);
    assert_bucket_holds(&stack, &moto, &files).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_before_its_deletions_leaves_a_whole_site_and_the_next_finishes() {
    let moto = Moto::start();
    let stack = Stack::create(&moto, "killed").await;
    let site = copy_of_site();
    let day = "2019-03-04";
    std::fs::write(
        site.path().join("content/tilmelding.md"),
        OLD.replace("2019-03-05", "2030-01-01"),
    )
    .unwrap();
    publish_day(&stack, &moto, site.path(), day, false)
        .await
        .unwrap();
    let old_css: Vec<String> = stack
        .contents(&moto)
        .await
        .into_keys()
        .filter(|k| k.ends_with(".css"))
        .collect();
    assert!(!old_css.is_empty());

    // A new style sheet (a new fingerprint) and a page removed.
    let css_dir = site.path().join("templates/static/css");
    for entry in std::fs::read_dir(&css_dir).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("\n/* changed */\n");
        std::fs::write(&path, text).unwrap();
    }
    std::fs::remove_file(site.path().join("content/tilmelding.md")).unwrap();

    // Killed after its uploads, before its deletions.
    let run = Run::prepare(stack.target(&moto), site.path(), options(day), false)
        .await
        .unwrap();
    assert!(!run.plan().deletes.is_empty());
    drop(run.upload().await.unwrap());
    let contents = stack.contents(&moto).await;
    for css in &old_css {
        assert!(
            contents.contains_key(css),
            "{css} deleted before the run's end"
        );
    }
    assert_links_resolve(&contents);
    let manifest = Manifest::parse(&contents[MANIFEST_KEY].bytes).unwrap();
    assert!(!manifest.complete);

    // The next run, an editor's: the incomplete manifest makes it list the bucket.
    moto.take_requests();
    let report = publish_day(&stack, &moto, site.path(), day, false)
        .await
        .unwrap();
    assert_eq!(report.source, Source::Listing);
    assert_eq!(report.uploaded, 0, "{report:?}");
    assert!(report.deleted >= 2, "{report:?}");
    assert!(
        report
            .invalidated
            .contains(&"/tilmelding/index.html".to_string())
    );
    for css in &old_css {
        assert!(
            report.invalidated.contains(&format!("/{css}")),
            "{report:?}"
        );
    }
    let files = built_files(site.path(), day);
    assert_bucket_holds(&stack, &moto, &files).await;
    assert_links_resolve(&stack.contents(&moto).await);
}

/// Every local link and asset of every page in the bucket is in the bucket.
fn assert_links_resolve(contents: &BTreeMap<String, crate::site::Stored>) {
    for (key, stored) in contents.iter().filter(|(k, _)| k.ends_with(".html")) {
        let html = String::from_utf8_lossy(&stored.bytes);
        for attr in ["href=\"/", "src=\""] {
            for piece in html.split(attr).skip(1) {
                let target = piece.split('"').next().unwrap().trim_start_matches('/');
                let target = target.split(['#', '?']).next().unwrap();
                if target.starts_with("api/")
                    || target.contains("://")
                    || target.is_empty() && attr == "src=\""
                {
                    continue;
                }
                let object = if target.is_empty() || target.ends_with('/') {
                    format!("{target}index.html")
                } else {
                    target.to_string()
                };
                assert!(
                    contents.contains_key(&object),
                    "{key} links to /{target}, not in the bucket"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_writes_nothing_and_says_what_would_change() {
    let moto = Moto::start();
    let stack = Stack::create(&moto, "dry").await;
    let root = repository();
    publish_day(&stack, &moto, &root, "2019-03-29", false)
        .await
        .unwrap();
    moto.take_requests();
    let report = site_publish::publish(
        stack.target(&moto),
        &root,
        options("2019-03-30"),
        false,
        true,
    )
    .await
    .unwrap();
    assert!(report.dry_run);
    assert_eq!(moto.take_requests().writes(), 0);
    let changed = differences(
        &built_files(&root, "2019-03-29"),
        &built_files(&root, "2019-03-30"),
    );
    assert_eq!(report.uploaded, changed.len());
    assert_eq!(report.invalidated, paths(&changed));
}
