//! Stable identity of a problem across runs.
//!
//! A [`Fingerprint`] hashes explicit, normalised fields chosen per finding kind (see
//! [`FingerprintBuilder`] callers in `ingest/`). It never includes severity, description text
//! or a line number on its own, so a re-scored CVE or a re-worded message stays the same finding,
//! and a finding that moves down a file is recognised.

use std::fmt;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// 128-bit identity rendered as 32 lowercase hex characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// Starts a fingerprint in a namespace (`"pkg"`, `"code"`, `"web"`, ...), so equal field
    /// values of different kinds never collide.
    pub fn builder(namespace: &str) -> FingerprintBuilder {
        let mut b = FingerprintBuilder {
            hasher: Sha256::new(),
        };
        b.push_raw(namespace);
        b
    }

    pub fn to_hex(&self) -> String {
        self.hex_bytes().iter().map(|&b| char::from(b)).collect()
    }

    /// The 32 lowercase hex digits, without allocating (written once per finding per output).
    fn hex_bytes(&self) -> [u8; 32] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (i, byte) in self.0.iter().enumerate() {
            out[2 * i] = HEX[usize::from(byte >> 4)];
            out[2 * i + 1] = HEX[usize::from(byte & 0xf)];
        }
        out
    }

    /// Parses 32 hex characters (as written to JSON outputs and baselines).
    pub fn from_hex(s: &str) -> Option<Fingerprint> {
        let s = s.trim();
        if s.len() != 32 || !s.is_ascii() {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex_bytes();
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let hex = self.hex_bytes();
        match std::str::from_utf8(&hex) {
            Ok(s) => serializer.serialize_str(s),
            Err(_) => Err(serde::ser::Error::custom("fingerprint hex is ASCII")),
        }
    }
}

/// Feeds named fields into a fingerprint. Each field is length-prefixed, so
/// `("ab", "c")` and `("a", "bc")` differ.
pub struct FingerprintBuilder {
    hasher: Sha256,
}

impl FingerprintBuilder {
    fn push_raw(&mut self, value: &str) {
        self.hasher.update((value.len() as u64).to_le_bytes());
        self.hasher.update(value.as_bytes());
    }

    /// Adds a field verbatim (ids, package names, versions: already canonical).
    pub fn field(mut self, value: &str) -> Self {
        self.push_raw(value);
        self
    }

    /// Adds an optional field; absent and empty are the same.
    pub fn opt(self, value: Option<&str>) -> Self {
        self.field(value.unwrap_or(""))
    }

    /// Adds free text normalised for identity: surrounding whitespace trimmed and inner runs of
    /// whitespace folded, so re-indented code or re-wrapped messages keep their identity.
    pub fn text(mut self, value: &str) -> Self {
        let mut folded = String::with_capacity(value.len());
        for word in value.split_whitespace() {
            if !folded.is_empty() {
                folded.push(' ');
            }
            folded.push_str(word);
        }
        self.push_raw(&folded);
        self
    }

    pub fn finish(self) -> Fingerprint {
        let digest = self.hasher.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&digest[..16]);
        Fingerprint(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_length_prefixed() {
        let a = Fingerprint::builder("x").field("ab").field("c").finish();
        let b = Fingerprint::builder("x").field("a").field("bc").finish();
        assert_ne!(a, b);
    }

    #[test]
    fn namespace_separates_kinds() {
        let a = Fingerprint::builder("pkg").field("CVE-1").finish();
        let b = Fingerprint::builder("code").field("CVE-1").finish();
        assert_ne!(a, b);
    }

    #[test]
    fn text_folds_whitespace() {
        let a = Fingerprint::builder("c").text("  let x =  1;\n").finish();
        let b = Fingerprint::builder("c").text("let x = 1;").finish();
        assert_eq!(a, b);
    }

    #[test]
    fn hex_round_trips() {
        let f = Fingerprint::builder("w").field("10020").finish();
        let hex = f.to_hex();
        assert_eq!(hex.len(), 32);
        assert_eq!(Fingerprint::from_hex(&hex), Some(f));
        assert_eq!(Fingerprint::from_hex("zz"), None);
    }

    #[test]
    fn is_stable_across_releases() {
        // Baselines and tickets store fingerprints: changing the hash breaks every user's
        // baseline, so pin one value.
        let f = Fingerprint::builder("pkg")
            .field("CVE-2021-44228")
            .field("log4j-core")
            .finish();
        assert_eq!(f.to_hex(), "9f0f661cf41192ab9a5b2f0d5d129986");
    }
}
