//! What the handler does when things go wrong around it: a store that hangs, a body that
//! breaks off, and what it writes to the log meanwhile (never anything an applicant wrote).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use form_handler::forms::Forms;
use form_handler::http::{AppState, RateLimiter};
use form_handler::store::Store;
use form_handler::store::dynamo::DynamoStore;

use crate::Moto;
use crate::api::{VALID, as_json, day, json_post, send};

/// A TCP server that accepts connections and never answers.
fn silent_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    format!("http://{address}")
}

/// A store that accepts the connection and never answers, reached by a client with no
/// timeouts of its own: only the handler's deadline can end the wait, so a 503 at all shows
/// it working (the test gives up after a minute instead of hanging).
#[tokio::test]
async fn a_store_that_hangs_gets_a_503_within_the_deadline() {
    let st = Arc::new(
        AppState::new(
            Forms::embedded().unwrap(),
            Store::Dynamo(DynamoStore::new(
                crate::moto::client_without_timeouts(&silent_server()),
                "hangs",
            )),
            day("2019-03-01"),
            RateLimiter::new(10_000),
            None,
        )
        .with_store_deadline(Duration::from_millis(300)),
    );
    let answer = |request| {
        let st = st.clone();
        async move {
            tokio::time::timeout(Duration::from_secs(60), send(&st, request))
                .await
                .expect("no answer within a minute: the deadline did not end the wait")
        }
    };
    let (status, headers, body) = answer(json_post(&as_json(VALID))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.contains_key("retry-after"));
    // The receipt page too (a valid reference, so that the store is asked).
    let reference = form_handler::reference::Reference::try_generate().unwrap();
    let (status, headers, _) = answer(
        Request::get(format!(
            "/api/applications/minivejledning/kvittering/{}",
            reference.as_str()
        ))
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_body_that_breaks_off_is_a_400_not_a_413() {
    let moto = Moto::start();
    let st = crate::api::state(&moto, "broken", day("2019-03-01"), 10_000).await;
    let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
        Ok("ansoegertype=kommune&"),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the client went away",
        )),
    ];
    let request = Request::post("/api/applications/minivejledning")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("host", "localhost:1111")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let (status, _, body) = send(&st, request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("body_incomplete"), "{body}");
}

/// A log writer into memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The process's log, captured: the whole test binary logs into it from the first call on
/// (a scoped subscriber misses events whose callsites other test threads registered first).
fn captured_log() -> Captured {
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Captured::default();
        // The most talkative filter an operator could set: the libraries that could log a
        // request stay at info all the same.
        let filter = form_handler::logging::filter(Some("trace")).unwrap();
        tracing::subscriber::set_global_default(form_handler::logging::subscriber(
            filter,
            log.clone(),
        ))
        .unwrap();
        log
    })
    .clone()
}

#[tokio::test]
async fn nothing_an_applicant_wrote_reaches_the_log() {
    let log = captured_log();
    let mut moto = Moto::start();
    let st = crate::api::state(&moto, "logs", day("2019-03-01"), 10_000).await;
    let request = |id: &str, key: Option<&str>, body: &str| {
        let r = Request::post("/api/applications/minivejledning")
            .header("content-type", "application/json")
            .header("host", "localhost:1111")
            .header("x-request-id", id);
        match key {
            Some(k) => r.header("idempotency-key", k),
            None => r,
        }
        .body(Body::from(body.to_string()))
        .unwrap()
    };
    let body = as_json(VALID);
    // Stored, repeated, invalid, a key used again with other content, a store failure.
    let invalid = body.replace("10103940", "10103941");
    let changed = body.replace("Anne Sørensen", "Anne B. Sørensen");
    for (id, key, body, status) in [
        ("logtest-1", None, &body, StatusCode::CREATED),
        ("logtest-2", None, &body, StatusCode::CREATED),
        (
            "logtest-3",
            None,
            &invalid,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("logtest-4", Some("k-1"), &body, StatusCode::CREATED),
        // A request id with personal data in it is not taken.
        (
            "Anne Sørensen <anne@example.dk>",
            Some("k-1"),
            &changed,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        assert_eq!(send(&st, request(id, key, body)).await.0, status, "{id}");
    }
    moto.stop();
    let failing = body.replace("Anne", "Anna");
    assert_eq!(
        send(&st, request("logtest-6", None, &failing)).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // What the Lambda runtime and the SDK's signer would log of a request in detail.
    tracing::trace!(target: "lambda_runtime", body = %body, "raw event");
    tracing::debug!(target: "aws_sigv4", body = %body, "signing request");

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let outcome_of = |id: &str| {
        lines
            .iter()
            .find(|l| l["fields"]["request_id"] == id)
            .and_then(|l| l["fields"]["outcome"].as_str())
            .unwrap_or("(no line)")
            .to_string()
    };
    let outcomes: Vec<String> = (1..=6)
        .map(|i| outcome_of(&format!("logtest-{i}")))
        .collect();
    assert_eq!(
        outcomes,
        [
            "stored",
            "repeat",
            "invalid",
            "stored",
            "(no line)",
            "store_failed"
        ],
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l["fields"]["outcome"] == "key_reused"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "store failed"
                && l["fields"]["error_kind"].is_string()),
        "the store failure is logged with its kind: {text}"
    );
    for secret in [
        "Anne",
        "Anna",
        "anne@example.dk",
        "22334455",
        "22 33 44 55",
        "Rådhuspladsen",
        "udsatte positioner",
        "Dagtilbudschef",
    ] {
        assert!(!text.contains(secret), "`{secret}` is in the log:\n{text}");
    }
}

#[tokio::test]
async fn the_notifier_logs_references_kinds_and_outcomes_never_an_address_or_an_answer() {
    use form_handler::notify::stream::handle_event;
    let log = captured_log();
    let moto = Moto::start();
    let st = crate::api::state(&moto, "notifier-logs", day("2019-03-01"), 10_000).await;
    crate::mail::verify_sender(&crate::mail::ses_client(&moto.endpoint())).await;
    let (status, _, body) = send(&st, json_post(&as_json(VALID))).await;
    assert_eq!(status, StatusCode::CREATED);
    let reference = serde_json::from_str::<serde_json::Value>(&body).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let notifier = crate::mail::notifier(&moto, &moto.endpoint(), "notifier-logs");
    let records = crate::mail::stream_records(&moto, "notifier-logs").await;
    let (response, _) = handle_event(&notifier, crate::mail::lambda_event(&records), None).await;
    assert!(response.batch_item_failures.is_empty());

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let mine: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|l: &serde_json::Value| {
            l["fields"]["message"] == "mail" && l["fields"]["reference"] == reference.as_str()
        })
        .collect();
    let kinds: Vec<(&str, &str)> = mine
        .iter()
        .map(|l| {
            (
                l["fields"]["kind"].as_str().unwrap(),
                l["fields"]["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("caseworkers", "sent"), ("receipt", "sent")],
        "{text}"
    );
    for line in &mine {
        assert!(
            !line["fields"]["message_id"]
                .as_str()
                .unwrap_or("")
                .is_empty(),
            "SES's message id is logged: {line}"
        );
    }
    for secret in [
        "Anne",
        "anne@example.dk",
        "dagtilbudsvejledning@socialstyrelsen.dk",
        "ansoegninger@",
        "22334455",
        "Rådhuspladsen",
        "udsatte positioner",
        "Ny ansøgning",
    ] {
        assert!(!text.contains(secret), "`{secret}` is in the log:\n{text}");
    }
}
