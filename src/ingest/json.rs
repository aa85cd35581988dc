//! JSON plumbing shared by the JSON-based parsers: error positions with a JSON path, and
//! lenient field deserializers for producers that put the wrong type in a field we only
//! want to keep, never to decide on.

use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, Visitor};

use super::IngestError;

/// Deserializes `bytes` (BOM already stripped) into `T`.
///
/// The fast path is plain serde_json; only when it fails is the document parsed again through
/// `serde_path_to_error`, so the error can name the JSON path (`$.runs[0].results[3].level`)
/// without slowing down the common case.
pub fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, IngestError> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(v) => Ok(v),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => Some(json_path(e.path())),
                Ok(_) => None,
            };
            Err(IngestError::json(&first, path))
        }
    }
}

/// Renders serde_path_to_error's path as a JSONPath-like `$.a[0].b`.
pub(crate) fn json_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("$");
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    out.push('.');
                    out.push_str(key);
                } else {
                    out.push_str(&format!("[{key:?}]"));
                }
            }
            Segment::Enum { variant } => {
                out.push('.');
                out.push_str(variant);
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

/// The duplicate-key rule shared by the JSON parsers (issue 8; README "Hardening"). A key that
/// decides whether an entry is a finding, its severity, its suppression or status, or the id
/// rules and waivers match on may appear only once in an object: JSON readers disagree on
/// which copy of a repeated key counts (Go and Python keep the last, others the first), so a
/// report whose copies differ could show a reviewer one severity and the gate another. Such a
/// document is refused, with the line and column of the repeat. Other keys keep their last
/// value.
///
/// Each parser lists its deciding keys (at most 64) and tracks the ones seen in a per-object bit
/// set; `decision_bit` is a `const fn` so the parsers' derive-like macros pay nothing for keys
/// that do not decide.
pub(crate) const fn decision_bit(keys: &[&str], key: &str) -> u64 {
    let mut i = 0;
    while i < keys.len() {
        if const_str_eq(keys[i], key) {
            return 1 << i;
        }
        i += 1;
    }
    0
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Records `key` (whose [`decision_bit`] is `bit`) as seen in the current object; a second
/// sighting is an error naming the key and the object (serde_json adds the position).
pub(crate) fn refuse_repeat<E: de::Error>(
    seen: &mut u64,
    bit: u64,
    key: &str,
    object: &str,
) -> Result<(), E> {
    if bit == 0 {
        return Ok(());
    }
    if *seen & bit != 0 {
        return Err(E::custom(format_args!(
            "duplicate key `{key}` in {object}: a key that decides a finding's severity, status \
             or identity must appear once (JSON readers disagree on which copy counts)"
        )));
    }
    *seen |= bit;
    Ok(())
}

/// A string field that some producers fill with a number or `null`: numbers become their
/// decimal text, anything else `None`. Never fails.
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match LenientScalar::deserialize(d)? {
        LenientScalar::Str(s) => Some(s.into_owned()),
        LenientScalar::U(n) => Some(n.to_string()),
        LenientScalar::I(n) => Some(n.to_string()),
        LenientScalar::F(n) => Some(n.to_string()),
        LenientScalar::Bool(b) => Some(b.to_string()),
        LenientScalar::Other => None,
    })
}

/// A non-negative integer field that may arrive as a string, a float, a negative number or
/// something else entirely: only a value that is exactly a non-negative integer is kept.
pub fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match LenientScalar::deserialize(d)? {
        LenientScalar::U(n) => Some(n),
        LenientScalar::I(n) => u64::try_from(n).ok(),
        LenientScalar::F(f) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Some(f as u64),
        LenientScalar::Str(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A number that may arrive as a string (`"8.1"`, Semgrep and others write
/// `security-severity` as a string). Non-finite values are dropped.
pub fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = match LenientScalar::deserialize(d)? {
        LenientScalar::U(n) => Some(n as f64),
        LenientScalar::I(n) => Some(n as f64),
        LenientScalar::F(f) => Some(f),
        LenientScalar::Str(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    Ok(v.filter(|f| f.is_finite()))
}

/// Any JSON value reduced to what the lenient helpers need. Containers are skipped.
enum LenientScalar<'a> {
    Str(Cow<'a, str>),
    U(u64),
    I(i64),
    F(f64),
    Bool(bool),
    Other,
}

impl<'de> Deserialize<'de> for LenientScalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientScalar<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LenientScalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientScalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LenientScalar::Str(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LenientScalar::U(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LenientScalar::I(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LenientScalar::F(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(LenientScalar::Bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientScalar::Other)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientScalar::Other)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                LenientScalar::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LenientScalar::Other)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LenientScalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "lenient_u64")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "lenient_f64")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "lenient_string")]
        s: Option<String>,
    }

    fn probe(json: &str) -> Probe {
        from_slice(json.as_bytes()).expect("probe parses")
    }

    #[test]
    fn lenient_fields_accept_wrong_types_without_failing() {
        let p = probe(r#"{"n": "12", "f": "8.1", "s": 5}"#);
        assert_eq!((p.n, p.f, p.s.as_deref()), (Some(12), Some(8.1), Some("5")));
        let p = probe(r#"{"n": -3, "f": {"x": 1}, "s": [1]}"#);
        assert_eq!((p.n, p.f, p.s), (None, None, None));
        let p = probe(r#"{"n": 18446744073709551615, "f": 1.5e300}"#);
        assert_eq!((p.n, p.f), (Some(u64::MAX), Some(1.5e300)));
        // 1e400 is rejected by serde_json itself as out of range: a syntax error, see below.
        assert!(from_slice::<Probe>(br#"{"f": 1e400}"#).is_err());
    }

    #[test]
    fn errors_carry_line_column_and_path() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            runs: Vec<Run>,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Run {
            results: Vec<u32>,
        }
        let err = from_slice::<Doc>(b"{\n \"runs\": [{\"results\": [1, \"x\"]}]}").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("$.runs[0].results[1]"), "{text}");
    }
}
