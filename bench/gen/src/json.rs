//! A streaming JSON writer into a byte buffer, with the escaping and indentation habits of
//! the tools being imitated: Go's `encoding/json` (Trivy: `<`, `>`, `&` as `\u003c`…, 2-space
//! indent), JavaScript's `JSON.stringify` (CodeQL: UTF-8 as is) and Python's `json.dumps`
//! (Semgrep: every non-ASCII character as `\uXXXX`).

use std::fmt::Display;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// `"`, `\`, control characters; UTF-8 written as is.
    Minimal,
    /// Go's `encoding/json`: also `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`.
    Go,
    /// Python's `json.dumps` default: everything outside ASCII as `\uXXXX` (surrogate pairs
    /// above the BMP).
    Ascii,
}

pub struct Json {
    pub buf: Vec<u8>,
    /// `Some(n)`: pretty-print with `n` spaces per level.
    indent: Option<usize>,
    /// Containers nested deeper than this are written compactly even when pretty-printing
    /// (one SARIF result member per line, its inside on that line).
    pub max_pretty_depth: usize,
    /// Per open container: whether it has a member yet.
    stack: Vec<bool>,
    after_key: bool,
    pub escape: Escape,
}

impl Json {
    pub fn new(indent: Option<usize>, escape: Escape) -> Json {
        Json {
            buf: Vec::with_capacity(1 << 20),
            indent,
            max_pretty_depth: usize::MAX,
            stack: Vec::new(),
            after_key: false,
            escape,
        }
    }

    /// Line break and indentation for a member of a container that is `depth` levels deep.
    fn newline(&mut self, depth: usize) {
        if depth > self.max_pretty_depth {
            return;
        }
        if let Some(n) = self.indent {
            self.buf.push(b'\n');
            self.buf
                .extend(std::iter::repeat_n(b' ', n * self.stack.len()));
        }
    }

    /// Comma and indentation before a value or key.
    fn prefix(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(has) = self.stack.last_mut() {
            let had = *has;
            *has = true;
            if had {
                self.buf.push(b',');
            }
            self.newline(self.stack.len());
        }
    }

    pub fn obj(&mut self) -> &mut Self {
        self.prefix();
        self.buf.push(b'{');
        self.stack.push(false);
        self
    }

    pub fn arr(&mut self) -> &mut Self {
        self.prefix();
        self.buf.push(b'[');
        self.stack.push(false);
        self
    }

    fn close(&mut self, c: u8) -> &mut Self {
        let depth = self.stack.len();
        let had = self.stack.pop().unwrap_or(false);
        if had {
            self.newline(depth);
        }
        self.buf.push(c);
        self
    }

    pub fn end_obj(&mut self) -> &mut Self {
        self.close(b'}')
    }

    pub fn end_arr(&mut self) -> &mut Self {
        self.close(b']')
    }

    pub fn key(&mut self, k: &str) -> &mut Self {
        self.prefix();
        self.escaped(k);
        self.buf.push(b':');
        if self.indent.is_some() {
            self.buf.push(b' ');
        }
        self.after_key = true;
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.prefix();
        self.escaped(s);
        self
    }

    /// A number, boolean or `null`, written as given.
    pub fn raw(&mut self, v: impl Display) -> &mut Self {
        use std::io::Write;
        self.prefix();
        let _ = write!(self.buf, "{v}");
        self
    }

    pub fn kv(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k).str(v)
    }

    pub fn kn(&mut self, k: &str, v: impl Display) -> &mut Self {
        self.key(k).raw(v)
    }

    /// `"k": {"text": v}`, SARIF's message shape.
    pub fn text_obj(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k).obj().kv("text", v).end_obj()
    }

    pub fn str_list<S: AsRef<str>>(&mut self, k: &str, items: &[S]) -> &mut Self {
        self.key(k).arr();
        for s in items {
            self.str(s.as_ref());
        }
        self.end_arr()
    }

    fn escaped(&mut self, s: &str) {
        self.buf.push(b'"');
        let mut start = 0;
        let bytes = s.as_bytes();
        for (i, c) in s.char_indices() {
            let esc: Option<&str> = match c {
                '"' => Some("\\\""),
                '\\' => Some("\\\\"),
                '\n' => Some("\\n"),
                '\r' => Some("\\r"),
                '\t' => Some("\\t"),
                _ => None,
            };
            let needs_u = match c {
                '\u{0}'..='\u{1f}' => esc.is_none(),
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => self.escape == Escape::Go,
                c if !c.is_ascii() => self.escape == Escape::Ascii,
                _ => false,
            };
            if esc.is_none() && !needs_u {
                continue;
            }
            self.buf.extend_from_slice(&bytes[start..i]);
            start = i + c.len_utf8();
            if let Some(e) = esc {
                self.buf.extend_from_slice(e.as_bytes());
            } else {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    use std::io::Write;
                    let _ = write!(self.buf, "\\u{u:04x}");
                }
            }
        }
        self.buf.extend_from_slice(&bytes[start..]);
        self.buf.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(indent: Option<usize>, escape: Escape, text: &str) -> String {
        let mut j = Json::new(indent, escape);
        j.obj()
            .kv("a", text)
            .key("b")
            .arr()
            .raw(1)
            .raw(true)
            .end_arr();
        j.key("c").obj().end_obj().end_obj();
        String::from_utf8(j.buf).expect("utf-8")
    }

    #[test]
    fn compact_pretty_and_escapes() {
        assert_eq!(
            render(None, Escape::Minimal, "x\"é\n"),
            r#"{"a":"x\"é\n","b":[1,true],"c":{}}"#
        );
        assert_eq!(
            render(Some(2), Escape::Go, "<&>"),
            "{\n  \"a\": \"\\u003c\\u0026\\u003e\",\n  \"b\": [\n    1,\n    true\n  ],\n  \"c\": {}\n}"
        );
        assert_eq!(
            render(None, Escape::Ascii, "é😀\u{1b}"),
            r#"{"a":"\u00e9\ud83d\ude00\u001b","b":[1,true],"c":{}}"#
        );
    }

    #[test]
    fn containers_below_the_pretty_depth_stay_on_one_line() {
        let mut j = Json::new(Some(2), Escape::Minimal);
        j.max_pretty_depth = 2;
        j.obj().key("results").arr();
        j.obj()
            .kn("line", 1)
            .key("loc")
            .obj()
            .kv("uri", "a")
            .end_obj()
            .end_obj();
        j.obj().kn("line", 2).end_obj();
        j.end_arr().end_obj();
        assert_eq!(
            String::from_utf8(j.buf).expect("utf-8"),
            "{\n  \"results\": [\n    {\"line\": 1,\"loc\": {\"uri\": \"a\"}},\n    {\"line\": 2}\n  ]\n}"
        );
    }
}
