//! Conditions on findings shared by `[[rule]]`s, `[[waiver]]`s and imported ZAP rules: globs
//! over ids, scanners, paths, targets, packages and URLs.
//!
//! Glob syntax (the `globset` crate): `*` any run of characters *including* `/`, `?` one
//! character, `[a-z]` a class, `{a,b}` alternatives; a pattern matches the whole value. Ids and
//! scanner names compare case-insensitively (`cve-2021-*` matches `CVE-2021-44228`); paths,
//! targets, packages and URLs case-sensitively, as the systems they name do.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Serialize;

use crate::ingest::Format;
use crate::model::{Finding, FindingKind};

/// One or more glob patterns; matches when any of them does.
#[derive(Debug, Clone)]
pub struct Patterns {
    texts: Vec<String>,
    set: GlobSet,
}

impl Patterns {
    /// Compiles patterns, returning one error message per bad pattern.
    pub fn new(texts: &[String], case_insensitive: bool) -> Result<Patterns, Vec<String>> {
        let mut builder = GlobSetBuilder::new();
        let mut errors = Vec::new();
        if texts.is_empty() {
            errors.push("an empty list matches nothing; remove the key or add a pattern".into());
        }
        for text in texts {
            if text.is_empty() {
                errors.push("an empty pattern matches nothing".into());
                continue;
            }
            match GlobBuilder::new(text)
                .case_insensitive(case_insensitive)
                // `*` crosses `/`: ids (`python.lang.*`), URLs and paths alike.
                .literal_separator(false)
                .backslash_escape(true)
                .empty_alternates(true)
                .build()
            {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(e) => errors.push(format!("invalid glob `{text}`: {}", e.kind())),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set = builder
            .build()
            .map_err(|e| vec![format!("invalid glob set: {e}")])?;
        Ok(Patterns {
            texts: texts.to_vec(),
            set,
        })
    }

    pub fn is_match(&self, value: &str) -> bool {
        self.set.is_match(value)
    }

    pub fn texts(&self) -> &[String] {
        &self.texts
    }
}

impl Serialize for Patterns {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.texts.serialize(s)
    }
}

/// What a condition is checked against: the finding and the format of the report it came from
/// (which `scanner = "sarif"` needs; the model itself does not record formats).
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub finding: &'a Finding,
    pub format: Format,
}

/// The conditions of a rule or waiver. Every present condition must hold.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Conditions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scanner: Option<Patterns>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<FindingKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Patterns>,
    /// Exact fingerprint (waivers only), lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Patterns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Patterns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<Patterns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Patterns>,
    /// ZAP `OUTOFSCOPE` URL regex (anchored at the start, like Python's `re.match`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_regex")]
    pub url_regex: Option<Regex>,
}

fn ser_regex<S: serde::Serializer>(r: &Option<Regex>, s: S) -> Result<S::Ok, S::Error> {
    r.as_ref().map(Regex::as_str).serialize(s)
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.scanner.is_none()
            && self.kind.is_empty()
            && self.id.is_none()
            && self.fingerprint.is_none()
            && self.path.is_none()
            && self.target.is_none()
            && self.package.is_none()
            && self.url.is_none()
            && self.url_regex.is_none()
    }

    /// `None` when every condition holds; otherwise the name of the first one that does not
    /// (for `--explain`).
    pub fn mismatch(&self, s: &Subject<'_>) -> Option<&'static str> {
        let f = s.finding;
        if let Some(p) = &self.scanner
            && !(p.is_match(s.format.as_str()) || p.is_match(&f.scanner.name))
        {
            return Some("scanner");
        }
        if !self.kind.is_empty() && !self.kind.contains(&f.kind) {
            return Some("kind");
        }
        if let Some(p) = &self.id {
            let any = p.is_match(&f.rule_id) || f.vuln_ids.iter().any(|v| p.is_match(&v.id));
            if !any {
                return Some("id");
            }
        }
        if let Some(fp) = &self.fingerprint
            && f.fingerprint.to_hex() != *fp
        {
            return Some("fingerprint");
        }
        if let Some(p) = &self.path {
            let file = f.location.file.as_ref().map(|l| l.path.as_str());
            let pkg = f
                .location
                .package
                .as_ref()
                .and_then(|pk| pk.path.as_deref());
            let any = [file, pkg]
                .into_iter()
                .flatten()
                .any(|path| p.is_match(path) || p.is_match(path.trim_start_matches("./")));
            if !any {
                return Some("path");
            }
        }
        if let Some(p) = &self.target
            && !f.location.target.as_deref().is_some_and(|t| p.is_match(t))
        {
            return Some("target");
        }
        if let Some(p) = &self.package
            && !f
                .location
                .package
                .as_ref()
                .is_some_and(|pk| p.is_match(&pk.name))
        {
            return Some("package");
        }
        if let Some(p) = &self.url
            && !all_urls(f, |u| p.is_match(u))
        {
            return Some("url");
        }
        if let Some(re) = &self.url_regex
            && !all_urls(f, |u| re.is_match(u))
        {
            return Some("url");
        }
        None
    }

    pub fn matches(&self, s: &Subject<'_>) -> bool {
        self.mismatch(s).is_none()
    }
}

/// A web finding is "at" a URL pattern only when all its instances are (or, with none listed,
/// its site): a rule that ignores `/static/*` must not hide an instance on `/login`.
fn all_urls(f: &Finding, pred: impl Fn(&str) -> bool) -> bool {
    let Some(web) = &f.location.web else {
        return false;
    };
    if web.instances.is_empty() {
        pred(&web.site)
    } else {
        web.instances.iter().all(|i| pred(&i.uri))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats(p: &[&str], ci: bool) -> Patterns {
        Patterns::new(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>(), ci).expect("valid")
    }

    #[test]
    fn star_crosses_slashes_and_case_follows_the_flag() {
        let ids = pats(&["cve-2021-*", "python.lang.*"], true);
        assert!(ids.is_match("CVE-2021-44228"));
        assert!(ids.is_match("python.lang.security/audit"));
        assert!(!ids.is_match("CVE-2022-1"));
        let paths = pats(&["src/*.py"], false);
        assert!(paths.is_match("src/a/b.py"));
        assert!(!paths.is_match("SRC/a.py"));
        let alts = pats(&["{10016,10020}"], false);
        assert!(alts.is_match("10020"));
    }

    #[test]
    fn bad_and_empty_patterns_are_reported_each() {
        let errs =
            Patterns::new(&["[abc".into(), "".into(), "ok".into()], false).expect_err("invalid");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].contains("`[abc`"), "{errs:?}");
        assert!(Patterns::new(&[], false).is_err());
    }
}
