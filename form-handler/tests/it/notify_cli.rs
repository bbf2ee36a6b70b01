//! `form-handler notify --once` against moto: it reads the table's stream through the
//! DynamoDB Streams API from its oldest record and sends through SES with the notifier's
//! own code; exit 0 when every mail due was sent, 1 (naming the references) when any was
//! not, and a second run sends nothing new.

use std::process::Command;

use axum::http::StatusCode;

use crate::Moto;
use crate::api::{VALID, as_json, json_post, send, state};

/// Runs `form-handler notify --once` with DynamoDB at `dynamodb` and SES at `ses`; (exit
/// code, standard error).
fn notify_once(dynamodb: &str, ses: &str, table: &str) -> (i32, String) {
    notify(&["notify", "--once"], dynamodb, ses, table)
}

/// Runs `form-handler` with `args` (a `notify` command) against the endpoints.
fn notify(args: &[&str], dynamodb: &str, ses: &str, table: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_form-handler"))
        .args(args)
        .env_clear()
        .envs([
            ("APPLICATIONS_TABLE", table),
            ("MAIL_FROM", crate::mail::SENDER),
            ("SITE_URL", "https://dagtilbud.example.dk"),
            ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb),
            ("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", dynamodb),
            ("AWS_ENDPOINT_URL_SESV2", ses),
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            // One attempt: a stopped SES fails at once (the default retries with backoff).
            ("AWS_MAX_ATTEMPTS", "1"),
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_once_sends_what_is_due_once_and_says_what_it_could_not() {
    let moto = Moto::start();
    let mut ses = Moto::start();
    let st = state(&moto, "cli", crate::api::day("2019-03-01"), 10_000).await;
    let mut references = Vec::new();
    for name in ["Anne Sørensen", "Bent Hansen"] {
        let (status, _, body) = send(
            &st,
            json_post(&as_json(VALID).replace("Anne Sørensen", name)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        references.push(
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["reference"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    references.sort();

    // SES is down: exit 1, naming both applications.
    ses.stop();
    let (code, stderr) = tokio::task::spawn_blocking({
        let (d, s) = (moto.endpoint(), ses.endpoint());
        move || notify_once(&d, &s, "cli")
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{stderr}");
    for r in &references {
        assert!(stderr.contains(r.as_str()), "{r} is not named: {stderr}");
    }

    // SES is back: every mail once; the sender's identity is made on the local SES.
    ses.restart();
    for _ in 0..2 {
        let (code, stderr) = tokio::task::spawn_blocking({
            let (d, s) = (moto.endpoint(), ses.endpoint());
            move || notify_once(&d, &s, "cli")
        })
        .await
        .unwrap();
        assert_eq!(code, 0, "{stderr}");
    }
    let mails = crate::mail::sent(&ses.endpoint()).await;
    assert_eq!(
        mails.len(),
        4,
        "two applications, two mails each, once: {mails:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_sweep_sends_what_is_pending_and_leaves_the_young_to_the_stream() {
    let moto = Moto::start();
    let st = state(&moto, "sweep", crate::api::day("2019-03-01"), 10_000).await;
    let (status, _, _) = send(&st, json_post(&as_json(VALID))).await;
    assert_eq!(status, StatusCode::CREATED);
    let run = |args: &'static [&'static str]| {
        let d = moto.endpoint();
        tokio::task::spawn_blocking(move || notify(args, &d, &d, "sweep"))
    };
    // Stored "on 2019-03-01": younger than a minimum age of 100,000 hours.
    let (code, stderr) = run(&["notify", "--sweep", "--min-age", "100000h"])
        .await
        .unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Left 1 applications younger than --min-age"),
        "{stderr}"
    );
    assert!(crate::mail::sent(&moto.endpoint()).await.is_empty());
    let (code, stderr) = run(&["notify", "--sweep"]).await.unwrap();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Sent 2 mails"), "{stderr}");
    let (code, stderr) = run(&["notify", "--sweep"]).await.unwrap();
    assert_eq!(
        (code, stderr.contains("Sent 0 mails")),
        (0, true),
        "{stderr}"
    );
    let (code, stderr) = run(&["notify", "--sweep", "--min-age", "a week"])
        .await
        .unwrap();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`a week` is not a duration"), "{stderr}");
}
