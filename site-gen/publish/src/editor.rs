//! `site-publish publish --env test|prod`: the editors' one command. Checks the site here
//! (errors as `site-gen check` prints them; nothing is uploaded), uploads the snapshot,
//! runs the stack's publisher and waits, then prints what changed or why nothing was.
//! The snapshot is first sent inside a dry-run request (nothing is written): only a
//! snapshot the publisher accepts replaces the current one. `--dry-run` stops there.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aws_sdk_lambda::primitives::Blob;
use site_publish::snapshot::SNAPSHOT_KEY;
use site_publish::{Clients, PublishError, Report};

#[derive(clap::Args)]
pub struct Args {
    /// The stack to publish to, as named in infra/samconfig.toml
    #[arg(long, value_parser = ["test", "prod"])]
    env: String,
    /// Show what would change on the live site; write nothing
    #[arg(long)]
    dry_run: bool,
    /// Folder that holds content/, templates/ and infra/
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// The publisher function [default: STACK-publisher]
    #[arg(long, hide = true)]
    function: Option<String>,
    /// The snapshot bucket [default: STACK-snapshots-ACCOUNT]
    #[arg(long, hide = true)]
    snapshot_bucket: Option<String>,
}

/// Why the command did not publish.
pub enum Failure {
    /// A mistake in how the command was called, or in samconfig.toml.
    Usage(String),
    /// The site's own errors, or AWS failing.
    Publish(PublishError),
    /// The publisher refused or failed: its message (diagnostics with file:line).
    Publisher(String),
}

impl Failure {
    pub fn exit(self) -> ExitCode {
        match self {
            Failure::Usage(m) => {
                eprintln!("error: {m}");
                ExitCode::from(2)
            }
            Failure::Publish(PublishError::Build(site_gen::BuildError::Content(d))) => {
                eprintln!("{d}");
                eprintln!("Nothing was published: fix the errors above and publish again.");
                ExitCode::from(1)
            }
            Failure::Publish(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
            Failure::Publisher(m) => {
                eprintln!("{m}");
                eprintln!("Nothing was published.");
                ExitCode::from(1)
            }
        }
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let (stack, region) = stack_of(&args.root, &args.env)?;
    // The same check the publisher makes, here first: errors as site-gen prints them.
    let options = site_gen::BuildOptions {
        drafts: false,
        date: site_gen::dates::today_in_denmark(),
        base_url: None,
    };
    site_gen::check(&args.root, &options).map_err(|e| Failure::Publish(e.into()))?;
    let archive = site_publish::snapshot::pack(&args.root).map_err(Failure::Publish)?;
    let config = sdk_config(region).await;
    let publisher = Publisher {
        lambda: lambda_client(&config),
        function: args
            .function
            .unwrap_or_else(|| site_publish::names::publisher_function(&stack)),
    };
    // A dry run first, the snapshot inside the request: what only the publisher can check
    // (the forms it was deployed with) is checked before the snapshot replaces the current
    // one, so a refused snapshot never becomes the nightly run's.
    let dry_run = {
        use base64::Engine as _;
        serde_json::json!({
            "source": "editor",
            "dry_run": true,
            "snapshot": base64::engine::general_purpose::STANDARD.encode(&archive),
        })
    };
    let report = publisher.invoke(dry_run).await?;
    if args.dry_run {
        crate::print_report(&report);
        return Ok(());
    }
    let bucket = match args.snapshot_bucket {
        Some(b) => b,
        None => site_publish::names::snapshot_bucket(&stack, &account(&config).await?),
    };
    Clients::from_config(&config)
        .s3
        .put_object()
        .bucket(&bucket)
        .key(SNAPSHOT_KEY)
        .body(archive.into())
        .content_type("application/gzip")
        .send()
        .await
        .map_err(|e| aws_failure("uploading the snapshot to", &bucket, e))?;
    eprintln!("Uploaded the snapshot to s3://{bucket}/{SNAPSHOT_KEY}; publishing…");
    let report = publisher
        .invoke(serde_json::json!({ "source": "editor" }))
        .await?;
    crate::print_report(&report);
    Ok(())
}

/// A Lambda client that makes one attempt: a publish is not repeated behind the editor's
/// back, and a build takes longer than the SDK's default wait.
fn lambda_client(config: &aws_config::SdkConfig) -> aws_sdk_lambda::Client {
    use aws_sdk_lambda::config::{retry::RetryConfig, timeout::TimeoutConfig};
    aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(std::time::Duration::from_secs(330))
                    .build(),
            )
            .build(),
    )
}

/// The stack's publisher function.
struct Publisher {
    lambda: aws_sdk_lambda::Client,
    function: String,
}

impl Publisher {
    /// Runs the publisher with `payload` and waits: its report, or its error's message.
    async fn invoke(&self, payload: serde_json::Value) -> Result<Report, Failure> {
        let answer = self
            .lambda
            .invoke()
            .function_name(&self.function)
            .payload(Blob::new(payload.to_string()))
            .send()
            .await;
        let body = match answer {
            Ok(answer) if answer.function_error().is_some() => {
                let body = answer.payload().map(|b| b.as_ref()).unwrap_or_default();
                return Err(Failure::Publisher(function_error(body)));
            }
            Ok(answer) => answer
                .payload()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
            Err(e) => {
                // Lambda's emulators answer a function's error with a status of 500.
                let raw = e
                    .raw_response()
                    .and_then(|r| r.body().bytes())
                    .unwrap_or_default();
                if raw.starts_with(b"{") && raw.windows(12).any(|w| w == b"errorMessage") {
                    return Err(Failure::Publisher(function_error(raw)));
                }
                if e.as_service_error()
                    .is_some_and(|s| s.is_too_many_requests_exception())
                {
                    return Err(Failure::Usage(
                        "another publish is running (the nightly one, or another editor's): try again in a minute".into(),
                    ));
                }
                return Err(aws_failure("running the publisher", &self.function, e));
            }
        };
        serde_json::from_slice(&body).map_err(|e| {
            Failure::Publisher(format!(
                "the publisher answered something else than a report ({e}): {}",
                String::from_utf8_lossy(&body)
            ))
        })
    }
}

/// The message of a function error's answer (`{"errorType", "errorMessage"}`).
fn function_error(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["errorMessage"].as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

fn aws_failure<E: std::error::Error + Send + Sync + 'static>(
    doing: &str,
    what: &str,
    e: aws_sdk_lambda::error::SdkError<E, aws_sdk_lambda::config::http::HttpResponse>,
) -> Failure {
    Failure::Usage(format!(
        "{doing} {what} failed: {} (are your AWS credentials the editors' for this stack? `aws sts get-caller-identity` shows whose they are)",
        aws_sdk_lambda::error::DisplayErrorContext(&e)
    ))
}

/// The AWS account of the caller's credentials (which names the snapshot bucket).
async fn account(config: &aws_config::SdkConfig) -> Result<String, Failure> {
    let who = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| aws_failure("asking AWS who you are:", "sts:GetCallerIdentity", e))?;
    who.account().map(str::to_string).ok_or_else(|| {
        Failure::Usage("AWS did not say which account the credentials belong to".into())
    })
}

/// The SDK's configuration from the environment, in `region` when it names none.
async fn sdk_config(region: String) -> aws_config::SdkConfig {
    use aws_config::meta::region::RegionProviderChain;
    let chain = RegionProviderChain::default_provider().or_else(aws_config::Region::new(region));
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(chain)
        .load()
        .await
}

/// The stack name and region of `env` in `root/infra/samconfig.toml`.
fn stack_of(root: &Path, env: &str) -> Result<(String, String), Failure> {
    let path = root.join("infra/samconfig.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
    let config: toml::Table = text
        .parse()
        .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
    let params = config
        .get(env)
        .and_then(|e| e.get("deploy"))
        .and_then(|d| d.get("parameters"));
    let get = |key: &str| {
        params
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "{}: [{env}.deploy.parameters] has no {key}",
                    path.display()
                ))
            })
    };
    Ok((get("stack_name")?, get("region")?))
}
