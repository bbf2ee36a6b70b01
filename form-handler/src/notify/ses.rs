//! Amazon SES (v2) as the outbox. SES builds the MIME message from the subject, the two
//! parts and the addresses (UTF-8 throughout); throttling and 5xx answers are retried by
//! the SDK with backoff within [`SesOutbox`]'s deadline, and an address SES refuses is a
//! refusal for good of that one mail.

use std::time::Duration;

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use super::{Outbox, SendError};
use crate::mail::{Address, Mail};

pub use aws_sdk_sesv2::Client;

/// The SES actions the notifier calls (its role may do these and nothing more with SES).
pub const IAM_ACTIONS: &[&str] = &["ses:SendEmail"];

/// The SES error codes that refuse one mail for good: sending it again would not help.
/// Everything else (throttling, 5xx, a paused account, no connection) is tried again.
const REFUSALS: &[&str] = &["MessageRejected", "BadRequestException"];

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

fn content(text: &str) -> Result<Content, SendError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|_| SendError::Rejected("request construction".into()))
}

impl Outbox for SesOutbox {
    async fn send(&self, mail: &Mail) -> Result<String, SendError> {
        let message = Message::builder()
            .subject(content(&mail.subject)?)
            .body(
                Body::builder()
                    .text(content(&mail.text)?)
                    .html(content(&mail.html)?)
                    .build(),
            )
            .build();
        let destination = Destination::builder()
            .set_to_addresses(Some(mail.to.iter().map(Address::header).collect()))
            .build();
        let request = self
            .client
            .send_email()
            .from_email_address(self.from.header())
            .destination(destination)
            .set_reply_to_addresses(mail.reply_to.as_ref().map(|r| vec![r.header()]))
            .set_configuration_set_name(self.configuration_set.clone())
            .content(EmailContent::builder().simple(message).build());
        let answer = tokio::time::timeout(self.deadline, request.send())
            .await
            .map_err(|_| SendError::Transient("timeout".into()))?;
        match answer {
            Ok(out) => Ok(out.message_id().unwrap_or_default().to_string()),
            Err(e) => Err(classify(&e)),
        }
    }
}

/// An SDK error as a [`SendError`] holding its code (never its message, which can quote
/// an address).
fn classify<E, R>(e: &aws_sdk_sesv2::error::SdkError<E, R>) -> SendError
where
    E: aws_sdk_sesv2::error::ProvideErrorMetadata,
{
    use aws_sdk_sesv2::error::SdkError;
    match e {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("unnamed").to_string();
            if REFUSALS.contains(&code.as_str()) {
                SendError::Rejected(code)
            } else {
                SendError::Transient(code)
            }
        }
        SdkError::TimeoutError(_) => SendError::Transient("timeout".into()),
        SdkError::DispatchFailure(_) => SendError::Transient("connection failed".into()),
        SdkError::ResponseError(_) => SendError::Transient("unreadable response".into()),
        _ => SendError::Transient("unknown".into()),
    }
}

/// The SDK configuration for SES: the standard sources (`AWS_ENDPOINT_URL_SESV2` among them),
/// with up to five attempts and backoff for throttling and 5xx answers.
pub async fn client() -> Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        )
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5))
        .load()
        .await;
    Client::new(&config)
}
