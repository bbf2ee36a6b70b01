//! The notifier binary as Lambda runs it: under the runtime emulator
//! (`cargo lambda watch --only-lambda-apis`, PyPI cargo-lambda; ./test.sh installs it and
//! puts it on PATH), started with the variables the emulator prints and the template's
//! environment, invoked with a stream event of our own (`fixtures/notifier_stream_event.json`:
//! a new application, its idempotency record, a later update), against moto.

use std::process::{Command, Stdio};

use aws_sdk_dynamodb::types::AttributeValue;
use form_handler::store::dynamo::DynamoStore;

use crate::Moto;
use crate::process::{Running, emulator, keep_output, post};

const FIXTURE: &str = include_str!("fixtures/notifier_stream_event.json");

/// An item in DynamoDB's JSON form as the SDK's attribute values.
fn attribute(v: &serde_json::Value) -> AttributeValue {
    let (kind, value) = v.as_object().unwrap().iter().next().unwrap();
    match kind.as_str() {
        "S" => AttributeValue::S(value.as_str().unwrap().into()),
        "N" => AttributeValue::N(value.as_str().unwrap().into()),
        "BOOL" => AttributeValue::Bool(value.as_bool().unwrap()),
        "M" => AttributeValue::M(
            value
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), attribute(v)))
                .collect(),
        ),
        other => panic!("{other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notifier_binary_under_the_lambda_emulator_sends_each_mail_once() {
    let moto = Moto::start();
    DynamoStore::new(moto.client(), "applications")
        .create_table_if_missing()
        .await
        .unwrap();
    crate::mail::verify_sender(&crate::mail::ses_client(&moto.endpoint())).await;
    // The application is in the table, as the event says.
    let event: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    let item = &event["Records"][0]["dynamodb"]["NewImage"];
    let mut put = moto.client().put_item().table_name("applications");
    for (k, v) in item.as_object().unwrap() {
        put = put.item(k, attribute(v));
    }
    put.send().await.unwrap();

    let (_emulator, port, vars) = emulator();
    let mut child = Command::new(env!("CARGO_BIN_EXE_notifier"))
        .env_clear()
        .envs(&vars)
        .envs([
            ("APPLICATIONS_TABLE", "applications"),
            ("MAIL_FROM", crate::mail::SENDER),
            ("MAIL_FROM_NAME", "Socialstyrelsen"),
            ("SITE_URL", "https://dagtilbud.example.dk"),
            ("RUST_LOG", "info"),
            ("AWS_ENDPOINT_URL_DYNAMODB", moto.endpoint().as_str()),
            ("AWS_ENDPOINT_URL_SESV2", moto.endpoint().as_str()),
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
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
    let invoke = || {
        let path = path.clone();
        async move {
            tokio::task::spawn_blocking(move || post(port, &path, FIXTURE))
                .await
                .unwrap()
        }
    };

    let (status, body) = invoke().await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["batchItemFailures"], serde_json::json!([]), "{body}");
    let mails = crate::mail::sent(&moto.endpoint()).await;
    assert_eq!(mails.len(), 2, "one application in the event: {mails:?}");
    assert!(
        mails[0]
            .subject()
            .starts_with("Ny ansøgning: Etårigt forløb – K7R-2MX-9QD")
    );
    assert!(mails[0].text.contains("Kommune: Odense (461)"));
    assert_eq!(
        mails[1].destinations,
        ["soeren.aerenlund@odense.example.dk"]
    );
    assert!(!mails[1].all_text().contains("Søren"));

    // The event again (Lambda's retry): nothing new.
    let (status, body) = invoke().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(crate::mail::sent(&moto.endpoint()).await.len(), 2);

    // The schedule's sweep: an application the stream never delivered (stored with its
    // pending flag, as the form handler stores one) gets its mails; nothing else is sent.
    let mut put = moto.client().put_item().table_name("applications");
    for (k, v) in item.as_object().unwrap() {
        let v = attribute(v);
        put = match k.as_str() {
            "pk" => put.item(k, AttributeValue::S("APP#K7R-2MX-9QE".into())),
            "reference" => put.item(k, AttributeValue::S("K7R-2MX-9QE".into())),
            _ => put.item(k, v),
        };
    }
    put.item("mail_pending", AttributeValue::S("due".into()))
        .send()
        .await
        .unwrap();
    let sweep = tokio::task::spawn_blocking({
        let path = path.clone();
        move || post(port, &path, r#"{"sweep":{"min_age_seconds":300}}"#)
    })
    .await
    .unwrap();
    assert_eq!(sweep.0, 200, "{}", sweep.1);
    let report: serde_json::Value = serde_json::from_str(&sweep.1).unwrap();
    assert_eq!(report["delivered"], 1, "{report}");
    assert_eq!(report["waiting"], 0, "{report}");
    let mails = crate::mail::sent(&moto.endpoint()).await;
    assert_eq!(mails.len(), 4, "the swept application's two mails");
    assert!(mails[2].subject().contains("K7R-2MX-9QE"));

    let text = log.lock().unwrap().clone();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
            panic!("the function logged a line that is not JSON ({e}): {line}")
        });
        let fields = entry["fields"].to_string();
        for secret in [
            "Søren",
            "soeren",
            "Odense Kommune",
            "66131372",
            "sprogarbejdet",
        ] {
            assert!(!fields.contains(secret), "`{secret}` in the log: {line}");
        }
    }
    let outcomes: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "mail")
        .map(|l| format!("{} {}", l["fields"]["kind"], l["fields"]["outcome"]))
        .collect();
    assert_eq!(
        outcomes,
        [
            "\"caseworkers\" \"sent\"",
            "\"receipt\" \"sent\"",
            "\"caseworkers\" \"sent\"",
            "\"receipt\" \"sent\"",
        ],
        "{text}"
    );
}
