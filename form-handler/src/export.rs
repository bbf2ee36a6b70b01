//! The caseworkers' export: applications to one form as CSV (UTF-8 with a BOM, `;`
//! between cells as Danish Excel expects, Danish headings from the form's labels, cells that
//! could be read as formulas made harmless) or JSON.

use std::collections::BTreeSet;

use crate::application::{NewApplication, answer_text as value_text};
use crate::definition::FormDef;
use crate::kommuner::Kommuner;

/// What makes a spreadsheet read a cell as a formula when it starts with it.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as text, harmless however the file is opened: with `;` as the separator (Danish
/// Excel) or with `,` (where quoting does not protect what follows a `,` inside a quoted
/// cell, since the field then starts in the middle). Every piece of the text that would
/// begin a field in either reading and starts with [`FORMULA_START`] gets a leading `'`.
fn cell(text: &str) -> String {
    let mut defused = String::with_capacity(text.len() + 2);
    let mut at_start = true;
    for c in text.chars() {
        if at_start && FORMULA_START.contains(&c) {
            defused.push('\'');
        }
        defused.push(c);
        // A field may start after a separator (and the spaces or quote a reader skips).
        at_start = matches!(c, ';' | ',') || (at_start && matches!(c, ' ' | '"'));
    }
    if defused.contains([';', '"', '\n', '\r', ',']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// The applications as CSV, oldest first: a column per field of the form, then a column
/// (headed by the field's id) for each field that only older versions of the form had.
pub fn csv(form: &FormDef, kommuner: &Kommuner, applications: &[NewApplication]) -> String {
    let known: BTreeSet<&str> = form.fields.iter().map(|f| f.id.as_str()).collect();
    let older: BTreeSet<&str> = applications
        .iter()
        .flat_map(|a| a.fields.keys())
        .map(String::as_str)
        .filter(|id| !known.contains(id))
        .collect();
    let mut out = String::from("\u{feff}");
    let mut heading = vec![
        "Referencenummer".to_string(),
        "Modtaget".to_string(),
        "Ansøgningsrunde".to_string(),
    ];
    heading.extend(form.fields.iter().map(|f| f.label.clone()));
    heading.extend(
        older
            .iter()
            .map(|id| format!("{id} (tidligere version af skemaet)")),
    );
    heading.push("Skemaversion".into());
    heading.push("Privatlivspolitik, version".into());
    push_row(&mut out, &heading);
    for app in applications {
        let mut row = vec![
            app.reference.clone(),
            crate::dates::date_time_da(app.received_at),
            app.round.clone(),
        ];
        row.extend(
            form.fields
                .iter()
                .map(|f| value_text(Some(f), kommuner, app.fields.get(&f.id))),
        );
        row.extend(
            older
                .iter()
                .map(|id| value_text(None, kommuner, app.fields.get(*id))),
        );
        row.push(app.form_version.to_string());
        row.push(app.privacy_notice_version.clone());
        push_row(&mut out, &row);
    }
    out
}

fn push_row(out: &mut String, cells: &[String]) {
    out.push_str(&cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(";"));
    out.push_str("\r\n");
}

/// The applications as a JSON array.
pub fn json(applications: &[NewApplication]) -> String {
    serde_json::to_string_pretty(applications).unwrap_or_else(|_| "[]".into()) + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_separators_quoted() {
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(cell("+4522334455"), "'+4522334455");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@x"), "'@x");
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("sagde \"hej\""), "\"sagde \"\"hej\"\"\"");
        assert_eq!(cell("Ærø"), "Ærø");
        assert_eq!(cell("1,=cmd"), "\"1,'=cmd\"");
        assert_eq!(cell("a; +45 22"), "\"a; '+45 22\"");
        assert_eq!(cell("\"=x"), "\"\"\"'=x\"");
    }

    /// Every field of a line, read naively with `separator` (no quoting, as a reader with
    /// the other separator sees a quoted cell), after the spaces and quotes it skips.
    fn naive_fields(line: &str, separator: char) -> Vec<String> {
        line.split(separator)
            .map(|f| f.trim_start_matches([' ', '"']).to_string())
            .collect()
    }

    #[test]
    fn no_field_starts_a_formula_with_either_separator() {
        let nasty = [
            "=HYPERLINK(\"http://x\")",
            "a,=1+1",
            "b;@SUM(1)",
            "c, -2",
            "d,\"+3",
            "ok",
            "x;;=y",
        ];
        let line: Vec<String> = nasty.iter().map(|t| cell(t)).collect();
        let line = line.join(";");
        for separator in [';', ','] {
            for field in naive_fields(&line, separator) {
                assert!(
                    !field.starts_with(FORMULA_START),
                    "`{field}` read with `{separator}` in {line}"
                );
            }
        }
    }

    #[test]
    fn cells_read_as_a_caseworker_expects() {
        let forms = crate::forms::Forms::embedded().unwrap();
        let form = forms.get("minivejledning").unwrap();
        let field = |id: &str| form.fields.iter().find(|f| f.id == id);
        let text =
            |id: &str, v: serde_json::Value| value_text(field(id), &forms.kommuner, Some(&v));
        assert_eq!(text("postnummer", serde_json::json!(800)), "0800");
        assert_eq!(text("postnummer", serde_json::json!("0800")), "0800");
        assert_eq!(text("kommune", serde_json::json!("101")), "København (101)");
        assert_eq!(
            text("ansoegertype", serde_json::json!("kommune")),
            "Kommune"
        );
        assert_eq!(text("ledelsesopbakning", serde_json::json!(true)), "Ja");
        assert_eq!(value_text(None, &forms.kommuner, None), "");
    }

    #[test]
    fn fields_of_older_form_versions_get_their_own_columns() {
        let forms = crate::forms::Forms::embedded().unwrap();
        let form = forms.get("minivejledning").unwrap();
        let app = NewApplication {
            reference: "ABCDEFGH2".into(),
            form_id: form.id.clone(),
            form_version: 0,
            round: "2019-03".into(),
            received_at: "2019-03-01T10:00:00Z".parse().unwrap(),
            fields: [("gammelt_felt".to_string(), serde_json::json!("svar"))].into(),
            privacy_notice_version: "x".into(),
            idempotency_key: "k".into(),
            content_hash: String::new(),
            expires_at: "2021-03-01T10:00:00Z".parse().unwrap(),
        };
        let csv = csv(form, &forms.kommuner, &[app]);
        let mut lines = csv.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .contains(";gammelt_felt (tidligere version af skemaet);Skemaversion;")
        );
        assert!(lines.next().unwrap().ends_with(";svar;0;x"));
    }
}
