//! The publisher binary as Lambda runs it, under the runtime emulator (`cargo lambda watch
//! --only-lambda-apis`, PyPI cargo-lambda; ./test.sh installs it), invoked with the nightly
//! schedule's event and by the editors' command (`site-publish publish`), against moto.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use site_publish::snapshot::{self, SNAPSHOT_KEY};

use crate::moto::Moto;
use crate::process::{Running, emulator, keep_output, post};
use crate::site::{Stack, built_files, copy_of_site, repository};

const SITE_URL: &str = "https://dagtilbud.example.dk";

async fn put_snapshot(moto: &Moto, root: &Path) {
    moto.s3()
        .put_object()
        .bucket("snapshots")
        .key(SNAPSHOT_KEY)
        .body(snapshot::pack(root).unwrap().into())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_publisher_under_the_emulator_nightly_and_from_the_editors_command() {
    let moto = Moto::start();
    let stack = Stack::create(&moto, "site").await;
    moto.create_bucket("snapshots").await;
    put_snapshot(&moto, &repository()).await;

    let (_emulator, port, vars) = emulator();
    let mut child = Command::new(env!("CARGO_BIN_EXE_publisher"))
        .env_clear()
        .envs(&vars)
        .envs(moto.env())
        .envs([
            ("SITE_BUCKET", stack.bucket.as_str()),
            ("DISTRIBUTION_ID", stack.distribution.as_str()),
            ("SNAPSHOT_BUCKET", "snapshots"),
            ("SITE_URL", SITE_URL),
            ("TMPDIR", std::env::temp_dir().to_str().unwrap()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = keep_output(&mut child);
    let _function = Running {
        child,
        output: log.clone(),
    };
    let function = vars
        .get("AWS_LAMBDA_FUNCTION_NAME")
        .cloned()
        .unwrap_or("_".into());
    let path = format!("/2015-03-31/functions/{function}/invocations");
    let invoke = |body: String| {
        let path = path.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let (status, body) = post(port, &path, &body);
                (status, body, started.elapsed())
            })
            .await
            .unwrap()
        }
    };

    // The nightly schedule's event, as Scheduler fills it in: 00:01 in Copenhagen on
    // 29 March 2019, delivered late.
    let nightly = r#"{"source":"schedule","scheduled_time":"2019-03-28T23:01:00Z"}"#.to_string();
    moto.take_requests();
    let (status, body, _) = invoke(nightly.clone()).await;
    assert_eq!(status, 200, "{body}\n{}", log.lock().unwrap());
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["date"], "2019-03-29", "{body}");
    let files = built_files(&repository(), "2019-03-29");
    assert_eq!(report["uploaded"], files.len(), "{body}");
    let mut contents = stack.contents(&moto).await;
    contents.remove(site_publish::manifest::MANIFEST_KEY);
    assert_eq!(contents.len(), files.len());
    for (key, bytes) in &files {
        assert!(contents[key].bytes == *bytes, "{key}");
    }

    // The same night again (a retry): nothing written, at most three requests to S3.
    moto.take_requests();
    let (status, body, took) = invoke(nightly.clone()).await;
    assert_eq!(status, 200, "{body}");
    let requests = moto.take_requests();
    assert_eq!(requests.writes(), 0, "{requests:?}");
    assert!(requests.s3() <= 3, "{requests:?}");
    eprintln!(
        "unchanged night: invocation to answer {} ms, {requests:?}",
        took.as_millis()
    );

    // A snapshot whose form definition changed is refused, naming the file.
    let changed = copy_of_site();
    let form = changed.path().join("content/forms/minivejledning.yaml");
    let text = std::fs::read_to_string(&form).unwrap();
    std::fs::write(&form, format!("{text}\n# changed\n")).unwrap();
    put_snapshot(&moto, changed.path()).await;
    moto.take_requests();
    let (status, body, _) = invoke(nightly.clone()).await;
    assert_eq!(
        status, 500,
        "the emulator answers a function error with 500: {body}"
    );
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["errorType"], "forms_changed", "{body}");
    let message = error["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("refused: forms changed"), "{body}");
    assert!(
        message.contains("content/forms/minivejledning.yaml"),
        "{body}"
    );
    assert!(message.contains("infra/deploy"), "{body}");
    assert_eq!(moto.take_requests().writes(), 0);

    // A content error: nothing written, the diagnostics (file:line) in the answer.
    let broken = copy_of_site();
    let page = broken.path().join("content/privatlivspolitik.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replacen("title:", "titel:", 1)).unwrap();
    put_snapshot(&moto, broken.path()).await;
    moto.take_requests();
    let (_, body, _) = invoke(nightly.clone()).await;
    assert!(body.contains("content/privatlivspolitik.md:2"), "{body}");
    assert_eq!(moto.take_requests().writes(), 0);

    // The editors' command with a changed form: refused by the publisher's dry run before
    // the snapshot is uploaded, so the current snapshot stays the nightly run's.
    let cli_in = |root: &Path, dry_run: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_site-publish"));
        cmd.args(["publish", "--env", "test", "--function", &function])
            .args(["--snapshot-bucket", "snapshots", "--root"])
            .arg(root)
            .env_clear()
            .envs(moto.env())
            .env(
                "AWS_ENDPOINT_URL_LAMBDA",
                format!("http://127.0.0.1:{port}"),
            )
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        if dry_run {
            cmd.arg("--dry-run");
        }
        cmd.output().unwrap()
    };
    put_snapshot(&moto, &repository()).await;
    std::fs::create_dir_all(changed.path().join("infra")).unwrap();
    std::fs::copy(
        repository().join("infra/samconfig.toml"),
        changed.path().join("infra/samconfig.toml"),
    )
    .unwrap();
    moto.take_requests();
    let out = cli_in(changed.path(), false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refused: forms changed"), "{stderr}");
    assert!(
        stderr.contains("content/forms/minivejledning.yaml"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was published."), "{stderr}");
    assert_eq!(
        moto.take_requests().writes(),
        0,
        "the snapshot was not uploaded"
    );

    // The editors' command: a dry run (the snapshot inside the request: nothing written),
    // then a publish of the repository's site for today.
    let cli = |dry_run: bool| cli_in(&repository(), dry_run);
    moto.take_requests();
    let out = cli(true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(moto.take_requests().writes(), 0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dry_run"], true);
    let today_changes = report["uploaded"].as_u64().unwrap();
    assert!(
        today_changes > 0,
        "2019 to today changes the course pages: {stderr}"
    );
    assert!(
        stderr.contains(&format!("would change: {SITE_URL}/minivejledningsforloeb/")),
        "{stderr}"
    );

    let out = cli(false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let requests = moto.take_requests();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["uploaded"].as_u64().unwrap(), today_changes);
    assert!(
        stderr.contains(&format!("changed: {SITE_URL}/minivejledningsforloeb/")),
        "{stderr}"
    );
    assert_eq!(
        requests.get("CloudFrontCreateInvalidation"),
        1,
        "{requests:?}"
    );
    let out = cli(false);
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing changed"));

    // The log: one JSON line per run, no request bodies.
    let text = log.lock().unwrap().clone();
    let runs: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| {
            l["fields"]["message"] == "published" || l["fields"]["message"] == "not published"
        })
        .collect();
    assert_eq!(runs.len(), 10, "{text}");
}
