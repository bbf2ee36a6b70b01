//! Whether a template uses some fields of a page only to print them: its HTML
//! (`page.content`, `section.content`), its word count and reading time, its table of
//! contents, its breadcrumbs. Then their values cannot change whether a page's rendering
//! fails, or how: printing a string, a number or a list cannot fail, and nothing else sees
//! them. `site-gen check`, which renders every page only to find template errors, may then
//! leave them out: the HTML need be neither written nor kept, the words not counted, and
//! so on.
//!
//! The reading is conservative: anything it cannot be sure of counts as a use.

/// Whether `template` (Tera source) uses each of `fields` of `page` and `section` only in
/// `{{ page.FIELD }}` or `{{ page.FIELD | safe }}` (the same for `section`), never hands
/// `page` or `section` on whole (`{% set p = page %}`, `{{ page | json_encode }}`,
/// `page["content"]`), never dumps the context (`__tera_context`) and has nothing that
/// captures what it prints (`{% filter %}`, `{% set x %}...{% endset %}`, a component with
/// a body, `super()` with a filter) or that it cannot read (`{% raw %}`).
pub fn prints_only(template: &str, fields: &[&str]) -> bool {
    let bytes = template.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        let start = i + 2;
        let (end, print) = match bytes[i + 1] {
            b'#' => match template[start..].find("#}") {
                Some(len) => (start + len, None),
                None => return false,
            },
            b'{' => (start + code_len(&template[start..], "}}"), Some(true)),
            b'%' => (start + code_len(&template[start..], "%}"), Some(false)),
            _ => {
                i += 1;
                continue;
            }
        };
        if end > bytes.len() {
            return false;
        }
        if let Some(print) = print
            && !code_prints_only(&template[start..end], print, fields)
        {
            return false;
        }
        i = end + 2;
    }
    true
}

/// The length of the code before the first `delimiter` outside a string literal, or more
/// than `code`'s length when there is none.
fn code_len(code: &str, delimiter: &str) -> usize {
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' | b'`' => i = string_end(bytes, i),
            _ if bytes[i..].starts_with(delimiter.as_bytes()) => return i,
            _ => i += 1,
        }
    }
    usize::MAX / 2
}

/// Where the string literal opened by the quote at `bytes[start]` ends: just past its
/// closing quote, or past the end when it has none. Strings are Tera's: `"`, `'` or `` ` ``,
/// with `\` escaping the next byte.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != quote {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

/// The length of the identifier that starts `text` (0 if none does).
fn ident_len(text: &str) -> usize {
    (text.bytes())
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count()
}

/// One tag's code (between `{{` and `}}`, `print`, or `{%` and `%}`).
fn code_prints_only(code: &str, print: bool, fields: &[&str]) -> bool {
    let code = code.strip_prefix('-').unwrap_or(code);
    let code = code.strip_suffix('-').unwrap_or(code).trim();
    let masked = outside_strings(code);
    let words = words(code, &masked);
    let first = words.first().map(|&(_, w)| w);
    if !print {
        if code.starts_with('<') || matches!(first, Some("raw" | "filter")) {
            return false;
        }
        if matches!(first, Some("set" | "set_global")) && !masked.contains('=') {
            return false;
        }
        if matches!(first, Some("block" | "endblock")) {
            return true;
        }
    }
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    words.iter().all(|&(at, word)| match word {
        "__tera_context" => false,
        "super" => compact == "super()",
        "page" | "section" => match attribute(&code[at + word.len()..]) {
            Some(field) if fields.contains(&field) => {
                let printed = format!("{word}.{field}");
                print && (compact == printed || compact == format!("{printed}|safe"))
            }
            Some(_) => true,
            None => tests_definition(&code[at + word.len()..]),
        },
        _ => true,
    })
}

/// The name after a `.` that starts `rest`, if it does.
fn attribute(rest: &str) -> Option<&str> {
    let name = rest.strip_prefix('.')?;
    let len = ident_len(name);
    (len > 0).then(|| &name[..len])
}

/// Whether `rest` (what follows a variable) tests only that the variable is defined:
/// `is defined`, `is not defined`, `is undefined`.
fn tests_definition(rest: &str) -> bool {
    let mut words = rest.split_whitespace();
    if words.next() != Some("is") {
        return false;
    }
    let test = match words.next() {
        Some("not") => words.next(),
        other => other,
    };
    let test = test.unwrap_or("");
    matches!(&test[..ident_len(test)], "defined" | "undefined")
}

/// The identifiers of `code` outside string literals (`masked`: [`outside_strings`] of
/// it), with their offsets.
fn words<'c>(code: &'c str, masked: &str) -> Vec<(usize, &'c str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < masked.len() {
        match ident_len(&masked[i..]) {
            0 => i += masked[i..].chars().next().map_or(1, char::len_utf8),
            len => {
                if !masked.as_bytes()[i].is_ascii_digit() {
                    out.push((i, &code[i..i + len]));
                }
                i += len;
            }
        }
    }
    out
}

/// `code` with the insides of its string literals blanked out (same length, same offsets).
fn outside_strings(code: &str) -> String {
    let mut bytes = code.as_bytes().to_vec();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b'"' | b'\'' | b'`') {
            let end = string_end(&bytes, i);
            bytes[i + 1..(end - 1).min(code.len())].fill(b' ');
            i = end;
        } else {
            i += 1;
        }
    }
    // Whole characters were blanked: the quotes around them are ASCII.
    String::from_utf8(bytes).expect("blanked between ASCII quotes")
}

#[cfg(test)]
mod tests {
    use super::prints_only;

    fn prints_content_only(template: &str) -> bool {
        prints_only(template, &["content"])
    }

    #[test]
    fn printing_the_content_and_reading_other_fields_is_only_printing() {
        for t in [
            "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>\n{{ page.content | safe }}{% endblock content %}",
            "{{- section.content|safe -}}{% for p in section.pages %}{{ p.title }}{% endfor %}",
            "{{ page.content }}{# {{ page | json_encode }} #}{{ \"page\" }}",
            "{% if page.toc %}{{ page.toc | length }}{% endif %}{{ super() }}",
            "{%- if page is defined -%}{% elif section is not defined or x %}{% endif %}",
            "{% set title = page.title ~ \" }}\" %}{{ title }}",
            "<p class=\"page\">{ not a tag }</p>",
        ] {
            assert!(prints_content_only(t), "{t}");
        }
    }

    #[test]
    fn anything_else_that_could_read_the_content_is_a_use() {
        for t in [
            "{{ page.content | length }}",
            "{% if page.content %}x{% endif %}",
            "{% set c = section.content %}",
            "{% set p = page %}{{ p.content | safe }}",
            "{{ page | json_encode }}",
            "{{ page[\"content\"] }}",
            "{{ page . content }}",
            "{% if page is containing(pat=\"x\") %}{% endif %}",
            "{% if page is definedx %}{% endif %}",
            "{{ __tera_context }}",
            "{% filter upper %}{{ page.content | safe }}{% endfilter %}",
            "{% set all %}{{ page.content | safe }}{% endset %}{{ all | int }}",
            "{% <card()> %}{{ page.content | safe }}{% </card> %}",
            "{{ super() | length }}",
            "{% raw %}{{ \"{% endraw %}{{ page | json_encode }}\" }}",
            "{{ \"}}\" ~ page | json_encode }}",
            "{% for page in section.pages %}{{ page.content | safe }}{% endfor %}",
            "{{ page.content | safe",
            "{# never closed",
        ] {
            assert!(!prints_content_only(t), "{t}");
        }
    }

    #[test]
    fn letters_beyond_ascii_in_a_tag_are_read_not_split() {
        // Not valid Tera (the theme's compilation reports it), but read without a panic.
        assert!(prints_content_only(
            "{{ ø }}{% if æble %}x{% endif %}{{ page.content }}"
        ));
        assert!(!prints_content_only("{{ ø ~ page }}"));
    }

    #[test]
    fn each_field_is_judged_on_its_own() {
        let t = "{{ page.content | safe }} {{ page.reading_time }} min {% if page.word_count > 900 %}lang{% endif %}";
        assert!(prints_only(t, &["content", "reading_time"]));
        assert!(!prints_only(t, &["word_count"]));
        assert!(!prints_only(t, &["reading_time", "word_count"]));
    }
}
