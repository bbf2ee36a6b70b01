//! Applications in DynamoDB. One table, key `pk` (text):
//! - `APP#<reference>`: the application (form, version, round, received_at, the typed fields,
//!   privacy notice version, idempotency key, `expires_at` for TTL), with `gsi1pk` =
//!   `FORM#<form>` and `gsi1sk` = `<round>#<received_at>#<reference>` for the index
//!   `form_round` ("applications to form F in round R, by time": one query with
//!   `begins_with(gsi1sk, R)`);
//! - `IDEM#<form>#<key>`: the idempotency record, pointing at the reference, kept 24 hours.
//!
//! Both are written in one transaction with `attribute_not_exists` conditions: nothing is
//! ever overwritten, and of simultaneous repeats exactly one is stored.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

pub use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, Put, ScalarAttributeType, StreamSpecification,
    StreamViewType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus, TransactWriteItem,
};
use jiff::Timestamp;

use super::{IDEMPOTENCY_WINDOW, NewApplication, Receipt, StoreError, Stored};

pub mod marks;
pub mod outbox;

/// The longest [`DynamoStore::create_table_if_missing`] waits for a new table to become
/// ACTIVE.
const TABLE_READY_WITHIN: Duration = Duration::from_secs(120);

/// The index the export reads through.
pub const INDEX: &str = "form_round";

/// The DynamoDB operations the handler calls while it serves requests: the transaction
/// that stores an application with its idempotency record, and the reads of receipts and
/// idempotency records. (The alarms watch these.)
pub const OPERATIONS: &[&str] = &["TransactWriteItems", "GetItem"];

/// The IAM actions [`OPERATIONS`] need, which the Lambda's role grants and nothing more: a
/// transaction's puts are authorised as `PutItem`. The caseworkers' export (`Query` on
/// [`INDEX`]) runs with the operator's own credentials, not the Lambda's.
pub const IAM_ACTIONS: &[&str] = &["dynamodb:PutItem", "dynamodb:GetItem"];

/// The key prefixes of the items the handler writes and reads (its IAM grant is limited
/// to them with `dynamodb:LeadingKeys`).
pub const KEY_PREFIXES: &[&str] = &["APP#", "IDEM#"];

/// The attributes the handler reads, all it needs for a receipt and an idempotency check:
/// every GetItem it makes asks for these and no others, and its IAM grant allows no others
/// (`dynamodb:Attributes`, `dynamodb:Select` SPECIFIC_ATTRIBUTES). An application's
/// answers are never read back by the handler.
pub const READ_ATTRIBUTES: &[&str] = &[
    "pk",
    "form_id",
    "reference",
    "received_at",
    "round",
    "content_hash",
    "expires_at",
];

/// A GetItem of [`READ_ATTRIBUTES`] only (names as placeholders: some are reserved words).
fn read_projection(get: GetItemFluentBuilder) -> GetItemFluentBuilder {
    let expression = (0..READ_ATTRIBUTES.len())
        .map(|i| format!("#a{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    READ_ATTRIBUTES
        .iter()
        .enumerate()
        .fold(get.projection_expression(expression), |get, (i, name)| {
            get.expression_attribute_names(format!("#a{i}"), *name)
        })
}

pub struct DynamoStore {
    pub(crate) client: Client,
    pub(crate) table: String,
    /// Items per query page (DynamoDB's own limit of 1 MB when unset).
    page_size: Option<i32>,
}

type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// A failed SDK call as a [`StoreError`] that names the operation and the error's code or
/// kind, never its message or the raw response (either could quote the request).
pub(crate) fn err<E, R>(
    what: &'static str,
    e: aws_sdk_dynamodb::error::SdkError<E, R>,
) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    use aws_sdk_dynamodb::error::SdkError;
    let code = match &e {
        SdkError::ServiceError(service) => service
            .err()
            .code()
            .unwrap_or("an unnamed service error")
            .to_string(),
        SdkError::TimeoutError(_) => "timeout".to_string(),
        SdkError::DispatchFailure(d) if d.is_timeout() => "timeout (dispatch)".to_string(),
        SdkError::DispatchFailure(d) if d.is_io() => "connection failed".to_string(),
        SdkError::DispatchFailure(_) => "dispatch failure".to_string(),
        SdkError::ResponseError(_) => "unreadable response".to_string(),
        SdkError::ConstructionFailure(_) => "request construction".to_string(),
        _ => "unknown".to_string(),
    };
    StoreError::Failed { what, code }
}

/// Sends a conditional UpdateItem within [`STORE_DEADLINE`](super::STORE_DEADLINE):
/// `Ok(true)` when it was written, `Ok(false)` when its condition did not hold.
pub(crate) async fn update_if(
    request: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    what: &'static str,
) -> Result<bool, StoreError> {
    let result = super::within(super::STORE_DEADLINE, async {
        Ok::<_, StoreError>(request.send().await)
    })
    .await?;
    match result {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(err(what, e)),
    }
}

/// A request that could not be built (a bug: the builders' required fields are set).
fn build_err(
    what: &'static str,
) -> impl Fn(aws_sdk_dynamodb::error::BuildError) -> StoreError + Copy {
    move |_| StoreError::Failed {
        what,
        code: "request construction".to_string(),
    }
}

/// The SDK configuration every client uses: the standard sources (region, credentials,
/// `AWS_ENDPOINT_URL_DYNAMODB`), with timeouts and retries that keep a request inside the
/// Lambda's 10 seconds.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(800))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(4))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3))
        .load()
        .await
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
            page_size: None,
        }
    }

    /// Reads queries in pages of `n` items (to exercise pagination in tests).
    pub fn with_page_size(mut self, n: i32) -> DynamoStore {
        self.page_size = Some(n);
        self
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table with its index, stream and TTL if it does not exist, and returns
    /// once it is ACTIVE with TTL and the stream on. For local use only: in AWS the infrastructure owns the table.
    ///
    /// Safe to call from several processes or tasks at once, and after a create whose answer
    /// was lost (the SDK's retry then finds the table the first attempt made): a table that
    /// exists, or that another caller is creating, counts as there. `Ok(true)` when this call
    /// created it.
    pub async fn create_table_if_missing(&self) -> Result<bool, StoreError> {
        let created = match self.table_status().await? {
            Some(_) => false,
            None => self.create_table().await?,
        };
        self.wait_until_active(TABLE_READY_WITHIN).await?;
        self.ensure_ttl().await?;
        self.ensure_stream().await?;
        Ok(created)
    }

    /// The table's status, or `None` when there is no table of that name.
    async fn table_status(&self) -> Result<Option<TableStatus>, StoreError> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.table()
                    .and_then(|t| t.table_status())
                    .cloned()
                    .unwrap_or(TableStatus::Creating),
            )),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(err("reading the table's description", e)),
        }
    }

    /// Creates the table; `Ok(false)` when it exists already (made by another caller, or by
    /// an earlier attempt of this one whose answer was lost).
    async fn create_table(&self) -> Result<bool, StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, t: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(t)
                .build()
        };
        let build = build_err("building the table definition");
        let index = GlobalSecondaryIndex::builder()
            .index_name(INDEX)
            .key_schema(key("gsi1pk", KeyType::Hash).map_err(build)?)
            .key_schema(key("gsi1sk", KeyType::Range).map_err(build)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(build)?;
        // Only the keys: the sweep reads each application itself, after taking its lease.
        let pending = GlobalSecondaryIndex::builder()
            .index_name(outbox::PENDING_INDEX)
            .key_schema(key(outbox::PENDING, KeyType::Hash).map_err(build)?)
            .key_schema(key("received_at", KeyType::Range).map_err(build)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::KeysOnly)
                    .build(),
            )
            .build()
            .map_err(build)?;
        let result = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk").map_err(build)?)
            .attribute_definitions(attr("gsi1pk").map_err(build)?)
            .attribute_definitions(attr("gsi1sk").map_err(build)?)
            .attribute_definitions(attr(outbox::PENDING).map_err(build)?)
            .attribute_definitions(attr("received_at").map_err(build)?)
            .key_schema(key("pk", KeyType::Hash).map_err(build)?)
            .global_secondary_indexes(index)
            .global_secondary_indexes(pending)
            .stream_specification(stream_specification().map_err(build)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(err("creating the table", e)),
        }
    }

    /// Waits until the table is ACTIVE (a new table is CREATING for a while in AWS).
    async fn wait_until_active(&self, within: Duration) -> Result<(), StoreError> {
        let give_up = tokio::time::Instant::now() + within;
        let mut pause = Duration::from_millis(50);
        loop {
            if self.table_status().await? == Some(TableStatus::Active) {
                return Ok(());
            }
            if tokio::time::Instant::now() + pause > give_up {
                return Err(StoreError::Timeout(within));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    /// Turns the stream on (a table made before the notifier existed has none).
    async fn ensure_stream(&self) -> Result<(), StoreError> {
        let out = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| err("reading the table's description", e))?;
        let on = out
            .table()
            .and_then(|t| t.stream_specification())
            .is_some_and(|s| s.stream_enabled());
        if on {
            return Ok(());
        }
        self.client
            .update_table()
            .table_name(&self.table)
            .stream_specification(
                stream_specification().map_err(build_err("building the stream setting"))?,
            )
            .send()
            .await
            .map_err(|e| err("turning the stream on", e))?;
        self.wait_until_active(TABLE_READY_WITHIN).await
    }

    /// Turns TTL on `expires_at` on unless it is on (or being turned on) already.
    async fn ensure_ttl(&self) -> Result<(), StoreError> {
        let ttl_on = || async {
            let out = self
                .client
                .describe_time_to_live()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|e| err("reading the TTL setting", e))?;
            Ok::<bool, StoreError>(matches!(
                out.time_to_live_description()
                    .and_then(|d| d.time_to_live_status()),
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            ))
        };
        if ttl_on().await? {
            return Ok(());
        }
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name("expires_at")
            .build()
            .map_err(build_err("building the TTL setting"))?;
        let result = self
            .client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Another caller turned it on between our look and our call.
            Err(_) if ttl_on().await? => Ok(()),
            Err(e) => Err(err("enabling TTL", e)),
        }
    }

    pub async fn put(&self, app: &NewApplication) -> Result<Stored, StoreError> {
        let idem_pk = format!("IDEM#{}#{}", app.form_id, app.idempotency_key);
        let now = app.received_at.as_second();
        let idem_item: Item = HashMap::from([
            ("pk".into(), s(&idem_pk)),
            ("reference".into(), s(&app.reference)),
            ("content_hash".into(), s(&app.content_hash)),
            ("received_at".into(), s(app.received_at.to_string())),
            ("round".into(), s(&app.round)),
            (
                "expires_at".into(),
                n((app.received_at + IDEMPOTENCY_WINDOW).as_second()),
            ),
        ]);
        let build = build_err("building the write");
        let put_app = Put::builder()
            .table_name(&self.table)
            .set_item(Some(application_item(app)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build)?;
        let put_idem = Put::builder()
            .table_name(&self.table)
            .set_item(Some(idem_item))
            // An expired record (TTL deletes lazily) may be replaced.
            .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(build)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put_app).build())
            .transact_items(TransactWriteItem::builder().put(put_idem).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Stored::New(Receipt {
                reference: app.reference.clone(),
                received_at: app.received_at,
                round: app.round.clone(),
            })),
            Err(e) => {
                let canceled = matches!(
                    e.as_service_error(),
                    Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(_))
                );
                if !canceled {
                    return Err(err("storing the application", e));
                }
                // The key was used (or another request holds it right now): the first one wins.
                for wait in [0u64, 20, 50, 100, 200] {
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    if let Some((hash, receipt)) = self.idempotency_receipt(&idem_pk, now).await? {
                        return Ok(Stored::repeat_of(app, &hash, receipt));
                    }
                }
                Err(StoreError::Inconsistent(
                    "the write was refused and no earlier application holds the key",
                ))
            }
        }
    }

    /// The content hash and receipt of the application holding an idempotency key.
    async fn idempotency_receipt(
        &self,
        pk: &str,
        now: i64,
    ) -> Result<Option<(String, Receipt)>, StoreError> {
        let get = self.client.get_item().table_name(&self.table);
        let out = read_projection(get)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("reading the idempotency record", e))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        if number(item, "expires_at").is_some_and(|e| e < now) {
            return Ok(None);
        }
        let hash = text(item, "content_hash").unwrap_or_default();
        Ok(receipt_from(item).map(|r| (hash, r)))
    }

    pub async fn receipt(&self, reference: &str) -> Result<Option<(String, Receipt)>, StoreError> {
        let get = self.client.get_item().table_name(&self.table);
        let out = read_projection(get)
            .key("pk", s(format!("APP#{reference}")))
            // The receipt page is the next request after the post: read the write.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("reading the application", e))?;
        Ok(out
            .item()
            .and_then(|item| Some((text(item, "form_id")?, receipt_from(item)?))))
    }

    pub async fn list(
        &self,
        form_id: &str,
        round: Option<&str>,
    ) -> Result<Vec<NewApplication>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(INDEX)
                .expression_attribute_values(":pk", s(format!("FORM#{form_id}")))
                .set_exclusive_start_key(start.take())
                .set_limit(self.page_size);
            query = match round {
                Some(r) => query
                    .key_condition_expression("gsi1pk = :pk AND begins_with(gsi1sk, :round)")
                    .expression_attribute_values(":round", s(format!("{r}#"))),
                None => query.key_condition_expression("gsi1pk = :pk"),
            };
            let page = query
                .send()
                .await
                .map_err(|e| err("reading the applications", e))?;
            for item in page.items() {
                out.push(
                    application_from(item)
                        .ok_or(StoreError::Inconsistent("an application item is malformed"))?,
                );
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        out.sort_by(|a, b| (a.received_at, &a.reference).cmp(&(b.received_at, &b.reference)));
        Ok(out)
    }
}

/// The table's stream: new items as they are written (the notifier reads new applications).
fn stream_specification() -> Result<StreamSpecification, aws_sdk_dynamodb::error::BuildError> {
    StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::NewImage)
        .build()
}

fn application_item(app: &NewApplication) -> Item {
    let fields: HashMap<String, AttributeValue> = app
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), json_to_attr(v)))
        .collect();
    HashMap::from([
        ("pk".into(), s(format!("APP#{}", app.reference))),
        ("reference".into(), s(&app.reference)),
        ("form_id".into(), s(&app.form_id)),
        ("form_version".into(), n(i64::from(app.form_version))),
        ("round".into(), s(&app.round)),
        ("received_at".into(), s(app.received_at.to_string())),
        ("fields".into(), AttributeValue::M(fields)),
        (
            "privacy_notice_version".into(),
            s(&app.privacy_notice_version),
        ),
        ("idempotency_key".into(), s(&app.idempotency_key)),
        ("content_hash".into(), s(&app.content_hash)),
        ("expires_at".into(), n(app.expires_at.as_second())),
        (outbox::PENDING.into(), s(outbox::PENDING_VALUE)),
        ("gsi1pk".into(), s(format!("FORM#{}", app.form_id))),
        (
            "gsi1sk".into(),
            s(format!(
                "{}#{}#{}",
                app.round, app.received_at, app.reference
            )),
        ),
    ])
}

fn json_to_attr(v: &serde_json::Value) -> AttributeValue {
    match v {
        serde_json::Value::Bool(b) => AttributeValue::Bool(*b),
        serde_json::Value::Number(x) => AttributeValue::N(x.to_string()),
        serde_json::Value::String(t) => AttributeValue::S(t.clone()),
        other => AttributeValue::S(other.to_string()),
    }
}

fn attr_to_json(v: &AttributeValue) -> serde_json::Value {
    match v {
        AttributeValue::Bool(b) => serde_json::Value::Bool(*b),
        AttributeValue::N(x) => x.parse::<i64>().map_or(
            serde_json::Value::String(x.clone()),
            serde_json::Value::from,
        ),
        AttributeValue::S(t) => serde_json::Value::String(t.clone()),
        _ => serde_json::Value::Null,
    }
}

pub(crate) fn text(item: &Item, key: &str) -> Option<String> {
    item.get(key)?.as_s().ok().cloned()
}

fn number(item: &Item, key: &str) -> Option<i64> {
    item.get(key)?.as_n().ok()?.parse().ok()
}

fn receipt_from(item: &Item) -> Option<Receipt> {
    Some(Receipt {
        reference: text(item, "reference")?,
        received_at: text(item, "received_at")?.parse().ok()?,
        round: text(item, "round")?,
    })
}

/// The application in an item (`None` when it is not a whole application item).
pub(crate) fn application_from(item: &Item) -> Option<NewApplication> {
    let fields: BTreeMap<String, serde_json::Value> = item
        .get("fields")?
        .as_m()
        .ok()?
        .iter()
        .map(|(k, v)| (k.clone(), attr_to_json(v)))
        .collect();
    Some(NewApplication {
        reference: text(item, "reference")?,
        form_id: text(item, "form_id")?,
        form_version: u32::try_from(number(item, "form_version")?).ok()?,
        round: text(item, "round")?,
        received_at: text(item, "received_at")?.parse().ok()?,
        fields,
        privacy_notice_version: text(item, "privacy_notice_version")?,
        idempotency_key: text(item, "idempotency_key")?,
        content_hash: text(item, "content_hash").unwrap_or_default(),
        expires_at: Timestamp::from_second(number(item, "expires_at")?).ok()?,
    })
}
