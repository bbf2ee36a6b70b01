//! Amazon SES (v2) as the outbox. The message is ours ([`crate::mail::mime`]: the subject
//! and display names as RFC 2047 encoded words, the text and HTML parts in UTF-8, Reply-To),
//! sent as raw content, so that what the tests read back is byte for byte what SES gets;
//! throttling and 5xx answers are retried by the SDK with backoff within [`SesOutbox`]'s
//! deadline, and an address SES refuses is a refusal for good of that one mail.

use std::time::Duration;

use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{EmailContent, RawMessage};

use super::{Outbox, SendError};
use crate::mail::{Address, Mail};

pub use aws_sdk_sesv2::Client;

/// The SES actions the notifier calls (its role may do these and nothing more with SES).
pub const IAM_ACTIONS: &[&str] = &["ses:SendEmail"];

/// The SES error codes that refuse one mail for good: sending it again would not help.
/// Everything else (throttling, 5xx, a paused account, no connection) is tried again.
const REFUSALS: &[&str] = &[
    "MessageRejected",
    "BadRequestException",
    "InvalidParameterValue",
];

/// SES as an [`Outbox`].
pub struct SesOutbox {
    client: Client,
    from: Address,
    configuration_set: Option<String>,
    deadline: Duration,
}

impl SesOutbox {
    /// Sends from `from` (an address of the SES identity), recording events in
    /// `configuration_set` when given; each mail may take up to `deadline`, retries included.
    pub fn new(
        client: Client,
        from: Address,
        configuration_set: Option<String>,
        deadline: Duration,
    ) -> SesOutbox {
        SesOutbox {
            client,
            from,
            configuration_set: configuration_set.filter(|c| !c.is_empty()),
            deadline,
        }
    }
}

impl Outbox for SesOutbox {
    async fn send(&self, mail: &Mail) -> Result<String, SendError> {
        let eml = crate::mail::mime::to_eml(mail, &self.from, jiff::Timestamp::now());
        let raw = RawMessage::builder()
            .data(Blob::new(eml))
            .build()
            .map_err(|_| SendError::Rejected("request construction".into()))?;
        // The recipients and Reply-To are the message's headers.
        let request = self
            .client
            .send_email()
            .from_email_address(self.from.email())
            .set_configuration_set_name(self.configuration_set.clone())
            .content(EmailContent::builder().raw(raw).build());
        let answer = tokio::time::timeout(self.deadline, request.send())
            .await
            .map_err(|_| SendError::Transient("timeout".into()))?;
        match answer {
            Ok(out) => Ok(out.message_id().unwrap_or_default().to_string()),
            Err(e) => Err(classify(&e, self.from.email())),
        }
    }
}

/// An SDK error as a [`SendError`] holding its code (never its message, which can quote
/// an address).
fn classify<E, R>(e: &aws_sdk_sesv2::error::SdkError<E, R>, sender: &str) -> SendError
where
    E: aws_sdk_sesv2::error::ProvideErrorMetadata,
{
    use aws_sdk_sesv2::error::SdkError;
    match e {
        SdkError::ServiceError(service) => {
            let err = service.err();
            classify_code(
                err.code().unwrap_or("unnamed"),
                err.message().unwrap_or(""),
                sender,
            )
        }
        SdkError::TimeoutError(_) => SendError::Transient("timeout".into()),
        SdkError::DispatchFailure(_) => SendError::Transient("connection failed".into()),
        SdkError::ResponseError(_) => SendError::Transient("unreadable response".into()),
        _ => SendError::Transient("unknown".into()),
    }
}

/// SES's answer as a [`SendError`]. A refusal is for good when it is about the recipient
/// (an unverified address in the sandbox, a malformed one); the same code about the
/// sender (`sender`'s identity not verified, its authorisation missing) is the stack's
/// fault and is tried again, so that the mail goes once it is fixed (and the alarms fire
/// meanwhile). The message is read for that, never kept or logged.
fn classify_code(code: &str, message: &str, sender: &str) -> SendError {
    let about_sender = message
        .to_ascii_lowercase()
        .contains(&sender.to_ascii_lowercase());
    if REFUSALS.contains(&code) && !about_sender {
        SendError::Rejected(code.to_string())
    } else if REFUSALS.contains(&code) {
        SendError::Transient(format!("{code} (sender)"))
    } else {
        SendError::Transient(code.to_string())
    }
}

/// The SDK configuration for SES: the standard sources (`AWS_ENDPOINT_URL_SESV2` among them),
/// with up to five attempts and backoff for throttling and 5xx answers unless
/// `AWS_MAX_ATTEMPTS` says otherwise.
pub async fn client() -> Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(2))
            .operation_attempt_timeout(Duration::from_secs(5))
            .build(),
    );
    if std::env::var_os("AWS_MAX_ATTEMPTS").is_none() {
        loader =
            loader.retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5));
    }
    Client::new(&loader.load().await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_about_the_recipient_are_for_good_about_the_sender_not() {
        let sender = "ansoegninger@test.example.dk";
        assert_eq!(
            classify_code(
                "MessageRejected",
                "Email address is not verified. The following identities failed the check in region EU-NORTH-1: anne@example.dk",
                sender
            ),
            SendError::Rejected("MessageRejected".into())
        );
        assert_eq!(
            classify_code(
                "MessageRejected",
                "Email address is not verified. The following identities failed the check in region EU-NORTH-1: ansoegninger@test.example.dk",
                sender
            ),
            SendError::Transient("MessageRejected (sender)".into())
        );
        assert_eq!(
            classify_code(
                "TooManyRequestsException",
                "Maximum sending rate exceeded.",
                sender
            ),
            SendError::Transient("TooManyRequestsException".into())
        );
        assert_eq!(
            classify_code("AccountSuspendedException", "", sender),
            SendError::Transient("AccountSuspendedException".into())
        );
    }
}
