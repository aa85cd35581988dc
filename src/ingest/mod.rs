//! Reading reports: expand inputs (paths, directories, globs), detect each file's format by
//! content, parse files in parallel, and hand back normalised findings per input.
//!
//! A scanner is one file here (`trivy.rs`, `zap.rs`, `sarif.rs`) plus one arm in [`Format`].
//! Every parser has the same shape: `fn parse(bytes: &[u8], ctx: &ParseContext) ->
//! Result<ParsedReport, IngestError>`; `bytes` has had a UTF-8 BOM removed.
//!
//! Fail closed: a missing, empty, unreadable, truncated or unrecognised file is an
//! [`InputError`] naming the file; "no findings" only ever comes from a report that parsed.

mod detect;
mod inputs;
pub mod json;
pub mod sarif;
mod source;
pub mod trivy;
pub mod zap;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rayon::prelude::*;
use serde::Serialize;

use crate::model::{Finding, Scanner, Text};

pub use detect::detect_format;
pub use inputs::{ExpandError, InputSpec, ReportFile, expand_inputs};
pub use source::Release;
use source::ReportBytes;

/// The report formats scangate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Trivy JSON (`--format json`), every layout since 0.1x including Kubernetes reports.
    Trivy,
    /// OWASP ZAP XML or JSON report.
    Zap,
    /// SARIF 2.1.0 from any tool.
    Sarif,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Trivy, Format::Zap, Format::Sarif];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Trivy => "trivy",
            Format::Zap => "zap",
            Format::Sarif => "sarif",
        }
    }

    fn parser(self) -> fn(&[u8], &ParseContext) -> Result<ParsedReport, IngestError> {
        match self {
            Format::Trivy => trivy::parse,
            Format::Zap => zap::parse,
            Format::Sarif => sarif::parse,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown input format `{s}` (expected trivy, zap or sarif)"))
    }
}

/// Shares equal texts among a report's findings (titles that repeat result after result):
/// one copy of each, up to a bound on distinct texts, past which texts are simply copied, so
/// a report whose texts all differ costs what it did without sharing (issue 7).
#[derive(Debug, Default)]
pub(crate) struct SharedTexts(foldhash::HashSet<Text>);

impl SharedTexts {
    const LIMIT: usize = 4096;

    pub(crate) fn share(&mut self, s: &str) -> Text {
        if let Some(t) = self.0.get(s) {
            return Text::clone(t);
        }
        let t = Text::from(s);
        if self.0.len() < Self::LIMIT {
            self.0.insert(Text::clone(&t));
        }
        t
    }
}

/// What a parser needs to know besides the bytes.
#[derive(Debug, Clone)]
pub struct ParseContext {
    /// The input path as the user gave it (or as a directory/glob expanded to); stored on
    /// every finding.
    pub input: Text,
    /// Gives back input the parser has gone past (a no-op unless the report is mapped).
    pub release: Release,
    /// Other reports are read at the same time, enough to keep every core busy: a parser
    /// should not start a thread of its own.
    pub cores_busy: bool,
}

impl ParseContext {
    /// Whether a parser may read a report of `len` bytes on a second thread of its own: not
    /// when the user asked for one thread (`RAYON_NUM_THREADS=1`, a limit that must hold), nor
    /// when other reports keep the cores busy, nor below 4 MB, where the thread costs more
    /// than it saves (a 2 MB Trivy report: 7.5 → 8.5 ms with it).
    pub fn second_thread(&self, len: usize) -> bool {
        self.second_thread_from(len, 4 << 20)
    }

    /// [`ParseContext::second_thread`] with the parser's own smallest size for the thread.
    pub fn second_thread_from(&self, len: usize, min_bytes: usize) -> bool {
        len >= min_bytes && rayon::current_num_threads() > 1 && !self.cores_busy
    }
}

/// One parsed report.
#[derive(Debug, Clone, Default)]
pub struct ParsedReport {
    /// Tools that produced the report: one for Trivy and ZAP, one per run for SARIF.
    pub scanners: Vec<Scanner>,
    pub findings: Vec<Box<Finding>>,
    pub stats: ReportStats,
}

/// Facts about a report that are not findings but that the output must mention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportStats {
    /// Entries the scanner itself filtered out and listed apart (Trivy
    /// `ExperimentalModifiedFindings`): not findings, but reported so nothing vanishes unseen.
    pub upstream_suppressed: u64,
    /// SARIF results whose `kind` is not `fail` (pass, open, review, notApplicable,
    /// informational): counted, not findings.
    pub non_fail_results: u64,
    /// SARIF: number of runs. `Some(0)` means the log holds no tool run at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    /// Human-readable remarks about the input (layout detected, oddities tolerated).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Why a report could not be read. Positions are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    #[error("the file is empty")]
    Empty,
    #[error("the file contains only whitespace")]
    Blank,
    #[error("invalid JSON at line {line}, column {column}{}: {message}", path_suffix(.path))]
    Json {
        line: usize,
        column: usize,
        path: Option<String>,
        message: String,
    },
    #[error("invalid XML at line {line}, column {column}: {message}")]
    Xml {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unsupported {format} version `{version}`: {hint}")]
    UnsupportedVersion {
        format: Format,
        version: String,
        hint: &'static str,
    },
    #[error("not a {expected} report: {reason}")]
    WrongFormat { expected: Format, reason: String },
    #[error("cannot tell which scanner wrote this report: {reason}")]
    Undetected { reason: String },
    #[error("{message}")]
    Invalid { message: String },
}

fn path_suffix(path: &Option<String>) -> String {
    match path {
        Some(p) if p != "$" => format!(" (at {p})"),
        _ => String::new(),
    }
}

impl IngestError {
    pub(crate) fn json(err: &serde_json::Error, path: Option<String>) -> IngestError {
        // serde_json appends " at line L column C" to Display; keep the bare message.
        let full = err.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full,
        };
        let message = if err.is_eof() {
            format!("{message} (the file looks truncated)")
        } else {
            message
        };
        IngestError::Json {
            line: err.line(),
            column: err.column(),
            path,
            message,
        }
    }

    /// An XML error at byte `offset` of `bytes`.
    pub(crate) fn xml_at(bytes: &[u8], offset: u64, message: impl Into<String>) -> IngestError {
        let (line, column) = line_col(bytes, offset);
        IngestError::Xml {
            line,
            column,
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of byte `offset`; offsets past the end clamp.
pub fn line_col(bytes: &[u8], offset: u64) -> (usize, usize) {
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let before = &bytes[..end];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// A report that was read and parsed.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: Text,
    pub format: Format,
    pub report: ParsedReport,
}

/// A report that could not be read or parsed, with the file it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct InputError {
    pub path: PathBuf,
    pub kind: InputErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum InputErrorKind {
    /// The input named on the command line matched no file (missing path, empty directory,
    /// glob without matches).
    #[error("{0}")]
    NotFound(String),
    #[error("cannot read the file: {0}")]
    Io(#[source] std::io::Error),
    #[error("not a regular file ({0}); give report files, directories of reports, or globs")]
    NotAFile(&'static str),
    #[error("the file is {size} bytes, over the input size limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    /// The file reported a size within the limit but held more (a /proc file, a growing file).
    #[error("the file holds more than the input size limit of {limit} bytes")]
    ReadTooLarge { limit: u64 },
    #[error(transparent)]
    Parse(#[from] IngestError),
}

impl From<ExpandError> for InputError {
    fn from(e: ExpandError) -> Self {
        InputError {
            path: PathBuf::from(e.input),
            kind: InputErrorKind::NotFound(e.message),
        }
    }
}

/// Largest report scangate reads by default (2 GiB): a clear error instead of an OOM kill.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Reads and parses one file. `forced` skips content detection.
pub fn read_input(
    path: &Path,
    display: Text,
    forced: Option<Format>,
    max_bytes: u64,
) -> Result<Input, InputError> {
    read_report(path, display, forced, max_bytes, false)
}

/// [`read_input`], told whether other reports are being read at the same time.
fn read_report(
    path: &Path,
    display: Text,
    forced: Option<Format>,
    max_bytes: u64,
    cores_busy: bool,
) -> Result<Input, InputError> {
    let err = |kind| InputError {
        path: path.to_owned(),
        kind,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(InputErrorKind::Io(e)))?;
    if meta.is_dir() {
        return Err(err(InputErrorKind::NotAFile("a directory")));
    }
    if !meta.is_file() {
        // FIFOs, sockets and devices (/dev/zero) never end or block: refuse them.
        return Err(err(InputErrorKind::NotAFile("a device, FIFO or socket")));
    }
    if meta.len() > max_bytes {
        return Err(err(InputErrorKind::TooLarge {
            size: meta.len(),
            limit: max_bytes,
        }));
    }
    let file = std::fs::File::open(path).map_err(|e| err(InputErrorKind::Io(e)))?;
    let source = ReportBytes::load(file, meta.len(), max_bytes)
        .map_err(|e| err(InputErrorKind::Io(e)))?
        .ok_or_else(|| err(InputErrorKind::ReadTooLarge { limit: max_bytes }))?;
    parse_source(
        source.bytes(),
        display,
        forced,
        source.release(),
        cores_busy,
    )
    .map_err(|e| err(InputErrorKind::Parse(e)))
}

/// Parses an in-memory report (used by tests and fuzzing).
pub fn parse_bytes(
    bytes: &[u8],
    display: Text,
    forced: Option<Format>,
) -> Result<Input, IngestError> {
    parse_source(bytes, display, forced, Release::default(), false)
}

fn parse_source(
    bytes: &[u8],
    display: Text,
    forced: Option<Format>,
    release: Release,
    cores_busy: bool,
) -> Result<Input, IngestError> {
    let bytes = strip_bom(bytes)?;
    let format = match forced {
        Some(f) => f,
        None => detect_format(bytes)?,
    };
    let ctx = ParseContext {
        input: display.clone(),
        release,
        cores_busy,
    };
    let report = (format.parser())(bytes, &ctx)?;
    Ok(Input {
        path: display,
        format,
        report,
    })
}

/// Removes a UTF-8 BOM; rejects empty, whitespace-only and UTF-16/32 files with a clear error.
fn strip_bom(bytes: &[u8]) -> Result<&[u8], IngestError> {
    if bytes.is_empty() {
        return Err(IngestError::Empty);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // With or without a BOM: JSON and XML text never holds a NUL byte, and UTF-16/32 text
    // starting with an ASCII character has one within its first four bytes.
    if bytes.starts_with(b"\xFF\xFE")
        || bytes.starts_with(b"\xFE\xFF")
        || bytes.iter().take(4).any(|b| *b == 0)
    {
        return Err(IngestError::Invalid {
            message:
                "the file is UTF-16 (or UTF-32) encoded; convert it to UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)"
                    .into(),
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(IngestError::Blank);
    }
    Ok(bytes)
}

/// Parses every file in parallel. Returns inputs in the order given, and every error (not
/// just the first), so one run tells the user about all broken inputs.
pub fn read_all(files: &[ReportFile], max_bytes: u64) -> (Vec<Input>, Vec<InputError>) {
    let cores_busy = files.len() >= rayon::current_num_threads();
    let results: Vec<Result<Input, InputError>> = files
        .par_iter()
        .map(|f| read_report(&f.path, f.display.clone(), f.format, max_bytes, cores_busy))
        .collect();
    let mut inputs = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(i) => inputs.push(i),
            Err(e) => errors.push(e),
        }
    }
    (inputs, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\ncdé\nf".as_bytes();
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // 'é' is two bytes: the column after it is 4.
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 1000), (3, 2));
    }

    /// A report large enough to be mapped and given back in several steps, with a
    /// description per result so its text spans the pages given back.
    fn large_report(format: Format, entries: usize) -> String {
        let filler = "x".repeat(500);
        match format {
            Format::Sarif => {
                let results: Vec<String> = (0..entries)
                    .map(|i| {
                        format!(
                            r#"{{"ruleId":"r{r}","level":"error","message":{{"text":"finding {i} \u00e9 {filler}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/f{i}.c"}},"region":{{"startLine":{i}}}}}}}]}}"#,
                            r = i % 7
                        )
                    })
                    .collect();
                format!(
                    r#"{{"version":"2.1.0","runs":[{{"results":[{}],"tool":{{"driver":{{"name":"T","rules":[{{"id":"r0","shortDescription":{{"text":"rule zero"}}}}]}}}}}}]}}"#,
                    results.join(",")
                )
            }
            Format::Trivy => {
                let vulns: Vec<String> = (0..entries)
                    .map(|i| {
                        format!(
                            r#"{{"VulnerabilityID":"CVE-2024-{c}","PkgName":"p{i}","InstalledVersion":"1","Severity":"HIGH","Description":"d{c} {filler}","References":["https://x.test/{c}"]}}"#,
                            c = i % 97
                        )
                    })
                    .collect();
                format!(
                    r#"{{"SchemaVersion":2,"ArtifactName":"img","Results":[{{"Target":"t","Vulnerabilities":[{}]}}]}}"#,
                    vulns.join(",")
                )
            }
            Format::Zap => unreachable!("not used"),
        }
    }

    #[test]
    fn mapped_reports_read_as_in_memory_ones() {
        let dir = std::env::temp_dir().join(format!("scangate-mapped-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for format in [Format::Sarif, Format::Trivy] {
            // ~20 MB: mapped, and given back in steps while read.
            let text = large_report(format, 32_000);
            assert!(text.len() as u64 > 4 * source::MAP_MIN_BYTES);
            let path = dir.join(format!("large.{format}"));
            std::fs::write(&path, &text).unwrap();
            let mapped = read_input(&path, "r".into(), None, DEFAULT_MAX_INPUT_BYTES).unwrap();
            let in_memory = parse_bytes(text.as_bytes(), "r".into(), None).unwrap();
            assert_eq!(mapped.format, format);
            assert_eq!(mapped.report.findings.len(), 32_000);
            assert_eq!(mapped.report.findings, in_memory.report.findings);
            assert_eq!(mapped.report.stats, in_memory.report.stats);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_blank_and_utf16_are_errors() {
        assert_eq!(strip_bom(b""), Err(IngestError::Empty));
        assert_eq!(strip_bom(b" \n\t "), Err(IngestError::Blank));
        assert_eq!(strip_bom(b"\xEF\xBB\xBF"), Err(IngestError::Blank));
        assert!(matches!(
            strip_bom(b"\xFF\xFE{\x00"),
            Err(IngestError::Invalid { .. })
        ));
        assert_eq!(strip_bom(b"\xEF\xBB\xBFnull"), Ok(&b"null"[..]));
    }
}
