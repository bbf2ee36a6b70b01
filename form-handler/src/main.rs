//! The `form-handler` binary: under AWS Lambda (when the Lambda runtime starts it) it serves
//! the HTTP API with DynamoDB; on a developer's machine it runs the same router as a local
//! server (`serve`) and gives caseworkers their export (`export`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use form_handler::env;
use form_handler::forms::Forms;
use form_handler::http::{AppState, Clock, RateLimiter, router, with_security_headers};
use form_handler::store::Store;
use form_handler::store::dynamo::{DynamoStore, sdk_config};
use form_handler::store::local::LocalStore;

#[derive(Parser)]
#[command(
    name = "form-handler",
    version,
    about = "Receives the programme's application forms and stores them in DynamoDB."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the handler as a local HTTP server (DynamoDB when AWS_ENDPOINT_URL_DYNAMODB and
    /// APPLICATIONS_TABLE are set, else a local file).
    Serve {
        #[arg(long, default_value = "127.0.0.1:3000")]
        bind: SocketAddr,
        /// Take applications as if it were this day (to try a round that is open then)
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = form_handler::dates::parse_iso)]
        date: Option<jiff::civil::Date>,
        /// Folder with content/ to read the forms from [default: the forms built in]
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        /// The local store file, when DynamoDB is not configured
        #[arg(
            long,
            value_name = "FILE",
            default_value = ".form-handler/applications.jsonl"
        )]
        store: PathBuf,
    },
    /// Write the applications to one form as CSV (for Excel) or JSON.
    Export {
        /// The form id, e.g. minivejledning
        #[arg(long)]
        form: String,
        /// Only this round (YYYY-MM)
        #[arg(long, value_name = "YYYY-MM")]
        round: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// Write here instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The local store file, when DynamoDB is not configured
        #[arg(
            long,
            value_name = "FILE",
            default_value = ".form-handler/applications.jsonl"
        )]
        store: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `RATE_LIMIT_PER_MINUTE`, 20 when unset.
fn rate_limit() -> Result<u32> {
    match std::env::var(env::RATE_LIMIT_PER_MINUTE) {
        Err(_) => Ok(20),
        Ok(v) => match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => bail!(
                "{} `{v}` must be a whole number of posts per minute, at least 1",
                env::RATE_LIMIT_PER_MINUTE
            ),
        },
    }
}

/// DynamoDB when the table is configured (creating it when `create` and it is missing),
/// else the local file (created when `create`; else it must exist).
async fn choose_store(file: &std::path::Path, create: bool) -> Result<Store> {
    match std::env::var(env::APPLICATIONS_TABLE) {
        Ok(table)
            if !table.is_empty()
                && (std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some() || !create) =>
        {
            let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
            let store = DynamoStore::new(client, table);
            if create
                && store
                    .create_table_if_missing()
                    .await
                    .context("creating the local table")?
            {
                eprintln!("Created the table {}", store.table());
            }
            Ok(Store::Dynamo(store))
        }
        _ if file.as_os_str() == ":memory:" => Ok(Store::Local(LocalStore::in_memory())),
        _ if create => Ok(Store::Local(
            LocalStore::open(file).with_context(|| format!("opening {}", file.display()))?,
        )),
        _ => match LocalStore::open_existing(file) {
            Ok(store) => Ok(Store::Local(store)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "there is no local applications file {} (DynamoDB is not configured: set {} to read the table). \
                 A preview with `site-gen serve` keeps its applications in .site-gen/applications.jsonl: pass --store .site-gen/applications.jsonl",
                file.display(),
                env::APPLICATIONS_TABLE
            ),
            Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
        },
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        None if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() => lambda().await,
        None => bail!("run `form-handler serve` for a local server, or see --help"),
        Some(Command::Serve {
            bind,
            date,
            root,
            store,
        }) => {
            init_logging()?;
            let forms = match root {
                Some(root) => Forms::load(&root).map_err(|e| anyhow::anyhow!("{e}"))?,
                None => Forms::embedded().map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            let store = choose_store(&store, true).await?;
            eprintln!("Applications are stored in {}", store.describe());
            let state = AppState::new(
                forms,
                store,
                date.map_or(Clock::Real, Clock::OnDay),
                RateLimiter::new(rate_limit()?),
                std::env::var(env::SITE_ORIGIN).ok(),
            );
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("listening on {bind}"))?;
            eprintln!(
                "Form handler listening on http://{}/api/applications/",
                listener.local_addr()?
            );
            axum::serve(listener, with_security_headers(router(Arc::new(state))))
                .await
                .context("serving")
        }
        Some(Command::Export {
            form,
            round,
            format,
            output,
            store,
        }) => {
            let forms = Forms::embedded().map_err(|e| anyhow::anyhow!("{e}"))?;
            let Some(def) = forms.get(&form) else {
                let ids: Vec<&str> = forms.forms.iter().map(|f| f.id.as_str()).collect();
                bail!(
                    "there is no form `{form}` (the forms are: {})",
                    ids.join(", ")
                );
            };
            if let Some(r) = &round
                && !(r.len() == 7
                    && r.as_bytes()[4] == b'-'
                    && r.bytes()
                        .enumerate()
                        .all(|(i, b)| i == 4 || b.is_ascii_digit()))
            {
                bail!("--round `{r}` must be a month like 2019-03");
            }
            let store = choose_store(&store, false).await?;
            let applications = store.list(&form, round.as_deref()).await?;
            let text = match format {
                ExportFormat::Csv => form_handler::export::csv(def, &forms.kommuner, &applications),
                ExportFormat::Json => form_handler::export::json(&applications),
            };
            match output {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "Wrote {} applications to {}",
                        applications.len(),
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}

fn init_logging() -> Result<()> {
    form_handler::logging::init().map_err(anyhow::Error::msg)
}

/// Under AWS Lambda: DynamoDB from `APPLICATIONS_TABLE`, the client built once.
async fn lambda() -> Result<()> {
    init_logging()?;
    let table = std::env::var(env::APPLICATIONS_TABLE).context("APPLICATIONS_TABLE is not set")?;
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let state = AppState::new(
        Forms::embedded().map_err(|e| anyhow::anyhow!("{e}"))?,
        Store::Dynamo(DynamoStore::new(client, table)),
        Clock::Real,
        RateLimiter::new(rate_limit()?),
        std::env::var(env::SITE_ORIGIN).ok(),
    )
    .with_origin_secret(std::env::var(env::ORIGIN_SECRET).ok());
    lambda_http::run(router(Arc::new(state)))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}
