//! The mails end to end against moto: applications posted through the real router into a
//! table with its stream, the stream's records (read through the DynamoDB Streams API)
//! handed to the notifier's Lambda handler as the Lambda event they would be, and the mails
//! read back from moto's SES (`/moto-api/data.json`): recipients, Reply-To, subjects, every
//! answer to the caseworkers, nothing typed in the receipt, each mail once.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::http::StatusCode;
use form_handler::forms::Forms;
use form_handler::http::AppState;
use form_handler::mail::Address;
use form_handler::notify::outbox::{LEASE, Lease, Notifier};
use form_handler::notify::ses::SesOutbox;
use form_handler::notify::stream::{Record, StreamReader, handle_event};
use form_handler::store::dynamo::DynamoStore;

use crate::Moto;
use crate::api::{VALID, as_json, day, json_post, send, state};

pub(crate) const SENDER: &str = "ansoegninger@dagtilbud.example.dk";
const CASEWORKERS: &str = "dagtilbudsvejledning@socialstyrelsen.dk";
const SITE: &str = "https://dagtilbud.example.dk";

/// An SES client for moto, as the notifier's own: one attempt, five seconds.
pub(crate) fn ses_client(endpoint: &str) -> aws_sdk_sesv2::Client {
    use aws_sdk_sesv2::config::{Credentials, Region};
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version_latest()
        .region(Region::new("eu-central-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .retry_config(aws_sdk_sesv2::config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_sdk_sesv2::config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        )
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
}

/// The sender's identity, without which SES (and moto) refuses to send.
pub(crate) async fn verify_sender(ses: &aws_sdk_sesv2::Client) {
    ses.create_email_identity()
        .email_identity(SENDER)
        .send()
        .await
        .unwrap();
}

pub(crate) fn notifier(
    moto: &Moto,
    ses_endpoint: &str,
    table: &str,
) -> Notifier<SesOutbox, DynamoStore> {
    Notifier {
        forms: Forms::embedded().unwrap(),
        site_url: SITE.into(),
        outbox: SesOutbox::new(
            ses_client(ses_endpoint),
            Address::parse(SENDER)
                .unwrap()
                .named("Socialstyrelsen – Dagtilbud"),
            None,
            Duration::from_secs(30),
        ),
        ledger: DynamoStore::new(moto.client(), table),
        lease: Lease::new("test", LEASE),
    }
}

/// Every record in the table's stream so far.
pub(crate) async fn stream_records(moto: &Moto, table: &str) -> Vec<Record> {
    use aws_sdk_dynamodbstreams::config::{Credentials, Region};
    let config = aws_sdk_dynamodbstreams::Config::builder()
        .behavior_version_latest()
        .region(Region::new("eu-central-1"))
        .endpoint_url(moto.endpoint())
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .build();
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(config);
    let mut reader = StreamReader::open(&moto.client(), streams, table)
        .await
        .unwrap();
    let mut out = Vec::new();
    while let Some(records) = reader.next_records().await.unwrap() {
        out.extend(records);
    }
    out
}

/// DynamoDB's JSON form of an attribute value, as Lambda events carry it.
fn dynamodb_json(v: &AttributeValue) -> serde_json::Value {
    use serde_json::json;
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(b) => json!({ "NULL": b }),
        AttributeValue::M(m) => json!({ "M": item_json(m) }),
        AttributeValue::L(l) => json!({ "L": l.iter().map(dynamodb_json).collect::<Vec<_>>() }),
        other => panic!("unexpected attribute {other:?}"),
    }
}

fn item_json(item: &HashMap<String, AttributeValue>) -> serde_json::Value {
    item.iter()
        .map(|(k, v)| (k.clone(), dynamodb_json(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The Lambda event of `records`, as the event source mapping delivers it (unfiltered: the
/// handler must pass over what is not a new application itself).
pub(crate) fn lambda_event(records: &[Record]) -> aws_lambda_events::event::dynamodb::Event {
    let records: Vec<serde_json::Value> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let image = r.new_image.as_ref().map(item_json);
            let keys = r.new_image.as_ref().map(|image| {
                serde_json::json!({ "pk": dynamodb_json(&image["pk"]) })
            });
            serde_json::json!({
                "eventID": format!("e{i}"),
                "eventName": r.event_name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "eu-north-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1_551_434_400.0,
                    "Keys": keys,
                    "NewImage": image,
                    "SequenceNumber": r.sequence_number,
                    "SizeBytes": 512,
                    "StreamViewType": "NEW_IMAGE"
                },
                "eventSourceARN": "arn:aws:dynamodb:eu-north-1:123456789012:table/t/stream/2019-03-01T00:00:00.000"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

/// A mail moto's SES took, as a mail client reads it.
#[derive(Debug, Clone)]
pub(crate) struct SentMail {
    pub destinations: Vec<String>,
    pub subject: String,
    /// `Name <address>`.
    pub from: String,
    pub reply_to: Option<String>,
    pub text: String,
    pub html: String,
}

impl SentMail {
    pub fn subject(&self) -> String {
        self.subject.clone()
    }

    /// Everything a reader sees: subject, both parts.
    pub fn all_text(&self) -> String {
        format!("{}\n{}\n{}", self.subject, self.text, self.html)
    }
}

/// Every mail moto's SES at `endpoint` took, oldest first.
pub(crate) async fn sent(endpoint: &str) -> Vec<SentMail> {
    let address = endpoint.trim_start_matches("http://").to_string();
    let body = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&address).unwrap();
        write!(
            s,
            "GET /moto-api/data.json HTTP/1.0\r\nHost: {address}\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.split_once("\r\n\r\n").unwrap().1.to_string()
    })
    .await
    .unwrap();
    let data: serde_json::Value = serde_json::from_str(&body).unwrap();
    data["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(parse_raw)
        .collect()
}

/// A raw message as a mail client reads it (mail-parser: encoded words, quoted-printable and
/// base64 decoded).
fn parse_raw(m: &serde_json::Value) -> SentMail {
    let raw = m["raw_data"].as_str().unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    // RFC 2047: lines with encoded words at most 76 characters (and so every line here).
    for line in raw.split("\r\n") {
        assert!(line.len() <= 76 && line.is_ascii(), "{line}");
    }
    SentMail {
        destinations: m["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_string())
            .collect(),
        subject: parsed.subject().unwrap_or_default().to_string(),
        from: parsed
            .from()
            .and_then(|a| a.first())
            .map(|a| format!("{} <{}>", a.name().unwrap_or(""), a.address().unwrap_or("")))
            .unwrap_or_default(),
        reply_to: parsed
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string),
        text: parsed.body_text(0).unwrap_or_default().into_owned(),
        html: parsed.body_html(0).unwrap_or_default().into_owned(),
    }
}

/// A moto with the table (and its stream), the form handler over it, and SES at `ses`
/// with the sender verified.
pub(crate) async fn setup(moto: &Moto, table: &str) -> Arc<AppState> {
    let st = state(moto, table, day("2019-03-01"), 10_000).await;
    verify_sender(&ses_client(&moto.endpoint())).await;
    st
}

fn reference_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The marks on the application `reference`.
pub(crate) async fn marks(
    moto: &Moto,
    table: &str,
    reference: &str,
) -> HashMap<String, AttributeValue> {
    moto.client()
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(format!("APP#{reference}")))
        .send()
        .await
        .unwrap()
        .item()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k.starts_with("mail_"))
        .collect()
}

#[tokio::test]
async fn each_application_mails_the_caseworkers_every_answer_and_the_applicant_a_receipt() {
    let moto = Moto::start();
    let st = setup(&moto, "mails").await;
    let (status, _, body) = send(&st, json_post(&as_json(VALID))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let reference = reference_of(&body);

    let notifier = notifier(&moto, &moto.endpoint(), "mails");
    let records = stream_records(&moto, "mails").await;
    let (response, metrics) = handle_event(&notifier, lambda_event(&records), None).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert!(metrics.is_empty(), "{metrics:?}");

    let mails = sent(&moto.endpoint()).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let caseworkers = &mails[0];
    assert_eq!(caseworkers.destinations, [CASEWORKERS]);
    assert_eq!(caseworkers.reply_to.as_deref(), Some("anne@example.dk"));
    assert_eq!(
        caseworkers.subject(),
        format!("Ny ansøgning: Minivejledningsforløb – {reference}")
    );
    assert_eq!(
        caseworkers.from,
        format!("Socialstyrelsen – Dagtilbud <{SENDER}>")
    );
    // Every answer with its label, as the export shows it, in both parts.
    for (label, value) in [
        ("Hvem søger?", "Kommune"),
        ("De dagtilbud, der skal deltage", "Børnehuset Solsikken"),
        ("CVR-nummer", "10103940"),
        ("Kommune", "København (101)"),
        ("Adresse", "Rådhuspladsen 1"),
        ("Postnummer", "1550"),
        ("By", "København"),
        ("Kontaktpersonens navn", "Anne Sørensen"),
        ("Kontaktpersonens stilling", "Dagtilbudschef"),
        ("Kontaktpersonens e-mailadresse", "anne@example.dk"),
        ("Kontaktpersonens telefonnummer", "+4522334455"),
        ("Ledelsen bakker op om ansøgningen", "Ja"),
    ] {
        for (part, text) in [("text", &caseworkers.text), ("html", &caseworkers.html)] {
            assert!(
                text.contains(label) && text.contains(value),
                "{part}: {label} = {value}\n{text}"
            );
        }
    }
    assert!(caseworkers.text.contains("Vi vil styrke læringsmiljøerne"));
    assert!(caseworkers.text.contains("Ansøgningsrunde: 2019-03"));
    assert!(
        caseworkers
            .text
            .contains(&format!("Referencenummer: {reference}"))
    );

    let receipt = &mails[1];
    assert_eq!(receipt.destinations, ["anne@example.dk"]);
    assert_eq!(receipt.reply_to, None);
    assert!(
        receipt.subject().ends_with(&reference),
        "{}",
        receipt.subject()
    );
    for (part, text) in [("text", &receipt.text), ("html", &receipt.html)] {
        assert!(text.contains(&reference), "{part}");
        assert!(
            text.contains("1. marts 2019 kl."),
            "{part}: the time received"
        );
        assert!(
            text.contains(&format!("{SITE}/privatlivspolitik/")),
            "{part}: the privacy notice"
        );
        assert!(text.contains("Hvad sker der nu?"), "{part}");
    }
    // Nothing the applicant typed: no name, no free text, no other answer.
    let all = receipt.all_text();
    for typed in [
        "Anne",
        "Sørensen",
        "anne@example.dk",
        "Børnehuset",
        "Myretuen",
        "Rådhuspladsen",
        "10103940",
        "22334455",
        "Dagtilbudschef",
        "styrke læringsmiljøerne",
    ] {
        assert!(!all.contains(typed), "the receipt holds `{typed}`:\n{all}");
    }

    // Marked, each with SES's message id.
    let marks = marks(&moto, "mails", &reference).await;
    assert_eq!(marks.len(), 2, "{marks:?}");
    assert!(
        marks
            .values()
            .all(|v| v.as_s().unwrap().starts_with("sent "))
    );

    // The same batch again (a retry, a redelivery): nothing new is sent.
    let (response, _) = handle_event(&notifier, lambda_event(&records), None).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(sent(&moto.endpoint()).await.len(), 2);
}

#[tokio::test]
async fn a_honeypot_post_and_a_repeated_post_send_nothing() {
    let moto = Moto::start();
    let st = setup(&moto, "quiet").await;
    let body = as_json(VALID);
    let first = send(&st, json_post(&body)).await;
    assert_eq!(first.0, StatusCode::CREATED);
    let again = send(&st, json_post(&body)).await;
    assert_eq!(
        again.0,
        StatusCode::CREATED,
        "a repeat gets the first receipt"
    );
    assert_eq!(reference_of(&first.2), reference_of(&again.2));
    let bot = send(
        &st,
        json_post(&body.replace("\"website\":\"\"", "\"website\":\"https://spam.example\"")),
    )
    .await;
    assert_eq!(bot.0, StatusCode::CREATED, "bots get the normal answer");

    let records = stream_records(&moto, "quiet").await;
    // The application and its idempotency record: the handler passes over the latter.
    assert_eq!(records.len(), 2, "{records:?}");
    let (response, _) = handle_event(
        &notifier(&moto, &moto.endpoint(), "quiet"),
        lambda_event(&records),
        None,
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        sent(&moto.endpoint()).await.len(),
        2,
        "one application, two mails"
    );
}

#[tokio::test]
async fn ses_unreachable_fails_exactly_the_applications_and_the_retry_sends_each_mail_once() {
    let moto = Moto::start();
    let st = setup(&moto, "faults").await;
    let mut ses = Moto::start();
    verify_sender(&ses_client(&ses.endpoint())).await;
    for name in ["Anne Sørensen", "Bent Hansen"] {
        let post = json_post(&as_json(VALID).replace("Anne Sørensen", name));
        assert_eq!(send(&st, post).await.0, StatusCode::CREATED);
    }
    let records = stream_records(&moto, "faults").await;
    let applications: Vec<String> = records
        .iter()
        .filter(|r| {
            r.new_image
                .as_ref()
                .is_some_and(|i| i["pk"].as_s().unwrap().starts_with("APP#"))
        })
        .map(|r| r.sequence_number.clone())
        .collect();
    assert_eq!(applications.len(), 2);
    let notifier = notifier(&moto, &ses.endpoint(), "faults");

    ses.stop();
    let (response, _) = handle_event(&notifier, lambda_event(&records), None).await;
    let failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone().unwrap())
        .collect();
    assert_eq!(failed, applications, "exactly the application records");

    // SES is back (empty, as moto starts): the stream retries the batch.
    ses.restart();
    verify_sender(&ses_client(&ses.endpoint())).await;
    let (response, _) = handle_event(&notifier, lambda_event(&records), None).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let (response, _) = handle_event(&notifier, lambda_event(&records), None).await;
    assert!(response.batch_item_failures.is_empty());
    let mails = sent(&ses.endpoint()).await;
    assert_eq!(mails.len(), 4, "two applications, two mails each, once");
    let mut subjects: Vec<String> = mails.iter().map(SentMail::subject).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 4, "{subjects:?}");
}

#[tokio::test]
async fn an_address_ses_refuses_is_refused_for_good_and_counted_the_caseworkers_still_hear() {
    let moto = Moto::start();
    let st = setup(&moto, "refused").await;
    // An address containing the sender's: still the applicant's, refused for good.
    let applicant = format!("x{SENDER}");
    let post = json_post(&as_json(VALID).replace("anne@example.dk", &applicant));
    let (status, _, body) = send(&st, post).await;
    assert_eq!(status, StatusCode::CREATED, "the form takes the address");
    let reference = reference_of(&body);
    // SES refuses the second send (the receipt), naming the recipient.
    let proxy = crate::ses_proxy::SesProxy::start(&moto.endpoint(), move |i| {
        if i == 1 {
            crate::ses_proxy::Fault::RejectRecipient
        } else {
            crate::ses_proxy::Fault::Forward
        }
    })
    .await;
    let notifier = notifier(&moto, &proxy.endpoint, "refused");
    let records = stream_records(&moto, "refused").await;
    let (response, metrics) = handle_event(&notifier, lambda_event(&records), None).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "it holds back nothing"
    );
    let mails = sent(&moto.endpoint()).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].destinations, [CASEWORKERS]);
    assert_eq!(metrics.len(), 1, "{metrics:?}");
    let metric: serde_json::Value = serde_json::from_str(&metrics[0]).unwrap();
    assert_eq!(metric["kind"], "receipt");
    assert_eq!(metric["MailRejected"], 1);
    assert_eq!(
        metric["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "DagtilbudVejledning/Mail"
    );
    assert!(
        !metrics[0].contains("example.dk"),
        "no address in the metric"
    );
    let marks = marks(&moto, "refused", &reference).await;
    assert_eq!(
        marks["mail_receipt"].as_s().unwrap(),
        "rejected MessageRejected",
        "marked: it is not tried again"
    );
}

#[tokio::test]
async fn near_the_invocations_deadline_nothing_is_tried_and_every_application_is_given_back() {
    let moto = Moto::start();
    let st = setup(&moto, "late").await;
    for name in ["Anne Sørensen", "Bent Hansen"] {
        let post = json_post(&as_json(VALID).replace("Anne Sørensen", name));
        assert_eq!(send(&st, post).await.0, StatusCode::CREATED);
    }
    let records = stream_records(&moto, "late").await;
    let notifier = notifier(&moto, &moto.endpoint(), "late");
    let until = Some(std::time::Instant::now());
    let (response, _) = handle_event(&notifier, lambda_event(&records), until).await;
    assert_eq!(response.batch_item_failures.len(), 2, "{response:?}");
    assert!(sent(&moto.endpoint()).await.is_empty(), "nothing was sent");
}
