//! The caseworkers' export: applications to one form as CSV (UTF-8 with a BOM, `;`
//! between cells as Danish Excel expects, Danish headings from the form's labels, cells that
//! could be read as formulas made harmless) or JSON.

use crate::definition::FormDef;
use crate::store::NewApplication;

/// A cell as text, with a leading `'` when Excel would read it as a formula.
fn cell(text: &str) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let text = if risky {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([';', '"', '\n', '\r', ',']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn value_text(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::Bool(true)) => "Ja".into(),
        Some(serde_json::Value::Bool(false)) => "Nej".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The applications as CSV, oldest first.
pub fn csv(form: &FormDef, applications: &[NewApplication]) -> String {
    let mut out = String::from("\u{feff}");
    let mut heading = vec![
        "Referencenummer".to_string(),
        "Modtaget".to_string(),
        "Ansøgningsrunde".to_string(),
    ];
    heading.extend(form.fields.iter().map(|f| f.label.clone()));
    heading.push("Skemaversion".into());
    heading.push("Privatlivspolitik, version".into());
    out.push_str(
        &heading
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(";"),
    );
    out.push_str("\r\n");
    for app in applications {
        let mut row = vec![
            app.reference.clone(),
            crate::pages::received_da(app.received_at),
            app.round.clone(),
        ];
        row.extend(
            form.fields
                .iter()
                .map(|f| value_text(app.fields.get(&f.id))),
        );
        row.push(app.form_version.to_string());
        row.push(app.privacy_notice_version.clone());
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    out
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
    }
}
