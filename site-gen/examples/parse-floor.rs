//! The least any check of a Markdown site does, as a yardstick for `site-gen check`
//! (`site-gen/benches/compare.sh --check` times it beside `zola check`): find the pages
//! as site-gen does, read each, check that it is UTF-8, split off its front matter, and
//! turn its Markdown into HTML with pulldown-cmark and site-gen's options, on rayon's
//! threads; nothing is kept. What `site-gen check` takes beyond this is its own work
//! (front matter, links and ids, templates, the checks).
//!
//!     cargo build --release -p site-gen --example parse-floor
//!     target/release/examples/parse-floor SITE_ROOT

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use site_gen::{content, frontmatter, markdown};

// As in site-gen's binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: parse-floor SITE_ROOT");
        return ExitCode::from(2);
    };
    match run(&root.join("content")) {
        Ok((pages, bytes)) => {
            println!("{pages} pages, {bytes} bytes of HTML");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("parse-floor: {e}");
            ExitCode::from(2)
        }
    }
}

/// The number of pages and of HTML bytes written.
fn run(content_dir: &Path) -> Result<(usize, usize), String> {
    let sources = content::discover(content_dir)
        .map_err(|e| format!("reading {}: {e}", content_dir.display()))?;
    let bytes = sources
        .pages
        .par_iter()
        .map(|path| html_len(path))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((bytes.len(), bytes.iter().sum()))
}

fn html_len(path: &Path) -> Result<usize, String> {
    let mut bytes = Vec::with_capacity(4 * 1024);
    std::fs::File::open(path)
        .and_then(|f| f.take(u64::MAX).read_to_end(&mut bytes))
        .map_err(|e| format!("reading {}: {e}", path.display()))?;
    let text = simdutf8::basic::from_utf8(&bytes)
        .map_err(|_| format!("{} is not UTF-8", path.display()))?;
    let body = frontmatter::split(path, text).map_or(text, |s| s.body);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new_ext(body, markdown::options()),
    );
    Ok(html.len())
}
