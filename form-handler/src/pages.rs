//! The handler's own pages (the no-JavaScript path): the form again with the applicant's
//! input and errors (422), the receipt after a 303, and short messages for other answers.
//! They use the site's stylesheet (`/static/css/site.css`, published by site-gen) and hold
//! no personal data except, on the 422 page, what the applicant just typed.

use crate::definition::FormDef;
use crate::kommuner::Kommuner;
use crate::render::{self, Availability, escape};
use crate::store::Receipt;
use crate::submission::{Entered, FieldError};

/// The site's name, as the site's own pages end their titles.
const SITE_NAME: &str = "Rådgivnings- og vejledningsindsats på dagtilbudsområdet";

fn page(title: &str, main: &str) -> String {
    let title = format!("{title} – {SITE_NAME}");
    format!(
        "<!doctype html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"stylesheet\" href=\"/static/css/site.css\">\n</head>\n<body>\n<a class=\"skip-link\" href=\"#indhold\">Gå til hovedindhold</a>\n<header class=\"site-header\"><div class=\"wrapper\"><a class=\"site-title\" href=\"/\">{SITE_NAME}</a></div></header>\n<main id=\"indhold\" class=\"wrapper site-main\" tabindex=\"-1\">\n{main}</main>\n</body>\n</html>\n",
        title = escape(&title)
    )
}

/// A short answer (an error other than invalid fields).
pub fn message_page(status: u16, message: &str) -> String {
    let heading = match status {
        404 => "Siden findes ikke",
        405 => "Ansøgningsskemaet er ikke her",
        410 => "Der kan ikke søges nu",
        429 => "Vent lidt",
        503 => "Ansøgningen blev ikke sendt",
        _ => "Ansøgningen blev ikke sendt",
    };
    page(
        heading,
        &format!(
            "<h1>{}</h1>\n<p>{}</p>\n<p><a href=\"/\">Gå til forsiden</a></p>\n",
            escape(heading),
            escape(message)
        ),
    )
}

/// The form again, with what the applicant typed, the error summary above the heading and
/// a message at each field ("Fejl: " in the title).
pub fn form_page(
    form: &FormDef,
    kommuner: &Kommuner,
    availability: Availability,
    entered: &Entered,
    errors: &[FieldError],
) -> String {
    // Without JavaScript the summary takes the focus itself.
    let summary = render::error_summary(form, errors).replacen(
        "tabindex=\"-1\"",
        "tabindex=\"-1\" autofocus",
        1,
    );
    let main = format!(
        "{}<h1>{}</h1>\n{}",
        summary,
        escape(&form.title),
        render::form_body(form, kommuner, availability, entered, errors)
    );
    let mut html = page(&format!("Fejl: {}", form.title), &main);
    if !errors.is_empty() {
        html = html.replace(
            "<script type=\"application/json\" class=\"form-rules\">",
            "<script type=\"application/json\" class=\"form-rules\" data-server-errors>",
        );
    }
    html
}

/// The receipt: reference, form and time received; nothing the applicant typed.
pub fn receipt_page(form: &FormDef, receipt: &Receipt) -> String {
    let main = format!(
        "<div class=\"form-receipt\">\n<h1>Ansøgningen er modtaget</h1>\n<p>Tak for jeres ansøgning: {title}.</p>\n<dl class=\"receipt\">\n<dt>Referencenummer</dt>\n<dd><strong class=\"reference\">{reference}</strong></dd>\n<dt>Modtaget</dt>\n<dd><time datetime=\"{iso}\">{received}</time></dd>\n</dl>\n<p>Gem referencenummeret. Vi kontakter jer, når ansøgningen er behandlet.</p>\n<p><a href=\"/\">Gå til forsiden</a></p>\n</div>\n",
        title = escape(&form.title),
        reference = escape(&receipt.reference),
        iso = receipt.received_at,
        received = crate::dates::date_time_da(receipt.received_at),
    );
    page(&format!("Ansøgningen er modtaget: {}", form.title), &main)
}
