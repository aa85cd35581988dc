//! Conformance against real scanner outputs in `../shared/corpus` (outside the repository; the
//! test is skipped when the folder is absent, e.g. on a developer laptop).
//!
//! For every file the manifest marks `valid` or `schema-invalid`, scangate must parse it and
//! produce the finding count and per-severity counts that the manifest's independently computed
//! `raw_counts` imply under scangate's documented rules. Where the manifest cannot fix a bucket
//! (SARIF `security-severity`, Trivy UNKNOWN with a CVSS fallback), the count must lie within the
//! bounds the raw counts allow. Files with any other status must be rejected. Every mismatch is
//! reported, not just the first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scangate::ingest::{self, Format};
use scangate::model::Severity;
use serde_json::Value;

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SCANGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.join("manifest.json").is_file().then_some(dir)
}

/// Allowed range of a severity bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bounds {
    lo: u64,
    hi: u64,
}

impl Bounds {
    fn exact(n: u64) -> Self {
        Bounds { lo: n, hi: n }
    }
}

struct Expected {
    total: u64,
    buckets: BTreeMap<Severity, Bounds>,
}

fn n(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

fn expected_trivy(raw: &Value) -> Expected {
    let fail = raw["misconfigurations"]["FAIL"].as_u64().unwrap_or(0);
    let total = n(raw, "vulnerabilities") + fail + n(raw, "secrets") + n(raw, "licenses");
    let mut fixed: BTreeMap<Severity, u64> = BTreeMap::new();
    let mut flexible = 0;
    for key in ["severity_counts", "license_severity_counts"] {
        let Some(counts) = raw.get(key).and_then(Value::as_object) else {
            continue;
        };
        for (name, count) in counts {
            if name == "other" {
                // Missing or non-standard values: unknown unless CVSS decides.
                flexible += count
                    .as_object()
                    .map_or(0, |m| m.values().filter_map(Value::as_u64).sum());
                continue;
            }
            let count = count.as_u64().unwrap_or(0);
            match name.parse::<Severity>() {
                Ok(Severity::Unknown) | Err(_) => flexible += count,
                Ok(sev) => *fixed.entry(sev).or_default() += count,
            }
        }
    }
    let mut buckets = BTreeMap::new();
    for sev in Severity::ALL_DESC {
        let base = fixed.get(&sev).copied().unwrap_or(0);
        let bounds = match sev {
            // UNKNOWN falls back to the CVSS score, which can land it in any scored bucket.
            Severity::Critical | Severity::High | Severity::Medium | Severity::Low => Bounds {
                lo: base,
                hi: base + flexible,
            },
            Severity::Unknown => Bounds {
                lo: 0,
                hi: flexible,
            },
            Severity::Info => Bounds::exact(0),
        };
        buckets.insert(sev, bounds);
    }
    Expected { total, buckets }
}

fn expected_zap(raw: &Value) -> Expected {
    let mut buckets: BTreeMap<Severity, Bounds> = Severity::ALL_DESC
        .into_iter()
        .map(|s| (s, Bounds::exact(0)))
        .collect();
    if let Some(counts) = raw["riskcode_counts"].as_object() {
        for (code, count) in counts {
            let sev = match code.as_str() {
                "0" => Severity::Info,
                "1" => Severity::Low,
                "2" => Severity::Medium,
                "3" => Severity::High,
                _ => Severity::Unknown,
            };
            let c = count.as_u64().unwrap_or(0);
            let b = buckets.entry(sev).or_insert(Bounds::exact(0));
            b.lo += c;
            b.hi += c;
        }
    }
    Expected {
        total: n(raw, "alertitems"),
        buckets,
    }
}

fn expected_sarif(raw: &Value) -> Expected {
    let non_fail = n(raw, "results_with_non_fail_kind");
    // Results whose severity a security-severity score decides can land in any bucket.
    let scored = n(raw, "results_with_rule_security_severity")
        + n(raw, "results_with_result_property_security_severity");
    let mut by_level: BTreeMap<Severity, u64> = BTreeMap::new();
    if let Some(levels) = raw["level_counts"].as_object() {
        for (level, count) in levels {
            let sev = match level.as_str() {
                "error" => Severity::High,
                "warning" => Severity::Medium,
                "note" => Severity::Low,
                "none" => Severity::Info,
                _ => Severity::Unknown,
            };
            *by_level.entry(sev).or_default() += count.as_u64().unwrap_or(0);
        }
    }
    let buckets = Severity::ALL_DESC
        .into_iter()
        .map(|sev| {
            let base = by_level.get(&sev).copied().unwrap_or(0);
            let bounds = Bounds {
                // level_counts include non-fail results (not findings) and scored results.
                lo: base.saturating_sub(scored + non_fail),
                hi: base + scored,
            };
            (sev, bounds)
        })
        .collect();
    Expected {
        total: n(raw, "results") - non_fail,
        buckets,
    }
}

#[test]
fn corpus_counts_match_the_manifest() {
    let Some(dir) = corpus_dir() else {
        eprintln!("conformance: ../shared/corpus not found, skipped");
        return;
    };
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.join("manifest.json")).expect("manifest readable"),
    )
    .expect("manifest is JSON");
    let files = manifest["files"].as_array().expect("files array");
    let mut problems = Vec::new();
    let mut checked = 0;
    for entry in files {
        let rel = entry["file"].as_str().expect("file");
        let status = entry["status"].as_str().unwrap_or("");
        let format = match entry["format"].as_str().unwrap_or("") {
            "trivy-json" => Format::Trivy,
            "zap-xml" | "zap-json" => Format::Zap,
            "sarif" => Format::Sarif,
            other => {
                problems.push(format!("{rel}: unknown manifest format {other}"));
                continue;
            }
        };
        let path = dir.join(rel);
        let must_accept = matches!(status, "valid" | "schema-invalid");
        let detected = ingest::read_input(&path, rel.into(), None, u64::MAX);
        let forced = ingest::read_input(&path, rel.into(), Some(format), u64::MAX);
        checked += 1;
        if !must_accept {
            if let Ok(input) = &detected {
                problems.push(format!(
                    "{rel}: status {status} must be rejected, but parsed as {} with {} findings",
                    input.format,
                    input.report.findings.len()
                ));
            }
            continue;
        }
        // Detection must agree with the manifest, except for documents that carry no format
        // marker at all (Trivy's `null`), which must be refused with a hint instead.
        match &detected {
            Ok(input) if input.format != format => problems.push(format!(
                "{rel}: detected as {}, manifest says {format}",
                input.format
            )),
            Err(e) if entry["raw_counts"]["format_variant"] != "json-null" => {
                problems.push(format!("{rel}: not accepted: {e}"))
            }
            _ => {}
        }
        let input = match forced {
            Ok(input) => input,
            Err(e) => {
                problems.push(format!(
                    "{rel}: not accepted with --input-format {format}: {e}"
                ));
                continue;
            }
        };
        let raw = &entry["raw_counts"];
        let expected = match format {
            Format::Trivy => expected_trivy(raw),
            Format::Zap => expected_zap(raw),
            Format::Sarif => expected_sarif(raw),
        };
        let findings = &input.report.findings;
        if findings.len() as u64 != expected.total {
            problems.push(format!(
                "{rel}: {} findings, manifest implies {}",
                findings.len(),
                expected.total
            ));
        }
        let mut got: BTreeMap<Severity, u64> = BTreeMap::new();
        for f in findings {
            *got.entry(f.severity).or_default() += 1;
        }
        for (sev, bounds) in &expected.buckets {
            let g = got.get(sev).copied().unwrap_or(0);
            if g < bounds.lo || g > bounds.hi {
                problems.push(format!(
                    "{rel}: {g} {sev} findings, manifest allows {}..={}",
                    bounds.lo, bounds.hi
                ));
            }
        }
        if format == Format::Sarif && raw["runs"] == 0 && input.report.stats.runs != Some(0) {
            problems.push(format!(
                "{rel}: a log without runs must say so in its stats"
            ));
        }
    }
    assert!(checked > 0, "the manifest lists no files");
    assert!(
        problems.is_empty(),
        "{} conformance problem(s) over {checked} files:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    eprintln!("conformance: {checked} corpus files match the manifest");
}
