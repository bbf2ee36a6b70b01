//! The keys each kind of editors' YAML may have, one table per kind of mapping: the
//! unknown-key errors (with their suggestions) and the key tables in docs/ are both made
//! from them, so adding a key is one row.

use std::path::Path;

use super::places::{Places, Pos};
use crate::diagnostics::{Code, Diagnostic, suggest};

/// One key of a mapping.
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    /// What its value is, as the docs say it (`text`, `date YYYY-MM-DD`).
    pub kind: &'static str,
    pub required: bool,
    /// One line for the docs.
    pub about: &'static str,
    pub inner: Inner,
}

/// What a key's value holds, for the keys within it.
#[derive(Debug)]
pub enum Inner {
    /// A value with no keys of its own that are checked.
    Value,
    /// A mapping with the keys of this table.
    Map(&'static Table),
    /// A list of mappings with the keys of this table.
    List(&'static Table),
}

/// The keys one kind of mapping may have.
#[derive(Debug)]
pub struct Table {
    /// Names the table in docs/ (`<!-- keys: page -->`).
    pub id: &'static str,
    /// Where the docs explain these keys, for the hint of an unknown key far from any.
    pub docs: &'static str,
    pub keys: &'static [Key],
}

/// A key that its table does not have, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    pub key: String,
    /// The path of the key (`fields.1.max_lenght`).
    pub path: String,
    pub at: Pos,
    /// "did you mean `max_length`?", or the keys there are.
    pub hint: String,
}

impl UnknownKey {
    /// The error `message` at the key, its name underlined, with the hint; `line_offset`
    /// is the line of the file before the parsed text (1 for front matter after `---`).
    pub fn diagnostic(&self, path: &Path, line_offset: usize, message: String) -> Diagnostic {
        Diagnostic::new(Code::UnknownKey, path, self.at.line + line_offset, message)
            .column(self.at.column)
            .end(self.at.column + self.key.chars().count())
            .hint(self.hint.clone())
    }
}

impl Key {
    /// An optional key with a plain value.
    pub const fn new(name: &'static str, kind: &'static str, about: &'static str) -> Key {
        Key {
            name,
            kind,
            required: false,
            about,
            inner: Inner::Value,
        }
    }

    pub const fn required(mut self) -> Key {
        self.required = true;
        self
    }

    pub const fn map(mut self, table: &'static Table) -> Key {
        self.inner = Inner::Map(table);
        self
    }

    pub const fn list(mut self, table: &'static Table) -> Key {
        self.inner = Inner::List(table);
        self
    }
}

impl Table {
    pub fn get(&self, name: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.keys.iter().map(|k| k.name)
    }

    /// The hint for the unknown `key`: the key of this table it most likely stands for,
    /// else the keys there are.
    pub fn hint(&self, key: &str) -> String {
        match suggest(key, self.names()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                let names: Vec<String> = self.names().map(|n| format!("`{n}`")).collect();
                format!("the keys here are {} ({})", names.join(", "), self.docs)
            }
        }
    }

    /// The keys of the mapping at `path` that this table does not have, and those within
    /// its keys' mappings and lists, in the order they are written.
    pub fn unknown_keys(&self, places: &Places, path: &str) -> Vec<UnknownKey> {
        let mut out = Vec::new();
        self.collect_unknown(places, path, &mut out);
        out.sort_by_key(|u| u.at);
        out
    }

    fn collect_unknown(&self, places: &Places, path: &str, out: &mut Vec<UnknownKey>) {
        for (name, spot) in places.keys_of(path) {
            let full = if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            let Some(key) = self.get(name) else {
                out.push(UnknownKey {
                    key: name.to_string(),
                    path: full,
                    at: spot.key.unwrap_or(spot.value),
                    hint: self.hint(name),
                });
                continue;
            };
            match key.inner {
                Inner::Value => {}
                Inner::Map(table) => table.collect_unknown(places, &full, out),
                Inner::List(table) => {
                    for i in 0.. {
                        let item = format!("{full}.{i}");
                        if places.get(&item).is_none() {
                            break;
                        }
                        table.collect_unknown(places, &item, out);
                    }
                }
            }
        }
    }

    /// The table as the docs show it.
    pub fn markdown(&self) -> String {
        let mut out = String::from("| key | value | required | meaning |\n|---|---|---|---|\n");
        for k in self.keys {
            let required = if k.required { "yes" } else { "" };
            out.push_str(&format!(
                "| `{}` | {} | {required} | {} |\n",
                k.name, k.kind, k.about
            ));
        }
        out
    }
}

/// Replaces each `<!-- keys: ID -->` … `<!-- /keys -->` block of `doc` with the table of
/// that id from `tables`; the ids it found, in order. An id with no table is left as it is.
pub fn fill_docs(doc: &str, tables: &[&Table]) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut ids = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find("<!-- keys: ") {
        let Some(close) = rest[start..].find(" -->") else {
            break;
        };
        let id = &rest[start + "<!-- keys: ".len()..start + close];
        let opening_end = start + close + " -->\n".len();
        let Some(end) = rest[opening_end.min(rest.len())..].find("<!-- /keys -->") else {
            break;
        };
        let end = opening_end + end;
        out.push_str(&rest[..opening_end.min(rest.len())]);
        match tables.iter().find(|t| t.id == id) {
            Some(t) => out.push_str(&t.markdown()),
            None => out.push_str(&rest[opening_end..end]),
        }
        ids.push(id.to_string());
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    static INNER: Table = Table {
        id: "inner",
        docs: "docs/x.md",
        keys: &[Key::new("max_length", "number", "longest")],
    };
    static OUTER: Table = Table {
        id: "outer",
        docs: "docs/x.md",
        keys: &[
            Key::new("title", "text", "the title").required(),
            Key::new("fields", "list", "the fields").list(&INNER),
            Key::new("extra", "map", "anything"),
        ],
    };

    #[test]
    fn unknown_keys_are_found_at_every_depth_where_they_are_written() {
        let text =
            "titel: x\nfields:\n  - max_length: 1\n  - max_lenght: 2\nextra:\n  anything: 1\n";
        let found = OUTER.unknown_keys(&Places::of(text), "");
        let got: Vec<_> = found
            .iter()
            .map(|u| (u.path.as_str(), u.at.line, u.at.column, u.hint.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("titel", 1, 1, "did you mean `title`?"),
                ("fields.1.max_lenght", 4, 5, "did you mean `max_length`?"),
            ]
        );
        let far = OUTER.unknown_keys(&Places::of("colour: 1\n"), "");
        assert_eq!(
            far[0].hint,
            "the keys here are `title`, `fields`, `extra` (docs/x.md)"
        );
    }

    #[test]
    fn docs_blocks_are_filled_from_their_tables() {
        let doc = "a\n<!-- keys: inner -->\nold\n<!-- /keys -->\nb\n";
        let (filled, ids) = fill_docs(doc, &[&INNER, &OUTER]);
        assert_eq!(ids, ["inner"]);
        assert_eq!(
            filled,
            "a\n<!-- keys: inner -->\n| key | value | required | meaning |\n|---|---|---|---|\n| `max_length` | number |  | longest |\n<!-- /keys -->\nb\n"
        );
    }
}
