//! The template (infra/template.yaml) against the code: the publisher's environment, its
//! schedule's input and time zone, the names site-publish derives, the keys the policies
//! name; and the CloudFront function's own code, run in Node, against the paths a run
//! invalidates.

use std::path::Path;
use std::process::Command;

use serde_yaml::Value;
use site_publish::event::{PublishEvent, TIME_ZONE};
use site_publish::manifest::MANIFEST_KEY;
use site_publish::names;
use site_publish::plan::cache_path;
use site_publish::snapshot::SNAPSHOT_KEY;

use crate::site::{built_files, repository};

fn template() -> Value {
    let text = std::fs::read_to_string(repository().join("infra/template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

fn resource<'a>(t: &'a Value, name: &str) -> &'a Value {
    let r = &t["Resources"][name];
    assert!(!r.is_null(), "the template has no resource {name}");
    r
}

/// A plain string, or the text inside a short-form intrinsic (`!Sub "..."`).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Tagged(t) => text(&t.value),
        other => panic!("expected text, found {other:?}"),
    }
}

/// The statement with `sid` of `policy`'s document.
fn statement<'a>(t: &'a Value, policy: &str, sid: &str) -> &'a Value {
    resource(t, policy)["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["Sid"].as_str() == Some(sid))
        .unwrap_or_else(|| panic!("{policy} has no statement {sid}"))
}

#[test]
fn the_publisher_gets_the_environment_the_binary_reads() {
    let t = template();
    let publisher = &resource(&t, "Publisher")["Properties"];
    let vars: Vec<&str> = publisher["Environment"]["Variables"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    let mut expected = names::ENVIRONMENT.to_vec();
    expected.sort();
    let mut got = vars.clone();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(
        text(&publisher["FunctionName"]),
        "${AWS::StackName}-publisher"
    );
    assert_eq!(
        names::publisher_function("${AWS::StackName}"),
        text(&publisher["FunctionName"])
    );
    assert_eq!(publisher["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(publisher["Architectures"][0].as_str(), Some("arm64"));
    assert_eq!(
        publisher["ReservedConcurrentExecutions"].as_u64(),
        Some(1),
        "never two runs at once"
    );
    let binary = resource(&t, "Publisher")["Metadata"]["BuildProperties"]["Binary"].as_str();
    assert_eq!(binary, Some("publisher"));
    assert!(Path::new(env!("CARGO_BIN_EXE_publisher")).exists());
    let bucket = text(&resource(&t, "SnapshotBucket")["Properties"]["BucketName"]);
    assert_eq!(
        names::snapshot_bucket("${AWS::StackName}", "${AWS::AccountId}"),
        bucket
    );
}

#[test]
fn the_schedule_runs_at_one_past_midnight_in_copenhagen_with_its_scheduled_time() {
    let t = template();
    let schedule = &resource(&t, "NightlyPublish")["Properties"];
    assert_eq!(
        schedule["ScheduleExpressionTimezone"].as_str(),
        Some(TIME_ZONE)
    );
    assert_eq!(
        schedule["ScheduleExpression"].as_str(),
        Some("cron(1 0 * * ? *)")
    );
    let input = schedule["Target"]["Input"].as_str().unwrap();
    assert!(input.contains("<aws.scheduler.scheduled-time>"), "{input}");
    // As Scheduler fills it in: 00:01 in Copenhagen on 30 March 2019.
    let filled = input.replace("<aws.scheduler.scheduled-time>", "2019-03-29T23:01:00Z");
    let event: PublishEvent = serde_json::from_str(&filled).unwrap();
    assert!(event.verify(), "the nightly run verifies the bucket");
    let much_later: jiff::Timestamp = "2019-03-30T05:00:00Z".parse().unwrap();
    assert_eq!(event.date(much_later).to_string(), "2019-03-30");
    assert_eq!(text(&schedule["Target"]["Arn"]), "Publisher.Arn");
}

#[test]
fn the_policies_name_the_keys_the_code_uses() {
    let t = template();
    let snapshot = text(&statement(&t, "PublisherPolicy", "ReadTheSnapshot")["Resource"]);
    assert_eq!(snapshot, format!("${{SnapshotBucket.Arn}}/{SNAPSHOT_KEY}"));
    let manifest = text(&statement(&t, "PublisherPolicy", "ReadTheSitesManifest")["Resource"]);
    assert_eq!(manifest, format!("${{SiteBucket.Arn}}/{MANIFEST_KEY}"));
    let put = text(&statement(&t, "EditorsPolicy", "PutTheSnapshot")["Resource"]);
    assert_eq!(put, format!("${{SnapshotBucket.Arn}}/{SNAPSHOT_KEY}"));
}

/// Runs the template's SitePathFunction (its own code, in Node) on each request URI; the
/// URI it passes on, or `None` for a response of its own (a redirect).
fn site_path_function(uris: &[String]) -> Vec<Option<String>> {
    let t = template();
    let code = text(&resource(&t, "SitePathFunction")["Properties"]["FunctionCode"]);
    let script = format!(
        "{code}\nconst uris = JSON.parse(process.argv[1]);\nconsole.log(JSON.stringify(uris.map((uri) => {{ const r = handler({{ request: {{ uri, querystring: {{}}, headers: {{}} }} }}); return r.statusCode ? null : r.uri; }})));"
    );
    let out = Command::new("node")
        .args(["-e", &script, &serde_json::to_string(uris).unwrap()])
        .output()
        .expect("node is missing (./test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn each_invalidated_path_is_the_uri_cloudfront_caches_after_its_function() {
    let files = built_files(&repository(), "2019-03-01");
    // Each file by the address readers use: a page by its folder, anything else by name.
    let (keys, uris): (Vec<&String>, Vec<String>) = files
        .keys()
        .map(|k| (k, format!("/{}", k.strip_suffix("index.html").unwrap_or(k))))
        .unzip();
    assert!(uris.contains(&"/minivejledningsforloeb/".to_string()));
    let rewritten = site_path_function(&uris);
    for ((key, uri), cached) in keys.iter().zip(&uris).zip(rewritten) {
        assert_eq!(
            cached.as_deref(),
            Some(cache_path(key).as_str()),
            "{uri}: CloudFront caches another path than the one a run invalidates"
        );
    }
    // A page's address without its slash is answered by the function itself (a redirect),
    // which CloudFront does not cache: nothing to invalidate.
    assert_eq!(
        site_path_function(&["/minivejledningsforloeb".into()]),
        [None]
    );
}
