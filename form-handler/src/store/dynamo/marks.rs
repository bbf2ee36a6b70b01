//! The notifier's marks on an application item: one attribute per kind of mail
//! (`mail_caseworkers`, `mail_receipt`), `sent <SES message id>` or `rejected <code>`,
//! written once with a conditional update. The notifier reads and writes these attributes
//! and no others (its IAM policy says so, and a test compares the two).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use super::{DynamoStore, err, s, update_if};
use crate::mail::MailKind;
use crate::notify::{Mark, Marks};
use crate::store::{STORE_DEADLINE, StoreError, within};

/// The attribute that holds the mark of `kind`.
pub fn attribute(kind: MailKind) -> &'static str {
    match kind {
        MailKind::Caseworkers => "mail_caseworkers",
        MailKind::Receipt => "mail_receipt",
    }
}

/// The DynamoDB actions the notifier calls on the table, as IAM names them: the marks,
/// the lease and the flag are updates ([`super::outbox::WRITTEN`]), the application is read
/// whole (its answers are the mails' text), and the sweep queries the pending index.
pub const IAM_ACTIONS: &[&str] = &["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"];

fn encode(mark: &Mark) -> String {
    match mark {
        Mark::Sent(id) => format!("sent {id}"),
        Mark::Rejected(code) => format!("rejected {code}"),
    }
}

fn decode(text: &str) -> Mark {
    match text.split_once(' ') {
        Some(("rejected", code)) => Mark::Rejected(code.to_string()),
        Some((_, id)) => Mark::Sent(id.to_string()),
        None => Mark::Sent(text.to_string()),
    }
}

/// The marks an item holds.
pub(crate) fn marks_in(item: &HashMap<String, AttributeValue>) -> BTreeMap<MailKind, Mark> {
    MailKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let text = item.get(attribute(kind))?.as_s().ok()?;
            Some((kind, decode(text)))
        })
        .collect()
}

impl Marks for DynamoStore {
    async fn marks(&self, reference: &str) -> Result<BTreeMap<MailKind, Mark>, StoreError> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("APP#{reference}")))
            .consistent_read(true)
            .projection_expression("#c, #r")
            .expression_attribute_names("#c", attribute(MailKind::Caseworkers))
            .expression_attribute_names("#r", attribute(MailKind::Receipt));
        let out = within(STORE_DEADLINE, async {
            request
                .send()
                .await
                .map_err(|e| err("reading the marks", e))
        })
        .await?;
        Ok(out.item().map(marks_in).unwrap_or_default())
    }

    async fn mark(&self, reference: &str, kind: MailKind, mark: &Mark) -> Result<(), StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("APP#{reference}")))
            .update_expression("SET #m = :m")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#m)")
            .expression_attribute_names("#m", attribute(kind))
            .expression_attribute_values(":m", AttributeValue::S(encode(mark)));
        // Marked already (a delivery running at the same time): the mail is done.
        update_if(request, "writing a mark").await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_back_as_written() {
        for mark in [
            Mark::Sent("0100019-abc".into()),
            Mark::Rejected("MessageRejected".into()),
        ] {
            assert_eq!(decode(&encode(&mark)), mark);
        }
    }
}
