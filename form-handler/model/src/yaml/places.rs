//! Where each key and value of a YAML text is written, nested ones included, found by an
//! event parser with spans (`saphyr-parser`; `serde_yaml` gives places for errors only).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, Span, SpannedEventReceiver};

/// A place in the text: 1-based line and column (the column counts characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Where one value is written, and its key when it is a mapping's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spot {
    pub key: Option<Pos>,
    pub value: Pos,
}

/// The places of a text's keys and values by path: keys and list indexes joined with `.`
/// (`fields.2.max_length`; the first field is `fields.0`). The root's path is `""`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places(HashMap<String, Spot>);

impl Places {
    /// The places of `text`'s keys and values; none when the parser refuses the text (its
    /// errors are `serde_yaml`'s to report).
    pub fn of(text: &str) -> Places {
        let mut walker = Walker::default();
        match Parser::new_from_str(text).load(&mut walker, false) {
            Ok(()) => Places(walker.places),
            Err(_) => Places::default(),
        }
    }

    pub fn get(&self, path: &str) -> Option<Spot> {
        self.0.get(path).copied()
    }

    /// Where the key of `path` is written; else its value; else the nearest enclosing
    /// path's; else the start of the text.
    pub fn key(&self, path: &str) -> Pos {
        self.find(path, |s| s.key.unwrap_or(s.value))
    }

    /// Where the value of `path` is written; else as [`Places::key`] finds.
    pub fn value(&self, path: &str) -> Pos {
        self.find(path, |s| s.value)
    }

    fn find(&self, path: &str, pick: impl Fn(&Spot) -> Pos) -> Pos {
        let mut path = path;
        loop {
            if let Some(spot) = self.0.get(path) {
                return pick(spot);
            }
            match path.rsplit_once('.') {
                Some((parent, _)) => path = parent,
                None if !path.is_empty() => path = "",
                None => return Pos { line: 1, column: 1 },
            }
        }
    }

    /// The keys of the mapping at `path`, in no particular order.
    pub fn keys_of<'a>(&'a self, path: &'a str) -> impl Iterator<Item = (&'a str, Spot)> + 'a {
        self.0.iter().filter_map(move |(p, spot)| {
            let rest = if path.is_empty() {
                p.as_str()
            } else {
                p.strip_prefix(path)?.strip_prefix('.')?
            };
            (!rest.is_empty() && !rest.contains('.') && spot.key.is_some()).then_some((rest, *spot))
        })
    }
}

fn pos(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

/// A mapping or a sequence being read.
enum Open {
    Map {
        path: String,
        /// The key just read, whose value comes next.
        key: Option<(String, Pos)>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Walker {
    stack: Vec<Open>,
    places: HashMap<String, Spot>,
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

impl Walker {
    /// Takes a node's start: a key when a mapping waits for one (its path then waits for the
    /// value), else a value, whose path it returns.
    fn node(&mut self, at: Pos, key_text: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => {
                self.places.insert(
                    String::new(),
                    Spot {
                        key: None,
                        value: at,
                    },
                );
                Some(String::new())
            }
            Some(Open::Map { path, key }) => match key.take() {
                None => {
                    // Complex keys (a mapping as a key) are given a placeholder name.
                    *key = Some((key_text.unwrap_or("?").to_string(), at));
                    None
                }
                Some((name, key_at)) => {
                    // A key written with a dot would read as a nested one: it gets no place.
                    if name.contains('.') {
                        return Some("?".into());
                    }
                    let full = join(path, &name);
                    let spot = Spot {
                        key: Some(key_at),
                        value: at,
                    };
                    self.places.insert(full.clone(), spot);
                    Some(full)
                }
            },
            Some(Open::Seq { path, next }) => {
                let full = join(path, &next.to_string());
                *next += 1;
                self.places.insert(
                    full.clone(),
                    Spot {
                        key: None,
                        value: at,
                    },
                );
                Some(full)
            }
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Walker {
    fn on_event(&mut self, ev: Event<'input>, span: Span) {
        let at = pos(&span);
        match ev {
            Event::Scalar(text, ..) => {
                self.node(at, Some(&text));
            }
            Event::Alias(_) => {
                self.node(at, None);
            }
            Event::MappingStart(..) => {
                if let Some(path) = self.node(at, None) {
                    self.stack.push(Open::Map { path, key: None });
                } else {
                    // A mapping as a key: read through, under a name no lookup uses.
                    self.stack.push(Open::Map {
                        path: "?".into(),
                        key: None,
                    });
                }
            }
            Event::SequenceStart(..) => {
                let path = self.node(at, None).unwrap_or_else(|| "?".into());
                self.stack.push(Open::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn every_key_and_value_has_its_place_nested_ones_included() {
        let text = "id: a\nrounds:\n  rule: x\nfields:\n  - id: navn\n    max_lenght: 80\n  - { id: b, type: text }\ntags: [x, y]\n";
        let p = Places::of(text);
        assert_eq!(
            p.get("id"),
            Some(Spot {
                key: Some(at(1, 1)),
                value: at(1, 5)
            })
        );
        assert_eq!(p.key("rounds.rule"), at(3, 3));
        assert_eq!(p.value("rounds.rule"), at(3, 9));
        assert_eq!(p.value("fields.0"), at(5, 5));
        assert_eq!(p.key("fields.0.max_lenght"), at(6, 5));
        assert_eq!(p.key("fields.1.type"), at(7, 14));
        assert_eq!(p.value("tags.1"), at(8, 11));
        // Unknown paths fall back to the nearest known one.
        assert_eq!(p.key("fields.0.label"), at(5, 5));
        assert_eq!(p.key("nothing"), at(1, 1));
        let mut keys: Vec<&str> = p.keys_of("fields.1").map(|(k, _)| k).collect();
        keys.sort();
        assert_eq!(keys, ["id", "type"]);
        let mut top: Vec<&str> = p.keys_of("").map(|(k, _)| k).collect();
        top.sort();
        assert_eq!(top, ["fields", "id", "rounds", "tags"]);
    }

    #[test]
    fn a_key_with_a_dot_is_not_taken_for_a_nested_one() {
        let p = Places::of("a:\n  b: 1\na.b: 2\n");
        assert_eq!(p.key("a.b"), at(2, 3));
        assert_eq!(p.keys_of("a").count(), 1);
    }

    #[test]
    fn columns_count_characters() {
        // `ø` is two bytes, one character.
        let p = Places::of("ø: x\nå: [æ, ø]\n");
        assert_eq!(p.value("ø"), at(1, 4));
        assert_eq!(p.value("å.1"), at(2, 8));
    }

    #[test]
    fn a_text_the_parser_refuses_has_no_places() {
        assert_eq!(Places::of("a: \"x\n"), Places::default());
    }
}
