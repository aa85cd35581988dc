//! The JSON report: the stable contract other tools build on.
//!
//! Top-level keys: `schema_version`, `tool`, `verdict` (`pass`/`fail`/`error`), `exit_code`
//! (always the process's exit status), `inputs` (each with `path`, `format`, `scanner`,
//! `scanner_version`, `findings`, and `error` when it could not be read), `policy`, `summary`,
//! `findings` (every finding, with its `outcome` and `reason`) and `fixed`. The document is
//! streamed to the writer; no intermediate JSON tree is built.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;
use serde::ser::SerializeSeq;

use crate::ingest::{Format, ReportStats};
use crate::model::{
    Confidence, CvssScore, FindingKind, Fingerprint, Fix, Location, Severity, ToolSuppression,
    VulnId,
};
use crate::policy::{Outcome, Policy};
use crate::verdict::{Evaluated, Verdict};

/// Bumped on any incompatible change to the document's shape.
pub const SCHEMA_VERSION: &str = "1.0";

#[derive(Serialize)]
struct Document<'a> {
    schema_version: &'static str,
    tool: Tool,
    verdict: &'static str,
    exit_code: u8,
    inputs: Vec<JsonInput<'a>>,
    policy: &'a Policy,
    summary: JsonSummary<'a>,
    findings: Findings<'a>,
    /// Baseline findings no longer present (filled once baselines exist).
    fixed: [(); 0],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonInput<'a> {
    path: &'a str,
    format: Option<Format>,
    /// First tool in the file (SARIF files may hold several runs: see `scanners`).
    scanner: Option<&'a str>,
    scanner_version: Option<&'a str>,
    scanners: Vec<&'a str>,
    findings: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<&'a ReportStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    total: usize,
    by_outcome: BTreeMap<Outcome, u64>,
    by_severity: BTreeMap<Severity, u64>,
    by_scanner: &'a crate::verdict::Summary,
}

struct Findings<'a>(&'a [Evaluated]);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for e in self.0 {
            seq.serialize_element(&JsonFinding::from(e))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    fingerprint: Fingerprint,
    scanner: &'a str,
    scanner_version: Option<&'a str>,
    kind: FindingKind,
    rule_id: &'a str,
    vuln_ids: &'a [VulnId],
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    severity: Severity,
    effective_severity: Severity,
    severity_source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<Confidence>,
    location: &'a Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a Fix>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    references: &'a [String],
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    cwes: &'a [u32],
    outcome: Outcome,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<&'a ToolSuppression>,
    /// `new` / `existing` against a baseline; null until a baseline is given.
    baseline: Option<&'static str>,
    /// The waiver that applied; null when none did.
    waiver: Option<()>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss: Option<&'a CvssScore>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tool_fingerprints: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_baseline_state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    input: &'a str,
}

impl<'a> From<&'a Evaluated> for JsonFinding<'a> {
    fn from(e: &'a Evaluated) -> Self {
        let f = &e.finding;
        JsonFinding {
            fingerprint: f.fingerprint,
            scanner: &f.scanner.name,
            scanner_version: f.scanner.version.as_deref(),
            kind: f.kind,
            rule_id: &f.rule_id,
            vuln_ids: &f.vuln_ids,
            title: &f.title,
            description: f.description.as_deref(),
            severity: f.severity,
            effective_severity: e.decision.effective_severity,
            severity_source: f.severity_source.to_string(),
            confidence: f.confidence,
            location: &f.location,
            fix: f.fix.as_ref(),
            references: &f.references,
            cwes: &f.cwes,
            outcome: e.decision.outcome,
            reason: &e.decision.reason,
            suppression: f.suppression.as_ref(),
            baseline: None,
            waiver: None,
            status: f.extra.status.as_deref(),
            cvss: f.extra.cvss.as_ref(),
            tags: &f.extra.tags,
            tool_fingerprints: &f.extra.tool_fingerprints,
            tool_baseline_state: f.extra.baseline_state.as_deref(),
            rule_name: f.extra.rule_name.as_deref(),
            help_uri: f.extra.help_uri.as_deref(),
            input: &f.input,
        }
    }
}

/// Writes the JSON report (pretty-printed, newline-terminated).
pub fn render(verdict: &Verdict, out: &mut dyn Write) -> std::io::Result<()> {
    let inputs = verdict
        .inputs
        .iter()
        .map(|i| JsonInput {
            path: &i.path,
            format: i.format,
            scanner: i.scanners.first().map(|s| &*s.name),
            scanner_version: i.scanners.first().and_then(|s| s.version.as_deref()),
            scanners: i.scanners.iter().map(|s| &*s.name).collect(),
            findings: i.findings,
            stats: i.stats.as_ref(),
            error: i.error.as_deref(),
        })
        .collect();
    let mut by_outcome = BTreeMap::new();
    let mut by_severity = BTreeMap::new();
    for f in &verdict.findings {
        *by_outcome.entry(f.decision.outcome).or_insert(0) += 1;
        *by_severity
            .entry(f.decision.effective_severity)
            .or_insert(0) += 1;
    }
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "scangate",
            version: env!("CARGO_PKG_VERSION"),
        },
        verdict: verdict.status.as_str(),
        exit_code: verdict.exit_status().code(),
        inputs,
        policy: &verdict.policy,
        summary: JsonSummary {
            total: verdict.findings.len(),
            by_outcome,
            by_severity,
            by_scanner: &verdict.summary,
        },
        findings: Findings(&verdict.findings),
        fixed: [],
    };
    let mut buffered = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut buffered, &doc).map_err(std::io::Error::from)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{HOSTILE, hostile_verdict, sample_verdict};

    fn rendered(verdict: &Verdict) -> String {
        let mut out = Vec::new();
        render(verdict, &mut out).expect("renders");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn sample_json() {
        let text = rendered(&sample_verdict());
        let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(doc["verdict"], "fail");
        assert_eq!(doc["exit_code"], 1);
        assert_eq!(doc["findings"].as_array().map(Vec::len), Some(8));
        assert_eq!(doc["summary"]["by_outcome"]["fail"], 2);
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("json_sample", text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]"));
        });
    }

    #[test]
    fn hostile_text_round_trips_exactly() {
        let text = rendered(&hostile_verdict());
        let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let web = doc["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["rule_id"] == "40012"))
            .expect("web finding");
        assert_eq!(web["title"], HOSTILE);
        assert!(!text.contains('\u{1b}'), "raw escape in JSON text");
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;
    use crate::report::fixtures::{hostile_verdict, sample_verdict};

    /// The committed schema (`schemas/report.schema.json`) must accept what scangate writes;
    /// `additionalProperties: false` makes the test fail when a field is added to the output but
    /// not to the schema.
    #[test]
    fn output_validates_against_the_committed_schema() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../schemas/report.schema.json"))
                .expect("schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let mut error_verdict = sample_verdict();
        error_verdict.inputs[1].error = Some("invalid JSON at line 1, column 2: EOF".into());
        error_verdict.status = crate::verdict::Status::Error;
        for verdict in [sample_verdict(), hostile_verdict(), error_verdict] {
            let mut out = Vec::new();
            render(&verdict, &mut out).expect("renders");
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
        }
        // The validator really validates: a wrong verdict is rejected.
        let bad = serde_json::json!({"schema_version": "1.0", "verdict": "maybe"});
        assert!(!validator.is_valid(&bad));
    }
}
