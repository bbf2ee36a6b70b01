//! Embeds the site's form definitions and kommune data (`../content/forms/*.yaml`,
//! `../content/data/kommuner.yaml`) in the binary, so the Lambda needs no files: a new
//! form file is picked up by the next build, with no code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let forms = content.join("forms");
    println!("cargo:rerun-if-changed={}", forms.display());
    println!(
        "cargo:rerun-if-changed={}",
        content.join("data/kommuner.yaml").display()
    );
    let mut files: Vec<_> = std::fs::read_dir(&forms)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from(
        "/// (path shown in errors, text) of each embedded form definition.\npub const FORMS: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        let _ = writeln!(
            out,
            "    (\"content/forms/{name}\", include_str!({:?})),",
            f.display().to_string()
        );
    }
    out.push_str("];\n");
    let kommuner = content.join("data/kommuner.yaml");
    if kommuner.exists() {
        let _ = writeln!(
            out,
            "/// The embedded kommune data.\npub const KOMMUNER: Option<&str> = Some(include_str!({:?}));",
            kommuner.display().to_string()
        );
    } else {
        out.push_str("/// The embedded kommune data.\npub const KOMMUNER: Option<&str> = None;\n");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_forms.rs");
    std::fs::write(dest, out).unwrap();
}
