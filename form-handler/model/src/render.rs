//! HTML for the forms: the form itself (labels bound to inputs, hints and errors tied by
//! `aria-describedby`, fieldsets for radio groups, autocomplete tokens, the honeypot), the
//! message shown instead of it when no round is open, the error summary, and the rules
//! the browser script checks with (generated from the same definition).

use std::fmt::Write as _;

use jiff::civil::Date;
use serde::Serialize;

use crate::definition::{Field, FieldKind, FormDef, Requirement};
use crate::kommuner::Kommuner;
use crate::submission::{Entered, FieldError};

/// Whether the form takes applications on the day the page is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Open; applications sent now are assessed after this deadline (end of that day).
    Open {
        next_deadline: Date,
        final_deadline: Option<Date>,
    },
    NotYetOpen {
        opens: Date,
    },
    Ended {
        final_deadline: Date,
    },
}

impl Availability {
    /// How `form` stands on `date` (a day in Denmark).
    pub fn on(form: &FormDef, date: Date) -> Availability {
        use crate::rounds::RoundState;
        match form.rounds.rule().state_on(date) {
            RoundState::Open { next } => Availability::Open {
                next_deadline: next.deadline,
                final_deadline: form.rounds.final_deadline,
            },
            RoundState::NotYetOpen { opens } => Availability::NotYetOpen { opens },
            RoundState::Ended { final_deadline } => Availability::Ended { final_deadline },
        }
    }
}

/// "fredag den 30. august 2019"
pub fn long_date(d: Date) -> String {
    crate::dates::weekday_long_da(d)
}

fn time(d: Date, text: &str) -> String {
    format!(
        "<time datetime=\"{:04}-{:02}-{:02}\">{}</time>",
        d.year(),
        d.month(),
        d.day(),
        escape(text)
    )
}

/// HTML escaping for text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The element id of a field's input (`f-minivejledning-cvr`).
pub fn input_id(form: &FormDef, field: &Field) -> String {
    format!("f-{}-{}", form.id, field.id)
}

/// The form as it stands on a page: a section with the form's title and, when open, the
/// form itself, else a message.
pub fn form_section(
    form: &FormDef,
    kommuner: &Kommuner,
    availability: Availability,
    entered: &Entered,
    errors: &[FieldError],
) -> String {
    let heading_id = format!("form-{}-title", form.id);
    format!(
        "<section class=\"application\" aria-labelledby=\"{heading_id}\">\n<h2 id=\"{heading_id}\">{}</h2>\n{}</section>\n",
        escape(&form.title),
        form_body(form, kommuner, availability, entered, errors)
    )
}

/// The deadline line and the form (or the closed message), without a heading.
pub fn form_body(
    form: &FormDef,
    kommuner: &Kommuner,
    availability: Availability,
    entered: &Entered,
    errors: &[FieldError],
) -> String {
    let closed =
        |message: String| format!("<div class=\"form-closed\">\n<p>{message}</p>\n</div>\n");
    let mut html = String::with_capacity(16 * 1024);
    match availability {
        Availability::Ended { final_deadline } => {
            return closed(format!(
                "Der kan ikke længere søges. Den sidste ansøgningsfrist var {}.",
                time(final_deadline, &long_date(final_deadline))
            ));
        }
        Availability::NotYetOpen { opens } => {
            return closed(format!(
                "Der kan søges fra {}.",
                time(opens, &long_date(opens))
            ));
        }
        Availability::Open {
            next_deadline,
            final_deadline,
        } => {
            let _ = write!(
                html,
                "<p class=\"form-deadline\">Næste ansøgningsfrist er {} kl. 23.59.",
                time(next_deadline, &long_date(next_deadline))
            );
            if let Some(f) = final_deadline.filter(|f| *f != next_deadline) {
                let _ = write!(html, " Den sidste frist er {}.", time(f, &long_date(f)));
            } else if final_deadline.is_some() {
                html.push_str(" Det er den sidste frist.");
            }
            html.push_str("</p>\n");
        }
    }
    let _ = writeln!(
        html,
        "<p class=\"form-intro\">Felter mærket <span class=\"form-required\">(skal udfyldes)</span> skal udfyldes. Læs, hvordan vi behandler oplysningerne, i <a href=\"{}\">privatlivspolitikken</a>.</p>",
        escape(&form.privacy_notice)
    );
    let _ = writeln!(
        html,
        "<form class=\"application-form\" method=\"post\" action=\"/api/applications/{id}\" novalidate data-form=\"{id}\">",
        id = escape(&form.id)
    );
    for field in &form.fields {
        let error = errors
            .iter()
            .find(|e| e.field == field.id)
            .map(|e| e.message.as_str());
        let value = entered.get(&field.id).map_or("", String::as_str);
        render_field(&mut html, form, field, kommuner, value, error, entered);
    }
    let hp = crate::HONEYPOT;
    let _ = writeln!(
        html,
        "<div class=\"form-honeypot\" aria-hidden=\"true\">\n<label for=\"f-{id}-{hp}\">Lad dette felt være tomt</label>\n<input type=\"text\" id=\"f-{id}-{hp}\" name=\"{hp}\" value=\"\" tabindex=\"-1\" autocomplete=\"off\">\n</div>",
        id = escape(&form.id)
    );
    let _ = writeln!(
        html,
        "<button type=\"submit\" class=\"button form-submit\">{}</button>\n</form>",
        escape(&form.submit_label)
    );
    let _ = writeln!(
        html,
        "<script type=\"application/json\" class=\"form-rules\">{}</script>",
        rules_json(form, kommuner)
    );
    html
}

fn required_text(form: &FormDef, field: &Field) -> Option<String> {
    match &field.requirement {
        Requirement::Optional => None,
        Requirement::Required => Some("(skal udfyldes)".to_string()),
        Requirement::RequiredWhen {
            field: other,
            values,
        } => {
            let other = form.field(other)?;
            let labels: Vec<String> = values
                .iter()
                .map(|v| {
                    other
                        .kind
                        .options()
                        .iter()
                        .find(|o| &o.value == v)
                        .map_or(v.clone(), |o| o.label.to_lowercase())
                })
                .collect();
            let list = match labels.as_slice() {
                [] => String::new(),
                [one] => one.clone(),
                [init @ .., last] => format!("{} eller {last}", init.join(", ")),
            };
            Some(format!("(skal udfyldes for {list})"))
        }
    }
}

/// What every kind of field is written with: its id and name, its classes and ARIA
/// attributes, its hint and error, and the attributes that carry its rules.
struct Parts {
    id: String,
    name: String,
    label: String,
    group_class: &'static str,
    describedby: String,
    hint_html: String,
    error_html: String,
    invalid: &'static str,
    required_attr: &'static str,
    required_label: String,
    conditional: String,
    autocomplete: String,
    maxlength: String,
}

impl Parts {
    fn of(form: &FormDef, field: &Field, error: Option<&str>, entered: &Entered) -> Parts {
        let id = input_id(form, field);
        let required_now = crate::submission::is_required(field, entered)
            || field.requirement == Requirement::Required;
        let mut described = Vec::new();
        if field.hint.is_some() {
            described.push(format!("{id}-hint"));
        }
        if error.is_some() {
            described.push(format!("{id}-error"));
        }
        Parts {
            name: escape(&field.id),
            label: escape(&field.label),
            group_class: if error.is_some() {
                "form-group form-group-error"
            } else {
                "form-group"
            },
            describedby: if described.is_empty() {
                String::new()
            } else {
                format!(" aria-describedby=\"{}\"", described.join(" "))
            },
            hint_html: field
                .hint
                .as_ref()
                .map(|h| format!("<p class=\"form-hint\" id=\"{id}-hint\">{}</p>\n", escape(h)))
                .unwrap_or_default(),
            error_html: error
                .map(|m| format!("<p class=\"form-error-message\" id=\"{id}-error\"><span class=\"visually-hidden\">Fejl:</span> {}</p>\n", escape(m)))
                .unwrap_or_default(),
            invalid: if error.is_some() { " aria-invalid=\"true\"" } else { "" },
            required_attr: if required_now { " required" } else { "" },
            required_label: required_text(form, field)
                .map(|t| format!(" <span class=\"form-required\">{}</span>", escape(&t)))
                .unwrap_or_default(),
            conditional: match &field.requirement {
                Requirement::RequiredWhen {
                    field: other,
                    values,
                } => format!(
                    " data-required-when=\"{}\" data-required-values=\"{}\"",
                    escape(other),
                    escape(&values.join(" "))
                ),
                _ => String::new(),
            },
            autocomplete: field
                .autocomplete
                .as_ref()
                .map(|a| format!(" autocomplete=\"{}\"", escape(a)))
                .unwrap_or_default(),
            maxlength: field
                .kind
                .max_chars()
                .map(|m| format!(" maxlength=\"{m}\""))
                .unwrap_or_default(),
            id,
        }
    }
}

fn render_field(
    html: &mut String,
    form: &FormDef,
    field: &Field,
    kommuner: &Kommuner,
    value: &str,
    error: Option<&str>,
    entered: &Entered,
) {
    let p = Parts::of(form, field, error, entered);
    match &field.kind {
        FieldKind::Radio { options } => radios(html, &p, options, value),
        FieldKind::Checkbox => checkbox(html, &p, value),
        kind => {
            let _ = write!(
                html,
                "<div class=\"{}\" data-field=\"{}\"{}>\n<label class=\"form-label\" for=\"{}\">{}{}</label>\n{}{}",
                p.group_class,
                p.name,
                p.conditional,
                p.id,
                p.label,
                p.required_label,
                p.hint_html,
                p.error_html
            );
            control(html, &p, kind, kommuner, value);
            html.push_str("</div>\n");
        }
    }
}

/// A radio group: a fieldset with its legend, one button per option.
fn radios(html: &mut String, p: &Parts, options: &[crate::definition::Choice], value: &str) {
    let _ = write!(
        html,
        "<div class=\"{}\" id=\"{}\" data-field=\"{}\"{}>\n<fieldset class=\"form-fieldset\"{}>\n<legend class=\"form-legend\">{}{}</legend>\n{}{}",
        p.group_class,
        p.id,
        p.name,
        p.conditional,
        p.describedby,
        p.label,
        p.required_label,
        p.hint_html,
        p.error_html
    );
    for (i, o) in options.iter().enumerate() {
        let checked = if o.value == value { " checked" } else { "" };
        let _ = writeln!(
            html,
            "<div class=\"form-radio\"><input type=\"radio\" id=\"{id}-{i}\" name=\"{name}\" value=\"{}\"{checked}{required}{invalid}> <label for=\"{id}-{i}\">{}</label></div>",
            escape(&o.value),
            escape(&o.label),
            id = p.id,
            name = p.name,
            required = p.required_attr,
            invalid = p.invalid,
        );
    }
    html.push_str("</fieldset>\n</div>\n");
}

/// A checkbox with its label after it.
fn checkbox(html: &mut String, p: &Parts, value: &str) {
    let checked = if crate::values::checkbox(value) {
        " checked"
    } else {
        ""
    };
    let _ = writeln!(
        html,
        "<div class=\"{}\" data-field=\"{}\"{}>\n{}{}<div class=\"form-checkbox\"><input type=\"checkbox\" id=\"{}\" name=\"{}\" value=\"on\"{checked}{}{}{}> <label for=\"{}\">{}{}</label></div>\n</div>",
        p.group_class,
        p.name,
        p.conditional,
        p.hint_html,
        p.error_html,
        p.id,
        p.name,
        p.required_attr,
        p.invalid,
        p.describedby,
        p.id,
        p.label,
        p.required_label
    );
}

/// The control of a labelled field: a textarea, a select, or an input of the kind's type.
fn control(html: &mut String, p: &Parts, kind: &FieldKind, kommuner: &Kommuner, value: &str) {
    let common = format!(
        "id=\"{}\" name=\"{}\"{}{}{}",
        p.id, p.name, p.required_attr, p.invalid, p.describedby
    );
    match kind {
        FieldKind::Textarea { .. } => {
            let _ = writeln!(
                html,
                "<textarea class=\"form-input form-textarea\" {common} rows=\"6\"{}>{}</textarea>",
                p.maxlength,
                escape(value)
            );
        }
        FieldKind::Select { options } => {
            let choices = options.iter().map(|o| (o.value.as_str(), o.label.as_str()));
            select(
                html,
                &format!("{common}{}", p.autocomplete),
                "Vælg",
                choices,
                value,
            );
        }
        FieldKind::Kommune => {
            let choices = kommuner
                .kommuner
                .iter()
                .map(|k| (k.code.as_str(), k.name.as_str()));
            select(html, &common, "Vælg kommune", choices, value);
        }
        kind => {
            let (input_type, extra) = match kind {
                FieldKind::Email { .. } => ("email", " inputmode=\"email\" spellcheck=\"false\""),
                FieldKind::Tel => ("tel", " inputmode=\"tel\""),
                FieldKind::Number { .. } | FieldKind::Cvr | FieldKind::Postcode => {
                    ("text", " inputmode=\"numeric\" spellcheck=\"false\"")
                }
                _ => ("text", ""),
            };
            let width = match kind {
                FieldKind::Postcode => " form-input-4",
                FieldKind::Cvr | FieldKind::Number { .. } => " form-input-10",
                FieldKind::Tel => " form-input-20",
                _ => "",
            };
            let _ = writeln!(
                html,
                "<input class=\"form-input{width}\" type=\"{input_type}\" {common} value=\"{}\"{}{}{extra}>",
                escape(value),
                p.maxlength,
                p.autocomplete
            );
        }
    }
}

/// A `<select>` with an empty first choice and `choices` as (value, label).
fn select<'a>(
    html: &mut String,
    attributes: &str,
    prompt: &str,
    choices: impl Iterator<Item = (&'a str, &'a str)>,
    value: &str,
) {
    let _ = writeln!(
        html,
        "<select class=\"form-select\" {attributes}>\n<option value=\"\">{}</option>",
        escape(prompt)
    );
    for (v, label) in choices {
        let selected = if v == value { " selected" } else { "" };
        let _ = writeln!(
            html,
            "<option value=\"{}\"{selected}>{}</option>",
            escape(v),
            escape(label)
        );
    }
    html.push_str("</select>\n");
}

/// The error summary shown above the page's heading (GOV.UK and DKFDS pattern).
pub fn error_summary(form: &FormDef, errors: &[FieldError]) -> String {
    let mut html = String::from(
        "<div class=\"form-error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"form-error-summary-title\">\n<h2 id=\"form-error-summary-title\">Der er et problem</h2>\n<ul>\n",
    );
    for e in errors {
        let Some(field) = form.field(&e.field) else {
            continue;
        };
        let target = match field.kind {
            FieldKind::Radio { .. } => format!("{}-0", input_id(form, field)),
            _ => input_id(form, field),
        };
        let _ = writeln!(
            html,
            "<li><a href=\"#{target}\">{}</a></li>",
            escape(&e.message)
        );
    }
    html.push_str("</ul>\n</div>\n");
    html
}

#[derive(Serialize)]
struct Rules<'a> {
    form: &'a str,
    fields: &'a [Field],
    kommuner: Vec<&'a str>,
    honeypot: &'a str,
}

/// The rules the browser checks with, as JSON safe to put inside `<script>`.
pub fn rules_json(form: &FormDef, kommuner: &Kommuner) -> String {
    let rules = Rules {
        form: &form.id,
        fields: &form.fields,
        kommuner: kommuner.kommuner.iter().map(|k| k.code.as_str()).collect(),
        honeypot: crate::HONEYPOT,
    };
    serde_json::to_string(&rules)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::definition::ErrorKind;
    use std::collections::BTreeMap;

    /// Every start tag in `html` that has `name="NAME"`, as (tag, attributes).
    fn tags_named<'a>(html: &'a str, name: &str) -> Vec<(&'a str, BTreeMap<&'a str, &'a str>)> {
        let needle = format!(" name=\"{name}\"");
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(at) = html[from..].find(&needle) {
            let at = from + at;
            let start = html[..at].rfind('<').unwrap();
            let end = at + html[at..].find('>').unwrap();
            out.push(parse_tag(&html[start + 1..end]));
            from = end;
        }
        out
    }

    fn parse_tag(tag: &str) -> (&str, BTreeMap<&str, &str>) {
        let (name, mut rest) = tag.split_once(' ').unwrap_or((tag, ""));
        let mut attrs = BTreeMap::new();
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let key_end = rest.find(['=', ' ']).unwrap_or(rest.len());
            let key = &rest[..key_end];
            if rest[key_end..].starts_with("=\"") {
                let v_start = key_end + 2;
                let v_end = v_start + rest[v_start..].find('"').unwrap();
                attrs.insert(key, &rest[v_start..v_end]);
                rest = &rest[v_end + 1..];
            } else {
                attrs.insert(key, "");
                rest = &rest[key_end..];
            }
        }
        (name, attrs)
    }

    /// The rendered form and the validator agree on every field: name, id and label,
    /// required, maxlength, input type, options, hints; and the rules JSON is the definition.
    #[test]
    fn rendered_html_and_validator_agree_on_every_field() {
        let forms = crate::forms::site_forms();
        let open = Availability::Open {
            next_deadline: Date::new(2019, 3, 29).unwrap(),
            final_deadline: None,
        };
        for form in &forms.forms {
            let html = form_section(form, &forms.kommuner, open, &Entered::new(), &[]);
            assert!(html.contains(&format!("<form class=\"application-form\" method=\"post\" action=\"/api/applications/{}\" novalidate", form.id)));
            for field in &form.fields {
                let id = input_id(form, field);
                let tags = tags_named(&html, &field.id);
                assert!(
                    !tags.is_empty(),
                    "{}: no control named {}",
                    form.id,
                    field.id
                );
                let required = field.requirement == Requirement::Required;
                let expected_values: Vec<String> = match &field.kind {
                    FieldKind::Radio { options } => {
                        options.iter().map(|o| o.value.clone()).collect()
                    }
                    _ => vec![],
                };
                for (i, (tag, attrs)) in tags.iter().enumerate() {
                    let want_id = if matches!(field.kind, FieldKind::Radio { .. }) {
                        format!("{id}-{i}")
                    } else {
                        id.clone()
                    };
                    assert_eq!(
                        attrs.get("id").copied(),
                        Some(want_id.as_str()),
                        "{}.{}",
                        form.id,
                        field.id
                    );
                    assert!(
                        html.contains(&format!("<label for=\"{want_id}\""))
                            || html.contains(&format!(
                                "<label class=\"form-label\" for=\"{want_id}\""
                            )),
                        "{}.{}: no label",
                        form.id,
                        field.id
                    );
                    assert_eq!(
                        attrs.contains_key("required"),
                        required,
                        "{}.{}: required",
                        form.id,
                        field.id
                    );
                    assert_eq!(
                        attrs.get("maxlength").map(|m| m.parse::<usize>().unwrap()),
                        field.kind.max_chars(),
                        "{}.{}: maxlength",
                        form.id,
                        field.id
                    );
                    let kind_ok = match &field.kind {
                        FieldKind::Text { .. } => *tag == "input" && attrs["type"] == "text",
                        FieldKind::Textarea { .. } => *tag == "textarea",
                        FieldKind::Email { .. } => *tag == "input" && attrs["type"] == "email",
                        FieldKind::Tel => *tag == "input" && attrs["type"] == "tel",
                        FieldKind::Number { .. } | FieldKind::Cvr | FieldKind::Postcode => {
                            *tag == "input" && attrs.get("inputmode") == Some(&"numeric")
                        }
                        FieldKind::Select { .. } | FieldKind::Kommune => *tag == "select",
                        FieldKind::Radio { .. } => {
                            *tag == "input"
                                && attrs["type"] == "radio"
                                && attrs["value"] == expected_values[i]
                        }
                        FieldKind::Checkbox => *tag == "input" && attrs["type"] == "checkbox",
                    };
                    assert!(kind_ok, "{}.{}: {tag} {attrs:?}", form.id, field.id);
                    if let Some(a) = &field.autocomplete {
                        assert_eq!(
                            attrs.get("autocomplete"),
                            Some(&a.as_str()),
                            "{}.{}",
                            form.id,
                            field.id
                        );
                    }
                }
                if let FieldKind::Radio { options } = &field.kind {
                    assert_eq!(tags.len(), options.len());
                }
                if let FieldKind::Kommune = field.kind {
                    assert!(html.matches("<option value=\"").count() >= 99);
                }
                if field.hint.is_some() {
                    assert!(
                        html.contains(&format!("id=\"{id}-hint\"")),
                        "{}.{}",
                        form.id,
                        field.id
                    );
                    assert!(
                        html.contains(&format!("aria-describedby=\"{id}-hint\"")),
                        "{}.{}: hint not described",
                        form.id,
                        field.id
                    );
                }
                let marked = html.contains(&format!("for=\"{id}\">{}", escape(&field.label)))
                    || html.contains(&format!(
                        "<legend class=\"form-legend\">{}",
                        escape(&field.label)
                    ));
                assert!(marked, "{}.{}: label text", form.id, field.id);
            }
            // The rules for the browser are the definition itself.
            let start = html
                .find("<script type=\"application/json\" class=\"form-rules\">")
                .unwrap();
            let json = &html[start..];
            let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
            let rules: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(rules["fields"], serde_json::to_value(&form.fields).unwrap());
            assert_eq!(rules["kommuner"].as_array().unwrap().len(), 98);
            // The honeypot is kept from people and assistive technology.
            assert!(html.contains("<div class=\"form-honeypot\" aria-hidden=\"true\">"));
            let hp = tags_named(&html, crate::HONEYPOT);
            assert_eq!(
                (hp[0].1["tabindex"], hp[0].1["autocomplete"]),
                ("-1", "off")
            );
        }
    }

    #[test]
    fn errors_and_entered_values_are_shown() {
        let forms = crate::forms::site_forms();
        let form = forms.get("minivejledning").unwrap();
        let open = Availability::Open {
            next_deadline: Date::new(2019, 3, 29).unwrap(),
            final_deadline: Date::new(2019, 8, 30).ok(),
        };
        let mut entered = Entered::new();
        entered.insert("cvr".into(), "1234\"<x>".into());
        entered.insert("ansoegertype".into(), "privat".into());
        let errors = vec![FieldError {
            field: "cvr".into(),
            code: ErrorKind::Format,
            message: form.field("cvr").unwrap().message(ErrorKind::Format).into(),
        }];
        let html = form_section(form, &forms.kommuner, open, &entered, &errors);
        assert!(
            html.contains("value=\"1234&quot;&lt;x&gt;\""),
            "entered value escaped"
        );
        assert!(html.contains("<p class=\"form-error-message\" id=\"f-minivejledning-cvr-error\"><span class=\"visually-hidden\">Fejl:</span> CVR-nummeret skal have 8 cifre</p>"));
        assert!(
            html.contains(
                "aria-describedby=\"f-minivejledning-cvr-hint f-minivejledning-cvr-error\""
            )
        );
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("value=\"privat\" checked"));
        // `privat` makes the institution name required, so it is marked so.
        let institution = tags_named(&html, "institution");
        assert!(institution[0].1.contains_key("required"));
        assert!(html.contains(
            "Den sidste frist er <time datetime=\"2019-08-30\">fredag den 30. august 2019</time>"
        ));
        let summary = error_summary(form, &errors);
        assert!(summary.contains(
            "<li><a href=\"#f-minivejledning-cvr\">CVR-nummeret skal have 8 cifre</a></li>"
        ));
    }

    #[test]
    fn closed_forms_show_a_message_instead() {
        let forms = crate::forms::site_forms();
        let form = forms.get("minivejledning").unwrap();
        let on = |d| {
            form_section(
                form,
                &forms.kommuner,
                Availability::on(form, d),
                &Entered::new(),
                &[],
            )
        };
        let ended = on(Date::new(2019, 8, 31).unwrap());
        assert!(ended.contains("Der kan ikke længere søges. Den sidste ansøgningsfrist var <time datetime=\"2019-08-30\">fredag den 30. august 2019</time>."));
        assert!(!ended.contains("<form"));
        let early = on(Date::new(2017, 2, 28).unwrap());
        assert!(early.contains(
            "Der kan søges fra <time datetime=\"2017-03-01\">onsdag den 1. marts 2017</time>."
        ));
        let open = on(Date::new(2019, 8, 30).unwrap());
        assert!(open.contains("Næste ansøgningsfrist er <time datetime=\"2019-08-30\">fredag den 30. august 2019</time> kl. 23.59. Det er den sidste frist."));
    }

    #[test]
    fn danish_long_dates() {
        assert_eq!(
            long_date(Date::new(2019, 8, 30).unwrap()),
            "fredag den 30. august 2019"
        );
        assert_eq!(
            long_date(Date::new(2017, 3, 1).unwrap()),
            "onsdag den 1. marts 2017"
        );
    }
}
