//! The baseline file: which findings already existed, and since when.
//!
//! `scangate baseline INPUT... -o scangate-baseline.json` records every finding's fingerprint
//! with the date it was first seen; `scangate check --baseline FILE` then classifies each
//! finding as `new` or `existing` and lists the entries that are gone (`fixed`). The policy
//! decides what that means for the gate (`gate`, `sla`; see `policy::evaluate`).
//!
//! # Format
//! JSON, described by `schemas/baseline.schema.json` (a test keeps them in step):
//! `schema_version` (`"1.0"`; a file of another major version is refused), `tool`, `created`,
//! `updated`, `scanners` (the reports it covers: format and tool name) and `entries`, sorted by
//! fingerprint. An entry says what the finding was — `fingerprint`, `format`, `scanner`, `kind`,
//! `rule_id`, `title`, `severity`, `location` (the table's short form) — and `first_seen` /
//! `last_seen` (`YYYY-MM-DD`, UTC). Only `fingerprint` and `first_seen` decide anything; the rest
//! lets `fixed` say what was fixed and lets a reviewer read the file. Unknown keys are ignored
//! (a later 1.x may add some).
//!
//! # Updating
//! Recording over an existing file merges ([`Baseline::record`]): findings still present keep
//! their `first_seen` (and get `last_seen` = today), new ones get today, and entries of a
//! scanner whose report is in this run but that no longer reports them are dropped as fixed.
//! Entries of scanners with no report in this run are kept as they are, so one baseline can be
//! built by several jobs. Re-running the documented command therefore never restarts a grace
//! period; `--reset` starts a new file.
//!
//! # Fixed
//! An entry is `fixed` when its scanner's report (same format and tool name) is among the inputs
//! and none of the current findings has its fingerprint. Entries of scanners without a report in
//! the run are never called fixed: a scan that did not run must not look like a clean one.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::path::Path;

use jiff::civil::Date;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::ingest::{Format, IngestError, Input};
use crate::model::{Finding, FindingKind, Fingerprint, Severity};
use crate::policy::parse_date;

/// The version written; files of another major version are refused.
pub const SCHEMA_VERSION: &str = "1.0";

/// The file name the documentation uses (`-o` defaults to it).
pub const DEFAULT_FILE_NAME: &str = "scangate-baseline.json";

/// Why a baseline file could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// A baseline named on the command line that does not exist: never the same as "empty",
    /// which would make every finding new (or, with `gate = "new"`, hide that the baseline is
    /// gone).
    #[error("baseline file {0} does not exist")]
    NotFound(String),
    #[error("cannot read baseline file {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("malformed baseline file {path}:{line}:{column}: {message}")]
    Malformed {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "baseline file {path} has schema_version `{found}`; this scangate reads {SCHEMA_VERSION} \
         (record it again with `scangate baseline`)"
    )]
    Version { path: String, found: String },
}

/// A finding's standing against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineStatus {
    /// Not in the baseline.
    New,
    /// In the baseline (or correlated with a finding that is) since this date.
    Existing { first_seen: Date },
}

impl BaselineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineStatus::New => "new",
            BaselineStatus::Existing { .. } => "existing",
        }
    }

    pub fn first_seen(self) -> Option<Date> {
        match self {
            BaselineStatus::New => None,
            BaselineStatus::Existing { first_seen } => Some(first_seen),
        }
    }
}

/// A report the baseline covers: its format and tool name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScannerRef {
    #[serde(serialize_with = "ser_display", deserialize_with = "de_from_str")]
    pub format: Format,
    pub name: String,
}

impl Ord for ScannerRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.format.as_str(), &self.name).cmp(&(other.format.as_str(), &other.name))
    }
}

impl PartialOrd for ScannerRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl ScannerRef {
    /// The identity `fixed` compares: format and tool name, case-insensitively.
    fn key(&self) -> (Format, String) {
        (self.format, self.name.trim().to_lowercase())
    }
}

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(serialize_with = "ser_display", deserialize_with = "de_fingerprint")]
    pub fingerprint: Fingerprint,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_from_str")]
    pub format: Format,
    pub scanner: String,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_kind")]
    pub kind: FindingKind,
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    /// The short location the table shows (`file.py:12`, `openssl@3.0.1 (alpine:3.19)`).
    pub location: String,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_date")]
    pub first_seen: Date,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_date")]
    pub last_seen: Date,
}

impl Entry {
    fn of(finding: &Finding, format: Format, first_seen: Date, today: Date) -> Entry {
        Entry {
            fingerprint: finding.fingerprint,
            format,
            scanner: finding.scanner.name.to_string(),
            kind: finding.kind,
            rule_id: finding.rule_id.to_string(),
            title: finding.title.to_string(),
            severity: finding.severity,
            location: finding.location.display_short(),
            first_seen,
            last_seen: today,
        }
    }

    fn scanner_key(&self) -> (Format, String) {
        (self.format, self.scanner.trim().to_lowercase())
    }
}

#[derive(Serialize, Deserialize)]
struct Tool {
    name: String,
    version: String,
}

/// The document as written.
#[derive(Serialize, Deserialize)]
struct Document {
    schema_version: String,
    tool: Tool,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_date")]
    created: Date,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_date")]
    updated: Date,
    scanners: Vec<ScannerRef>,
    entries: Vec<Entry>,
}

/// Only the version, read first so another major version gets its own message instead of a
/// shape error.
#[derive(Deserialize)]
struct VersionProbe {
    schema_version: Option<serde_json::Value>,
}

/// A loaded (or freshly recorded) baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// The file as named on the command line (for messages and reports).
    pub path: String,
    pub created: Date,
    pub updated: Date,
    /// Reports recorded into the baseline, sorted.
    pub scanners: Vec<ScannerRef>,
    /// Sorted by fingerprint, one per fingerprint.
    entries: Vec<Entry>,
    index: HashMap<Fingerprint, usize>,
}

/// What [`Baseline::record`] did, for the command's summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Findings not in the previous baseline.
    pub added: usize,
    /// Findings already in it (their `first_seen` kept).
    pub kept: usize,
    /// Previous entries of a scanner in this run that it no longer reports (dropped).
    pub fixed: usize,
    /// Previous entries of scanners without a report in this run (kept unchanged).
    pub carried: usize,
}

impl Baseline {
    /// Reads a baseline file. Missing, unreadable, malformed and other-version files are
    /// errors naming the file (and the line and column of a JSON error).
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BaselineError::NotFound(shown));
            }
            Err(source) => {
                return Err(BaselineError::Io {
                    path: shown,
                    source,
                });
            }
        };
        Baseline::parse(&bytes, &shown)
    }

    /// Parses baseline bytes; `shown` names the file in errors.
    pub fn parse(bytes: &[u8], shown: &str) -> Result<Baseline, BaselineError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let malformed = |e: IngestError| match e {
            IngestError::Json {
                line,
                column,
                path,
                message,
            } => BaselineError::Malformed {
                path: shown.to_owned(),
                line,
                column,
                message: match path {
                    Some(p) if p != "$" => format!("{message} (at {p})"),
                    _ => message,
                },
            },
            other => BaselineError::Malformed {
                path: shown.to_owned(),
                line: 1,
                column: 1,
                message: other.to_string(),
            },
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(BaselineError::Malformed {
                path: shown.to_owned(),
                line: 1,
                column: 1,
                message: "the file is empty".to_owned(),
            });
        }
        let probe: VersionProbe = crate::ingest::json::from_slice(bytes).map_err(malformed)?;
        let found = match &probe.schema_version {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        if found.split('.').next() != SCHEMA_VERSION.split('.').next() {
            return Err(BaselineError::Version {
                path: shown.to_owned(),
                found,
            });
        }
        let doc: Document = crate::ingest::json::from_slice(bytes).map_err(malformed)?;
        Ok(Baseline::from_parts(
            shown.to_owned(),
            doc.created,
            doc.updated,
            doc.scanners,
            doc.entries,
        ))
    }

    /// An empty baseline (what `--reset` and a first run start from).
    pub fn empty(path: impl Into<String>, today: Date) -> Baseline {
        Baseline::from_parts(path.into(), today, today, Vec::new(), Vec::new())
    }

    fn from_parts(
        path: String,
        created: Date,
        updated: Date,
        scanners: Vec<ScannerRef>,
        entries: Vec<Entry>,
    ) -> Baseline {
        // One entry per fingerprint; a hand-merged file with duplicates keeps the earliest
        // `first_seen` (the stricter reading: a grace period never grows).
        let mut by_fp: BTreeMap<Fingerprint, Entry> = BTreeMap::new();
        for e in entries {
            match by_fp.get_mut(&e.fingerprint) {
                Some(kept) => {
                    kept.first_seen = kept.first_seen.min(e.first_seen);
                    kept.last_seen = kept.last_seen.max(e.last_seen);
                }
                None => {
                    by_fp.insert(e.fingerprint, e);
                }
            }
        }
        let entries: Vec<Entry> = by_fp.into_values().collect();
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.fingerprint, i))
            .collect();
        let scanners: BTreeSet<ScannerRef> = scanners.into_iter().collect();
        Baseline {
            path,
            created,
            updated,
            scanners: scanners.into_iter().collect(),
            entries,
            index,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entry(&self, fingerprint: &Fingerprint) -> Option<&Entry> {
        self.index.get(fingerprint).map(|&i| &self.entries[i])
    }

    /// `new` or `existing` (with its first-seen date), by fingerprint alone.
    pub fn status(&self, fingerprint: &Fingerprint) -> BaselineStatus {
        match self.entry(fingerprint) {
            Some(e) => BaselineStatus::Existing {
                first_seen: e.first_seen,
            },
            None => BaselineStatus::New,
        }
    }

    /// Entries gone from this run: their scanner's report is among `present` but no finding
    /// has their fingerprint.
    pub fn fixed<'a>(
        &'a self,
        present: &[ScannerRef],
        current: &HashSet<Fingerprint>,
    ) -> Vec<&'a Entry> {
        let present: HashSet<(Format, String)> = present.iter().map(ScannerRef::key).collect();
        self.entries
            .iter()
            .filter(|e| present.contains(&e.scanner_key()) && !current.contains(&e.fingerprint))
            .collect()
    }

    /// The baseline after a run over `inputs` on `today`, starting from `previous` (see the
    /// module docs: present findings keep their first-seen date, fixed ones of present
    /// scanners are dropped, other scanners' entries are carried over).
    pub fn record(previous: &Baseline, inputs: &[Input], today: Date) -> (Baseline, RecordStats) {
        let present = scanners_of(inputs);
        let present_keys: HashSet<(Format, String)> = present.iter().map(ScannerRef::key).collect();
        let mut stats = RecordStats::default();
        let mut entries: BTreeMap<Fingerprint, Entry> = BTreeMap::new();
        for input in inputs {
            for f in &input.report.findings {
                if entries.contains_key(&f.fingerprint) {
                    continue;
                }
                let first_seen = match previous.entry(&f.fingerprint) {
                    Some(old) => {
                        stats.kept += 1;
                        old.first_seen.min(today)
                    }
                    None => {
                        stats.added += 1;
                        today
                    }
                };
                entries.insert(f.fingerprint, Entry::of(f, input.format, first_seen, today));
            }
        }
        for old in &previous.entries {
            if entries.contains_key(&old.fingerprint) {
                continue;
            }
            if present_keys.contains(&old.scanner_key()) {
                stats.fixed += 1;
            } else {
                stats.carried += 1;
                entries.insert(old.fingerprint, old.clone());
            }
        }
        let mut scanners = previous.scanners.clone();
        scanners.extend(present);
        let created = if previous.entries.is_empty() && previous.scanners.is_empty() {
            today
        } else {
            previous.created
        };
        (
            Baseline::from_parts(
                previous.path.clone(),
                created,
                today,
                scanners,
                entries.into_values().collect(),
            ),
            stats,
        )
    }

    /// Writes the baseline as pretty JSON, newline-terminated.
    pub fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let doc = Document {
            schema_version: SCHEMA_VERSION.to_owned(),
            tool: Tool {
                name: "scangate".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            created: self.created,
            updated: self.updated,
            scanners: self.scanners.clone(),
            entries: self.entries.clone(),
        };
        let mut buffered = std::io::BufWriter::new(out);
        serde_json::to_writer_pretty(&mut buffered, &doc).map_err(std::io::Error::from)?;
        buffered.write_all(b"\n")?;
        buffered.flush()
    }
}

/// The reports of a run as the baseline names them: each input's format with each of its tools.
pub fn scanners_of(inputs: &[Input]) -> Vec<ScannerRef> {
    let mut out: BTreeSet<ScannerRef> = BTreeSet::new();
    for input in inputs {
        for s in &input.report.scanners {
            out.insert(ScannerRef {
                format: input.format,
                name: s.name.to_string(),
            });
        }
    }
    out.into_iter().collect()
}

fn ser_display<T: fmt::Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

fn de_from_str<'de, T, D>(d: D) -> Result<T, D::Error>
where
    T: std::str::FromStr,
    T::Err: fmt::Display,
    D: Deserializer<'de>,
{
    let s = std::borrow::Cow::<str>::deserialize(d)?;
    s.parse().map_err(de::Error::custom)
}

fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let s = std::borrow::Cow::<str>::deserialize(d)?;
    parse_date(&s).map_err(de::Error::custom)
}

fn de_fingerprint<'de, D: Deserializer<'de>>(d: D) -> Result<Fingerprint, D::Error> {
    let s = std::borrow::Cow::<str>::deserialize(d)?;
    Fingerprint::from_hex(&s).ok_or_else(|| {
        de::Error::custom(format!(
            "invalid fingerprint `{s}`: expected 32 hex characters"
        ))
    })
}

fn de_kind<'de, D: Deserializer<'de>>(d: D) -> Result<FindingKind, D::Error> {
    const KINDS: [FindingKind; 6] = [
        FindingKind::Vulnerability,
        FindingKind::Misconfiguration,
        FindingKind::Secret,
        FindingKind::License,
        FindingKind::Code,
        FindingKind::Web,
    ];
    let s = std::borrow::Cow::<str>::deserialize(d)?;
    KINDS
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| de::Error::unknown_variant(&s, &KIND_NAMES))
}

const KIND_NAMES: [&str; 6] = [
    "vulnerability",
    "misconfiguration",
    "secret",
    "license",
    "code",
    "web",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ParsedReport, ReportStats};
    use crate::model::{Extra, Location, Scanner, SeveritySource};
    use jiff::civil::date;
    use std::sync::Arc;

    fn finding(scanner: &str, rule: &str) -> Finding {
        Finding {
            fingerprint: Fingerprint::builder("t")
                .field(scanner)
                .field(rule)
                .finish(),
            scanner: Arc::new(Scanner {
                name: scanner.into(),
                version: None,
            }),
            kind: FindingKind::Code,
            rule_id: rule.into(),
            vuln_ids: Box::default(),
            title: format!("{rule} title").into(),
            description: None,
            severity: Severity::High,
            severity_source: SeveritySource::new("test", ""),
            confidence: None,
            location: Location::default(),
            fix: None,
            references: Default::default(),
            cwes: Arc::default(),
            suppression: None,
            extra: Extra::default(),
            input: "r".into(),
        }
    }

    fn input(format: Format, scanner: &str, rules: &[&str]) -> Input {
        Input {
            path: format!("{scanner}.report").into(),
            format,
            report: ParsedReport {
                scanners: vec![Scanner {
                    name: scanner.into(),
                    version: None,
                }],
                findings: rules
                    .iter()
                    .map(|r| Box::new(finding(scanner, r)))
                    .collect(),
                stats: ReportStats::default(),
            },
        }
    }

    fn round_trip(b: &Baseline) -> Baseline {
        let mut out = Vec::new();
        b.write(&mut out).expect("writes");
        Baseline::parse(&out, "b.json").expect("reads back")
    }

    #[test]
    fn recording_twice_keeps_first_seen_and_drops_what_was_fixed() {
        let day1 = date(2026, 5, 1);
        let day2 = date(2026, 5, 20);
        let start = Baseline::empty("b.json", day1);
        let (b1, s1) = Baseline::record(
            &start,
            &[
                input(Format::Sarif, "Semgrep", &["A", "B"]),
                input(Format::Trivy, "Trivy", &["CVE-1"]),
            ],
            day1,
        );
        assert_eq!(
            s1,
            RecordStats {
                added: 3,
                ..RecordStats::default()
            }
        );
        let b1 = round_trip(&b1);
        assert_eq!(b1.len(), 3);
        assert_eq!(b1.created, day1);

        // Day 2: Semgrep no longer reports B but reports C; Trivy did not run.
        let (b2, s2) = Baseline::record(&b1, &[input(Format::Sarif, "Semgrep", &["A", "C"])], day2);
        assert_eq!(
            s2,
            RecordStats {
                added: 1,
                kept: 1,
                fixed: 1,
                carried: 1
            }
        );
        let b2 = round_trip(&b2);
        let a = b2
            .entry(&finding("Semgrep", "A").fingerprint)
            .expect("A kept");
        assert_eq!((a.first_seen, a.last_seen), (day1, day2));
        let c = b2.entry(&finding("Semgrep", "C").fingerprint).expect("C");
        assert_eq!(c.first_seen, day2);
        assert!(b2.entry(&finding("Semgrep", "B").fingerprint).is_none());
        let t = b2
            .entry(&finding("Trivy", "CVE-1").fingerprint)
            .expect("carried");
        assert_eq!((t.first_seen, t.last_seen), (day1, day1));
        assert_eq!((b2.created, b2.updated), (day1, day2));
        assert_eq!(b2.scanners.len(), 2);
    }

    #[test]
    fn classifies_by_fingerprint() {
        let day = date(2026, 5, 1);
        let (b, _) = Baseline::record(
            &Baseline::empty("b.json", day),
            &[input(Format::Sarif, "Semgrep", &["A"])],
            day,
        );
        assert_eq!(
            b.status(&finding("Semgrep", "A").fingerprint),
            BaselineStatus::Existing { first_seen: day }
        );
        assert_eq!(
            b.status(&finding("Semgrep", "Z").fingerprint),
            BaselineStatus::New
        );
    }

    #[test]
    fn fixed_only_for_scanners_present_in_the_run() {
        let day = date(2026, 5, 1);
        let (b, _) = Baseline::record(
            &Baseline::empty("b.json", day),
            &[
                input(Format::Sarif, "Semgrep", &["A", "B"]),
                input(Format::Trivy, "Trivy", &["CVE-1"]),
            ],
            day,
        );
        // This run: only Semgrep, and only A. B is fixed; Trivy's entry is not (no report).
        let now = [input(Format::Sarif, "semgrep", &["A"])];
        let current: HashSet<Fingerprint> = [finding("Semgrep", "A").fingerprint].into();
        let fixed: Vec<&str> = b
            .fixed(&scanners_of(&now), &current)
            .iter()
            .map(|e| e.rule_id.as_str())
            .collect();
        assert_eq!(fixed, ["B"]);
        // The same tool through another format is another report: nothing of it is fixed.
        let other_format = [input(Format::Sarif, "Trivy", &[])];
        assert!(
            b.fixed(&scanners_of(&other_format), &HashSet::new())
                .is_empty()
        );
    }

    #[test]
    fn malformed_files_name_the_position() {
        let err = Baseline::parse(
            b"{\n  \"schema_version\": \"1.0\",\n  \"entries\": [",
            "b.json",
        )
        .expect_err("truncated");
        let text = err.to_string();
        assert!(
            text.starts_with("malformed baseline file b.json:3:"),
            "{text}"
        );

        let bad_date = br#"{"schema_version": "1.0", "tool": {"name": "scangate", "version": "0"},
 "created": "2026-05-01", "updated": "2026-05-01", "scanners": [],
 "entries": [{"fingerprint": "00000000000000000000000000000000", "format": "sarif",
   "scanner": "S", "kind": "code", "rule_id": "R", "title": "t", "severity": "high",
   "location": "", "first_seen": "2026-13-01", "last_seen": "2026-05-01"}]}"#;
        let text = Baseline::parse(bad_date, "b.json")
            .expect_err("bad date")
            .to_string();
        assert!(
            text.starts_with("malformed baseline file b.json:5:"),
            "{text}"
        );
        assert!(text.contains("invalid date `2026-13-01`"), "{text}");
        assert!(text.contains("$.entries[0].first_seen"), "{text}");

        let text = Baseline::parse(b"", "b.json")
            .expect_err("empty")
            .to_string();
        assert_eq!(
            text,
            "malformed baseline file b.json:1:1: the file is empty"
        );

        let text = Baseline::parse(br#"{"schema_version": "2.0"}"#, "b.json")
            .expect_err("version")
            .to_string();
        assert!(text.contains("schema_version `2.0`"), "{text}");
    }

    #[test]
    fn missing_file_is_its_own_error() {
        let err = Baseline::load(Path::new("no/such/baseline.json")).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "baseline file no/such/baseline.json does not exist"
        );
    }

    #[test]
    fn duplicate_entries_keep_the_earliest_first_seen() {
        let fp = Fingerprint::builder("t").field("x").finish();
        let entry = |first: Date| Entry {
            fingerprint: fp,
            format: Format::Sarif,
            scanner: "S".into(),
            kind: FindingKind::Code,
            rule_id: "R".into(),
            title: "t".into(),
            severity: Severity::Low,
            location: String::new(),
            first_seen: first,
            last_seen: first,
        };
        let b = Baseline::from_parts(
            "b".into(),
            date(2026, 1, 1),
            date(2026, 1, 1),
            vec![],
            vec![entry(date(2026, 3, 1)), entry(date(2026, 2, 1))],
        );
        assert_eq!(b.len(), 1);
        assert_eq!(b.status(&fp).first_seen(), Some(date(2026, 2, 1)));
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;
    use crate::ingest::{ParsedReport, ReportStats};
    use crate::model::{Extra, Location, PackageLocation, Scanner, SeveritySource};
    use std::sync::Arc;

    /// The committed schema (`schemas/baseline.schema.json`) accepts what scangate writes and
    /// rejects what it would refuse to read.
    #[test]
    fn output_validates_against_the_committed_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schemas/baseline.schema.json"))
                .expect("schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let finding = Finding {
            fingerprint: Fingerprint::builder("t").field("x").finish(),
            scanner: Arc::new(Scanner {
                name: "Trivy".into(),
                version: Some("0.57.1".into()),
            }),
            kind: FindingKind::Vulnerability,
            rule_id: "CVE-2021-44228".into(),
            vuln_ids: Box::default(),
            title: "log4j".into(),
            description: None,
            severity: Severity::Critical,
            severity_source: SeveritySource::new("test", ""),
            confidence: None,
            location: Location {
                package: Some(Box::new(PackageLocation {
                    name: "log4j-core".into(),
                    version: Some("2.14.1".into()),
                    ..Default::default()
                })),
                ..Default::default()
            },
            fix: None,
            references: Default::default(),
            cwes: Arc::default(),
            suppression: None,
            extra: Extra::default(),
            input: "t.json".into(),
        };
        let inputs = [Input {
            path: "t.json".into(),
            format: Format::Trivy,
            report: ParsedReport {
                scanners: vec![Scanner::clone(&finding.scanner)],
                findings: vec![Box::new(finding)],
                stats: ReportStats::default(),
            },
        }];
        let day = jiff::civil::date(2026, 6, 1);
        let (b, _) = Baseline::record(&Baseline::empty("b.json", day), &inputs, day);
        let mut out = Vec::new();
        b.write(&mut out).expect("writes");
        let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "schema violations:\n{}",
            errors.join("\n")
        );
        assert_eq!(doc["entries"][0]["location"], "log4j-core@2.14.1");

        let mut bad = doc.clone();
        bad["entries"][0]["first_seen"] = "2026-6-1".into();
        assert!(!validator.is_valid(&bad));
        let mut bad = doc;
        bad["schema_version"] = "2.0".into();
        assert!(!validator.is_valid(&bad));
    }
}
