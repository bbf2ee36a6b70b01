//! The `site-gen` command line: parse flags, call the library, map errors to exit codes
//! (0 success, 1 content or template errors, 2 bad usage or I/O failure).

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use site_gen::report::{self, Format};
use site_gen::{BuildError, BuildOptions, dates};

// A build allocates and frees millions of small strings across rayon's threads; mimalloc
// does that faster than glibc's malloc (site-gen/benches/compare.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "site-gen",
    version,
    about = "Builds the programme's Danish website from content/ and templates/."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into an output folder (atomically: a failed build changes nothing).
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Output folder [default: ROOT/public]
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Absolute URL the site is published at (overrides base_url in content/site.yaml)
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Serve the site on a local address, rebuild on every change and reload the browser.
    Serve {
        #[command(flatten)]
        site: SiteArgs,
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Port to listen on
        #[arg(long, default_value_t = 1111)]
        port: u16,
    },
    /// Make every check a build makes, without writing anything.
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// How to report problems: terminal (code frames, on stderr), json (one object per
        /// line) or github (workflow commands), both on stdout
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Create a new page with valid front matter, e.g. `site-gen new kurser/efteraar-2019`.
    New {
        /// Path of the page within content/, without `.md`
        #[arg(value_name = "SECTION/SLUG")]
        path: String,
        /// Folder that holds content/ and templates/
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
    },
}

#[derive(Args)]
struct SiteArgs {
    /// Folder that holds content/ and templates/
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Include pages marked `draft: true`
    #[arg(long)]
    drafts: bool,
    /// Build the site as it looks on this day (publish/expiry dates, application rounds) [default: today]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = dates::parse_iso)]
    date: Option<jiff::civil::Date>,
}

impl SiteArgs {
    fn options(&self, base_url: Option<String>) -> BuildOptions {
        BuildOptions {
            drafts: self.drafts,
            date: self.date.unwrap_or_else(dates::today_in_denmark),
            base_url,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (root, format) = match &cli.command {
        Command::Check { site, format } => (site.root.clone(), *format),
        Command::Build { site, .. } | Command::Serve { site, .. } => {
            (site.root.clone(), Format::Terminal)
        }
        Command::New { root, .. } => (root.clone(), Format::Terminal),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(BuildError::Content(diagnostics)) => {
            match format {
                Format::Terminal => eprint!(
                    "{}",
                    report::terminal(&diagnostics, &root, report::stderr_has_colour())
                ),
                Format::Json => print!("{}", report::json(&diagnostics)),
                Format::Github => print!("{}", report::github(&diagnostics)),
            }
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), BuildError> {
    match cli.command {
        Command::Build {
            site,
            output,
            base_url,
        } => {
            if let Some(url) = &base_url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                return Err(BuildError::Usage(format!(
                    "--base-url `{url}` must be an absolute http(s) URL"
                )));
            }
            let output = output.unwrap_or_else(|| site.root.join("public"));
            let started = std::time::Instant::now();
            let report = site_gen::build(&site.root, &output, &site.options(base_url))?;
            eprintln!(
                "Built {} pages ({} files) into {} in {} ms",
                report.pages,
                report.files,
                report.output.display(),
                started.elapsed().as_millis()
            );
            if let Some(warning) = &report.leftover {
                eprintln!("warning: {warning}");
            }
            Ok(())
        }
        Command::Check { site, .. } => {
            let report = site_gen::check(&site.root, &site.options(None))?;
            eprintln!(
                "No problems found: {} pages, {} files.",
                report.pages, report.files
            );
            Ok(())
        }
        Command::Serve { site, bind, port } => {
            let options = site.options(None);
            site_gen::serve::run(&site.root, options, (bind, port).into(), site.date)
        }
        Command::New { path, root } => {
            let file = site_gen::new_page::create(&root, &path, dates::today_in_denmark())?;
            eprintln!(
                "Created {} (a draft: set `draft: false` to publish it)",
                file.display()
            );
            Ok(())
        }
    }
}
