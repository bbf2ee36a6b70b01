//! The applications table as the notifier's outbox. An application is stored with
//! `mail_pending` set; the sparse index [`PENDING_INDEX`] holds exactly the applications
//! that have it, so a sweep with nothing due reads nothing but an empty page. Before sending,
//! a sender takes a lease (`mail_lease`, `mail_lease_until`) with a conditional write; when
//! every mail has its mark the flag and the lease go in one conditional write. A send whose
//! outcome is unknown adds to `mail_unknown` and leaves the lease to expire, its owner
//! replaced by [`COUNTED`]. Taking a lease keeps the one before it (`mail_lease_before`): an
//! expired lease whose owner is still a sender's was never settled, so that sender stopped
//! (a crash, a timeout) possibly between a send and its mark.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use super::{DynamoStore, application_from, err, s, text, update_if};
use crate::mail::MailKind;
use crate::notify::outbox::{Claim, Lease, Ledger, Pending};
use crate::store::{STORE_DEADLINE, StoreError, within};

/// The sparse index of the applications whose mails are not all done.
pub const PENDING_INDEX: &str = "mails_pending";
/// The flag (the index's key): set when stored, removed when every mail is done.
pub const PENDING: &str = "mail_pending";
/// The flag's one value.
pub const PENDING_VALUE: &str = "due";
/// The lease: who sends the application's mails now, and until when (Unix seconds).
pub const LEASE_OWNER: &str = "mail_lease";
pub const LEASE_UNTIL: &str = "mail_lease_until";
/// How many sends of the application had an unknown outcome.
pub const UNKNOWN: &str = "mail_unknown";
/// The lease's owner before the current one took it ([`NO_LEASE`] when there was none).
pub const LEASE_BEFORE: &str = "mail_lease_before";
/// The owner of a lease left to expire with its unknown outcomes counted.
pub const COUNTED: &str = "counted";
/// [`LEASE_BEFORE`] when the lease was free.
pub const NO_LEASE: &str = "none";

/// The attributes the notifier writes: its marks, the flag, the lease and the count.
pub const WRITTEN: &[&str] = &[
    "mail_caseworkers",
    "mail_receipt",
    PENDING,
    LEASE_OWNER,
    LEASE_UNTIL,
    LEASE_BEFORE,
    UNKNOWN,
];

fn key(reference: &str) -> AttributeValue {
    s(format!("APP#{reference}"))
}

fn secs(t: Timestamp) -> AttributeValue {
    AttributeValue::N(t.as_second().to_string())
}

impl Ledger for DynamoStore {
    async fn pending(&self) -> Result<Vec<Pending>, StoreError> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(PENDING_INDEX)
                .key_condition_expression("#p = :due")
                .expression_attribute_names("#p", PENDING)
                .expression_attribute_values(":due", s(PENDING_VALUE))
                .set_exclusive_start_key(start.take())
                .set_limit(self.page_size);
            let page = within(STORE_DEADLINE, async {
                query
                    .send()
                    .await
                    .map_err(|e| err("reading the pending applications", e))
            })
            .await?;
            for item in page.items() {
                let reference = text(item, "pk")
                    .and_then(|pk| pk.strip_prefix("APP#").map(str::to_string))
                    .ok_or(StoreError::Inconsistent(
                        "a pending item is not an application",
                    ))?;
                let received_at = text(item, "received_at")
                    .and_then(|t| t.parse().ok())
                    .ok_or(StoreError::Inconsistent(
                        "a pending item has no received_at",
                    ))?;
                out.push(Pending {
                    reference,
                    received_at,
                });
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        out.sort_by(|a, b| (a.received_at, &a.reference).cmp(&(b.received_at, &b.reference)));
        Ok(out)
    }

    async fn claim(&self, reference: &str, lease: &Lease) -> Result<Claim, StoreError> {
        let now = Timestamp::now();
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key(reference))
            .update_expression("SET #o = :me, #u = :until, #b = if_not_exists(#o, :none)")
            // Pending; or stored before the flag existed with a mark missing (its marks
            // still keep every mail from going twice). A lease is taken only when there is
            // none or it has expired, even by its own owner: a send with an unknown outcome
            // keeps its lease so that no retry (the stream's, in the same process) repeats
            // it at once.
            .condition_expression(
                "attribute_exists(pk) \
                 AND (attribute_exists(#p) OR attribute_not_exists(#c) OR attribute_not_exists(#r)) \
                 AND (attribute_not_exists(#u) OR #u < :now)",
            )
            .expression_attribute_names("#p", PENDING)
            .expression_attribute_names("#c", super::marks::attribute(MailKind::Caseworkers))
            .expression_attribute_names("#r", super::marks::attribute(MailKind::Receipt))
            .expression_attribute_names("#o", LEASE_OWNER)
            .expression_attribute_names("#u", LEASE_UNTIL)
            .expression_attribute_names("#b", LEASE_BEFORE)
            .expression_attribute_values(":none", s(NO_LEASE))
            .expression_attribute_values(":me", s(lease.owner()))
            .expression_attribute_values(":until", secs(now + lease.length()))
            .expression_attribute_values(":now", secs(now));
        // Not taken: done, gone, or another sender's lease that has not expired.
        if !update_if(request, "taking the lease").await? {
            return Ok(Claim::Skipped);
        }
        let out = within(STORE_DEADLINE, async {
            self.client
                .get_item()
                .table_name(&self.table)
                .key("pk", key(reference))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| err("reading the application", e))
        })
        .await?;
        let Some(item) = out.item() else {
            return Ok(Claim::Skipped);
        };
        let before = text(item, LEASE_BEFORE);
        Ok(match application_from(item) {
            Some(app) => Claim::Claimed {
                app: Box::new(app),
                marks: super::marks::marks_in(item),
                unsettled: before.is_some_and(|b| b != NO_LEASE && b != COUNTED),
            },
            None => Claim::Malformed,
        })
    }

    async fn finish(
        &self,
        reference: &str,
        lease: &Lease,
        kinds: &[MailKind],
    ) -> Result<(), StoreError> {
        let mut names = HashMap::from([
            ("#p".to_string(), PENDING.to_string()),
            ("#o".to_string(), LEASE_OWNER.to_string()),
            ("#u".to_string(), LEASE_UNTIL.to_string()),
            ("#b".to_string(), LEASE_BEFORE.to_string()),
        ]);
        let mut condition = "#o = :me".to_string();
        for (i, kind) in kinds.iter().enumerate() {
            names.insert(format!("#m{i}"), super::marks::attribute(*kind).to_string());
            condition.push_str(&format!(" AND attribute_exists(#m{i})"));
        }
        self.update(
            reference,
            "REMOVE #p, #o, #u, #b",
            &condition,
            names,
            (lease, vec![]),
            "removing the pending flag",
        )
        .await
    }

    async fn release(&self, reference: &str, lease: &Lease) -> Result<(), StoreError> {
        let names = HashMap::from([
            ("#o".to_string(), LEASE_OWNER.to_string()),
            ("#u".to_string(), LEASE_UNTIL.to_string()),
        ]);
        self.update(
            reference,
            "REMOVE #o, #u",
            "#o = :me",
            names,
            (lease, vec![]),
            "giving the lease back",
        )
        .await
    }

    async fn count_unknown(
        &self,
        reference: &str,
        lease: &Lease,
        n: usize,
    ) -> Result<(), StoreError> {
        let names = HashMap::from([
            ("#o".to_string(), LEASE_OWNER.to_string()),
            ("#n".to_string(), UNKNOWN.to_string()),
        ]);
        let count = (":n", AttributeValue::N(n.to_string()));
        self.update(
            reference,
            "ADD #n :n",
            "#o = :me",
            names,
            (lease, vec![count]),
            "counting an unknown outcome",
        )
        .await
    }

    async fn settle_unknown(
        &self,
        reference: &str,
        lease: &Lease,
        n: usize,
    ) -> Result<(), StoreError> {
        let names = HashMap::from([
            ("#o".to_string(), LEASE_OWNER.to_string()),
            ("#n".to_string(), UNKNOWN.to_string()),
        ]);
        let values = vec![
            (":n", AttributeValue::N(n.to_string())),
            (":counted", s(COUNTED)),
        ];
        self.update(
            reference,
            "SET #o = :counted ADD #n :n",
            "#o = :me",
            names,
            (lease, values),
            "counting an unknown outcome",
        )
        .await
    }
}

impl DynamoStore {
    /// An update of `reference` under the condition that `lease` holds it (`:me`, with the
    /// other values); a failed condition (the lease expired and another sender took it) is
    /// not an error: the other sender does what is left.
    async fn update(
        &self,
        reference: &str,
        expression: &str,
        condition: &str,
        names: HashMap<String, String>,
        (lease, others): (&Lease, Vec<(&str, AttributeValue)>),
        what: &'static str,
    ) -> Result<(), StoreError> {
        let mut values = HashMap::from([(":me".to_string(), s(lease.owner()))]);
        values.extend(others.into_iter().map(|(k, v)| (k.to_string(), v)));
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key(reference))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values));
        update_if(request, what).await.map(|_| ())
    }
}
