//! Vulnerability and weakness identifiers that know their kind.
//!
//! Scanners name the same problem with different ids (Trivy: `CVE-...` or `GHSA-...`; Grype in
//! SARIF: the CVE as rule id; Semgrep: CWE tags). Typing them lets the policy match by id, the
//! reports link them, and later correlation join findings from different scanners.

use std::fmt;

use serde::{Serialize, Serializer};

/// The kind of a vulnerability identifier, decided from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VulnIdKind {
    Cve,
    Ghsa,
    /// Go vulnerability database (`GO-2023-1234`).
    Go,
    /// RustSec advisories (`RUSTSEC-2023-0001`).
    Rustsec,
    /// OSV-style ids of other ecosystems (`PYSEC-`, `GMS-`, `OSV-`, ...).
    Osv,
    /// Distribution advisories (`DSA-`, `DLA-`, `RHSA-`, `ALAS-`, `USN-`, ...).
    Distro,
    Other,
}

/// A typed vulnerability id such as `CVE-2021-44228` or `GHSA-jfh8-c2jp-5v3q`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VulnId {
    pub kind: VulnIdKind,
    /// The id as written, with CVE/GHSA prefixes upper-cased (`cve-2021-1` -> `CVE-2021-1`).
    pub id: String,
}

impl VulnId {
    /// Classifies an id. Returns `None` for empty strings and for strings that do not look like
    /// an advisory id (rule names, free text), so callers can skip them.
    pub fn parse(raw: &str) -> Option<VulnId> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 128 || raw.contains(char::is_whitespace) {
            return None;
        }
        let upper = raw.to_ascii_uppercase();
        let (kind, id) = if upper.starts_with("CVE-") {
            (VulnIdKind::Cve, upper)
        } else if upper.starts_with("GHSA-") {
            // GHSA ids are canonically `GHSA-xxxx-xxxx-xxxx` with lowercase groups.
            (
                VulnIdKind::Ghsa,
                format!("GHSA-{}", &raw[5..].to_ascii_lowercase()),
            )
        } else if upper.starts_with("GO-") {
            (VulnIdKind::Go, upper)
        } else if upper.starts_with("RUSTSEC-") {
            (VulnIdKind::Rustsec, upper)
        } else if ["PYSEC-", "GMS-", "OSV-", "GSD-", "MAL-", "BIT-", "SNYK-"]
            .iter()
            .any(|p| upper.starts_with(p))
        {
            (VulnIdKind::Osv, raw.to_owned())
        } else if [
            "DSA-",
            "DLA-",
            "RHSA-",
            "RHBA-",
            "ALAS",
            "USN-",
            "ELSA-",
            "SUSE-",
            "OPENSUSE-",
            "TEMP-",
        ]
        .iter()
        .any(|p| upper.starts_with(p))
        {
            (VulnIdKind::Distro, raw.to_owned())
        } else {
            return None;
        };
        Some(VulnId { kind, id })
    }

    /// Like [`VulnId::parse`] but keeps unrecognised non-empty ids as [`VulnIdKind::Other`]
    /// (for fields that are known to hold a vulnerability id, like Trivy's `VulnerabilityID`).
    pub fn parse_or_other(raw: &str) -> Option<VulnId> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return None;
        }
        Some(VulnId::parse(trimmed).unwrap_or_else(|| VulnId {
            kind: VulnIdKind::Other,
            id: trimmed.to_owned(),
        }))
    }
}

impl fmt::Display for VulnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl Serialize for VulnId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.id)
    }
}

/// Parses a CWE reference in any of the spellings scanners use: `CWE-79`, `cwe-79`, `79`,
/// `external/cwe/cwe-079` (CodeQL tags), `CWE-79: Improper Neutralization ...` (Semgrep tags).
pub fn parse_cwe(raw: &str) -> Option<u32> {
    let raw = raw.trim();
    let lower = raw.to_ascii_lowercase();
    let digits_start = if let Some(pos) = lower.rfind("cwe-") {
        pos + 4
    } else if lower.starts_with("cwe") {
        3
    } else {
        0
    };
    let digits: String = lower[digits_start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if digits.is_empty() || (digits_start == 0 && digits.len() != lower.len()) {
        return None;
    }
    digits.parse::<u32>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_ids() {
        assert_eq!(
            VulnId::parse("cve-2021-44228"),
            Some(VulnId {
                kind: VulnIdKind::Cve,
                id: "CVE-2021-44228".into()
            })
        );
        assert_eq!(
            VulnId::parse("GHSA-JFH8-C2JP-5V3Q").map(|v| (v.kind, v.id)),
            Some((VulnIdKind::Ghsa, "GHSA-jfh8-c2jp-5v3q".into()))
        );
        assert_eq!(
            VulnId::parse("GO-2022-0969").map(|v| v.kind),
            Some(VulnIdKind::Go)
        );
        assert_eq!(
            VulnId::parse("DLA-3008-1").map(|v| v.kind),
            Some(VulnIdKind::Distro)
        );
        assert_eq!(VulnId::parse("python.lang.security.audit"), None);
        assert_eq!(VulnId::parse(""), None);
    }

    #[test]
    fn keeps_unknown_ids_when_the_field_is_an_id() {
        assert_eq!(
            VulnId::parse_or_other("NSWG-ECO-428").map(|v| v.kind),
            Some(VulnIdKind::Other)
        );
        assert_eq!(VulnId::parse_or_other("  "), None);
    }

    #[test]
    fn parses_cwe_spellings() {
        assert_eq!(parse_cwe("CWE-79"), Some(79));
        assert_eq!(parse_cwe("external/cwe/cwe-079"), Some(79));
        assert_eq!(parse_cwe("CWE-89: Improper Neutralization"), Some(89));
        assert_eq!(parse_cwe("352"), Some(352));
        assert_eq!(parse_cwe("-1"), None);
        assert_eq!(parse_cwe("0"), None);
        assert_eq!(parse_cwe("security"), None);
    }
}
