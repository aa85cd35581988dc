//! The JSON report: the stable contract other tools build on.
//!
//! Top-level keys: `schema_version`, `tool`, `verdict` (`pass`/`fail`/`error`), `exit_code`
//! (always the process's exit status), `inputs` (each with `path`, `format`, `scanner`,
//! `scanner_version`, `findings`, and `error` when it could not be read), `policy` (the
//! validated policy: thresholds, rules, waivers), `today` (the date waivers were checked
//! against), `waivers` (each waiver's state: `used`, `stale` or `expired`, and counts),
//! `missing_reports` (required scanners without a report), `summary`, `findings` (every finding,
//! with its `outcome`, `reason` and the `waiver` that applied) and `fixed`. The document is
//! streamed to the writer; no intermediate JSON tree is built.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;
use serde::ser::SerializeSeq;

use crate::ingest::{Format, ReportStats};
use crate::model::{
    Confidence, CvssScore, FindingKind, Fingerprint, Fix, Location, Severity, SeveritySource,
    ToolSuppression, VulnId,
};
use crate::policy::{Outcome, Policy, Waiver, WaiverState};
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
    today: String,
    waivers: Vec<JsonWaiverUse<'a>>,
    missing_reports: &'a [String],
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

/// A waiver and how it fared in this run.
#[derive(Serialize)]
struct JsonWaiverUse<'a> {
    number: usize,
    origin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    state: WaiverState,
    matched: u64,
    applied: u64,
    expires: Option<String>,
}

/// The waiver that applied to a finding.
#[derive(Serialize)]
struct JsonWaiver<'a> {
    number: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    reason: &'a str,
    expires: Option<String>,
    owner: Option<&'a str>,
}

impl<'a> From<&'a Waiver> for JsonWaiver<'a> {
    fn from(w: &'a Waiver) -> Self {
        JsonWaiver {
            number: w.number,
            id: w.id.as_deref(),
            fingerprint: w.conditions.fingerprint.as_deref(),
            reason: &w.reason,
            expires: w.expires.map(|d| d.to_string()),
            owner: w.owner.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    total: usize,
    by_outcome: BTreeMap<Outcome, u64>,
    by_severity: BTreeMap<Severity, u64>,
    by_scanner: &'a crate::verdict::Summary,
}

struct Findings<'a>(&'a [Evaluated], &'a Policy);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for e in self.0 {
            seq.serialize_element(&JsonFinding::new(e, self.1))?;
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
    severity_source: Shown<'a, SeveritySource>,
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
    waiver: Option<JsonWaiver<'a>>,
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

/// A value written as its `Display` text, without building a `String` per finding first.
struct Shown<'a, T>(&'a T);

impl<T: std::fmt::Display> Serialize for Shown<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

impl<'a> JsonFinding<'a> {
    fn new(e: &'a Evaluated, policy: &'a Policy) -> Self {
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
            severity_source: Shown(&f.severity_source),
            confidence: f.confidence,
            location: &f.location,
            fix: f.fix.as_ref(),
            references: &f.references,
            cwes: &f.cwes,
            outcome: e.decision.outcome,
            reason: &e.decision.reason,
            suppression: f.suppression.as_ref(),
            baseline: None,
            waiver: e
                .decision
                .waiver
                .and_then(|i| policy.waivers.get(i))
                .map(JsonWaiver::from),
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
        today: verdict.settings.today.to_string(),
        waivers: verdict
            .waiver_uses()
            .map(|(w, u)| JsonWaiverUse {
                number: w.number,
                origin: w.origin.to_string(),
                id: w.id.as_deref(),
                fingerprint: w.conditions.fingerprint.as_deref(),
                state: u.state,
                matched: u.matched,
                applied: u.applied,
                expires: w.expires.map(|d| d.to_string()),
            })
            .collect(),
        missing_reports: &verdict.missing_reports,
        summary: JsonSummary {
            total: verdict.findings.len(),
            by_outcome,
            by_severity,
            by_scanner: &verdict.summary,
        },
        findings: Findings(&verdict.findings, &verdict.policy),
        fixed: [],
    };
    // serde_json writes many small pieces; a large buffer keeps them off the `dyn Write`.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, &doc).map_err(std::io::Error::from)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{HOSTILE, hostile_verdict, policy_verdict, sample_verdict};

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

    #[test]
    fn waivers_and_policy_decisions_are_in_the_document() {
        let doc: serde_json::Value =
            serde_json::from_str(&rendered(&policy_verdict())).expect("valid JSON");
        assert_eq!(doc["verdict"], "error");
        assert_eq!(doc["exit_code"], 2);
        assert_eq!(doc["today"], "2026-06-01");
        assert_eq!(doc["missing_reports"], serde_json::json!(["gitleaks"]));
        let findings = doc["findings"].as_array().expect("findings");
        let waived = findings
            .iter()
            .find(|f| f["outcome"] == "waived")
            .expect("a waived finding");
        assert_eq!(
            waived["waiver"],
            serde_json::json!({
                "number": 1,
                "id": "TEMP-0841856-B18BAF",
                "reason": "not reachable: no shell in the runtime image",
                "expires": "2026-12-31",
                "owner": "platform"
            })
        );
        assert!(
            findings
                .iter()
                .all(|f| f["outcome"] == "waived" || f["waiver"].is_null())
        );
        let states: Vec<_> = doc["waivers"]
            .as_array()
            .expect("waivers")
            .iter()
            .map(|w| {
                (
                    w["state"].clone(),
                    w["matched"].clone(),
                    w["applied"].clone(),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                ("used".into(), 1.into(), 1.into()),
                ("stale".into(), 0.into(), 0.into()),
                ("expired".into(), 1.into(), 0.into()),
            ]
        );
        assert_eq!(
            doc["policy"]["rules"][0]["label"],
            "rule #1 (scangate.toml:4)"
        );
        assert_eq!(
            doc["policy"]["rules"][0]["match"]["kind"],
            serde_json::json!(["misconfiguration"])
        );
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;
    use crate::report::fixtures::{hostile_verdict, policy_verdict, sample_verdict};

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
        for verdict in [
            sample_verdict(),
            hostile_verdict(),
            error_verdict,
            policy_verdict(),
        ] {
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
