//! Compact JSON text for the large arrays of the reports (JSON findings and rules, SARIF
//! results): a serde `Serializer` writing into a `Vec<u8>` the bytes serde_json's compact
//! writer writes for the same value.
//!
//! Why not serde_json itself (issue 7): its string escaper looks at one byte at a time, and
//! the SARIF results went through `serde_json::Value` property bags and serde-sarif's owned
//! structs only to get their keys sorted — most of the cost of a large log. Here strings are
//! scanned eight bytes at a time, and [`Sorted`] marks a value whose object keys are written in
//! the order `serde_json::Value` gives them, without building one.
//!
//! Two options on top of serde_json's output: [`Escapes::Safe`] also writes DEL, C1 controls
//! and Unicode bidi controls as `\uXXXX` (the SARIF log's rule: see `sarif::SafeFormatter`,
//! which this must match byte for byte), and [`Sorted`] as above. Unit tests compare both with
//! serde_json on hostile text.

use serde::Serialize;
use serde::ser::{self, Error as _};

/// The error of a value that cannot be written as JSON (a map key that is not a string).
pub(crate) type Error = serde_json::Error;

/// Which characters beyond JSON's own are written as escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// What serde_json escapes: `"`, `\` and C0 controls.
    Json,
    /// Also DEL, C1 controls and bidi controls (so nothing in the raw text can reorder or hide
    /// what a reader sees).
    Safe,
}

/// `value` as compact JSON text (UTF-8: see [`Prerendered`]).
pub(crate) fn to_vec<T: ?Sized + Serialize>(value: &T, escapes: Escapes) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(2048);
    append(value, escapes, &mut out)?;
    Ok(out)
}

/// [`to_vec`], appending to `out`.
pub(crate) fn append<T: ?Sized + Serialize>(
    value: &T,
    escapes: Escapes,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let mut w = Writer::with_buffer(escapes, std::mem::take(out));
    let written = value.serialize(&mut w);
    *out = w.out;
    written
}

/// Compact JSON written by hand: keys and punctuation as literal text, values as the
/// serializer writes them. For the elements of the largest arrays (JSON findings), where
/// serde's calls per field cost more than writing the field (issue 7); each use is tested
/// against [`to_vec`] of the same value.
pub(crate) struct Fields<'a> {
    w: Writer,
    /// Where the text goes: it holds it again once the `Fields` is dropped.
    dest: &'a mut Vec<u8>,
}

impl<'a> Fields<'a> {
    /// Appending to `out`.
    pub(crate) fn append_to(out: &'a mut Vec<u8>, escapes: Escapes) -> Self {
        Fields {
            w: Writer::with_buffer(escapes, std::mem::take(out)),
            dest: out,
        }
    }

    /// Literal JSON text (`{"key":`, `,"key":`, `}`), written as it is.
    #[inline]
    pub(crate) fn raw(&mut self, text: &'static str) {
        self.w.out.extend_from_slice(text.as_bytes());
    }

    /// A string value, escaped.
    #[inline]
    pub(crate) fn str(&mut self, s: &str) {
        self.w.write_str(s);
    }

    /// `key` (literal, as for [`Fields::raw`]) and the string.
    #[inline]
    pub(crate) fn str_field(&mut self, key: &'static str, value: &str) {
        self.raw(key);
        self.str(value);
    }

    /// `key` (literal, as for [`Fields::raw`]) and the string, when there is one.
    #[inline]
    pub(crate) fn optional_str(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.str_field(key, value);
        }
    }

    /// `key` (literal, as for [`Fields::raw`]) and the strings as an array.
    pub(crate) fn str_array_field<'s>(
        &mut self,
        key: &'static str,
        values: impl IntoIterator<Item = &'s str>,
    ) {
        self.raw(key);
        self.raw("[");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.raw(",");
            }
            self.str(value);
        }
        self.raw("]");
    }

    /// `key` (literal, as for [`Fields::raw`]) and the value, through the serializer.
    #[inline]
    pub(crate) fn field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.raw(key);
        self.value(value)
    }

    /// [`Fields::field`] when there is a value (a field skipped when absent or empty).
    #[inline]
    pub(crate) fn optional_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: Option<&T>,
    ) -> Result<(), Error> {
        value.map_or(Ok(()), |value| self.field(key, value))
    }

    /// Any value, through the serializer.
    pub(crate) fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut self.w)
    }
}

impl Drop for Fields<'_> {
    fn drop(&mut self) {
        *self.dest = std::mem::take(&mut self.w.out);
    }
}

/// The members of an object written by hand: `{` before the first, `,` before the others.
#[derive(Default)]
pub(crate) struct Members {
    any: bool,
}

impl Members {
    pub(crate) fn key(&mut self, o: &mut Fields, key: &'static str) {
        o.raw(if std::mem::replace(&mut self.any, true) {
            ","
        } else {
            "{"
        });
        o.raw(key);
    }

    /// Each `(key, value)` that has a value, as a member (value through the serializer).
    pub(crate) fn values<T: Serialize>(
        &mut self,
        o: &mut Fields,
        members: impl IntoIterator<Item = (&'static str, Option<T>)>,
    ) -> Result<(), Error> {
        for (key, value) in members {
            if let Some(value) = value {
                self.key(o, key);
                o.value(&value)?;
            }
        }
        Ok(())
    }

    pub(crate) fn end(self, o: &mut Fields) {
        o.raw(if self.any { "}" } else { "{}" });
    }
}

/// [`to_vec`] as a `String`.
#[cfg(test)]
fn to_string<T: ?Sized + Serialize>(value: &T, escapes: Escapes) -> Result<String, Error> {
    String::from_utf8(to_vec(value, escapes)?).map_err(Error::custom)
}

/// Writes the wrapped value with the keys of every object in it in sorted order (by their
/// UTF-8 bytes, as `serde_json::Value`'s map holds them). With any other serializer it is the
/// value itself.
pub(crate) struct Sorted<T>(pub T);

const SORTED_TOKEN: &str = "$scangate::compact::Sorted";

impl<T: Serialize> Serialize for Sorted<T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(SORTED_TOKEN, &self.0)
    }
}

/// JSON text written as it is by serde_json's serializer (through the protocol of its
/// `raw_value` feature, as `RawValue` is): for elements rendered apart, in parallel, and then
/// written in order, without the copy and re-parse of `RawValue::from_string`.
///
/// From [`to_vec`]'s bytes: they are UTF-8 (only `&str`s and ASCII are written, and escapes
/// never split a character), which is checked again here, at several GB/s, rather than
/// trusted.
pub(crate) struct Prerendered<'a>(pub &'a [u8]);

/// serde_json's `raw_value` marker (`serde_json::raw::TOKEN`, not exported); a test checks that
/// it still writes the text unchanged.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl Serialize for Prerendered<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeStruct;
        let text = simdutf8::basic::from_utf8(self.0)
            .map_err(|_| ser::Error::custom("compact JSON writer: text is not UTF-8"))?;
        let mut st = s.serialize_struct(RAW_VALUE_TOKEN, 1)?;
        st.serialize_field(RAW_VALUE_TOKEN, text)?;
        st.end()
    }
}

struct Writer {
    out: Vec<u8>,
    safe: bool,
    /// Inside a [`Sorted`] value.
    sorted: bool,
    /// The keys of the open sorted objects, unescaped, one after another.
    keys: Vec<u8>,
    /// Emptied entry lists, reused by the next sorted object.
    entry_pool: Vec<Vec<Entry>>,
    /// The body of an object being reordered.
    scratch: Vec<u8>,
    /// A `Display` value's text (`collect_str`).
    text: String,
}

/// One member of a sorted object: its key (in `Writer::keys`) and its `"key":value` text (in
/// `Writer::out`).
#[derive(Clone, Copy)]
struct Entry {
    key: (usize, usize),
    text: (usize, usize),
}

impl Writer {
    fn with_buffer(escapes: Escapes, out: Vec<u8>) -> Self {
        Writer {
            out,
            safe: escapes == Escapes::Safe,
            sorted: false,
            keys: Vec::new(),
            entry_pool: Vec::new(),
            scratch: Vec::new(),
            text: String::new(),
        }
    }

    fn write_str(&mut self, s: &str) {
        write_escaped(&mut self.out, s, self.safe);
    }

    fn int(&mut self, v: impl itoa::Integer) -> Result<(), Error> {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        Ok(())
    }

    /// `{"variant":` before a variant's contents: a one-member object, closed after them (one
    /// member is in order whatever its key).
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        self.write_str(variant);
        self.out.push(b':');
    }

    fn object(&mut self, closing: &'static [u8]) -> Object<'_> {
        self.out.push(b'{');
        let entries = if self.sorted {
            self.entry_pool.pop().unwrap_or_default()
        } else {
            Vec::new()
        };
        Object {
            body: self.out.len(),
            keys_start: self.keys.len(),
            entries,
            in_order: true,
            pending_key: None,
            closing,
            w: self,
        }
    }

    fn array(&mut self, closing: &'static [u8]) -> Array<'_> {
        self.out.push(b'[');
        Array {
            w: self,
            first: true,
            closing,
        }
    }
}

/// Whether a byte needs a closer look: `"`, `\`, C0 controls and, in [`SAFE`], DEL and the
/// lead bytes of C1 controls (U+0080–U+009F), U+061C and the bidi controls in
/// U+200E–U+2069.
const JSON: [bool; 256] = flagged(false);
const SAFE: [bool; 256] = flagged(true);

const fn flagged(safe: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize;
        if safe {
            t[b] = t[b] || b == 0x7F || b == 0xC2 || b == 0xD8 || b == 0xE2;
        }
        b += 1;
    }
    t
}

/// The high bit of each byte of the little-endian word `x` that may need an escape: exact
/// about whether there is one below 0x20 or equal to `"` or `\` (the zero-byte bit trick), and
/// with `safe` also set for any byte of 0x7F or above (the tables decide which of those count).
/// Bits above a true one may be set too; callers only ask whether there is one, then look.
#[inline]
fn candidates(x: u64, safe: bool) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut hit = zero(x ^ (ONES * 0x22)) | zero(x ^ (ONES * 0x5C));
    hit |= x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    if safe {
        hit |= (x.wrapping_add(ONES) | x) & HIGHS;
    }
    hit
}

/// Eight bytes from `bytes[at..]` as a little-endian word.
#[inline]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Where the first byte of `bytes` that [`JSON`] (or [`SAFE`]) flags is: eight bytes at a
/// time while there are eight, where a word without any of them costs a dozen operations.
#[inline]
fn first_flagged(bytes: &[u8], safe: bool) -> Option<usize> {
    let table = if safe { &SAFE } else { &JSON };
    let mut i = 0;
    while i + 8 <= bytes.len() {
        if candidates(word_at(bytes, i), safe) != 0
            && let Some(k) = bytes[i..i + 8].iter().position(|&b| table[usize::from(b)])
        {
            return Some(i + k);
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&b| table[usize::from(b)])
        .map(|k| i + k)
}

/// Whether `key` is at most 32 bytes of printable ASCII other than `"` and `\`: written as
/// it is under either escaping. A word at a time ([`candidates`] with `safe`, which flags
/// every byte of 0x7F or above; a key of fewer than eight bytes is padded with a plain byte);
/// a false `false` only sends the key to the escaping writer.
#[inline]
fn plain_key(key: &[u8]) -> bool {
    let plain = |x: u64| candidates(x, true) == 0;
    let word = |at: usize| word_at(key, at);
    match key.len() {
        0..8 => {
            let mut w = [b'a'; 8];
            w[..key.len()].copy_from_slice(key);
            plain(u64::from_le_bytes(w))
        }
        // Overlapping words cover the rest.
        8..=16 => plain(word(0)) && plain(word(key.len() - 8)),
        17..=32 => {
            let n = key.len();
            plain(word(0)) && plain(word(8)) && plain(word(n - 16)) && plain(word(n - 8))
        }
        _ => false,
    }
}

/// `s` as a JSON string: serde_json's escapes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`,
/// `\u00xx`), and with `safe` the characters `sarif::SafeFormatter` escapes as `\uxxxx`.
fn write_escaped(out: &mut Vec<u8>, s: &str, safe: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut from = 0;
    while let Some(k) = first_flagged(&bytes[from..], safe) {
        let i = from + k;
        let b = bytes[i];
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0x00..=0x1F => b"",
            _ => {
                // DEL or a lead byte (safe only): a character boundary.
                let c = s[i..].chars().next().unwrap_or('\0');
                if c.is_control() || super::sarif::is_bidi_control(c) {
                    out.extend_from_slice(&bytes[start..i]);
                    // All of them are in the BMP: one UTF-16 unit.
                    let unit = c as u32;
                    out.extend_from_slice(b"\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(HEX[((unit >> shift) & 0xF) as usize]);
                    }
                    start = i + c.len_utf8();
                }
                from = i + c.len_utf8();
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
        from = start;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

struct Array<'w> {
    w: &'w mut Writer,
    first: bool,
    closing: &'static [u8],
}

impl Array<'_> {
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        if !std::mem::take(&mut self.first) {
            self.w.out.push(b',');
        }
        value.serialize(&mut *self.w)
    }

    fn finish(self) -> Result<(), Error> {
        self.w.out.push(b']');
        self.w.out.extend_from_slice(self.closing);
        Ok(())
    }
}

/// serde's four sequence traits, all written as a JSON array.
macro_rules! array_impls {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Array<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}

array_impls!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

struct Object<'w> {
    w: &'w mut Writer,
    /// Where the object's members start in `w.out` (after `{`).
    body: usize,
    /// Where this object's keys start in `w.keys`.
    keys_start: usize,
    /// The members so far (sorted objects only).
    entries: Vec<Entry>,
    /// Whether the members came in sorted order so far (then nothing is moved).
    in_order: bool,
    /// A map key written, waiting for its value: (its key, where its text starts).
    pending_key: Option<((usize, usize), usize)>,
    /// Written after `}` (a variant's enclosing object).
    closing: &'static [u8],
}

impl Object<'_> {
    /// Starts a member: the separator, and for a sorted object its place.
    fn begin_member(&mut self) -> usize {
        if self.w.out.len() > self.body {
            self.w.out.push(b',');
        }
        self.w.out.len()
    }

    fn key_str(&mut self, key: &str) -> Result<(), Error> {
        let start = self.begin_member();
        let sorted_key = if self.w.sorted {
            let k = self.w.keys.len();
            self.w.keys.extend_from_slice(key.as_bytes());
            Some((k, self.w.keys.len()))
        } else {
            None
        };
        // Keys are nearly always short identifiers: then `"key":` goes in with one copy.
        if plain_key(key.as_bytes()) {
            let out = &mut self.w.out;
            out.reserve(key.len() + 3);
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
        } else {
            self.w.write_str(key);
            self.w.out.push(b':');
        }
        if let Some(k) = sorted_key {
            self.pending_key = Some((k, start));
        }
        Ok(())
    }

    fn end_member(&mut self) {
        let Some((key, start)) = self.pending_key.take() else {
            return;
        };
        if let Some(last) = self.entries.last() {
            let keys = &self.w.keys;
            if keys[last.key.0..last.key.1] > keys[key.0..key.1] {
                self.in_order = false;
            }
        }
        self.entries.push(Entry {
            key,
            text: (start, self.w.out.len()),
        });
    }

    fn finish(mut self) -> Result<(), Error> {
        let w = &mut *self.w;
        if !self.in_order {
            // Rewrite the members in key order (stable: equal keys keep their order).
            let keys = &w.keys;
            self.entries
                .sort_by(|a, b| keys[a.key.0..a.key.1].cmp(&keys[b.key.0..b.key.1]));
            w.scratch.clear();
            w.scratch.extend_from_slice(&w.out[self.body..]);
            w.out.truncate(self.body);
            for (n, e) in self.entries.iter().enumerate() {
                if n > 0 {
                    w.out.push(b',');
                }
                w.out
                    .extend_from_slice(&w.scratch[e.text.0 - self.body..e.text.1 - self.body]);
            }
        }
        w.keys.truncate(self.keys_start);
        if self.entries.capacity() > 0 {
            self.entries.clear();
            w.entry_pool.push(std::mem::take(&mut self.entries));
        }
        w.out.push(b'}');
        w.out.extend_from_slice(self.closing);
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        // The key's text, gathered first (keys are short) so it can be kept for sorting.
        let mut text = String::new();
        key.serialize(KeyText(&mut text))?;
        self.key_str(&text)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.w)?;
        self.end_member();
        Ok(())
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// serde's two struct traits, written as a JSON object.
macro_rules! struct_impls {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Object<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.key_str(key)?;
                ser::SerializeMap::serialize_value(self, value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish()
            }
        }
    )*};
}

struct_impls!(SerializeStruct, SerializeStructVariant);

/// `serialize_i8` … `serialize_u128`, each calling `self.int`.
macro_rules! int_methods {
    () => {
        int_methods!(
            serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
            serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64, serialize_u128: u128
        );
    };
    ($($method:ident: $int:ty),*) => {$(
        fn $method(self, v: $int) -> Result<(), Error> {
            self.int(v)
        }
    )*};
}

impl<'w> ser::Serializer for &'w mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'w>;
    type SerializeTuple = Array<'w>;
    type SerializeTupleStruct = Array<'w>;
    type SerializeTupleVariant = Array<'w>;
    type SerializeMap = Object<'w>;
    type SerializeStruct = Object<'w>;
    type SerializeStructVariant = Object<'w>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    int_methods!();
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // `serde_json::Value` holds an `f32` as the `f64` it converts to.
        if self.sorted {
            return self.serialize_f64(f64::from(v));
        }
        serde_json::to_writer(&mut self.out, &v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // Rare (CVSS scores): serde_json's own digits, and `null` when not finite.
        serde_json::to_writer(&mut self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.write_str(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.write_str(v);
        Ok(())
    }
    /// Formatted into a buffer kept for the next call (serde's default allocates a `String`
    /// each time: a severity source per finding).
    fn collect_str<T: ?Sized + std::fmt::Display>(self, value: &T) -> Result<(), Error> {
        use std::fmt::Write as _;
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        write!(text, "{value}").map_err(Error::custom)?;
        self.write_str(&text);
        self.text = text;
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        ser::Serializer::collect_seq(self, v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.write_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if name == SORTED_TOKEN && !self.sorted {
            self.sorted = true;
            let r = value.serialize(&mut *self);
            self.sorted = false;
            return r;
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut o = self.object(b"");
        o.key_str(variant)?;
        ser::SerializeMap::serialize_value(&mut o, value)?;
        o.finish()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'w>, Error> {
        Ok(self.array(b""))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Array<'w>, Error> {
        Ok(self.array(b""))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Array<'w>, Error> {
        Ok(self.array(b""))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Array<'w>, Error> {
        self.open_variant(variant);
        Ok(self.array(b"}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'w>, Error> {
        Ok(self.object(b""))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Object<'w>, Error> {
        Ok(self.object(b""))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Object<'w>, Error> {
        self.open_variant(variant);
        Ok(self.object(b"}"))
    }
}

/// A map key's text: strings, characters, integers, booleans and unit variants, as
/// serde_json writes them as keys.
struct KeyText<'a>(&'a mut String);

impl KeyText<'_> {
    fn int(self, v: impl itoa::Integer) -> Result<(), Error> {
        self.0.push_str(itoa::Buffer::new().format(v));
        Ok(())
    }
}

fn key_must_be_a_string() -> Error {
    Error::custom("key must be a string")
}

impl ser::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    int_methods!();
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.0.push(v);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.push_str(v);
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.0.push_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_keys_are_exactly_the_short_printable_ascii_ones_without_quote_or_backslash() {
        let printable = |b: u8| (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\';
        for len in [1, 7, 8, 9, 15, 16, 17, 31, 32] {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut key = vec![b'k'; len];
                    key[at] = b;
                    assert_eq!(
                        super::plain_key(&key),
                        printable(b),
                        "{b:#x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(super::plain_key(b""));
        assert!(!super::plain_key(&[b'k'; 33]));
    }

    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    enum Shape {
        Unit,
        New(u8),
        Tuple(u8, &'static str),
        Struct { z: u8, a: Option<u8> },
    }

    #[derive(Serialize)]
    struct Sample {
        #[serde(rename = "a key longer than thirty-two bytes, with \"quotes\"")]
        quoted_key: u8,
        zeta: &'static str,
        alpha: Vec<Shape>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        none: Option<u8>,
        float: f64,
        nan: f64,
        small: f32,
        map: BTreeMap<String, i64>,
        nested: Inner,
        chars: char,
        unit: (),
        shown: Collected,
        long_key: u8,
    }

    /// Written with `collect_str`, as `json::Shown` writes `Display` values.
    struct Collected;

    impl Serialize for Collected {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&format_args!("{} and {}", NASTY, 12))
        }
    }

    #[derive(Serialize)]
    struct Inner {
        b: i8,
        a: Vec<Inner>,
        #[serde(flatten)]
        more: BTreeMap<&'static str, u8>,
    }

    const NASTY: &str = "plain \" quote \\ back \n\r\t\u{8}\u{c} \u{0}\u{1f} del\u{7f} c1\u{85}\u{9f} \
                          \u{a0}nbsp é ü 中文 bidi\u{202e}x\u{2066}\u{200e}\u{061c} \u{2028} 😀 end";

    fn sample() -> Sample {
        Sample {
            quoted_key: 0,
            zeta: NASTY,
            alpha: vec![
                Shape::Unit,
                Shape::New(7),
                Shape::Tuple(1, "t"),
                Shape::Struct { z: 1, a: None },
            ],
            skipped: None,
            none: None,
            float: 9.1,
            nan: f64::NAN,
            small: 0.1,
            map: [("b\"q".to_owned(), -3), ("a".to_owned(), 4)].into(),
            nested: Inner {
                b: -1,
                a: vec![Inner {
                    b: 2,
                    a: vec![],
                    more: [("zz", 1), ("aa", 2)].into(),
                }],
                more: BTreeMap::new(),
            },
            chars: '\u{202a}',
            unit: (),
            shown: Collected,
            long_key: 1,
        }
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let value = sample();
        assert_eq!(
            to_string(&value, Escapes::Json).unwrap(),
            serde_json::to_string(&value).unwrap()
        );
        for s in [
            NASTY,
            "",
            "12345678",
            "1234567\"",
            "\u{1}2345678901234567\\",
        ] {
            assert_eq!(
                to_string(s, Escapes::Json).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn sorted_writes_what_a_value_writes() {
        let value = sample();
        let expected = serde_json::to_string(&serde_json::to_value(&value).unwrap()).unwrap();
        assert_eq!(to_string(&Sorted(&value), Escapes::Json).unwrap(), expected);
        // Only inside `Sorted`: the outer object keeps its order.
        let mixed = json!(null);
        #[derive(Serialize)]
        struct Outer<'a> {
            z: Sorted<&'a Sample>,
            a: serde_json::Value,
        }
        let text = to_string(
            &Outer {
                z: Sorted(&value),
                a: mixed,
            },
            Escapes::Json,
        )
        .unwrap();
        assert_eq!(text, format!("{{\"z\":{expected},\"a\":null}}"));
    }

    #[test]
    fn safe_escapes_match_the_sarif_formatter() {
        let value = sample();
        let mut expected = Vec::new();
        crate::report::sarif::write_compact_safe(&value, &mut expected).unwrap();
        let text = to_string(&value, Escapes::Safe).unwrap();
        assert_eq!(text.as_bytes(), expected);
        for c in [
            '\u{7f}', '\u{85}', '\u{202e}', '\u{2069}', '\u{200f}', '\u{61c}',
        ] {
            let s = format!("ab{c}cd{c}");
            assert!(!to_string(&s, Escapes::Safe).unwrap().contains(c), "{c:?}");
        }
        // Lead bytes of characters that are not escaped stay as they are.
        assert_eq!(
            to_string("\u{a9}\u{2014}\u{600}", Escapes::Safe).unwrap(),
            "\"\u{a9}\u{2014}\u{600}\""
        );
    }

    #[test]
    fn map_keys_must_be_strings() {
        let map: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(to_string(&map, Escapes::Json).is_err());
        let ints: BTreeMap<u32, u8> = [(10, 1), (9, 2)].into();
        assert_eq!(
            to_string(&Sorted(&ints), Escapes::Json).unwrap(),
            serde_json::to_string(&serde_json::to_value(&ints).unwrap()).unwrap()
        );
    }

    #[test]
    fn prerendered_text_is_written_as_it_is() {
        let inner = to_string(&sample(), Escapes::Json).unwrap();
        let outer =
            serde_json::to_string(&vec![Prerendered(inner.as_bytes()), Prerendered(b"[1]")])
                .unwrap();
        assert_eq!(outer, format!("[{inner},[1]]"));
    }
}
