//! The publisher Lambda: fetches the editors' current content snapshot, refuses it when its
//! forms or mail texts differ from the deployed handler's, builds the site for the day
//! (the schedule's, in Copenhagen) with every check, and publishes what changed. Its
//! answer and its one log line: the run's report, or the error (diagnostics with
//! file:line), never anything an applicant typed (the site holds none).

use lambda_runtime::{LambdaEvent, service_fn};
use site_publish::bucket::Bucket;
use site_publish::event::PublishEvent;
use site_publish::snapshot::{self, SNAPSHOT_KEY};
use site_publish::{Clients, PublishError, Report, Target, names};

/// What the template gives the function (infra owns the names).
struct Env {
    /// The editors' snapshot bucket.
    snapshots: Bucket,
    site_url: String,
    target: Target,
}

fn var(name: &str) -> Result<String, lambda_runtime::Error> {
    std::env::var(name).map_err(|_| format!("the environment has no {name}").into())
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "info,aws_config=warn,aws_smithy_runtime=warn,lambda_runtime=warn",
        ))
        .with_current_span(false)
        .without_time()
        .init();
    let clients = Clients::from_env().await;
    let target = clients.target(
        &var(names::SITE_BUCKET)?,
        Some(&var(names::DISTRIBUTION_ID)?),
    );
    let env = Env {
        snapshots: Bucket::new(clients.s3.clone(), var(names::SNAPSHOT_BUCKET)?),
        site_url: var(names::SITE_URL)?,
        target,
    };
    let env = &env;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<PublishEvent>| async move {
            match handle(env, event.payload).await {
                Ok(report) => {
                    tracing::info!(
                        message = "published",
                        outcome = if report.dry_run { "dry_run" } else { "published" },
                        date = %report.date,
                        pages = report.pages,
                        uploaded = report.uploaded,
                        deleted = report.deleted,
                        invalidated = report.invalidated.len(),
                        milliseconds = report.milliseconds as u64,
                    );
                    Ok(report)
                }
                Err(e) => {
                    tracing::error!(message = "not published", outcome = e.outcome(), error = %e);
                    Err(lambda_runtime::Diagnostic {
                        error_type: e.outcome().to_string(),
                        error_message: e.to_string(),
                    })
                }
            }
        },
    ))
    .await
}

async fn handle(env: &Env, event: PublishEvent) -> Result<Report, PublishError> {
    let date = event.date(jiff::Timestamp::now());
    let archive = match &event.snapshot {
        Some(inline) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(inline)
                .map_err(|e| {
                    PublishError::Snapshot(format!("sent with the request is not base64: {e}"))
                })?
        }
        None => fetch_snapshot(env).await?,
    };
    let dir = tempfile::Builder::new()
        .prefix("snapshot-")
        .tempdir()
        .map_err(|e| PublishError::Snapshot(format!("cannot be unpacked under /tmp: {e}")))?;
    snapshot::unpack(&archive, dir.path())?;
    let differ = snapshot::forms_differ(dir.path());
    if !differ.is_empty() {
        return Err(PublishError::FormsChanged { files: differ });
    }
    let options = site_gen::BuildOptions {
        drafts: false,
        date,
        base_url: Some(env.site_url.clone()),
    };
    let dry_run = event.dry_run || event.snapshot.is_some();
    site_publish::publish(
        env.target.clone(),
        dir.path(),
        options,
        event.verify(),
        dry_run,
    )
    .await
}

async fn fetch_snapshot(env: &Env) -> Result<Vec<u8>, PublishError> {
    env.snapshots
        .get(SNAPSHOT_KEY)
        .await?
        .ok_or_else(|| PublishError::Storage {
            operation: "GetObject",
            key: format!("{}/{SNAPSHOT_KEY}", env.snapshots.name()),
            message: "no snapshot yet: publish one with infra/publish".into(),
        })
}
