//! The `form-handler` command for developers and caseworkers: the HTTP handler's router as a
//! local server (`serve`), the notifier's code over the table's stream (`notify`), and the
//! caseworkers' export (`export`). The Lambdas are their own binaries, so that each zip holds
//! only its own code: `api` (the HTTP API) and `notifier` (the stream).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
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
    Serve(ServeArgs),
    /// Send the mails of the stored applications through SES, as the notifier Lambda
    /// does: by default the table's stream from its oldest record (DynamoDB Streams API);
    /// with --sweep every application whose mails are still pending, whatever its age (after
    /// an outage). A mail marked sent is not sent again. Exits 1 when a mail could not be
    /// sent.
    Notify {
        /// Read to the end of the stream, then exit (the default)
        #[arg(long, conflicts_with_all = ["follow", "sweep"])]
        once: bool,
        /// Keep reading new records until stopped
        #[arg(long, conflicts_with = "sweep")]
        follow: bool,
        /// Send every pending application, as the scheduled sweep does
        #[arg(long)]
        sweep: bool,
        /// With --sweep: leave applications stored less than this long ago (`10m`, `2h`)
        #[arg(long, value_name = "DURATION", requires = "sweep", value_parser = parse_age)]
        min_age: Option<std::time::Duration>,
    },
    /// Write the applications to one form as CSV (for Excel) or JSON.
    Export(ExportArgs),
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:3000")]
    bind: SocketAddr,
    /// Take applications as if it were this day (to try a round that is open then)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = form_handler::dates::parse_iso)]
    date: Option<jiff::civil::Date>,
    /// Folder with content/ to read the forms from [default: the forms built in]
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(flatten)]
    local: LocalStoreArg,
    /// Where the mails go with the local store (as .eml files; nothing is sent)
    #[arg(long, value_name = "DIR", default_value = ".form-handler/mail")]
    mail_dir: PathBuf,
}

#[derive(Args)]
struct ExportArgs {
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
    #[command(flatten)]
    local: LocalStoreArg,
}

#[derive(Args)]
struct LocalStoreArg {
    /// The local store file, when DynamoDB is not configured
    #[arg(
        long,
        value_name = "FILE",
        default_value = ".form-handler/applications.jsonl"
    )]
    store: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
}

fn main() -> ExitCode {
    form_handler::process::run_main(run(Cli::parse()))
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

/// Runs the command: `Ok` with its exit code (1 when `notify` could not send every mail).
async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => bail!("run `form-handler serve` for a local server, or see --help"),
        Some(Command::Serve(args)) => serve(args).await.map(|()| ExitCode::SUCCESS),
        Some(Command::Notify {
            follow,
            sweep: true,
            min_age,
            ..
        }) if !follow => notify_sweep(min_age.unwrap_or_default()).await,
        Some(Command::Notify { follow, .. }) => notify(follow).await,
        Some(Command::Export(args)) => export(args).await.map(|()| ExitCode::SUCCESS),
    }
}

/// `serve`: the handler's router on a local address; with the local store, the mails of
/// each application written as files.
async fn serve(args: ServeArgs) -> Result<()> {
    init_logging()?;
    let forms = match &args.root {
        Some(root) => Forms::load(root).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => embedded_forms()?,
    };
    let store = choose_store(&args.local.store, true).await?;
    eprintln!("Applications are stored in {}", store.describe());
    let state = Arc::new(AppState::new(
        forms,
        store,
        args.date.map_or(Clock::Real, Clock::OnDay),
        RateLimiter::from_env()?,
        std::env::var(env::SITE_ORIGIN).ok(),
    ));
    if matches!(state.store, Store::Local(_)) {
        eprintln!(
            "The mails of each application are written to {} (nothing is sent)",
            args.mail_dir.display()
        );
        let from = std::env::var(env::MAIL_FROM)
            .ok()
            .and_then(|a| form_handler::mail::Address::parse(&a).ok())
            .unwrap_or_else(local_sender);
        tokio::spawn(form_handler::notify::local::follow(
            state.clone(),
            form_handler::notify::local::MailDir::new(args.mail_dir, from),
            format!("http://{}", args.bind),
        ));
    }
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("listening on {}", args.bind))?;
    eprintln!(
        "Form handler listening on http://{}/api/applications/",
        listener.local_addr()?
    );
    axum::serve(listener, with_security_headers(router(state)))
        .await
        .context("serving")
}

/// `export`: one form's applications (of one round) as CSV or JSON.
async fn export(args: ExportArgs) -> Result<()> {
    let forms = embedded_forms()?;
    let Some(def) = forms.get(&args.form) else {
        let ids: Vec<&str> = forms.forms.iter().map(|f| f.id.as_str()).collect();
        bail!(
            "there is no form `{}` (the forms are: {})",
            args.form,
            ids.join(", ")
        );
    };
    if let Some(r) = &args.round
        && !is_month(r)
    {
        bail!("--round `{r}` must be a month like 2019-03");
    }
    let store = choose_store(&args.local.store, false).await?;
    let applications = store.list(&args.form, args.round.as_deref()).await?;
    let text = match args.format {
        ExportFormat::Csv => form_handler::export::csv(def, &forms.kommuner, &applications),
        ExportFormat::Json => form_handler::export::json(&applications),
    };
    let Some(path) = args.output else {
        print!("{text}");
        return Ok(());
    };
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "Wrote {} applications to {}",
        applications.len(),
        path.display()
    );
    Ok(())
}

/// `YYYY-MM`.
fn is_month(text: &str) -> bool {
    text.len() == 7
        && text.as_bytes()[4] == b'-'
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit())
}

/// The forms built into the binary.
fn embedded_forms() -> Result<Forms> {
    Forms::embedded().map_err(|e| anyhow::anyhow!("{e}"))
}

fn init_logging() -> Result<()> {
    Ok(form_handler::logging::init()?)
}

/// The sender of a preview's mails when `MAIL_FROM` is not set.
fn local_sender() -> form_handler::mail::Address {
    form_handler::mail::Address::parse("afsender@eksempel.invalid")
        .expect("a valid address")
        .named("Forhåndsvisning")
}

/// A duration as `--min-age` takes it: `90s`, `10m`, `2h`, `1h 30m`.
fn parse_age(text: &str) -> Result<std::time::Duration, String> {
    let d: jiff::SignedDuration = text
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write it as 90s, 10m or 2h"))?;
    std::time::Duration::try_from(d).map_err(|_| format!("`{text}` is negative"))
}

/// The notifier as `notify` runs it: the notifier's own code, SES as the outbox, the
/// table as the ledger. Against a local SES (`AWS_ENDPOINT_URL_SESV2` set) the sender's
/// identity is created when missing, as `serve` creates the local table; in AWS the
/// infrastructure owns it.
async fn local_notifier() -> Result<(
    form_handler::notify::outbox::Notifier<form_handler::notify::ses::SesOutbox, DynamoStore>,
    aws_sdk_dynamodb::Client,
    String,
)> {
    use form_handler::notify::Settings;
    use form_handler::notify::outbox::{LEASE, Lease, Notifier};
    use form_handler::notify::ses::SesOutbox;
    init_logging()?;
    let settings = Settings::from_env()?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&form_handler::notify::sdk_config().await);
    let ses = form_handler::notify::ses::client().await;
    if std::env::var_os("AWS_ENDPOINT_URL_SESV2").is_some()
        && let Err(e) = local_identity(&ses, settings.from.email()).await
    {
        // The sends will fail and say so, application by application.
        eprintln!("warning: {e:#}");
    }
    let notifier = Notifier {
        forms: embedded_forms()?,
        site_url: settings.site_url.clone(),
        outbox: SesOutbox::new(
            ses,
            settings.from.clone(),
            settings.configuration_set.clone(),
            form_handler::notify::stream::SEND_DEADLINE,
        ),
        ledger: DynamoStore::new(dynamodb.clone(), settings.table.clone()),
        lease: Lease::new("notify", LEASE),
    };
    Ok((notifier, dynamodb, settings.table))
}

/// `notify`: the stream through the notifier's own code.
async fn notify(follow: bool) -> Result<ExitCode> {
    use form_handler::notify::stream::{StreamReader, handle_batch};
    let (notifier, dynamodb, table) = local_notifier().await?;
    let streams = aws_sdk_dynamodbstreams::Client::new(&form_handler::notify::sdk_config().await);
    let mut reader = StreamReader::open(&dynamodb, streams, &table)
        .await
        .context("opening the stream")?;
    let mut failed: Vec<String> = Vec::new();
    let mut deliveries = Vec::new();
    loop {
        let Some(records) = reader.next_records().await.context("reading the stream")? else {
            if !follow {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            reader.resume();
            continue;
        };
        let outcome = handle_batch(&notifier, &records, None).await;
        deliveries.extend(outcome.deliveries);
        failed.extend(outcome.failed_references);
    }
    Ok(notify_summary(&deliveries, failed))
}

/// `notify --sweep`: every pending application at least `min_age` old.
async fn notify_sweep(min_age: std::time::Duration) -> Result<ExitCode> {
    use form_handler::notify::outbox::{Handled, sweep};
    let (notifier, _, _) = local_notifier().await?;
    let report = sweep(&notifier, min_age, None)
        .await
        .context("reading the pending applications")?;
    let mut failed = Vec::new();
    let mut deliveries = Vec::new();
    for (reference, handled) in report.handled {
        if !handled.done() {
            failed.push(reference);
        }
        if let Handled::Delivered(d) = handled {
            deliveries.push(d);
        }
    }
    if report.young > 0 {
        eprintln!(
            "Left {} applications younger than --min-age to the stream",
            report.young
        );
    }
    Ok(notify_summary(&deliveries, failed))
}

/// Prints what `notify` sent and which applications' mails were not all sent; exit 1 then.
fn notify_summary(
    deliveries: &[form_handler::notify::Delivery],
    mut failed: Vec<String>,
) -> ExitCode {
    use form_handler::notify::Outcome;
    let outcomes = || deliveries.iter().flat_map(|d| &d.outcomes);
    let sent = outcomes()
        .filter(|(_, o)| matches!(o, Outcome::Sent(_)))
        .count();
    let unknown = outcomes()
        .filter(|(_, o)| matches!(o, Outcome::Unknown(_)))
        .count();
    eprintln!("Sent {sent} mails");
    if unknown > 0 {
        eprintln!(
            "warning: {unknown} mails got no answer from SES and may have been sent; they are \
             sent again once their lease has expired (a second copy is possible)"
        );
    }
    failed.extend(
        deliveries
            .iter()
            .filter(|d| !d.complete())
            .map(|d| d.reference.clone()),
    );
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    failed.sort();
    failed.dedup();
    eprintln!(
        "error: the mails of {} applications were not all sent: {} (run again to retry)",
        failed.len(),
        failed.join(", ")
    );
    ExitCode::from(1)
}

/// Creates the SES identity of `address` on a local SES when it has none.
async fn local_identity(ses: &aws_sdk_sesv2::Client, address: &str) -> Result<()> {
    if ses
        .get_email_identity()
        .email_identity(address)
        .send()
        .await
        .is_ok()
    {
        return Ok(());
    }
    ses.create_email_identity()
        .email_identity(address)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "creating the sender's identity on the local SES: {}",
                aws_sdk_sesv2::error::ProvideErrorMetadata::code(&e).unwrap_or("unknown")
            )
        })?;
    eprintln!("Created the local SES identity of the sender");
    Ok(())
}
