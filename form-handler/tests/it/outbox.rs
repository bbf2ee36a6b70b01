//! The table as the outbox, against moto with a proxy that delays or fails SES: a fault
//! longer than the stream keeps its records ends with every mail sent by the sweep alone;
//! a send whose answer is lost is counted, and is the only way a mail goes twice; two
//! senders at once, or a sweep racing the stream, send each mail once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use form_handler::http::AppState;
use form_handler::mail::MailKind;
use form_handler::notify::Outcome;
use form_handler::notify::outbox::{Handled, Lease, SweepReport, sweep};
use form_handler::notify::stream::handle_event;

use crate::Moto;
use crate::api::{VALID, as_json, json_post, send};
use crate::mail::{lambda_event, notifier, sent, ses_client, setup, stream_records, verify_sender};
use crate::ses_proxy::{Fault, SesProxy};

/// Posts `n` applications (each with its own contact name).
async fn post_applications(st: &Arc<AppState>, n: usize) {
    for i in 0..n {
        let post = json_post(&as_json(VALID).replace("Anne Sørensen", &format!("Anne {i}")));
        let (status, _, body) = send(st, post).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

/// Posts one application and stores `n - 1` copies of its item beside it, each with its
/// own reference (moto's transactions copy the whole table, so posting a thousand through
/// the router would take minutes).
async fn copy_application(moto: &Moto, st: &Arc<AppState>, table: &str, n: usize) {
    use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
    post_applications(st, 1).await;
    let scan = moto.client().scan().table_name(table).send().await.unwrap();
    let item = scan
        .items()
        .iter()
        .find(|i| i["pk"].as_s().unwrap().starts_with("APP#"))
        .unwrap()
        .clone();
    let copies: Vec<WriteRequest> = (1..n)
        .map(|i| {
            let reference = format!("TST-{i:03}-{:03}", i / 1000);
            let mut copy = item.clone();
            copy.insert("pk".into(), AttributeValue::S(format!("APP#{reference}")));
            copy.insert("reference".into(), AttributeValue::S(reference));
            let put = PutRequest::builder().set_item(Some(copy)).build().unwrap();
            WriteRequest::builder().put_request(put).build()
        })
        .collect();
    for batch in copies.chunks(25) {
        let out = moto
            .client()
            .batch_write_item()
            .request_items(table, batch.to_vec())
            .send()
            .await
            .unwrap();
        assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()));
    }
}

/// How many times each mail (recipients and subject) was sent.
async fn copies(ses: &str) -> BTreeMap<(Vec<String>, String), usize> {
    let mut out = BTreeMap::new();
    for mail in sent(ses).await {
        *out.entry((mail.destinations.clone(), mail.subject()))
            .or_insert(0) += 1;
    }
    out
}

/// The unknown outcomes a sweep counted.
fn unknown(report: &SweepReport) -> usize {
    report
        .handled
        .iter()
        .map(|(_, h)| match h {
            Handled::Delivered(d) => d.unknown(),
            _ => 0,
        })
        .sum()
}

/// The pending applications left in `table`.
async fn pending(moto: &Moto, table: &str) -> usize {
    use form_handler::notify::outbox::Ledger;
    form_handler::store::dynamo::DynamoStore::new(moto.client(), table)
        .pending()
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_longer_than_the_stream_ends_with_every_mail_sent_by_the_sweep_alone() {
    let moto = Moto::start();
    let st = setup(&moto, "weekend").await;
    let mut ses = Moto::start();
    post_applications(&st, 3).await;
    let records = stream_records(&moto, "weekend").await;
    let notifier = notifier(&moto, &ses.endpoint(), "weekend");

    // SES is down while the stream holds the records: every try fails, nothing is sent.
    ses.stop();
    let (response, _) = handle_event(&notifier, lambda_event(&records), None).await;
    assert!(!response.batch_item_failures.is_empty());
    let report = sweep(&notifier, Duration::ZERO, None).await.unwrap();
    assert_eq!(report.waiting, 3, "{report:?}");
    assert!(report.oldest_waiting.is_some());
    assert_eq!(pending(&moto, "weekend").await, 3);

    // The stream's records are gone (24 hours): never handed to the notifier again. SES
    // comes back; the sweep alone sends every mail, once.
    ses.restart();
    verify_sender(&ses_client(&ses.endpoint())).await;
    let report = sweep(&notifier, Duration::ZERO, None).await.unwrap();
    assert_eq!(report.waiting, 0, "{report:?}");
    assert_eq!(pending(&moto, "weekend").await, 0, "no flag left");
    let sweep_again = sweep(&notifier, Duration::ZERO, None).await.unwrap();
    assert!(sweep_again.handled.is_empty(), "{sweep_again:?}");
    let copies = copies(&ses.endpoint()).await;
    assert_eq!(copies.len(), 6, "three applications, two mails each");
    assert!(copies.values().all(|&n| n == 1), "{copies:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_sweep_leaves_young_applications_to_the_stream() {
    let moto = Moto::start();
    let st = setup(&moto, "young").await;
    post_applications(&st, 1).await;
    let notifier = notifier(&moto, &moto.endpoint(), "young");
    // Stored "on 2019-03-01" by the test clock: older than any minimum age but this one.
    let ages = jiff::Timestamp::now().duration_since("2019-03-01T00:00:00Z".parse().unwrap());
    let report = sweep(
        &notifier,
        ages.unsigned_abs() + Duration::from_secs(86_400),
        None,
    )
    .await
    .unwrap();
    assert_eq!((report.young, report.handled.len()), (1, 0), "{report:?}");
    assert!(sent(&moto.endpoint()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_delayed_past_the_timeout_is_counted_and_is_the_only_extra_mail() {
    let moto = Moto::start();
    let st = setup(&moto, "slow").await;
    post_applications(&st, 1).await;
    // The first send is answered after 7 s; the notifier's SES client waits 5 s.
    let proxy = SesProxy::start(&moto.endpoint(), |i| {
        if i == 0 {
            Fault::Delay(Duration::from_secs(7))
        } else {
            Fault::Forward
        }
    })
    .await;
    // A lease longer than the first sweep takes (the 5 s timeout), as in production.
    let lease = Duration::from_secs(8);
    let mut notifier = notifier(&moto, &proxy.endpoint, "slow");
    notifier.lease = Lease::new("test", lease);
    let started = std::time::Instant::now();

    let first = sweep(&notifier, Duration::ZERO, None).await.unwrap();
    assert_eq!(unknown(&first), 1, "{first:?}");
    let Handled::Delivered(d) = &first.handled[0].1 else {
        panic!("{first:?}")
    };
    assert!(matches!(d.outcomes[0].1, Outcome::Unknown(_)), "{d:?}");
    assert!(
        matches!(d.outcomes[1].1, Outcome::Sent(_)),
        "the other mail goes: {d:?}"
    );
    // Counted on the item and as a metric; the lease is kept, so nothing is tried at once.
    let item = crate::mail::marks(&moto, "slow", &d.reference).await;
    assert_eq!(item["mail_unknown"].as_n().unwrap(), "1");
    let lines = form_handler::notify::metrics::for_sweep(&first);
    assert!(
        lines.iter().any(|l| l.contains("\"MailUnknownOutcome\":1")),
        "{lines:?}"
    );
    let at_once = sweep(&notifier, Duration::ZERO, None).await.unwrap();
    assert!(
        matches!(at_once.handled[0].1, Handled::Skipped),
        "held by the lease: {at_once:?}"
    );

    // After the lease, the next sweep sends it again: one extra copy, the counted one.
    tokio::time::sleep((started + lease + Duration::from_millis(1100)) - std::time::Instant::now())
        .await;
    let after = sweep(&notifier, Duration::ZERO, None).await.unwrap();
    assert_eq!(after.waiting, 0, "{after:?}");
    let copies = copies(&moto.endpoint()).await;
    let counts: Vec<usize> = copies.values().copied().collect();
    assert_eq!(counts.iter().sum::<usize>(), 3, "{copies:?}");
    assert_eq!(counts.iter().filter(|&&n| n == 2).count(), 1, "{copies:?}");
    // Taking over a lease left with its unknown outcome counted counts nothing again.
    let item = crate::mail::marks(&moto, "slow", &d.reference).await;
    assert_eq!(item["mail_unknown"].as_n().unwrap(), "1");
    assert!(after.handled.iter().all(|(_, h)| match h {
        Handled::Delivered(d) => d.inherited.is_empty(),
        _ => true,
    }));
}

/// The other window: a sender that stops after SES took a mail and before its mark (a
/// crash, or the Lambda's timeout). Here its work is dropped at that point, as a crash
/// ends it: nothing of it runs after SES's answer. The sender that takes its expired lease
/// over finds it unsettled, counts every mail without a mark as an unknown outcome, and
/// sends them: the one duplicate is among the counted.
async fn stop_after_ses_took(mail: usize) -> (Vec<MailKind>, usize, usize, usize) {
    let moto = Moto::start();
    let table = format!("stopped{mail}");
    let st = setup(&moto, &table).await;
    post_applications(&st, 1).await;
    // SES takes the mail; its answer is held past the moment the sender stops.
    let proxy = SesProxy::start(&moto.endpoint(), move |i| {
        if i == mail {
            Fault::Delay(Duration::from_secs(30))
        } else {
            Fault::Forward
        }
    })
    .await;
    let lease = Duration::from_secs(2);
    let mut stopped = notifier(&moto, &proxy.endpoint, &table);
    stopped.lease = Lease::new("stopped", lease);
    let taken = std::time::Instant::now();
    let mut work = Box::pin(sweep(&stopped, Duration::ZERO, None));
    // Watched at the proxy, not by asking moto (which answers one request at a time).
    let took = async {
        while proxy.forwarded() <= mail {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        done = &mut work => panic!("the sender finished: {done:?}"),
        _ = tokio::time::timeout(Duration::from_secs(60), took) => {}
    }
    assert!(proxy.forwarded() > mail, "SES never took mail {mail}");
    drop(work);
    drop(stopped);

    // The lease (whole seconds) expires; another sender sweeps.
    tokio::time::sleep((taken + lease + Duration::from_millis(1100)) - std::time::Instant::now())
        .await;
    let next = notifier(&moto, &moto.endpoint(), &table);
    let report = sweep(&next, Duration::ZERO, None).await.unwrap();
    assert_eq!(report.waiting, 0, "{report:?}");
    let Handled::Delivered(d) = &report.handled[0].1 else {
        panic!("{report:?}")
    };
    let item = crate::mail::marks(&moto, &table, &d.reference).await;
    let on_item: usize = item
        .get("mail_unknown")
        .map_or(0, |n| n.as_n().unwrap().parse().unwrap());
    let metrics = form_handler::notify::metrics::for_sweep(&report)
        .iter()
        .filter(|l| l.contains("\"MailUnknownOutcome\":1"))
        .count();
    let copies = copies(&moto.endpoint()).await;
    assert_eq!(copies.len(), 2, "both mails arrived: {copies:?}");
    let duplicates = copies.values().map(|n| n - 1).sum();
    (d.inherited.clone(), on_item, metrics, duplicates)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_stopped_between_send_and_mark_leaves_its_mails_counted() {
    // Stopped at the first mail: both are unmarked and counted; one went twice.
    let (inherited, on_item, metrics, duplicates) = stop_after_ses_took(0).await;
    assert_eq!(inherited, [MailKind::Caseworkers, MailKind::Receipt]);
    assert_eq!((on_item, metrics, duplicates), (2, 2, 1));
    // Stopped at the second: the first has its mark; the second is counted and went twice.
    let (inherited, on_item, metrics, duplicates) = stop_after_ses_took(1).await;
    assert_eq!(inherited, [MailKind::Receipt]);
    assert_eq!((on_item, metrics, duplicates), (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_at_once_and_a_sweep_racing_the_stream_send_each_mail_once() {
    let moto = Moto::start();
    let st = setup(&moto, "race").await;
    post_applications(&st, 12).await;
    let records = stream_records(&moto, "race").await;
    let a = notifier(&moto, &moto.endpoint(), "race");
    let b = notifier(&moto, &moto.endpoint(), "race");
    let c = notifier(&moto, &moto.endpoint(), "race");
    let (one, two, (stream, _)) = tokio::join!(
        sweep(&a, Duration::ZERO, None),
        sweep(&b, Duration::ZERO, None),
        handle_event(&c, lambda_event(&records), None),
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert!(stream.batch_item_failures.is_empty(), "{stream:?}");
    let skipped = |r: &SweepReport| {
        r.handled
            .iter()
            .filter(|(_, h)| matches!(h, Handled::Skipped))
            .count()
    };
    assert!(skipped(&one) + skipped(&two) > 0, "the senders met");
    let copies = copies(&moto.endpoint()).await;
    assert_eq!(copies.len(), 24, "{copies:?}");
    assert!(copies.values().all(|&n| n == 1), "{copies:?}");
    assert_eq!(pending(&moto, "race").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_applications_with_ses_failing_one_call_in_five() {
    const N: usize = 1000;
    let moto = Moto::start();
    let st = setup(&moto, "many").await;
    copy_application(&moto, &st, "many", N).await;
    let ses = Moto::start();
    verify_sender(&ses_client(&ses.endpoint())).await;
    // One call in five fails, at random (a fixed seed: the same run every time): half of
    // them refused before sending (throttled), half sent with the answer lost.
    let proxy = SesProxy::start(&ses.endpoint(), |i| {
        let x = (i as u64 + 1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(17)
            % 10;
        match x {
            0 => Fault::Throttle,
            1 => Fault::DropAnswer,
            _ => Fault::Forward,
        }
    })
    .await;
    // As in production, a lease outlasts a delivery (two sends of at most 2 s each here,
    // and the writes around them); the sweeps meet on every application.
    let lease = Duration::from_secs(10);
    let quick = |who: &str| {
        let mut n = notifier(&moto, &proxy.endpoint, "many");
        n.outbox = form_handler::notify::ses::SesOutbox::new(
            ses_client(&proxy.endpoint),
            form_handler::mail::Address::parse(crate::mail::SENDER).unwrap(),
            None,
            Duration::from_secs(2),
        );
        n.lease = Lease::new(who, lease);
        n
    };
    let (a, b) = (quick("a"), quick("b"));
    let mut counted = 0;
    for round in 0.. {
        assert!(round < 30, "still pending after 30 sweeps");
        let (one, two) = tokio::join!(
            sweep(&a, Duration::ZERO, None),
            sweep(&b, Duration::ZERO, None)
        );
        let (one, two) = (one.unwrap(), two.unwrap());
        counted += unknown(&one) + unknown(&two);
        if pending(&moto, "many").await == 0 {
            break;
        }
        tokio::time::sleep(lease + Duration::from_millis(100)).await;
    }
    let faults = proxy.faults();
    let dropped = faults.iter().filter(|f| **f == Fault::DropAnswer).count();
    let throttled = faults.iter().filter(|f| **f == Fault::Throttle).count();
    assert!(
        dropped > N / 20 && throttled > N / 20,
        "{dropped} {throttled}"
    );
    let copies = copies(&ses.endpoint()).await;
    assert_eq!(copies.len(), 2 * N, "every mail sent");
    let duplicates: usize = copies.values().map(|n| n - 1).sum();
    assert_eq!(
        duplicates, counted,
        "every duplicate is a counted unknown outcome"
    );
    // Every lost answer is counted; a send that timed out on a busy machine is counted too.
    assert!(
        counted >= dropped,
        "{counted} counted, {dropped} answers lost"
    );
}
