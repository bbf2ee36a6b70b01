//! The notifier's part of the template against the code: its environment, the table's
//! stream, the event source mapping (filter, retries, failures), its IAM grants and the
//! metric its alarm watches.

use std::collections::BTreeSet;

use form_handler::notify::metrics::{
    METRIC_NAMESPACE, OLDEST_WAITING_METRIC, REJECTED_METRIC, UNKNOWN_METRIC,
};
use form_handler::notify::stream::{
    FILTER_PATTERN, IAM_ACTIONS as STREAM_ACTIONS, STREAM_VIEW_TYPE,
};
use form_handler::store::dynamo::{marks, outbox};
use serde_yaml::Value;

use crate::infra::{resource, strings, template, text};

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The notifier's policy statements.
fn statements(t: &Value) -> Vec<Value> {
    resource(t, "NotifierPolicy")["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .expect("NotifierPolicy has statements")
        .clone()
}

fn statement_with(t: &Value, action: &str) -> Value {
    statements(t)
        .into_iter()
        .find(|s| strings(&s["Action"]).contains(action))
        .unwrap_or_else(|| panic!("no statement allows {action}"))
}

#[test]
fn the_notifier_gets_the_environment_it_reads() {
    let t = template();
    let vars = resource(&t, "Notifier")["Properties"]["Environment"]["Variables"]
        .as_mapping()
        .expect("Notifier has environment variables");
    let names: BTreeSet<&str> = vars.keys().map(|k| k.as_str().unwrap()).collect();
    let known: BTreeSet<&str> = form_handler::env::NOTIFIER.iter().copied().collect();
    assert_eq!(names, known, "the template and env::NOTIFIER differ");
    assert_eq!(
        text(&vars[form_handler::env::APPLICATIONS_TABLE]),
        "ApplicationsTable"
    );
    assert_eq!(text(&vars[form_handler::env::MAIL_FROM]), "MailFromAddress");
    assert_eq!(
        text(&vars[form_handler::env::MAIL_CONFIGURATION_SET]),
        "MailConfigurationSet"
    );
    let props = &resource(&t, "Notifier")["Metadata"]["BuildProperties"];
    assert_eq!(
        text(&props["Binary"]),
        "notifier",
        "the notifier's own binary"
    );
}

#[test]
fn the_stream_and_its_mapping_are_what_the_notifier_expects() {
    let t = template();
    let table = &resource(&t, "ApplicationsTable")["Properties"];
    assert_eq!(
        text(&table["StreamSpecification"]["StreamViewType"]),
        STREAM_VIEW_TYPE
    );
    assert_eq!(
        aws_sdk_dynamodb::types::StreamViewType::NewImage.as_str(),
        STREAM_VIEW_TYPE,
        "the local table's stream is the template's"
    );
    let events = resource(&t, "Notifier")["Properties"]["Events"]
        .as_mapping()
        .unwrap();
    assert_eq!(events.len(), 1);
    let event = events.values().next().unwrap();
    assert_eq!(text(&event["Type"]), "DynamoDB");
    let p = &event["Properties"];
    assert_eq!(text(&p["Stream"]), "ApplicationsTable.StreamArn");
    let pattern: serde_json::Value =
        serde_json::from_str(&text(&p["FilterCriteria"]["Filters"][0]["Pattern"])).unwrap();
    let expected: serde_json::Value = serde_json::from_str(FILTER_PATTERN).unwrap();
    assert_eq!(pattern, expected, "only new application items");
    assert_eq!(
        strings(&p["FunctionResponseTypes"]),
        set(&["ReportBatchItemFailures"])
    );
    assert_eq!(p["BisectBatchOnFunctionError"], Value::Bool(true));
    let retries = p["MaximumRetryAttempts"].as_u64().expect("bounded retries");
    assert!((1..=100).contains(&retries), "{retries} retries");
    let age = p["MaximumRecordAgeInSeconds"]
        .as_u64()
        .expect("bounded record age");
    assert!((60..=86_400).contains(&age), "{age} s");
    assert_eq!(text(&p["DestinationConfig"]["OnFailure"]["Type"]), "SQS");
    assert_eq!(
        text(&p["DestinationConfig"]["OnFailure"]["Destination"]),
        "NotifierFailures.Arn"
    );
    let queue = &resource(&t, "NotifierFailures")["Properties"];
    assert_eq!(text(&queue["KmsMasterKeyId"]), "EncryptionKey", "encrypted");
    let alarm = &resource(&t, "NotifierFailuresAlarm")["Properties"];
    assert_eq!(
        text(&alarm["Dimensions"][0]["Value"]),
        "NotifierFailures.QueueName"
    );
    assert_eq!(
        alarm["Threshold"].as_u64(),
        Some(1),
        "the alarm fires on one message"
    );
}

#[test]
fn the_notifier_may_do_exactly_what_its_code_does() {
    let t = template();
    let granted: BTreeSet<String> = statements(&t)
        .iter()
        .flat_map(|s| strings(&s["Action"]))
        .filter(|a| a.starts_with("dynamodb:") || a.starts_with("ses:"))
        .collect();
    let needed: BTreeSet<String> = STREAM_ACTIONS
        .iter()
        .chain(marks::IAM_ACTIONS)
        .chain(form_handler::notify::ses::IAM_ACTIONS)
        .map(|a| a.to_string())
        .collect();
    assert_eq!(granted, needed);

    let stream = statement_with(&t, "dynamodb:GetRecords");
    let reading: Vec<&str> = STREAM_ACTIONS
        .iter()
        .copied()
        .filter(|a| *a != "dynamodb:ListStreams")
        .collect();
    assert_eq!(strings(&stream["Action"]), set(&reading));
    assert_eq!(
        text(&stream["Resource"]),
        "${ApplicationsTable.Arn}/stream/*"
    );
    // ListStreams names no resource: alone, on "*".
    let listing = statement_with(&t, "dynamodb:ListStreams");
    assert_eq!(strings(&listing["Action"]), set(&["dynamodb:ListStreams"]));
    assert_eq!(text(&listing["Resource"]), "*");

    let table_actions: BTreeSet<String> = statements(&t)
        .iter()
        .filter(|s| strings(&s["Resource"]).contains("ApplicationsTable.Arn"))
        .flat_map(|s| strings(&s["Action"]))
        .collect();
    assert_eq!(
        table_actions,
        set(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
        "items: read whole, update some attributes"
    );
    let items = statement_with(&t, "dynamodb:UpdateItem");
    assert_eq!(strings(&items["Action"]), set(&["dynamodb:UpdateItem"]));
    let written: BTreeSet<String> = outbox::WRITTEN
        .iter()
        .map(|a| a.to_string())
        .chain(["pk".to_string()])
        .collect();
    assert_eq!(
        strings(&items["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]),
        written,
        "only the key, the marks, the flag, the lease and the count"
    );
    for kind in form_handler::mail::MailKind::ALL {
        assert!(
            outbox::WRITTEN.contains(&marks::attribute(kind)),
            "{kind:?}"
        );
    }
    for statement in [&items, &statement_with(&t, "dynamodb:GetItem")] {
        assert_eq!(
            strings(&statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]),
            set(&["APP#*"]),
            "application items only"
        );
    }
    let query = statement_with(&t, "dynamodb:Query");
    assert_eq!(
        text(&query["Resource"]),
        format!("${{ApplicationsTable.Arn}}/index/{}", outbox::PENDING_INDEX),
        "the pending index only"
    );
    let index = resource(&t, "ApplicationsTable")["Properties"]["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|i| text(&i["IndexName"]) == outbox::PENDING_INDEX)
        .expect("the pending index")
        .clone();
    assert_eq!(
        text(&index["KeySchema"][0]["AttributeName"]),
        outbox::PENDING
    );
    assert_eq!(text(&index["Projection"]["ProjectionType"]), "KEYS_ONLY");

    let sending = statement_with(&t, "ses:SendEmail");
    assert_eq!(
        text(&sending["Condition"]["StringEquals"]["ses:FromAddress"]),
        "MailFromAddress"
    );
}

#[test]
fn the_rejected_mail_alarms_watch_the_metric_the_notifier_writes() {
    let t = template();
    for (alarm, kind) in [
        ("MailRejectedAlarm", "receipt"),
        ("MailRejectedCaseworkersAlarm", "caseworkers"),
    ] {
        let p = &resource(&t, alarm)["Properties"];
        assert_eq!(text(&p["Namespace"]), METRIC_NAMESPACE, "{alarm}");
        assert_eq!(text(&p["MetricName"]), REJECTED_METRIC, "{alarm}");
        assert_eq!(text(&p["Dimensions"][0]["Value"]), kind, "{alarm}");
    }
    for (alarm, kind) in [
        ("MailUnknownOutcomeAlarm", "caseworkers"),
        ("MailUnknownOutcomeReceiptAlarm", "receipt"),
    ] {
        let p = &resource(&t, alarm)["Properties"];
        assert_eq!(text(&p["Namespace"]), METRIC_NAMESPACE, "{alarm}");
        assert_eq!(text(&p["MetricName"]), UNKNOWN_METRIC, "{alarm}");
        assert_eq!(text(&p["Dimensions"][0]["Value"]), kind, "{alarm}");
    }
    let waiting = &resource(&t, "MailsWaitingAlarm")["Properties"];
    assert_eq!(text(&waiting["Namespace"]), METRIC_NAMESPACE);
    assert_eq!(text(&waiting["MetricName"]), OLDEST_WAITING_METRIC);
    assert_eq!(
        text(&waiting["TreatMissingData"]),
        "breaching",
        "a sweep that does not run alarms"
    );
}

#[test]
fn the_schedule_sweeps_with_the_input_the_notifier_reads() {
    let t = template();
    let p = &resource(&t, "NotifierSweep")["Properties"];
    assert_eq!(text(&p["ScheduleExpression"]), "rate(15 minutes)");
    assert_eq!(text(&p["Target"]["Arn"]), "Notifier.Arn");
    let input: form_handler::notify::lambda::SweepEvent =
        serde_json::from_str(&text(&p["Target"]["Input"])).expect("the notifier reads the input");
    assert_eq!(
        input.sweep.min_age_seconds,
        Some(form_handler::notify::outbox::SCHEDULED_MIN_AGE.as_secs())
    );
    let invoke = &resource(&t, "SweepSchedulerPolicy")["Properties"]["PolicyDocument"]["Statement"];
    assert_eq!(
        strings(&invoke[0]["Action"]),
        set(&["lambda:InvokeFunction"])
    );
    assert_eq!(text(&invoke[0]["Resource"]), "Notifier.Arn");
}
