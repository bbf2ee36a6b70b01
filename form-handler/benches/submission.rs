//! Parse + validate + encode one application (the handler's work per post, without I/O).
//! Target: at most 20 µs. Run: `cargo bench -p form-handler --bench submission`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use form_handler::forms::Forms;
use form_handler::submission::{PostedFields, Submission};

const BODY: &[u8] = b"ansoegertype=selvejende&institution=B%C3%B8rnehuset+M%C3%A6lkeb%C3%B8tten&cvr=10103940&kommune=101&adresse=R%C3%A5dhuspladsen+1&postnummer=1550&by=K%C3%B8benhavn&kontakt_navn=Anne+S%C3%B8rensen&kontakt_stilling=Dagtilbudsleder&kontakt_email=anne%40example.dk&kontakt_telefon=22+33+44+55&udfordring=Vi+vil+styrke+l%C3%A6ringsmilj%C3%B8erne+for+b%C3%B8rn+i+udsatte+positioner%2C+s%C3%A6rligt+i+overgangene+mellem+vuggestue+og+b%C3%B8rnehave%2C+og+vi+vil+inddrage+for%C3%A6ldrene+mere.&forventning=Sparring+om+organisering+af+l%C3%A6ringsmilj%C3%B8erne.&ledelsesopbakning=on&bestyrelsesopbakning=on&privatliv=on&website=";

fn bench(c: &mut Criterion) {
    let forms = Forms::embedded().expect("the embedded forms load");
    let form = forms.get("minivejledning").expect("the mini-course form");
    c.bench_function(
        "parse + validate + encode (minivejledning, urlencoded)",
        |b| {
            b.iter(|| {
                let raw = PostedFields::from_urlencoded(black_box(BODY)).unwrap();
                let submission = Submission::from_raw(form, &forms.kommuner, &raw)
                    .valid()
                    .unwrap();
                black_box(serde_json::to_vec(&submission.values).unwrap())
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
