//! Format detection by content, never by file name.
//!
//! JSON: the top-level keys decide (`runs` → SARIF; `SchemaVersion`, `Results`,
//! `ArtifactName`, Kubernetes keys → Trivy; `@programName`/`site` → ZAP JSON), wherever they
//! stand in the object. The scan stops at the first deciding key, so detecting a 1 GB report
//! costs little more than reading its first lines. XML: the root element decides.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Format, IngestError};

const HINT_NO_MARKER: &str = "it carries no format marker; old Trivy versions write `null` or \
`[]` for a scan without results: if that is what this is, pass `--input-format trivy`";

/// Decides the format of `bytes` (BOM already removed, not blank).
pub fn detect_format(bytes: &[u8]) -> Result<Format, IngestError> {
    let first = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied()
        .unwrap_or(b' ');
    match first {
        b'<' => detect_xml(bytes),
        b'{' | b'[' | b'n' | b't' | b'f' | b'"' | b'-' | b'0'..=b'9' => detect_json(bytes),
        _ => Err(IngestError::Undetected {
            reason: "the file is neither JSON nor XML (it may be an HTML, text or binary file)"
                .into(),
        }),
    }
}

fn detect_json(bytes: &[u8]) -> Result<Format, IngestError> {
    let decided = Cell::new(None);
    let keys = Cell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let seed = TopLevel {
        decided: &decided,
        keys: &keys,
    };
    let outcome = seed.deserialize(&mut de);
    if let Some(found) = decided.get() {
        return match found {
            Found::Format(f) => Ok(f),
            Found::NoMarker(what) => Err(IngestError::Undetected {
                reason: format!("the document is {what}; {HINT_NO_MARKER}"),
            }),
            Found::Foreign(what) => Err(IngestError::Undetected {
                reason: format!("the document is {what}, not a scanner report"),
            }),
        };
    }
    match outcome {
        Err(e) => Err(IngestError::json(&e, None)),
        Ok(()) => {
            let keys = keys.take();
            Err(IngestError::Undetected {
                reason: if keys.is_empty() {
                    "the JSON document has no keys that identify SARIF, Trivy or ZAP".into()
                } else {
                    format!(
                        "the JSON document's top-level keys ({}) match no supported format \
                         (SARIF has `runs` and `version`; Trivy has `SchemaVersion` or \
                         `Results`; ZAP has `site`)",
                        keys.join(", ")
                    )
                },
            })
        }
    }
}

#[derive(Clone, Copy)]
enum Found {
    Format(Format),
    NoMarker(&'static str),
    Foreign(&'static str),
}

/// Error used to stop the scan once the format is known; never shown to users.
struct Decided;
impl fmt::Display for Decided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("format decided")
    }
}

struct TopLevel<'a> {
    decided: &'a Cell<Option<Found>>,
    keys: &'a Cell<Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

fn decide<E: de::Error>(cell: &Cell<Option<Found>>, found: Found) -> Result<(), E> {
    cell.set(Some(found));
    Err(E::custom(Decided))
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let format = match key.as_ref() {
                "runs" => Some(Format::Sarif),
                "$schema" => {
                    let schema: Option<std::borrow::Cow<'de, str>> = map.next_value()?;
                    if schema.is_some_and(|s| s.to_ascii_lowercase().contains("sarif")) {
                        Some(Format::Sarif)
                    } else {
                        seen.push(key.into_owned());
                        continue;
                    }
                }
                "SchemaVersion" | "Results" | "ArtifactName" | "ArtifactType" | "ClusterName"
                | "Resources" => Some(Format::Trivy),
                "@programName" | "site" => Some(Format::Zap),
                _ => None,
            };
            if let Some(f) = format {
                return decide(self.decided, Found::Format(f));
            }
            if seen.len() < 8 {
                seen.push(key.into_owned());
            }
            map.next_value::<IgnoredAny>()?;
        }
        self.keys.set(seen);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // Legacy Trivy (before SchemaVersion 2) wrote a bare array of results.
        match seq.next_element_seed(FirstElementKeys)? {
            None => decide(self.decided, Found::NoMarker("an empty array")),
            Some(true) => decide(self.decided, Found::Format(Format::Trivy)),
            Some(false) => decide(
                self.decided,
                Found::Foreign("an array whose first element is not a Trivy result"),
            ),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        decide(self.decided, Found::NoMarker("JSON `null`"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        decide(self.decided, Found::Foreign("a JSON boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        decide(self.decided, Found::Foreign("a JSON number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        decide(self.decided, Found::Foreign("a JSON number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        decide(self.decided, Found::Foreign("a JSON number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        decide(self.decided, Found::Foreign("a JSON string"))
    }
}

/// True when the element is an object with a key only Trivy results have.
struct FirstElementKeys;

impl<'de> DeserializeSeed<'de> for FirstElementKeys {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FirstElementKeys {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Trivy result object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut trivy = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if matches!(
                key.as_ref(),
                "Target" | "Vulnerabilities" | "Misconfigurations" | "Secrets" | "Licenses"
            ) {
                trivy = true;
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(trivy)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
}

/// Finds the root element name, skipping the XML declaration, comments, processing
/// instructions and a DOCTYPE (whose entities are never processed: the ZAP parser rejects
/// entity declarations outright).
fn detect_xml(bytes: &[u8]) -> Result<Format, IngestError> {
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let rest = &bytes[i..];
        let skip_to = |pat: &[u8], from: usize| -> Result<usize, IngestError> {
            find(&bytes[from..], pat)
                .map(|p| from + p + pat.len())
                .ok_or_else(|| {
                    IngestError::xml_at(
                        bytes,
                        bytes.len() as u64,
                        "the file ends inside the prolog (truncated?)",
                    )
                })
        };
        if rest.starts_with(b"<?") {
            i = skip_to(b"?>", i + 2)?;
        } else if rest.starts_with(b"<!--") {
            i = skip_to(b"-->", i + 4)?;
        } else if rest.starts_with(b"<!") {
            // DOCTYPE, possibly with an internal subset in brackets.
            let mut depth = 0usize;
            let mut j = i + 2;
            loop {
                match bytes.get(j) {
                    None => {
                        return Err(IngestError::xml_at(bytes, j as u64, "unterminated DOCTYPE"));
                    }
                    Some(b'[') => depth += 1,
                    Some(b']') => depth = depth.saturating_sub(1),
                    Some(b'>') if depth == 0 => break,
                    _ => {}
                }
                j += 1;
            }
            i = j + 1;
        } else if rest.starts_with(b"<") {
            let name: Vec<u8> = rest[1..]
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && **b != b'>' && **b != b'/')
                .copied()
                .collect();
            let name = String::from_utf8_lossy(&name).into_owned();
            return if name == "OWASPZAPReport" {
                Ok(Format::Zap)
            } else if name.eq_ignore_ascii_case("html") {
                Err(IngestError::Undetected {
                    reason: "this is an HTML file (a ZAP HTML report?); scangate reads ZAP's XML \
                             or JSON report (`-x report.xml` / `-J report.json`)"
                        .into(),
                })
            } else {
                Err(IngestError::Undetected {
                    reason: format!(
                        "the XML root element is `{}`; the only XML report scangate reads is \
                         OWASP ZAP's (`OWASPZAPReport`)",
                        crate::text::truncate(&name, 60)
                    ),
                })
            };
        } else {
            return Err(IngestError::xml_at(
                bytes,
                i as u64,
                "expected an element, found text before the root element",
            ));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(s: &str) -> Result<Format, IngestError> {
        detect_format(s.as_bytes())
    }

    #[test]
    fn sarif_by_runs_anywhere_in_the_object() {
        assert_eq!(
            detect(r#"{"version":"2.1.0","runs":[]}"#),
            Ok(Format::Sarif)
        );
        assert_eq!(
            detect(r#"{"x": {"runs": 1}, "version":"2.1.0", "runs":[]}"#),
            Ok(Format::Sarif)
        );
        assert_eq!(
            detect(
                r#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0"}"#
            ),
            Ok(Format::Sarif)
        );
    }

    #[test]
    fn trivy_layouts() {
        assert_eq!(
            detect(r#"{"SchemaVersion":2,"Results":[]}"#),
            Ok(Format::Trivy)
        );
        assert_eq!(
            detect(r#"{"ClusterName":"c","Resources":[]}"#),
            Ok(Format::Trivy)
        );
        assert_eq!(
            detect(r#"[{"Target":"a","Vulnerabilities":null}]"#),
            Ok(Format::Trivy)
        );
    }

    #[test]
    fn zap_json_and_xml() {
        assert_eq!(
            detect(r#"{"@programName":"ZAP","site":[]}"#),
            Ok(Format::Zap)
        );
        assert_eq!(
            detect("<?xml version=\"1.0\"?>\n<!-- c --><OWASPZAPReport version=\"2.9\">"),
            Ok(Format::Zap)
        );
        // A comment before the declaration is tolerated.
        assert_eq!(
            detect("<!-- generated --><?xml version=\"1.0\"?><OWASPZAPReport/>"),
            Ok(Format::Zap)
        );
    }

    #[test]
    fn no_marker_documents_suggest_input_format() {
        for doc in ["null", "[]", " [ ] "] {
            let err = detect(doc).unwrap_err().to_string();
            assert!(err.contains("--input-format trivy"), "{doc}: {err}");
        }
    }

    #[test]
    fn foreign_documents_are_errors() {
        let err = detect(r#"{"name":"x","version":"1.0.0","dependencies":{}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("name, version, dependencies"), "{err}");
        assert!(detect("[1,2,3]").is_err());
        assert!(detect("42").is_err());
        let html = detect("<!DOCTYPE html><html><body>ZAP</body></html>")
            .unwrap_err()
            .to_string();
        assert!(html.contains("HTML"), "{html}");
        let other = detect("<project/>").unwrap_err().to_string();
        assert!(other.contains("`project`"), "{other}");
        assert!(detect("hello").is_err());
    }

    #[test]
    fn truncated_json_before_a_marker_is_a_syntax_error() {
        let err = detect(r#"{"name": "x", "#).unwrap_err();
        assert!(matches!(err, IngestError::Json { .. }), "{err:?}");
    }
}
