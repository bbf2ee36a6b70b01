//! The table's stream as the notifier reads it: in AWS, batches of records that Lambda
//! hands to [`handle_event`] (an event source mapping whose filter passes only new
//! application items); locally, the DynamoDB Streams API read by [`read_stream`]
//! (`form-handler notify`). Both end in [`handle_batch`]: each new application's mails are
//! delivered, and the records whose delivery must be tried again are returned, so that
//! Lambda retries them (`ReportBatchItemFailures`) and, after its retries, sends them to the
//! on-failure destination.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;

use super::outbox::{Handled, Ledger, Notifier, deliver_claimed};
use super::{Delivery, Outbox};

/// The stream's view of the table (the notifier needs the new item, nothing more).
pub const STREAM_VIEW_TYPE: &str = "NEW_IMAGE";

/// The event source mapping's filter: only new application items (`pk` = `APP#...`), not
/// idempotency records, not the notifier's own updates.
pub const FILTER_PATTERN: &str =
    r#"{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"APP#"}]}}}}"#;

/// The Streams API actions `form-handler notify` (and the Lambda's event source mapping)
/// need on the stream.
pub const IAM_ACTIONS: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];

/// One stream record, whichever way it came.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub sequence_number: String,
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: String,
    pub new_image: Option<HashMap<String, AttributeValue>>,
}

/// What became of a batch.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// The deliveries made (every record whose application this notifier took up).
    pub deliveries: Vec<Delivery>,
    /// The sequence numbers of the records to be tried again.
    pub failures: Vec<String>,
    /// The references of the applications whose mails were not all delivered.
    pub failed_references: Vec<String>,
}

/// Delivers the mails of each new application in `records`, in order, through
/// [`deliver_claimed`]. Records that hold no new application (a filter is only a first
/// line) are passed over. Once one delivery has failed for now (SES throttling or
/// unreachable), or `until` is near, the records left are not tried but returned as
/// failures at once: the stream gives them again, and the invocation does not spend its
/// time on an outbox that is not answering. Whatever the stream gives up on, the sweep
/// sends.
pub async fn handle_batch<O: Outbox, L: Ledger>(
    notifier: &Notifier<O, L>,
    records: &[Record],
    until: Option<std::time::Instant>,
) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let mut give_up = false;
    for record in records {
        let Some(reference) = new_application(record) else {
            continue;
        };
        give_up |= until.is_some_and(|u| std::time::Instant::now() + RECORD_BUDGET > u);
        let handled = if give_up {
            Handled::NotTried("given back".into())
        } else {
            deliver_claimed(notifier, &reference).await
        };
        let retry = handled.needs_retry();
        if let Handled::Delivered(delivery) = handled {
            out.deliveries.push(delivery);
        }
        if retry {
            give_up = true;
            out.failures.push(record.sequence_number.clone());
            out.failed_references.push(reference);
        }
    }
    out
}

/// The longest one mail may take at SES, retries included.
pub const SEND_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// The time one record's mails may take: two mails at SES and their marks. A record is
/// started only with this much of the invocation left (60 s in infra/template.yaml).
pub(crate) const RECORD_BUDGET: std::time::Duration =
    std::time::Duration::from_secs(2 * SEND_DEADLINE.as_secs() + 5);

/// The reference of the new application a record holds, if any: an `INSERT` of an
/// application item (`pk` = `APP#<reference>`).
fn new_application(record: &Record) -> Option<String> {
    if record.event_name != "INSERT" {
        return None;
    }
    let pk = record.new_image.as_ref()?.get("pk")?.as_s().ok()?;
    pk.strip_prefix("APP#").map(str::to_string)
}

/// The Lambda's handler: a batch of stream records in, the records to retry out, and the
/// metric lines to print (see [`super::metrics`]); `until` is the invocation's deadline.
pub async fn handle_event<O: Outbox, L: Ledger>(
    notifier: &Notifier<O, L>,
    event: Event,
    until: Option<std::time::Instant>,
) -> (DynamoDbEventResponse, Vec<String>) {
    let records: Vec<Record> = event.records.into_iter().map(from_lambda).collect();
    let outcome = handle_batch(notifier, &records, until).await;
    let metrics = super::metrics::for_deliveries(&outcome.deliveries);
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = outcome
        .failures
        .into_iter()
        .map(|sequence_number| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(sequence_number);
            failure
        })
        .collect();
    (response, metrics)
}

/// A record of a Lambda event.
fn from_lambda(record: aws_lambda_events::event::dynamodb::EventRecord) -> Record {
    let image = record.change.new_image;
    Record {
        sequence_number: record.change.sequence_number.unwrap_or_default(),
        event_name: record.event_name,
        new_image: (!image.is_empty()).then(|| {
            image
                .into_inner()
                .into_iter()
                .map(|(k, v)| (k, from_serde_dynamo(v)))
                .collect()
        }),
    }
}

fn from_serde_dynamo(v: serde_dynamo::AttributeValue) -> AttributeValue {
    use serde_dynamo::AttributeValue as D;
    match v {
        D::S(s) => AttributeValue::S(s),
        D::N(n) => AttributeValue::N(n),
        D::Bool(b) => AttributeValue::Bool(b),
        D::Null(b) => AttributeValue::Null(b),
        D::M(m) => AttributeValue::M(
            m.into_iter()
                .map(|(k, v)| (k, from_serde_dynamo(v)))
                .collect(),
        ),
        D::L(l) => AttributeValue::L(l.into_iter().map(from_serde_dynamo).collect()),
        D::Ss(s) => AttributeValue::Ss(s),
        D::Ns(n) => AttributeValue::Ns(n),
        D::B(b) => AttributeValue::B(b.into()),
        D::Bs(b) => AttributeValue::Bs(b.into_iter().map(Into::into).collect()),
    }
}

/// A record of the DynamoDB Streams API.
pub fn from_streams_api(record: aws_sdk_dynamodbstreams::types::Record) -> Record {
    let change = record.dynamodb;
    Record {
        sequence_number: change
            .as_ref()
            .and_then(|c| c.sequence_number.clone())
            .unwrap_or_default(),
        event_name: record
            .event_name
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        new_image: change.and_then(|c| c.new_image).map(|image| {
            image
                .into_iter()
                .map(|(k, v)| (k, from_streams(v)))
                .collect()
        }),
    }
}

fn from_streams(v: aws_sdk_dynamodbstreams::types::AttributeValue) -> AttributeValue {
    use aws_sdk_dynamodbstreams::types::AttributeValue as S;
    match v {
        S::S(s) => AttributeValue::S(s),
        S::N(n) => AttributeValue::N(n),
        S::Bool(b) => AttributeValue::Bool(b),
        S::Null(b) => AttributeValue::Null(b),
        S::M(m) => AttributeValue::M(m.into_iter().map(|(k, v)| (k, from_streams(v))).collect()),
        S::L(l) => AttributeValue::L(l.into_iter().map(from_streams).collect()),
        S::Ss(s) => AttributeValue::Ss(s),
        S::Ns(n) => AttributeValue::Ns(n),
        S::B(b) => AttributeValue::B(b.into_inner().into()),
        S::Bs(b) => AttributeValue::Bs(b.into_iter().map(|b| b.into_inner().into()).collect()),
        _ => AttributeValue::Null(true),
    }
}

/// The table's stream read through the DynamoDB Streams API, every shard from its oldest
/// record (`form-handler notify`). A closed shard is read to its end, through any empty
/// pages; an open one until a page comes back empty (the present). Errors name the
/// operation and code only.
pub struct StreamReader {
    streams: aws_sdk_dynamodbstreams::Client,
    shards: Vec<Shard>,
}

/// Where the reader is in one shard.
struct Shard {
    /// The iterator to read next; `None` once a closed shard is read to its end.
    iterator: Option<String>,
    /// Whether the shard is closed (it has an ending sequence number): no record will come.
    closed: bool,
    /// Whether an open shard gave an empty page: read up to now.
    at_present: bool,
}

impl Shard {
    fn to_read(&self) -> bool {
        self.iterator.is_some() && !self.at_present
    }
}

fn streams_error<E, R>(
    what: &'static str,
    e: &aws_sdk_dynamodbstreams::error::SdkError<E, R>,
) -> crate::store::StoreError
where
    E: aws_sdk_dynamodbstreams::error::ProvideErrorMetadata,
{
    use aws_sdk_dynamodbstreams::error::SdkError;
    let code = match e {
        SdkError::ServiceError(s) => s.err().code().unwrap_or("unnamed").to_string(),
        SdkError::TimeoutError(_) => "timeout".to_string(),
        SdkError::DispatchFailure(_) => "connection failed".to_string(),
        SdkError::ResponseError(_) => "unreadable response".to_string(),
        _ => "unknown".to_string(),
    };
    crate::store::StoreError::Failed { what, code }
}

impl StreamReader {
    /// Opens every shard of `table`'s stream at its oldest record, through every page of
    /// the stream's list of shards.
    pub async fn open(
        dynamodb: &aws_sdk_dynamodb::Client,
        streams: aws_sdk_dynamodbstreams::Client,
        table: &str,
    ) -> Result<StreamReader, crate::store::StoreError> {
        use aws_sdk_dynamodbstreams::types::ShardIteratorType;
        let described = dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| crate::store::dynamo::err("reading the table's description", e))?;
        let arn = described
            .table()
            .and_then(|t| t.latest_stream_arn())
            .ok_or(crate::store::StoreError::Inconsistent(
                "the table has no stream: create it with one (form-handler serve does)",
            ))?
            .to_string();
        let mut listed = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = streams
                .describe_stream()
                .stream_arn(&arn)
                .set_exclusive_start_shard_id(after.take())
                .send()
                .await
                .map_err(|e| streams_error("describing the stream", &e))?;
            let Some(description) = page.stream_description() else {
                break;
            };
            for shard in description.shards() {
                let closed = shard
                    .sequence_number_range()
                    .is_some_and(|r| r.ending_sequence_number().is_some());
                if let Some(id) = shard.shard_id() {
                    listed.push((id.to_string(), closed));
                }
            }
            match description.last_evaluated_shard_id() {
                Some(last) => after = Some(last.to_string()),
                None => break,
            }
        }
        let mut shards = Vec::new();
        for (id, closed) in listed {
            let it = streams
                .get_shard_iterator()
                .stream_arn(&arn)
                .shard_id(id)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .map_err(|e| streams_error("opening a shard", &e))?;
            shards.push(Shard {
                iterator: it.shard_iterator().map(str::to_string),
                closed,
                at_present: false,
            });
        }
        Ok(StreamReader { streams, shards })
    }

    /// The next records, one page of each shard still to read; `None` when every closed
    /// shard is read to its end and every open one up to now.
    pub async fn next_records(&mut self) -> Result<Option<Vec<Record>>, crate::store::StoreError> {
        if !self.shards.iter().any(Shard::to_read) {
            return Ok(None);
        }
        let mut records = Vec::new();
        for shard in self.shards.iter_mut().filter(|s| s.to_read()) {
            let Some(it) = shard.iterator.take() else {
                continue;
            };
            let page = self
                .streams
                .get_records()
                .shard_iterator(it)
                .send()
                .await
                .map_err(|e| streams_error("reading records", &e))?;
            records.extend(page.records().iter().cloned().map(from_streams_api));
            shard.iterator = page.next_shard_iterator().map(str::to_string);
            shard.at_present = !shard.closed && page.records().is_empty();
        }
        Ok(Some(records))
    }

    /// Reads on from where the last round stopped (for `--follow`, after a pause).
    pub fn resume(&mut self) {
        for shard in &mut self.shards {
            shard.at_present = false;
        }
    }
}
