//! Amazon SES (v2) as the outbox. The message is ours ([`crate::mail::mime`]: the subject
//! and display names as RFC 2047 encoded words, the text and HTML parts in UTF-8, Reply-To),
//! sent as raw content, so that what the tests read back is byte for byte what SES gets.
//!
//! A send is tried again only when SES's answer proves that nothing was sent: throttling or
//! another refusal before acceptance (a 4xx), or a connection that was never made. The SDK
//! itself makes one attempt: a timeout, a connection lost after the request went out or a
//! 5xx is an unknown outcome ([`SendError::Unknown`]), which the caller counts and leaves
//! to the next sweep, since trying again at once would send a second mail whenever the
//! first one went. An address SES refuses is a refusal for good of that one mail.

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
        let give_up = tokio::time::Instant::now() + self.deadline;
        let mut pause = Duration::from_millis(200);
        loop {
            let raw = RawMessage::builder()
                .data(Blob::new(eml.clone()))
                .build()
                .map_err(|_| SendError::Rejected("request construction".into()))?;
            // The recipients and Reply-To are the message's headers.
            let request = self
                .client
                .send_email()
                .from_email_address(self.from.email())
                .set_configuration_set_name(self.configuration_set.clone())
                .content(EmailContent::builder().raw(raw).build());
            let answer = tokio::time::timeout_at(give_up, request.send())
                .await
                .map_err(|_| SendError::Unknown("timeout".into()))?;
            let e = match answer {
                Ok(out) => return Ok(out.message_id().unwrap_or_default().to_string()),
                Err(e) => classify(&e, self.from.email()),
            };
            // Only a proven "not sent" is tried again, while there is time.
            if !matches!(e, SendError::Transient(_))
                || tokio::time::Instant::now() + pause >= give_up
            {
                return Err(e);
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
}

/// An SDK error as a [`SendError`] holding its code (never its message, which can quote
/// an address).
fn classify<E>(
    e: &aws_sdk_sesv2::error::SdkError<E, aws_sdk_sesv2::config::http::HttpResponse>,
    sender: &str,
) -> SendError
where
    E: aws_sdk_sesv2::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_sesv2::error::SdkError;
    match e {
        SdkError::ServiceError(service) => {
            let err = service.err();
            classify_answer(
                service.raw().status().as_u16(),
                err.code().unwrap_or("unnamed"),
                err.message().unwrap_or(""),
                sender,
            )
        }
        // The request was never built or never left: nothing was sent.
        SdkError::ConstructionFailure(_) => SendError::Rejected("request construction".into()),
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            SendError::Transient("connect timeout".into())
        }
        SdkError::DispatchFailure(_) if never_connected(e) => {
            SendError::Transient("connection refused".into())
        }
        SdkError::DispatchFailure(_) => SendError::Unknown("connection lost".into()),
        SdkError::TimeoutError(_) => SendError::Unknown("timeout".into()),
        SdkError::ResponseError(_) => SendError::Unknown("unreadable response".into()),
        _ => SendError::Unknown("unknown".into()),
    }
}

/// Whether the error's cause is a connection that was refused or could not be opened
/// (so the request never reached SES).
fn never_connected(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::AddrNotAvailable
                    | std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::HostUnreachable
            );
        }
        cause = c.source();
    }
    false
}

/// SES's answer (`status`, `code`) as a [`SendError`]. A 5xx proves nothing: unknown. A
/// refusal is for good when it is about the recipient (an unverified address in the
/// sandbox, a malformed one); the same code about the sender (`sender`'s identity not
/// verified, its authorisation missing) is the stack's fault and is tried again, so that
/// the mail goes once it is fixed (and the alarms fire meanwhile). Any other 4xx
/// (throttling, a paused account) refused the mail before taking it: tried again. The
/// message is read for the identities it names, never kept or logged.
fn classify_answer(status: u16, code: &str, message: &str, sender: &str) -> SendError {
    if status >= 500 {
        SendError::Unknown(code.to_string())
    } else if REFUSALS.contains(&code) && names_identity(message, sender) {
        SendError::Transient(format!("{code} (sender)"))
    } else if REFUSALS.contains(&code) {
        SendError::Rejected(code.to_string())
    } else {
        SendError::Transient(code.to_string())
    }
}

/// Whether SES's message names `identity` among the identities that failed its check
/// ("... failed the check in region EU-NORTH-1: a@b.dk, c@d.dk"): the list is split and
/// each entry compared whole, so an address that merely contains the sender's is not it.
fn names_identity(message: &str, identity: &str) -> bool {
    let Some((_, list)) = message.rsplit_once(": ") else {
        return false;
    };
    list.split([',', ' '])
        .map(|entry| entry.trim().trim_end_matches('.'))
        .any(|entry| entry.eq_ignore_ascii_case(identity))
}

/// The SDK configuration for SES: the standard sources (`AWS_ENDPOINT_URL_SESV2` among them),
/// one attempt (see the module's note: [`SesOutbox`] tries again itself when it may).
pub async fn client() -> Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        )
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    Client::new(&config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENDER: &str = "ansoegninger@test.example.dk";
    const UNVERIFIED: &str = "Email address is not verified. The following identities failed the check in region EU-NORTH-1: ";

    #[test]
    fn refusals_about_the_recipient_are_for_good_about_the_sender_not() {
        let refused = |who: &str| {
            classify_answer(
                400,
                "MessageRejected",
                &format!("{UNVERIFIED}{who}"),
                SENDER,
            )
        };
        assert_eq!(
            refused("anne@example.dk"),
            SendError::Rejected("MessageRejected".into())
        );
        assert_eq!(
            refused(SENDER),
            SendError::Transient("MessageRejected (sender)".into())
        );
        assert_eq!(
            refused(&format!("anne@example.dk, {}", SENDER.to_uppercase())),
            SendError::Transient("MessageRejected (sender)".into())
        );
        // An applicant's address that contains the sender's is the applicant's.
        assert_eq!(
            refused(&format!("x{SENDER}")),
            SendError::Rejected("MessageRejected".into())
        );
        assert_eq!(
            refused(&format!("{SENDER}.evil.dk")),
            SendError::Rejected("MessageRejected".into())
        );
    }

    #[test]
    fn only_an_answer_that_proves_nothing_was_sent_is_tried_again() {
        assert_eq!(
            classify_answer(
                400,
                "TooManyRequestsException",
                "Maximum sending rate exceeded.",
                SENDER
            ),
            SendError::Transient("TooManyRequestsException".into())
        );
        assert_eq!(
            classify_answer(400, "AccountSuspendedException", "", SENDER),
            SendError::Transient("AccountSuspendedException".into())
        );
        assert_eq!(
            classify_answer(500, "InternalFailure", "", SENDER),
            SendError::Unknown("InternalFailure".into())
        );
        assert_eq!(
            classify_answer(503, "ServiceUnavailable", "", SENDER),
            SendError::Unknown("ServiceUnavailable".into())
        );
    }
}
