//! The notifier Lambda. Two kinds of event reach it: batches of the applications table's
//! stream (through an event source mapping that passes only new applications), and the
//! schedule's sweep (`{"sweep": {"min_age_seconds": 300}}`), which sends every application
//! still pending. Both send each application's mails through Amazon SES, once each (see
//! `form_handler::notify::outbox`).

// The runtime's service future nests deeply.
#![recursion_limit = "256"]

use std::process::ExitCode;

use form_handler::forms::Forms;
use form_handler::notify::Settings;
use form_handler::notify::outbox::{LEASE, Lease, Notifier};
use form_handler::notify::ses::SesOutbox;
use form_handler::notify::stream::SEND_DEADLINE;
use form_handler::store::dynamo::{Client, DynamoStore};
use lambda_runtime::{LambdaEvent, service_fn};

fn main() -> ExitCode {
    form_handler::process::run_main(async { run().await.map(|()| ExitCode::SUCCESS) })
}

async fn run() -> anyhow::Result<()> {
    form_handler::logging::init()?;
    let settings = Settings::from_env()?;
    let forms = Forms::embedded()?;
    let notifier = Notifier {
        forms,
        site_url: settings.site_url,
        outbox: SesOutbox::new(
            form_handler::notify::ses::client().await,
            settings.from,
            settings.configuration_set,
            SEND_DEADLINE,
        ),
        ledger: DynamoStore::new(
            Client::new(&form_handler::notify::sdk_config().await),
            settings.table,
        ),
        lease: Lease::new("notifier", LEASE),
    };
    let notifier = &notifier;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            // The invocation's deadline, as this process's clock sees it. One already past
            // is none (`cargo lambda watch` sends a duration where Lambda sends a time).
            let until = event
                .context
                .deadline()
                .duration_since(std::time::SystemTime::now())
                .ok()
                .map(|left| std::time::Instant::now() + left);
            let (response, metrics) =
                form_handler::notify::lambda::handle(notifier, event.payload, until).await?;
            for line in metrics {
                println!("{line}");
            }
            Ok::<_, lambda_runtime::Error>(response)
        },
    ))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
