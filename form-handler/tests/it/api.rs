//! The HTTP contract through the real router, with moto behind it.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use form_handler::forms::Forms;
use form_handler::http::{AppState, Clock, RateLimiter, router};
use form_handler::store::Store;
use form_handler::store::dynamo::DynamoStore;
use tower::ServiceExt;

use crate::Moto;

pub(crate) const VALID: &str = "ansoegertype=kommune&deltagende_dagtilbud=B%C3%B8rnehuset+Solsikken%0D%0AVuggestuen+Myretuen&cvr=10103940&kommune=101&adresse=R%C3%A5dhuspladsen+1&postnummer=1550&by=K%C3%B8benhavn&kontakt_navn=Anne+S%C3%B8rensen&kontakt_stilling=Dagtilbudschef&kontakt_email=anne%40example.dk&kontakt_telefon=22+33+44+55&udfordring=Vi+vil+styrke+l%C3%A6ringsmilj%C3%B8erne+for+b%C3%B8rn+i+udsatte+positioner+i+vores+dagtilbud.&ledelsesopbakning=on&privatliv=on&website=";

pub(crate) fn day(d: &str) -> Clock {
    Clock::OnDay(form_handler::dates::parse_iso(d).unwrap())
}

pub(crate) async fn state(
    moto: &Moto,
    table: &str,
    clock: Clock,
    per_minute: u32,
) -> Arc<AppState> {
    let store = DynamoStore::new(moto.client(), table);
    store.create_table_if_missing().await.unwrap();
    Arc::new(
        AppState::new(
            Forms::embedded().unwrap(),
            Store::Dynamo(store),
            clock,
            RateLimiter::new(per_minute),
            None,
        )
        // These tests are about the contract: a store slowed down by a busy machine must not
        // turn their answers into 503s (the deadline has tests of its own).
        .with_store_deadline(PATIENT),
    )
}

/// How long the contract tests let the store take.
const PATIENT: std::time::Duration = std::time::Duration::from_secs(120);

fn post(path: &str, content_type: &str) -> axum::http::request::Builder {
    Request::post(path)
        .header("content-type", content_type)
        .header("host", "localhost:1111")
}

pub(crate) async fn send(
    state: &Arc<AppState>,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response: Response<Body> = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn form_post(body: &str) -> Request<Body> {
    post(
        "/api/applications/minivejledning",
        "application/x-www-form-urlencoded",
    )
    .body(Body::from(body.to_string()))
    .unwrap()
}

pub(crate) fn json_post(body: &str) -> Request<Body> {
    post("/api/applications/minivejledning", "application/json")
        .header("accept", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub(crate) fn as_json(valid: &str) -> String {
    let raw = form_handler::submission::PostedFields::from_urlencoded(valid.as_bytes()).unwrap();
    let map: serde_json::Map<String, serde_json::Value> =
        raw.0.into_iter().map(|(k, v)| (k, v.into())).collect();
    serde_json::Value::Object(map).to_string()
}

async fn stored(moto: &Moto, table: &str, form: &str) -> Vec<form_handler::store::NewApplication> {
    DynamoStore::new(moto.client(), table)
        .list(form, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_answer_of_the_contract() {
    let moto = Moto::start();
    let st = state(&moto, "contract", day("2019-03-01"), 10_000).await;

    // Plain HTML post: 303 to a receipt without personal data.
    let (status, headers, _) = send(&st, form_post(VALID)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/api/applications/minivejledning/kvittering/"),
        "{location}"
    );
    let (status, _, page) = send(&st, Request::get(&location).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let reference = location.rsplit('/').next().unwrap();
    assert!(
        page.contains(reference)
            && page.contains("Ansøgningen er modtaget")
            && page.contains("1. marts 2019"),
        "{page}"
    );
    assert!(
        page.contains("<title>Ansøgningen er modtaget: Ansøgningsskema for minivejledningsforløb til dagtilbud – Rådgivnings- og vejledningsindsats på dagtilbudsområdet</title>"),
        "the title says what was received, and where: {page}"
    );
    assert!(
        !page.contains("Anne") && !page.contains("anne@example.dk") && !page.contains("22334455"),
        "no personal data on the receipt"
    );
    let apps = stored(&moto, "contract", "minivejledning").await;
    assert_eq!(apps.len(), 1);
    let app = &apps[0];
    assert_eq!(
        (app.reference.as_str(), app.round.as_str(), app.form_version),
        (reference, "2019-03", 2)
    );
    assert_eq!(app.fields["kontakt_telefon"], "+4522334455");
    assert_eq!(
        app.fields["postnummer"], "1550",
        "a postcode is text: 0800 keeps its 0"
    );
    assert_eq!(app.fields["ledelsesopbakning"], true);
    assert_eq!(app.privacy_notice_version, "2026-11-30");
    assert!(app.expires_at > app.received_at + jiff::SignedDuration::from_hours(24 * 729));

    // A reload of the same post: the same reference, nothing new.
    let (status, headers, _) = send(&st, form_post(VALID)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"].to_str().unwrap(), location);
    assert_eq!(stored(&moto, "contract", "minivejledning").await.len(), 1);

    // JSON: 201 with reference, time and round; a new key makes a new application.
    let mut other = as_json(VALID).replace("Anne Sørensen", "Bo Jensen");
    let (status, _, body) = send(&st, json_post(&other)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["round"], "2019-03");
    assert_eq!(v["reference"].as_str().unwrap().len(), 11);
    let received = v["received_at"].as_str().unwrap();
    // The day is 1 March 2019 in Copenhagen (the time of day is the real one, so in UTC
    // it may still be 28 February).
    let copenhagen = received
        .parse::<jiff::Timestamp>()
        .unwrap()
        .in_tz("Europe/Copenhagen")
        .unwrap();
    assert_eq!(copenhagen.date().to_string(), "2019-03-01", "{received}");
    let fraction = received
        .split('.')
        .nth(1)
        .unwrap_or("Z")
        .trim_end_matches('Z');
    assert!(
        fraction.len() <= 3,
        "milliseconds at most, as HTML <time> takes: {received}"
    );
    // The script's Idempotency-Key makes a retry one application; the same key with
    // other content is refused (the changes would otherwise be lost under the first
    // receipt), and nothing more is stored.
    let keyed = |body: &str| {
        post("/api/applications/minivejledning", "application/json")
            .header("idempotency-key", "3f1c9a52-7d1e-4b7a-9e55-0c2f1b8d6a11")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let r = |b: &str| serde_json::from_str::<serde_json::Value>(b).unwrap()["reference"].clone();
    let before = stored(&moto, "contract", "minivejledning").await.len();
    let (status, _, first) = send(&st, keyed(&other)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, _, retry) = send(&st, keyed(&other)).await;
    assert_eq!(status, StatusCode::CREATED, "{retry}");
    assert!(r(&first).is_string());
    assert_eq!(r(&first), r(&retry));
    other = other.replace("Bo Jensen", "Bo Jensen II");
    let (status, headers, changed) = send(&st, keyed(&other)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{changed}");
    assert_eq!(headers["cache-control"], "no-store");
    let v: serde_json::Value = serde_json::from_str(&changed).unwrap();
    assert_eq!(v["error"], "idempotency_key_reused");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Ansøgningen blev ikke gemt")
    );
    assert_eq!(
        stored(&moto, "contract", "minivejledning").await.len(),
        before + 1
    );

    // 422: every field error, as JSON or as the form page again.
    let (status, _, body) = send(&st, json_post("{\"cvr\":\"123\"}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = serde_json::from_str::<serde_json::Value>(&body).unwrap()["errors"]
        .as_array()
        .unwrap()
        .clone();
    assert!(errors.len() >= 10, "{body}");
    assert!(errors.iter().any(|e| e["field"] == "cvr"
        && e["code"] == "format"
        && e["message"] == "CVR-nummeret skal have 8 cifre"));
    let (status, headers, page) = send(
        &st,
        form_post(&VALID.replace("cvr=10103940", "cvr=10103941")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.contains(
            "<title>Fejl: Ansøgningsskema for minivejledningsforløb til dagtilbud – Rådgivnings- og vejledningsindsats på dagtilbudsområdet</title>"
        ),
        "{page}"
    );
    assert!(page.contains("Der er et problem") && page.contains("href=\"#f-minivejledning-cvr\""));
    assert!(
        page.contains("value=\"10103941\"") && page.contains("value=\"Anne Sørensen\""),
        "the entered values are kept"
    );

    // 400: malformed bodies.
    for (ct, body) in [
        ("application/x-www-form-urlencoded", b"cvr=%zz".to_vec()),
        (
            "application/x-www-form-urlencoded",
            b"cvr=\xff\xfe".to_vec(),
        ),
        ("application/json", b"{\"cvr\":".to_vec()),
        (
            "application/x-www-form-urlencoded",
            format!("{VALID}&hacker=1").into_bytes(),
        ),
    ] {
        let (status, _, _) = send(
            &st,
            post("/api/applications/minivejledning", ct)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{ct}");
    }

    // 404, 405, 413, 415.
    let (status, _, body) = send(
        &st,
        post(
            "/api/applications/findes-ikke",
            "application/x-www-form-urlencoded",
        )
        .body(Body::from(VALID))
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Ansøgningsskemaet findes ikke"));
    let (status, headers, _) = send(
        &st,
        Request::get("/api/applications/minivejledning")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, headers["allow"].to_str().unwrap()),
        (StatusCode::METHOD_NOT_ALLOWED, "POST")
    );
    let big = "a".repeat(70 * 1024);
    let (status, _, _) = send(
        &st,
        post(
            "/api/applications/minivejledning",
            "application/x-www-form-urlencoded",
        )
        .header("content-length", big.len())
        .body(Body::from(big.clone()))
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, _) = send(
        &st,
        post(
            "/api/applications/minivejledning",
            "application/x-www-form-urlencoded",
        )
        .body(Body::from(big))
        .unwrap(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "also without a Content-Length"
    );
    for ct in ["text/plain", "multipart/form-data; boundary=x"] {
        let (status, _, _) = send(
            &st,
            post("/api/applications/minivejledning", ct)
                .body(Body::from(VALID))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
    }

    // Cross-site posts are refused (400, with the message for the applicant: behind
    // CloudFront a 403 would become the site's 404 page).
    let evil = post(
        "/api/applications/minivejledning",
        "application/x-www-form-urlencoded",
    )
    .header("origin", "https://evil.example")
    .body(Body::from(VALID))
    .unwrap();
    assert_eq!(send(&st, evil).await.0, StatusCode::BAD_REQUEST);
    let evil = post(
        "/api/applications/minivejledning",
        "application/x-www-form-urlencoded",
    )
    .header("sec-fetch-site", "cross-site")
    .body(Body::from(VALID))
    .unwrap();
    assert_eq!(send(&st, evil).await.0, StatusCode::BAD_REQUEST);
    let same = post(
        "/api/applications/minivejledning",
        "application/x-www-form-urlencoded",
    )
    .header("origin", "http://localhost:1111")
    .header("sec-fetch-site", "same-origin")
    .body(Body::from(VALID))
    .unwrap();
    assert_eq!(send(&st, same).await.0, StatusCode::SEE_OTHER);

    // The honeypot: the normal answer, nothing stored.
    let before = stored(&moto, "contract", "minivejledning").await.len();
    let bot = as_json(&VALID.replace("website=", "website=http%3A%2F%2Fspam.example"))
        .replace("Anne Sørensen", "Robot");
    let (status, _, body) = send(&st, json_post(&bot)).await;
    assert_eq!(status, StatusCode::CREATED);
    let reference = serde_json::from_str::<serde_json::Value>(&body).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let after = stored(&moto, "contract", "minivejledning").await;
    assert_eq!(after.len(), before);
    assert!(!after.iter().any(|a| a.reference == reference));

    // 410 after the final deadline, with the date in Danish.
    let closed = state(&moto, "contract", day("2019-09-02"), 10_000).await;
    let (status, _, body) = send(&closed, json_post(&as_json(VALID))).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(body.contains("30. august 2019"), "{body}");
}

#[tokio::test]
async fn rate_limit_and_store_failure() {
    let moto = Moto::start();
    let limited = state(&moto, "limits", day("2019-03-01"), 2).await;
    let from = |ip: &str, body: &str| {
        post("/api/applications/minivejledning", "application/json")
            .header("x-forwarded-for", ip)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let body = as_json(VALID);
    assert_eq!(
        send(&limited, from("10.0.0.1", &body)).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        send(&limited, from("10.0.0.1", &body)).await.0,
        StatusCode::CREATED
    );
    let (status, headers, body_429) = send(&limited, from("10.0.0.1", &body)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body_429}");
    assert!(
        headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(
        send(&limited, from("10.0.0.2", &body)).await.0,
        StatusCode::CREATED,
        "other clients are not limited"
    );

    // A store that does not answer: 503 with Retry-After, never a 2xx.
    let dead = Arc::new(AppState::new(
        Forms::embedded().unwrap(),
        Store::Dynamo(DynamoStore::new(
            crate::moto::client_for("http://127.0.0.1:9"),
            "nowhere",
        )),
        day("2019-03-01"),
        RateLimiter::new(10_000),
        None,
    ));
    let (status, headers, body) = send(&dead, json_post(&as_json(VALID))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.contains_key("retry-after"));
    let (status, _, page) = send(&dead, form_post(VALID)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("Send den igen om lidt uden at ændre den"));
}

/// Thirty-two copies of one post at once, with production's client and deadline: on a busy
/// machine some may time out (503, the right answer), so the test holds the invariants, not
/// a count of 201s: no 2xx without the application stored, every 2xx with the one stored
/// reference, at most one item, every 503 with Retry-After; and an unchanged retry
/// afterwards gets the stored application's receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_identical_posts_at_once_store_one_application() {
    let moto = Moto::start();
    let setup = DynamoStore::new(moto.client(), "burst");
    setup.create_table_if_missing().await.unwrap();
    let st = Arc::new(AppState::new(
        Forms::embedded().unwrap(),
        Store::Dynamo(DynamoStore::new(moto.production_client(), "burst")),
        day("2019-03-01"),
        RateLimiter::new(10_000),
        None,
    ));
    let body = as_json(VALID);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let st = st.clone();
            let body = body.clone();
            tokio::spawn(async move { send(&st, json_post(&body)).await })
        })
        .collect();
    let mut references = std::collections::BTreeSet::new();
    let mut unavailable = 0;
    for t in tasks {
        let (status, headers, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => {
                references.insert(reference_in(&body));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(headers.contains_key("retry-after"), "{body}");
                unavailable += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(references.len() <= 1, "{references:?}");
    let apps = stored(&moto, "burst", "minivejledning").await;
    assert!(apps.len() <= 1, "{apps:?}");
    if let Some(reference) = references.first() {
        assert_eq!(apps.len(), 1, "a 201 for {reference}, nothing stored");
        assert_eq!(&apps[0].reference, reference);
    }

    // The applicant sends it again, unchanged, until it is confirmed (a bounded number of
    // times): the answer is the one stored application's receipt.
    let mut confirmed = None;
    for _ in 0..20 {
        let (status, headers, body) = send(&st, json_post(&body)).await;
        match status {
            StatusCode::CREATED => {
                confirmed = Some(reference_in(&body));
                break;
            }
            StatusCode::SERVICE_UNAVAILABLE => assert!(headers.contains_key("retry-after")),
            other => panic!("{other}: {body}"),
        }
    }
    let confirmed = confirmed.expect("twenty unchanged retries were never confirmed");
    let apps = stored(&moto, "burst", "minivejledning").await;
    assert_eq!(apps.len(), 1, "{apps:?}");
    assert_eq!(apps[0].reference, confirmed);
    if let Some(reference) = references.first() {
        assert_eq!(&confirmed, reference);
    }
    eprintln!(
        "{} of 32 confirmed at once, {unavailable} asked to retry",
        32 - unavailable
    );
}

/// The `reference` of a JSON receipt.
fn reference_in(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).unwrap()["reference"]
        .as_str()
        .unwrap_or_else(|| panic!("no reference in {body}"))
        .to_string()
}

/// Eight processes starting at once against a new moto (the preview and `form-handler serve`
/// both create their local table): every one succeeds and there is one table, ACTIVE, with TTL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_creators_at_once_make_one_table() {
    let moto = Moto::start();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = DynamoStore::new(moto.production_client(), "raced");
            tokio::spawn(async move { store.create_table_if_missing().await })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        if t.await.unwrap().expect("every creator succeeds") {
            created += 1;
        }
    }
    assert!(created <= 1, "{created} creators say they made the table");
    let client = moto.client();
    let tables = client.list_tables().send().await.unwrap();
    assert_eq!(tables.table_names(), ["raced"]);
    let table = client
        .describe_table()
        .table_name("raced")
        .send()
        .await
        .unwrap();
    assert_eq!(
        table.table().unwrap().table_status(),
        Some(&aws_sdk_dynamodb::types::TableStatus::Active)
    );
    let ttl = client
        .describe_time_to_live()
        .table_name("raced")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some("expires_at")
    );
    // And once more, now that it exists.
    assert!(
        !DynamoStore::new(client, "raced")
            .create_table_if_missing()
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn the_store_going_away_and_coming_back() {
    let mut moto = Moto::start();
    let st = state(&moto, "faults", day("2019-03-01"), 10_000).await;
    let body = |name: &str| as_json(VALID).replace("Anne Sørensen", name);
    assert_eq!(
        send(&st, json_post(&body("En"))).await.0,
        StatusCode::CREATED
    );

    moto.stop();
    for name in ["To", "Tre"] {
        let (status, _, answer) = send(&st, json_post(&body(name))).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    }

    // The server is back (empty, as moto starts); the same handler, no restart.
    moto.restart();
    DynamoStore::new(moto.client(), "faults")
        .create_table_if_missing()
        .await
        .unwrap();
    let (status, _, answer) = send(&st, json_post(&body("Fire"))).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let names: Vec<String> = stored(&moto, "faults", "minivejledning")
        .await
        .iter()
        .map(|a| a.fields["kontakt_navn"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Fire"], "nothing from the failed posts was stored");
}

#[tokio::test]
async fn lambda_events_through_the_router() {
    let moto = Moto::start();
    let st = state(&moto, "lambda", day("2019-03-01"), 10_000).await;
    let body = serde_json::Value::String(as_json(VALID));
    for fixture in ["apigw_v2_post.json", "function_url_post.json"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/fixtures")
            .join(fixture);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"BODY\"", &body.to_string());
        let request =
            lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        let response = router(st.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{fixture}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    assert_eq!(
        stored(&moto, "lambda", "minivejledning").await.len(),
        1,
        "both events carry the same application"
    );
}

#[tokio::test]
async fn the_export_reads_rounds_through_the_index() {
    let moto = Moto::start();
    let march = state(&moto, "export", day("2019-03-01"), 10_000).await;
    let april = state(&moto, "export", day("2019-04-02"), 10_000).await;
    let body = |name: &str| as_json(VALID).replace("Anne Sørensen", name);
    for name in ["Anne", "=HYPERLINK(\\\"x\\\")"] {
        assert_eq!(
            send(&march, json_post(&body(name))).await.0,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        send(&april, json_post(&body("Åse Ærø"))).await.0,
        StatusCode::CREATED
    );
    let store = DynamoStore::new(moto.client(), "export").with_page_size(1);
    assert_eq!(
        store
            .list("minivejledning", Some("2019-03"))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .list("minivejledning", Some("2019-04"))
            .await
            .unwrap()
            .len(),
        1
    );
    let all = store.list("minivejledning", None).await.unwrap();
    assert_eq!(all.len(), 3, "read in pages of one item");
    let forms = Forms::embedded().unwrap();
    let csv =
        form_handler::export::csv(forms.get("minivejledning").unwrap(), &forms.kommuner, &all);
    assert!(
        csv.starts_with("\u{feff}Referencenummer;Modtaget;Ansøgningsrunde;Hvem søger?"),
        "{}",
        &csv[..120]
    );
    assert!(csv.contains("Åse Ærø"));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"x\"\")\""),
        "formula defused: {csv}"
    );
    // A heading and three applications (cells may hold line breaks, inside quotes).
    let mut quoted = false;
    let records = csv
        .chars()
        .filter(|&c| {
            if c == '"' {
                quoted = !quoted;
            }
            c == '\n' && !quoted
        })
        .count();
    assert_eq!(records, 4, "{csv}");
    assert!(
        csv.contains("\"Børnehuset Solsikken\nVuggestuen Myretuen\""),
        "a list on several lines stays one cell: {csv}"
    );
}
