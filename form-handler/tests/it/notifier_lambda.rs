//! The notifier binary as Lambda runs it: under the runtime emulator
//! (`cargo lambda watch --only-lambda-apis`, PyPI cargo-lambda; ./test.sh installs it and
//! puts it on PATH), started with the variables the emulator prints and the template's
//! environment, invoked with a stream event of our own (`fixtures/notifier_stream_event.json`:
//! a new application, its idempotency record, a later update), against moto.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use form_handler::store::dynamo::DynamoStore;

use crate::Moto;
use crate::moto::free_port;

const FIXTURE: &str = include_str!("fixtures/notifier_stream_event.json");

/// A child process killed when dropped, its output kept.
struct Running {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keep_output(child: &mut Child) -> Arc<Mutex<String>> {
    let output = Arc::new(Mutex::new(String::new()));
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let output = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let mut o = output.lock().unwrap();
                o.push_str(&line);
                o.push('\n');
            }
        });
    }
    output
}

/// The emulator on a free port, and the `AWS_LAMBDA_*` variables it prints.
fn emulator() -> (Running, u16, HashMap<String, String>) {
    let port = free_port();
    let mut child = Command::new("cargo")
        .args([
            "lambda",
            "watch",
            "--only-lambda-apis",
            "-A",
            "127.0.0.1",
            "-P",
        ])
        .arg(port.to_string())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run cargo");
    let output = keep_output(&mut child);
    let running = Running { child, output };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = running.output.lock().unwrap().clone();
        if text.contains("starting Runtime server") {
            let vars = text
                .split_whitespace()
                .filter_map(|w| w.split_once('='))
                .filter(|(k, _)| k.starts_with("AWS_LAMBDA_"))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            return (running, port, vars);
        }
        assert!(
            !text.contains("no such command") && !text.contains("no such subcommand"),
            "cargo-lambda is missing: pip install cargo-lambda (./test.sh installs it and puts it on PATH)\n{text}"
        );
        assert!(
            Instant::now() < deadline,
            "cargo lambda watch did not start:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// POSTs `body` to `path` on 127.0.0.1:`port` (HTTP/1.0); the status and body.
fn post(port: u16, path: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

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
            "\"caseworkers\" \"already_sent\"",
            "\"receipt\" \"already_sent\""
        ],
        "{text}"
    );
}
