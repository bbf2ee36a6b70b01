//! One fixture per kind of editor mistake. Each is `fixtures/minimal` with one deliberate
//! fault; the test asserts the complete list of reported problems: place, message, hint.

use site_gen::BuildError;

use crate::{fixture, options};

/// One reported problem as editors see it: `file:line[:column]`, message, hint.
type Problem = (String, String, Option<String>);

/// Runs `site_gen::check` on fixture `case`, which must fail with content errors.
fn problems(case: &str) -> Vec<Problem> {
    match site_gen::check(&fixture(case), &options()) {
        Err(BuildError::Content(diagnostics)) => diagnostics
            .iter()
            .map(|d| (d.location(), d.message.clone(), d.hint.clone()))
            .collect(),
        Err(other) => panic!("{case}: expected content errors, got {other:?}"),
        Ok(report) => panic!("{case}: expected content errors, the check passed: {report:?}"),
    }
}

fn problem(location: &str, message: &str, hint: Option<&str>) -> Problem {
    (
        location.to_string(),
        message.to_string(),
        hint.map(str::to_string),
    )
}

/// Asserts that fixture `case` reports exactly one problem, this one.
fn assert_one(case: &str, location: &str, message: &str, hint: Option<&str>) {
    assert_eq!(problems(case), [problem(location, message, hint)], "{case}");
}

#[test]
fn the_minimal_site_is_clean() {
    // Every other fixture in this module is this site plus one fault.
    let report = site_gen::check(&fixture("minimal"), &options()).unwrap();
    // `/`, `/a/`, `/b/`, `/c/`; the draft is left out.
    assert_eq!(report.pages, 4);
    // 4 pages, 404.html, sitemap.xml, robots.txt, site.css twice.
    assert_eq!(report.files, 9);
}

#[test]
fn unknown_front_matter_key_suggests_the_known_one() {
    assert_one(
        "unknown_key",
        "content/c.md:3:1",
        "unknown front matter key `descripton`",
        Some("did you mean `description`?"),
    );
}

#[test]
fn a_page_that_is_not_utf8_is_named_with_the_place_of_its_first_bad_byte() {
    // c.md is saved as Latin-1: "blåbær" with å as the single byte 0xE5.
    assert_one(
        "not_utf8",
        "content/c.md:6:33",
        "the file is not UTF-8 text",
        Some("save it as UTF-8 (in most editors: Save as, encoding UTF-8)"),
    );
}

#[test]
fn wrong_type_names_key_expected_and_found() {
    assert_one(
        "wrong_type",
        "content/c.md:3:9",
        "`weight` must be a whole number, not text",
        None,
    );
}

#[test]
fn impossible_date() {
    assert_one(
        "bad_date",
        "content/c.md:4:7",
        "`date`: `2017-02-30` is not a day in the calendar",
        Some("write dates as 2017-04-06"),
    );
}

#[test]
fn missing_title() {
    assert_one(
        "missing_title",
        "content/c.md:2",
        "the front matter has no `title`",
        Some("add a line like `title: Minivejledningsforløb`"),
    );
}

#[test]
fn invalid_yaml_is_located_in_the_file_not_in_the_front_matter() {
    // `description: Tid: kl. 10` is line 4 of the file, line 3 of the front matter.
    let got = problems("invalid_yaml");
    assert_eq!(got.len(), 1, "{got:?}");
    let (location, message, hint) = &got[0];
    assert_eq!(location, "content/c.md:4:17");
    assert_eq!(
        message,
        "invalid YAML: mapping values are not allowed in this context"
    );
    assert!(
        hint.as_deref()
            .is_some_and(|h| h.contains("quote text that contains `: `")),
        "{hint:?}"
    );
}

#[test]
fn front_matter_not_closed() {
    assert_one(
        "unclosed_front_matter",
        "content/c.md:1",
        "the front matter is not closed",
        Some("add a line `---` after the last front matter key"),
    );
}

#[test]
fn level_one_heading_in_markdown() {
    assert_one(
        "h1_heading",
        "content/c.md:6:1",
        "a level-1 heading (`# ...`) in the text",
        Some("the page title is the page's only level-1 heading; use `##` for sections"),
    );
}

#[test]
fn fold_never_closed() {
    assert_one(
        "unclosed_fold",
        "content/c.md:8",
        "this collapsible section is never closed",
        Some("end it with a line containing only `:::`"),
    );
}

#[test]
fn broken_internal_link() {
    assert_one(
        "broken_link",
        "content/c.md:6:16",
        "link to `/findes-ikke/`: no page or file has the address `/findes-ikke/`",
        None,
    );
}

#[test]
fn missing_anchor_suggests_the_near_one() {
    assert_one(
        "missing_anchor",
        "content/c.md:6:16",
        "link to `/b/#kontak`: `/b/` has no anchor `#kontak`",
        Some("did you mean `#kontakt`?"),
    );
}

#[test]
fn link_to_a_draft_says_it_is_a_draft() {
    assert_one(
        "draft_link",
        "content/c.md:6:16",
        "link to `/kladde/`: no page or file has the address `/kladde/`",
        Some("that page is a draft (build with --drafts to include drafts)"),
    );
}

#[test]
fn the_same_draft_link_is_fine_with_drafts() {
    let mut with_drafts = options();
    with_drafts.drafts = true;
    let report = site_gen::check(&fixture("draft_link"), &with_drafts).unwrap();
    assert_eq!(report.pages, 5);
}

#[test]
fn missing_trailing_slash() {
    assert_one(
        "trailing_slash",
        "content/c.md:6:16",
        "link to `/a`: no page or file has the address `/a`",
        Some("add the trailing slash: `/a/`"),
    );
}

#[test]
fn template_syntax_error_names_template_and_line() {
    // `<h1>{{ page.title }</h1>` on line 10: the `{{` in column 5 is never closed (Tera
    // stops at the lone `}` in column 19, "Found `}` but expected }}.").
    assert_one(
        "template_syntax",
        "templates/page.html:10:5",
        "`{{ page.title }</h1>` is not closed",
        Some("end it with `}}`"),
    );
}

#[test]
fn a_tag_without_its_closing_brace_is_named_at_its_own_line() {
    // `{%- if page.description %` on line 10; Tera complains at line 11 that "Components
    // with body content must use tag syntax".
    assert_one(
        "unclosed_delimiter",
        "templates/page.html:10:1",
        "`{%- if page.description %` is not closed",
        Some("end it with `%}`"),
    );
}

#[test]
fn url_to_a_missing_page_fails_with_template_and_line() {
    // Only the front page uses section.html, so the problem is reported once.
    assert_one(
        "template_url",
        "templates/section.html:9:16",
        "url(path=\"/mangler/\"): link to `/mangler/`: no page or file has the address `/mangler/`",
        Some("while rendering content/_index.md"),
    );
}

#[test]
fn asset_of_a_missing_file_is_reported_once_for_all_pages_using_the_template() {
    // page.html renders a.md, b.md and c.md; the one mistake is reported once.
    assert_one(
        "asset_missing",
        "templates/page.html:5:33",
        "asset(path=\"css/sitee.css\"): there is no file templates/static/css/sitee.css (did you mean `css/site.css`?)",
        Some("while rendering content/a.md and 2 other pages"),
    );
}

#[test]
fn page_template_that_does_not_exist() {
    assert_one(
        "template_missing",
        "content/c.md:4",
        "the template `pages.html` does not exist",
        Some("did you mean `page.html`?"),
    );
}

#[test]
fn duplicate_url_through_slug() {
    assert_one(
        "duplicate_slug",
        "content/c.md:4",
        "`/a/` is also the address of content/a.md",
        // The links to /c/ in d.md are the clash's consequence: no errors of their own.
        Some(
            "two files cannot have the same URL: rename one or give it another `slug`; the links to `/c/`, its address without the slug, are checked once the clash is gone",
        ),
    );
}

#[test]
fn menu_entry_pointing_nowhere() {
    assert_one(
        "nav_missing",
        "content/site.yaml:5",
        "the menu entry `/mangler/` is not a page of this site",
        None,
    );
}

#[test]
fn literal_broken_href_in_a_template() {
    assert_one(
        "template_href",
        "templates/page.html:8:39",
        "link to `/nope/`: no page or file has the address `/nope/`",
        Some("use `{{ url(path=\"/...\") }}` for links to pages"),
    );
}

#[test]
fn three_faults_in_three_files_are_reported_together_sorted_by_file() {
    assert_eq!(
        problems("three_faults"),
        [
            problem(
                "content/_index.md:7:9",
                "link to `/findes-ikke/`: no page or file has the address `/findes-ikke/`",
                None,
            ),
            problem(
                "content/c.md:3:9",
                "`weight` must be a whole number, not text",
                None,
            ),
            problem(
                "templates/section.html:9:13",
                "link to `/nope/`: no page or file has the address `/nope/`",
                Some("use `{{ url(path=\"/...\") }}` for links to pages"),
            ),
        ]
    );
}

#[test]
fn problems_found_at_different_stages_come_in_one_run() {
    // A menu entry (assembly), a Markdown link (link check) and a template link (theme
    // check) are all reported together: no stage hides the next.
    let found = problems("waves");
    let places: Vec<&str> = found.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        places,
        [
            "content/c.md:8:4",
            "content/site.yaml:6",
            "templates/page.html:8:39"
        ],
        "{found:?}"
    );
}

#[test]
fn a_broken_page_is_reported_once_not_again_by_links_and_the_menu() {
    // `a.md` has a bad date; `c.md` links to `/a/` and the menu names it. Only the date is
    // reported: the link and menu entry are fine once the date is fixed.
    assert_eq!(
        problems("followon"),
        [problem(
            "content/a.md:3:7",
            "`date`: `6. april 2017` is not a date in the form YYYY-MM-DD",
            Some("write it as `2017-04-06`"),
        )]
    );
}

#[test]
fn date_filter_on_a_missing_date_says_what_to_do() {
    // `b.md` and `c.md` have no `date`; `a.md` has one and renders.
    let found = problems("date_on_none");
    assert_eq!(found.len(), 1, "{found:?}");
    let (place, message, hint) = &found[0];
    assert_eq!(place, "templates/page.html:11:19");
    assert!(
        message.contains("the date filter got nothing instead of a date"),
        "{message}"
    );
    assert!(message.contains("{% if ... %}"), "{message}");
    assert_eq!(
        hint.as_deref(),
        Some("while rendering content/b.md and 1 other page")
    );
}

#[test]
fn an_unclosed_tag_gets_a_hint() {
    let found = problems("unclosed_tag");
    assert_eq!(found.len(), 1, "{found:?}");
    let (place, message, hint) = &found[0];
    assert!(place.starts_with("templates/page.html:"), "{place}");
    assert!(message.contains("Unexpected end of input"), "{message}");
    assert!(
        hint.as_deref().unwrap_or("").contains("`{% endif %}`"),
        "{hint:?}"
    );
}

#[test]
fn a_form_directive_naming_no_form() {
    assert_one(
        "unknown_form",
        "content/c.md:8",
        "there is no form `minivejledning`",
        Some(
            "this site has no forms yet: add content/forms/minivejledning.yaml (see docs/forms.md)",
        ),
    );
}

#[test]
fn a_form_naming_another_version_of_its_privacy_notice() {
    assert_one(
        "privacy_version",
        "content/forms/tilmelding.yaml:5",
        "privacy_notice_version is \"2026-11-01\", but content/c.md says its version is \"2026-11-23\"",
        Some(
            "each application records the notice's version: when the notice changes, set privacy_notice_version: \"2026-11-23\" here",
        ),
    );
}

#[test]
fn a_privacy_notice_that_states_no_version() {
    // The form's notice is minimal's c.md, which has no `extra`.
    assert_one(
        "privacy_version_missing",
        "content/forms/tilmelding.yaml:5",
        "the privacy notice content/c.md states no version to compare privacy_notice_version with",
        Some("add to its front matter: extra: { privacy_notice_version: \"2026-11-01\" }"),
    );
}

#[test]
fn an_image_from_another_site_which_the_security_policy_would_block() {
    assert_one(
        "foreign_image",
        "content/c.md:8:1",
        "`https://example.com/kort.png` is loaded from outside the site",
        Some(
            "the site's security policy only lets pages load files from the site itself: save the file in content/ beside the page and link to it, or link to the other site instead of embedding it",
        ),
    );
}

#[test]
fn a_mail_text_with_a_placeholder_that_does_not_exist() {
    assert_one(
        "mail_placeholder",
        "content/mail/tilmelding/kvittering.md:7:12",
        "unknown placeholder `{frist}`",
        Some("the placeholders are {reference}, {form}, {received}, {round}, {deadline}"),
    );
}

#[test]
fn a_form_that_asks_for_a_mail_without_its_text() {
    assert_one(
        "mail_missing",
        "content/forms/tilmelding.yaml:9",
        "the caseworkers mail has no text: content/mail/tilmelding/sagsbehandlere.md is missing",
        Some("write its subject, title and text there (see docs/editors-guide.md)"),
    );
}

#[test]
fn a_template_that_reads_what_a_check_may_leave_out_is_checked_against_it() {
    // The check leaves a page's HTML, word count, table of contents and breadcrumbs out only
    // when the templates merely print them; this page.html looks into each, and each page
    // fails on one: a.md has more than five words, b.md a heading "Kontakt", c.md
    // breadcrumbs, d.md the text looked for. (A page reports its first failure only.)
    let at = |line_col: &str, message: &str, page: &str| {
        let hint = format!("while rendering content/{page}");
        problem(
            &format!("templates/page.html:{line_col}"),
            message,
            Some(&hint),
        )
    };
    assert_eq!(
        problems("template_reads_content"),
        [
            at("11:32", "a page of more than five words", "a.md"),
            at("12:56", "a heading named Kontakt", "b.md"),
            at("13:69", "C has breadcrumbs", "c.md"),
            at("14:59", "the contact line is not wanted here", "d.md"),
        ]
    );
}

#[test]
fn a_link_to_a_markdown_file_offers_that_file_s_own_address() {
    assert_one(
        "markdown_file_link",
        "content/c.md:6:16",
        "link to the Markdown file `b.md`",
        Some("link to its page's address: `/b/`"),
    );
}

#[test]
fn a_missing_image_offers_the_file_with_another_extension() {
    assert_one(
        "other_extension",
        "content/c.md:6:1",
        "link to `/billeder/kort.jpg`: no page or file has the address `/billeder/kort.jpg`",
        Some("did you mean `/billeder/kort.png`?"),
    );
}

#[test]
fn a_missing_anchor_lists_the_closest_first() {
    assert_one(
        "anchor_list",
        "content/c.md:6:4",
        "link to `/b/#prisliste`: `/b/` has no anchor `#prisliste`",
        Some("anchors on that page: #priser, #kontakt, #om-os"),
    );
}

/// The real site with one typo in `file` (the `nth` occurrence of `from` made `to`): its
/// errors.
fn real_site_with(file: &str, from: &str, to: &str, nth: usize) -> Vec<Problem> {
    let dir = tempfile::tempdir().unwrap();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for part in ["content", "templates"] {
        crate::copy_dir(&repo.join(part), &dir.path().join(part));
    }
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .match_indices(from)
        .nth(nth)
        .expect("the text to change")
        .0;
    let changed = format!("{}{to}{}", &text[..at], &text[at + from.len()..]);
    std::fs::write(&path, changed).unwrap();
    match site_gen::check(dir.path(), &crate::options_on("2019-03-01")) {
        Err(BuildError::Content(d)) => d
            .iter()
            .map(|d| (d.location(), d.message.clone(), d.hint.clone()))
            .collect(),
        other => panic!("expected content errors: {other:?}"),
    }
}

#[test]
fn one_typo_in_a_form_or_its_mail_is_one_error_and_the_other_forms_stay() {
    // A misspelt key of the third field: not "no such form" on the pages, nor "no form
    // sends this mail" at its mails, nor anything about the other form.
    assert_eq!(
        real_site_with(
            "content/forms/etaarigt-forloeb.yaml",
            "max_length",
            "max_lenght",
            1
        ),
        [problem(
            "content/forms/etaarigt-forloeb.yaml:40:5",
            "field 3: unknown key `max_lenght`",
            Some("did you mean `max_length`?"),
        )]
    );
    assert_eq!(
        real_site_with(
            "content/mail/minivejledning/kvittering.md",
            "{deadline}",
            "{Deadline}",
            0
        ),
        [problem(
            "content/mail/minivejledning/kvittering.md:9:49",
            "`{Deadline}` is not a placeholder and would go out as written",
            Some("write `{deadline}`"),
        )]
    );
}

#[test]
fn unknown_filters_and_templates_get_the_names_that_exist() {
    assert_one(
        "unknown_filter",
        "templates/page.html:11:19",
        "Unknown filter `safee`",
        Some("did you mean `safe`?"),
    );
    assert_one(
        "unknown_include",
        "templates/page.html:12:12",
        "Unknown template `partials/navigation.htm`",
        Some("did you mean `partials/navigation.html`?"),
    );
}

#[test]
fn every_filter_the_hints_name_exists() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    crate::copy_dir(&fixture("minimal"), &site);
    let page = site.join("templates/page.html");
    let uses: String = site_gen::templates::FILTERS
        .iter()
        .map(|f| format!("{{{{ page.title | {f} }}}}"))
        .collect();
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        format!("{text}{{% if false %}}{uses}{{% endif %}}\n"),
    )
    .unwrap();
    site_gen::check(&site, &options()).expect("every listed filter is known to the templates");
}

/// The mistakes editors make most (issue 24's ten kinds, in 13 cases), each a fixture with its exact output in
/// the three formats in `expected/<case>.{txt,jsonl,github}`. After a deliberate change of
/// wording, `UPDATE_EXPECTED=1` rewrites those files; read their diff before committing.
pub const MISTAKES: &[&str] = &[
    // A misspelled front-matter key, and one that leaves the page without its title.
    "unknown_key",
    "titel",
    // YAML slips: `: ` in a value, a quote never closed.
    "invalid_yaml",
    "unclosed_quote",
    // A date that is not in the calendar.
    "bad_date",
    // A broken link; an image saved under another extension.
    "broken_link",
    "other_extension",
    // Template slips: a tag never closed, a `}}` missing.
    "unclosed_delimiter",
    "template_syntax",
    // A typo in a form definition, and in a mail text.
    "form_typo",
    "mail_placeholder",
    // A page without front matter; two pages at one address.
    "no_front_matter",
    "duplicate_slug",
];

/// `case`'s diagnostics in the three formats, as `site-gen check` prints them (the
/// terminal's piped, without colour).
pub fn outputs(case: &str) -> [(&'static str, String); 3] {
    let root = fixture(case);
    let diagnostics = match site_gen::check(&root, &options()) {
        Err(BuildError::Content(d)) => d,
        other => panic!("{case}: expected content errors, got {other:?}"),
    };
    assert_eq!(
        diagnostics.len(),
        1,
        "{case}: one mistake, one error:\n{diagnostics}"
    );
    use site_gen::report;
    [
        ("txt", report::terminal(&diagnostics, &root, false)),
        ("jsonl", report::json(&diagnostics)),
        ("github", report::github(&diagnostics)),
    ]
}

#[test]
fn each_common_mistake_is_one_error_with_exactly_this_output() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/expected");
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut differ = Vec::new();
    for case in MISTAKES {
        for (ext, got) in outputs(case) {
            let path = dir.join(format!("{case}.{ext}"));
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            if got != want {
                differ.push(format!(
                    "{}:\n--- expected\n{want}\n--- got\n{got}",
                    path.display()
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn the_error_codes_page_lists_every_code_and_the_mistakes_exact_reports() {
    use site_gen::diagnostics::Code;
    let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/errors.md");
    let docs = std::fs::read_to_string(page).unwrap();
    let mut fenced = false;
    let headings: Vec<&str> = docs
        .lines()
        .filter(|l| {
            fenced ^= l.starts_with("```");
            !fenced
        })
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    let codes: Vec<String> = Code::ALL
        .iter()
        .map(|c| format!("{}: {}", c.as_str(), c.title()))
        .collect();
    assert_eq!(
        headings, codes,
        "docs/errors.md: one section per code, in order"
    );
    for case in MISTAKES {
        let [(_, terminal), ..] = outputs(case);
        let report = terminal.strip_suffix("\n1 error\n").unwrap().trim_end();
        let code = &report["error[".len()..report.find(']').unwrap()];
        let start = docs.find(&format!("\n## {code}:")).unwrap();
        let section = docs[start + 1..].split("\n## E").next().unwrap();
        assert!(
            section.contains(&format!("```text\n{report}\n```")),
            "docs/errors.md, {code}: show {case}'s report as check prints it:\n{report}"
        );
    }
}

/// Every key table of the editors' YAML: front matter, site.yaml, forms, mail texts.
fn key_tables() -> Vec<&'static site_gen::yaml::Table> {
    let mut tables = vec![
        &site_gen::frontmatter::PAGE,
        &site_gen::frontmatter::SECTION,
        &site_gen::config::SITE,
        &site_gen::config::ORGANISATION,
        &form_model::mail::text::FRONT_MATTER,
    ];
    tables.extend(form_model::definition::TABLES);
    tables
}

#[test]
fn the_docs_key_tables_are_the_tables_the_checks_use() {
    // `UPDATE_DOCS=1` writes them; the test fails until the docs say what the code does.
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let tables = key_tables();
    let mut shown = Vec::new();
    for name in ["editors-guide.md", "forms.md"] {
        let path = docs.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let (filled, ids) = site_gen::yaml::fill_docs(&text, &tables);
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &filled).unwrap();
        } else {
            assert!(
                filled == text,
                "docs/{name}: a key table differs from the code's (UPDATE_DOCS=1 rewrites it)"
            );
        }
        shown.extend(ids);
    }
    let mut ids: Vec<String> = tables.iter().map(|t| t.id.to_string()).collect();
    ids.sort();
    shown.sort();
    assert_eq!(shown, ids, "each table shown once in docs/");
}
