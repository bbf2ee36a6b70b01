//! Embeds the site's form definitions, kommune data and mail texts (the repository's
//! `content/forms/*.yaml`, `content/data/kommuner.yaml`, `content/mail/*/*.md`) in the
//! binary, so the Lambdas need no files: a new form file or changed wording is picked up by
//! the next build, with no code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it is compiled: cargo reuses a compiled build
    // script for another checkout of the same crate (CI's clone shares the target folder).
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let content = Path::new(&manifest_dir).join("../../content");
    let forms = content.join("forms");
    println!("cargo:rerun-if-changed={}", forms.display());
    println!(
        "cargo:rerun-if-changed={}",
        content.join("data/kommuner.yaml").display()
    );
    // No forms would build Lambdas that refuse every application: stop here instead.
    let mut files: Vec<_> = std::fs::read_dir(&forms)
        .unwrap_or_else(|e| {
            panic!(
                "cannot read the form definitions in {}: {e}",
                forms.display()
            )
        })
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    assert!(
        !files.is_empty(),
        "no form definitions (*.yaml) in {}",
        forms.display()
    );
    files.sort();
    let mut out = String::from(
        "/// (path shown in errors, text) of each embedded form definition.\npub const FORMS: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        let _ = writeln!(
            out,
            "    (\"content/forms/{name}\", {}),",
            embed(&format!("content/forms/{name}"))
        );
    }
    out.push_str("];\n");
    let kommuner = content.join("data/kommuner.yaml");
    if kommuner.exists() {
        let _ = writeln!(
            out,
            "/// The embedded kommune data.\npub const KOMMUNER: Option<&str> = Some({});",
            embed("content/data/kommuner.yaml")
        );
    } else {
        out.push_str("/// The embedded kommune data.\npub const KOMMUNER: Option<&str> = None;\n");
    }
    let mail = content.join("mail");
    println!("cargo:rerun-if-changed={}", mail.display());
    let mut texts: Vec<(String, std::path::PathBuf)> = Vec::new();
    for form in std::fs::read_dir(&mail)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
    {
        let dir = form.path();
        if !dir.is_dir() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", dir.display());
        for file in std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "md") {
                let shown = format!(
                    "content/mail/{}/{}",
                    form.file_name().to_string_lossy(),
                    file.file_name().to_string_lossy()
                );
                texts.push((shown, path));
            }
        }
    }
    texts.sort();
    out.push_str("/// (path shown in errors, text) of each embedded mail text.\npub const MAIL: &[(&str, &str)] = &[\n");
    for (shown, path) in &texts {
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(out, "    ({shown:?}, {}),", embed(shown));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_forms.rs");
    std::fs::write(dest, out).unwrap();
}

/// The code that embeds the repository's file `rel`, found from the crate's own folder when
/// the crate is compiled: a target folder shared by two clones (CI reuses one) then takes
/// each clone's own files, not the ones of the clone that ran this script.
fn embed(rel: &str) -> String {
    format!("include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../{rel}\"))")
}
