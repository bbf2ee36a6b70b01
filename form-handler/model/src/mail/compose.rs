//! The mails for one stored application: the editors' words ([`MailText`]) with the facts
//! and, for the caseworkers, every answer as the export shows it. Each mail has an HTML part
//! (a whole document: `lang="da"`, no images, nothing fetched from elsewhere) and a plain
//! text part with the same content.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::text::Values;
use super::{Address, MailKind, MailText};
use crate::application::{NewApplication, answers};
use crate::definition::FormDef;
use crate::forms::Forms;
use crate::render::escape;
use crate::values::Email;

/// A mail ready to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub kind: MailKind,
    /// The application's reference (for logs and marks).
    pub reference: String,
    pub to: Vec<Address>,
    /// The applicant, for the caseworkers' answer.
    pub reply_to: Option<Address>,
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Why an application's mails could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("the application is to a form this build does not have")]
    UnknownForm,
}

/// The mails the form's `notifications` ask for, for `app`: the caseworkers' (when the form
/// names their addresses) and the receipt (when the form names the applicant's address field
/// and the applicant gave an address mail can be sent to). `site_url` is the site's address
/// (`https://host`), for the privacy notice's link.
pub fn mails_for(
    forms: &Forms,
    app: &NewApplication,
    site_url: &str,
) -> Result<Vec<Mail>, ComposeError> {
    let form = forms.get(&app.form_id).ok_or(ComposeError::UnknownForm)?;
    let texts = forms.mail_texts(&form.id);
    let applicant = applicant_address(form, app);
    let reply_to = applicant.clone().and_then(Result::ok);
    let values = values(form, app);
    let mut out = Vec::new();
    let notifications = &form.notifications;
    if let (false, Some(text)) = (notifications.caseworkers.is_empty(), &texts.caseworkers) {
        let answers = answers(form, &forms.kommuner, app);
        out.push(Mail {
            kind: MailKind::Caseworkers,
            reference: app.reference.clone(),
            to: notifications.caseworkers.clone(),
            reply_to,
            subject: text.subject(&values),
            html: html_document(
                text,
                &values,
                &facts(form, app, &values, true),
                Some(&answers),
                None,
            ),
            text: text_document(
                text,
                &values,
                &facts(form, app, &values, true),
                Some(&answers),
                None,
            ),
        });
    }
    if let (Some(to), Some(text)) = (applicant, &texts.receipt) {
        // An address mail cannot be sent to: the receipt has no recipient, and the outbox
        // refuses it (logged and counted, never sent elsewhere).
        let to = to.map(|a| vec![a]).unwrap_or_default();
        let privacy = format!("{}{}", site_url.trim_end_matches('/'), form.privacy_notice);
        out.push(Mail {
            kind: MailKind::Receipt,
            reference: app.reference.clone(),
            to,
            reply_to: None,
            subject: text.subject(&values),
            html: html_document(
                text,
                &values,
                &facts(form, app, &values, false),
                None,
                Some(&privacy),
            ),
            text: text_document(
                text,
                &values,
                &facts(form, app, &values, false),
                None,
                Some(&privacy),
            ),
        });
    }
    Ok(out)
}

/// The applicant's address from the field the form names for receipts: `None` when the
/// form sends no receipt or the applicant gave no address, an error when mail cannot be
/// sent to the address given (a part before `@` outside ASCII).
fn applicant_address(
    form: &FormDef,
    app: &NewApplication,
) -> Option<Result<Address, super::address::AddressError>> {
    let field = form.notifications.receipt_field.as_ref()?;
    let text = app.fields.get(field)?.as_str()?;
    Some(
        Email::parse(text, 254)
            .map_err(|_| super::address::AddressError::Invalid)
            .and_then(|e| Address::of(&e)),
    )
}

fn values<'a>(form: &'a FormDef, app: &'a NewApplication) -> Values<'a> {
    let deadline = form
        .rounds
        .rule()
        .round_for(app.received_at)
        .map(|r| crate::dates::weekday_long_da(r.deadline))
        .unwrap_or_default();
    Values {
        reference: &app.reference,
        form: &form.title,
        received: crate::dates::date_time_da(app.received_at),
        round: &app.round,
        deadline,
    }
}

/// The facts at the top of a mail: (label, text).
fn facts(
    form: &FormDef,
    app: &NewApplication,
    values: &Values,
    for_caseworkers: bool,
) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("Referencenummer", app.reference.clone()),
        ("Ansøgningsskema", form.title.clone()),
        ("Modtaget", values.received.clone()),
    ];
    if for_caseworkers {
        let round = if values.deadline.is_empty() {
            app.round.clone()
        } else {
            format!("{} (frist {})", app.round, values.deadline)
        };
        out.push(("Ansøgningsrunde", round));
        out.push(("Skemaversion", app.form_version.to_string()));
    }
    out
}

/// The HTML part: a whole document, plain semantic HTML that every mail client shows with
/// its own reading style (no style sheet, no images, nothing fetched from elsewhere).
fn html_document(
    text: &MailText,
    values: &Values,
    facts: &[(&str, String)],
    answers: Option<&[(&str, String)]>,
    privacy: Option<&str>,
) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        escape(&text.subject(values)),
        escape(&text.title(values)),
    );
    definition_list(&mut out, facts);
    out.push_str(&text.html(values));
    if let Some(answers) = answers {
        out.push_str("<h2>Svarene i ansøgningen</h2>\n");
        definition_list(&mut out, answers);
    }
    if let Some(url) = privacy {
        let url = escape(url);
        out.push_str(&format!(
            "<p>Sådan behandler vi oplysningerne i ansøgningen: <a href=\"{url}\">{url}</a></p>\n"
        ));
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn definition_list(out: &mut String, items: &[(&str, String)]) {
    out.push_str("<dl>\n");
    for (label, value) in items {
        let value = escape(&value.replace("\r\n", "\n")).replace('\n', "<br>\n");
        out.push_str(&format!("<dt>{}</dt>\n<dd>{value}</dd>\n", escape(label)));
    }
    out.push_str("</dl>\n");
}

/// The plain text part, with the same content as the HTML part.
fn text_document(
    text: &MailText,
    values: &Values,
    facts: &[(&str, String)],
    answers: Option<&[(&str, String)]>,
    privacy: Option<&str>,
) -> String {
    let mut out = format!("{}\n\n", text.title(values));
    text_list(&mut out, facts);
    out.push('\n');
    out.push_str(&text.text(values));
    if let Some(answers) = answers {
        out.push_str("\nSvarene i ansøgningen\n\n");
        text_list(&mut out, answers);
    }
    if let Some(url) = privacy {
        out.push_str(&format!(
            "\nSådan behandler vi oplysningerne i ansøgningen: {url}\n"
        ));
    }
    out
}

/// `Label: value`, a value of several lines indented under its label.
fn text_list(out: &mut String, items: &[(&str, String)]) {
    for (label, value) in items {
        let value = value.replace("\r\n", "\n");
        if value.contains('\n') {
            out.push_str(&format!("{label}:\n"));
            for line in value.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        } else {
            out.push_str(&format!("{label}: {value}\n"));
        }
    }
}

fn markdown_options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// An editor's Markdown as HTML.
pub(crate) fn markdown_html(markdown: &str) -> String {
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, Parser::new_ext(markdown, markdown_options()));
    out
}

/// An editor's Markdown as plain text: paragraphs and headings apart by a blank line, list
/// items behind `- ` (or their number), a link's address after its text.
pub(crate) fn markdown_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut link: Option<String> = None;
    let mut link_text = String::new();
    let block_end = |out: &mut String| {
        while out.ends_with(' ') {
            out.pop();
        }
        out.push_str("\n\n");
    };
    for event in Parser::new_ext(markdown, markdown_options()) {
        let sink = |text: &str, out: &mut String, link_text: &mut String, in_link: bool| {
            if in_link {
                link_text.push_str(text);
            }
            out.push_str(text);
        };
        match event {
            Event::Start(Tag::Item) => {
                let indent = "  ".repeat(lists.len().saturating_sub(1));
                let marker = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "- ".to_string(),
                };
                out.push_str(&indent);
                out.push_str(&marker);
            }
            Event::Start(Tag::List(start)) => {
                if !lists.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                if lists.is_empty() {
                    out.push('\n');
                }
            }
            Event::End(TagEnd::Item) if !out.ends_with('\n') => out.push('\n'),
            Event::End(TagEnd::Paragraph) if !lists.is_empty() => {}
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::BlockQuote(_)) => {
                block_end(&mut out);
            }
            Event::End(TagEnd::CodeBlock) => out.push('\n'),
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => {}
            Event::Start(Tag::Link { dest_url, .. }) => {
                link = Some(dest_url.to_string());
                link_text.clear();
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.take() {
                    let shown = url.strip_prefix("mailto:").unwrap_or(&url);
                    if link_text.trim() != shown {
                        out.push_str(&format!(" ({shown})"));
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => sink(&t, &mut out, &mut link_text, link.is_some()),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Rule => out.push_str("----\n\n"),
            Event::Html(h) | Event::InlineHtml(h) => out.push_str(&h),
            _ => {}
        }
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_as_plain_text() {
        let md = "Tak for **jeres** ansøgning.\nVi svarer snart.\n\n## Kontakt\n\n- E-mail: [dagtilbud@ss.dk](mailto:dagtilbud@ss.dk)\n- Læs [privatlivspolitikken](https://ss.dk/p/)\n\n1. Først\n2. Så\n";
        assert_eq!(
            markdown_text(md),
            "Tak for jeres ansøgning. Vi svarer snart.\n\nKontakt\n\n- E-mail: dagtilbud@ss.dk\n- Læs privatlivspolitikken (https://ss.dk/p/)\n\n1. Først\n2. Så\n"
        );
    }
}
