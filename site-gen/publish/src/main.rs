//! `site-publish`: publish the site from this machine. `infra/publish` runs it.
//!
//! - `site-publish publish --env test|prod [--dry-run]`: the editors' command. Checks the
//!   site here, uploads the snapshot, runs the stack's publisher and prints what changed.
//! - `site-publish local --bucket B [--distribution D]`: builds and publishes straight
//!   into a bucket with the caller's credentials (tests, benchmarks, a local bucket).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use site_publish::{Clients, PublishError, Report};

mod editor;

#[derive(Parser)]
#[command(
    name = "site-publish",
    about = "Publishes the programme's site to its bucket."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the site here, upload it as the stack's content snapshot, run the publisher
    /// and print what changed (needs only the editors' AWS credentials).
    Publish(editor::Args),
    /// Build the site and publish it into BUCKET directly (tests, benchmarks).
    Local {
        /// Folder that holds content/ and templates/
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
        #[arg(long)]
        bucket: String,
        /// The CloudFront distribution to invalidate
        #[arg(long)]
        distribution: Option<String>,
        /// The day to build the site for [default: today in Copenhagen]
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = site_gen::dates::parse_iso)]
        date: Option<jiff::civil::Date>,
        /// The site's address
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// List the bucket instead of trusting its manifest
        #[arg(long)]
        verify: bool,
        /// Print what would change, write nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Publish(args) => editor::run(args).await,
        Command::Local {
            root,
            bucket,
            distribution,
            date,
            base_url,
            verify,
            dry_run,
        } => {
            let clients = Clients::from_env().await;
            let options = site_gen::BuildOptions {
                drafts: false,
                date: date.unwrap_or_else(site_gen::dates::today_in_denmark),
                base_url,
            };
            let target = clients.target(&bucket, distribution.as_deref());
            site_publish::publish(target, &root, options, verify, dry_run)
                .await
                .map(|report| print_report(&report))
                .map_err(editor::Failure::from)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(),
    }
}

/// What changed, one address to a line, for a person; the whole report as JSON on stdout.
pub fn print_report(report: &Report) {
    let verb = if report.dry_run {
        "would change"
    } else {
        "changed"
    };
    if report.changed.is_empty() && report.invalidated.is_empty() {
        eprintln!(
            "nothing changed ({} pages, {} files checked)",
            report.pages, report.files
        );
    }
    for url in &report.changed {
        eprintln!("{verb}: {url}");
    }
    eprintln!(
        "{} uploaded, {} deleted, {} paths invalidated, {} ms",
        report.uploaded,
        report.deleted,
        report.invalidated.len(),
        report.milliseconds
    );
    println!(
        "{}",
        serde_json::to_string(report).expect("a report serialises")
    );
}

impl From<PublishError> for editor::Failure {
    fn from(e: PublishError) -> Self {
        editor::Failure::Publish(e)
    }
}
