//! Ids and URL parts from Danish text: "Faser og indhold" -> `faser-og-indhold`,
//! "Økonomi" -> `oekonomi`.

use std::collections::HashSet;

/// Lower-case ASCII letters, digits and single dashes; æ, ø and å spelt ae, oe and aa.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'æ' | 'ä' => "ae",
            'ø' | 'ö' => "oe",
            'å' => "aa",
            'ü' => "ue",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'á' | 'à' | 'â' => "a",
            'ó' | 'ò' | 'ô' => "o",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ú' | 'ù' | 'û' => "u",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(c);
                continue;
            }
            _ => {
                dash = true;
                continue;
            }
        };
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        out.push_str(mapped);
    }
    out
}

/// Hands out ids that are unique within one page: `faser`, `faser-1`, `faser-2`.
#[derive(Debug, Default)]
pub struct IdAllocator {
    used: HashSet<String>,
}

impl IdAllocator {
    /// An allocator that never hands out `taken` (ids the templates already use).
    pub fn with_taken<'a>(taken: impl IntoIterator<Item = &'a String>) -> Self {
        IdAllocator {
            used: taken.into_iter().cloned().collect(),
        }
    }

    /// Reserves an id chosen by the editor (`{#id}`); returns false if it was taken.
    pub fn reserve(&mut self, id: &str) -> bool {
        self.used.insert(id.to_string())
    }

    /// A fresh id for `text`.
    pub fn allocate(&mut self, text: &str) -> String {
        let mut base = slugify(text);
        if base.is_empty() {
            base = "afsnit".to_string();
        }
        if self.used.insert(base.clone()) {
            return base;
        }
        (1..)
            .map(|n| format!("{base}-{n}"))
            .find(|candidate| self.used.insert(candidate.clone()))
            .expect("an unused id exists")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_letters() {
        assert_eq!(slugify("Økonomi"), "oekonomi");
        assert_eq!(
            slugify("Kriterier for tildeling"),
            "kriterier-for-tildeling"
        );
        assert_eq!(slugify("Etårige forløb"), "etaarige-forloeb");
        assert_eq!(slugify("  Fase 1: Opstart!  "), "fase-1-opstart");
        assert_eq!(slugify("Ærø – Æbler"), "aeroe-aebler");
    }

    #[test]
    fn ids_are_unique_within_a_page() {
        let mut ids = IdAllocator::default();
        assert_eq!(ids.allocate("Økonomi"), "oekonomi");
        assert_eq!(ids.allocate("Økonomi"), "oekonomi-1");
        assert!(ids.reserve("kontakt"));
        assert_eq!(ids.allocate("Kontakt"), "kontakt-1");
        assert_eq!(ids.allocate("???"), "afsnit");
    }
}
