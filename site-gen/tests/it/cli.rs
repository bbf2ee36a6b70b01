//! The real `site-gen` binary: exit codes (0 ok, 1 content errors, 2 usage), messages,
//! `--help` and `new`.

use std::path::Path;
use std::process::{Command, Output};

use crate::{DAY, copy_dir, fixture, read};

fn site_gen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_site-gen"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("running site-gen")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn build_succeeds_with_exit_code_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let root = fixture("ok");
    let o = site_gen(&[
        "build",
        "--root",
        path(&root),
        "--output",
        path(&out),
        "--date",
        DAY,
    ]);
    let stderr = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "Built 7 pages (13 files) into {} in ",
            out.display()
        )),
        "{stderr}"
    );
    assert!(read(&out, "b/index.html").contains("<h1>Side B</h1>"));
    assert!(!out.join("nyhed").exists(), "--date must be honoured");
}

#[test]
fn check_on_a_broken_site_exits_1_with_place_and_hint() {
    let root = fixture("missing_anchor");
    let o = site_gen(&["check", "--root", path(&root), "--date", DAY]);
    assert_eq!(o.status.code(), Some(1));
    // As rustc shows its errors: the place, the line, a caret span, the hint; piped, so
    // without colour.
    assert_eq!(
        text(&o.stderr),
        "error[E0202]: link to `/b/#kontak`: `/b/` has no anchor `#kontak`
 --> content/c.md:6:16
  |
6 | Tekst om C. Se [kontakt](/b/#kontak).
  |                ^^^^^^^^^^^^^^^^^^^^^
  |
  = help: did you mean `#kontakt`?

1 error
"
    );
    assert_eq!(text(&o.stdout), "");
}

#[test]
fn check_reports_for_tools_as_json_lines_and_github_commands() {
    let root = fixture("missing_anchor");
    let args = |format| {
        [
            "check",
            "--root",
            path(&root),
            "--date",
            DAY,
            "--format",
            format,
        ]
    };
    let o = site_gen(&args("json"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stderr), "");
    let lines: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        [serde_json::json!({
            "file": "content/c.md",
            "line": 6,
            "column": 16,
            "end": 0,
            "severity": "error",
            "code": "E0202",
            "message": "link to `/b/#kontak`: `/b/` has no anchor `#kontak`",
            "hint": "did you mean `#kontakt`?",
        })]
    );
    let o = site_gen(&args("github"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stdout),
        "::error file=content/c.md,line=6,col=16,title=E0202 missing anchor::\
         link to `/b/#kontak`: `/b/` has no anchor `#kontak`%0Ahint: did you mean `#kontakt`?\n"
    );
}

#[test]
fn check_reports_every_problem_and_the_count() {
    let root = fixture("three_faults");
    let o = site_gen(&["check", "--root", path(&root), "--date", DAY]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    let places: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix(" --> "))
        .collect();
    assert_eq!(
        places,
        [
            "content/_index.md:7:9",
            "content/c.md:3:9",
            "templates/section.html:9:13",
        ],
        "{stderr}"
    );
    assert!(stderr.ends_with("\n3 errors\n"), "{stderr}");
}

#[test]
fn check_on_a_clean_site_exits_0() {
    let root = fixture("minimal");
    let o = site_gen(&["check", "--root", path(&root), "--date", DAY]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stderr), "No problems found: 4 pages, 9 files.\n");
}

#[test]
fn a_failed_build_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let root = fixture("template_url");
    let o = site_gen(&["build", "--root", path(&root), "--output", path(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("templates/section.html:9:"));
    assert!(crate::names_in(dir.path()).is_empty());
}

#[test]
fn bad_usage_exits_2() {
    let root = fixture("ok");
    let root = path(&root);
    let cases: [(&[&str], &str); 6] = [
        (&["build", "--frobnicate"], "--frobnicate"),
        (
            &["build", "--root", root, "--date", "2019-13-01"],
            "`2019-13-01` is not a day in the calendar",
        ),
        (
            &["check", "--root", root, "--date", "1/3 2019"],
            "`1/3 2019` is not a date in the form YYYY-MM-DD",
        ),
        (&["publish"], "publish"),
        (&[], "Usage: site-gen"),
        (
            &["build", "--root", root, "--base-url", "example.dk"],
            "error: --base-url `example.dk` must be an absolute http(s) URL",
        ),
    ];
    for (args, expected) in cases {
        let o = site_gen(args);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_root_without_content_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = site_gen(&["check", "--root", path(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        format!(
            "error: {} has no content/ folder (use --root to point at the site)\n",
            dir.path().display()
        )
    );
}

#[test]
fn help_works_for_every_subcommand() {
    let cases = [
        ("build", "--output <DIR>"),
        ("serve", "--port <PORT>"),
        ("check", "--drafts"),
        ("new", "<SECTION/SLUG>"),
    ];
    for (command, option) in cases {
        let o = site_gen(&[command, "--help"]);
        let stdout = text(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{command}: {}", text(&o.stderr));
        assert!(
            stdout.contains(&format!("Usage: site-gen {command} ")),
            "{command}: {stdout}"
        );
        assert!(stdout.contains(option), "{command}: {stdout}");
    }
    let o = site_gen(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let stdout = text(&o.stdout);
    for command in ["build", "serve", "check", "new"] {
        assert!(stdout.contains(&format!("  {command} ")), "{stdout}");
    }
}

#[test]
fn new_creates_a_draft_that_builds_with_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture("ok"), &root);

    let o = site_gen(&["new", "kurser/efteraar", "--root", path(&root)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let file = root.join("content/kurser/efteraar.md");
    assert_eq!(
        text(&o.stderr),
        format!(
            "Created {} (a draft: set `draft: false` to publish it)\n",
            file.display()
        )
    );
    let source = std::fs::read_to_string(&file).unwrap();
    assert!(source.starts_with("---\ntitle: \"Efteraar\"\n"), "{source}");
    assert!(source.contains("\ndraft: true\n"), "{source}");

    // A second `new` for the same page must not overwrite it.
    let again = site_gen(&["new", "kurser/efteraar", "--root", path(&root)]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), source);

    let out = dir.path().join("out");
    let build = |drafts: bool| {
        let mut args = vec!["build", "--root", path(&root), "--output", path(&out)];
        args.extend(["--date", DAY]);
        if drafts {
            args.push("--drafts");
        }
        site_gen(&args)
    };
    let o = build(true);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let html = read(&out, "kurser/efteraar/index.html");
    assert!(html.contains("<h1>Efteraar</h1>"), "{html}");
    assert!(read(&out, "kurser/index.html").contains("<a href=\"/kurser/efteraar/\">Efteraar</a>"));

    let o = build(false);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!out.join("kurser/efteraar").exists());
}

#[test]
fn new_rejects_a_path_that_is_not_a_url() {
    let dir = tempfile::tempdir().unwrap();
    let o = site_gen(&["new", "Kurser/Efterår 2019", "--root", path(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("(suggestion: `kurser/efteraar-2019`)"),
        "{stderr}"
    );
    assert!(!dir.path().join("content").exists());
}
