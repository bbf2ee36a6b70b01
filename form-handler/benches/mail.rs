//! Composing both mails of one application (the caseworkers' mail with every answer and the
//! receipt, HTML and text parts each) from the editors' words: the notifier's own work per
//! application, without I/O. Target: at most 50 µs.
//! Run: `cargo bench -p form-handler --bench mail`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use form_handler::forms::Forms;
use form_handler::mail::{mails_for, mime, sample};

fn bench(c: &mut Criterion) {
    let forms = Forms::embedded().expect("the embedded forms load");
    let form = forms.get("minivejledning").expect("the mini-course form");
    let app = sample::application(form, &forms);
    let from = form_handler::mail::Address::parse("ansoegninger@dagtilbud.example.dk").unwrap();
    c.bench_function("both mails of one application (minivejledning)", |b| {
        b.iter(|| {
            black_box(mails_for(&forms, black_box(&app), "https://dagtilbud.example.dk").unwrap())
        })
    });
    c.bench_function("both mails of one application, as MIME messages", |b| {
        b.iter(|| {
            let mails = mails_for(&forms, black_box(&app), "https://dagtilbud.example.dk").unwrap();
            black_box(
                mails
                    .iter()
                    .map(|m| mime::to_eml(m, &from, app.received_at))
                    .collect::<Vec<_>>(),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
