//! `scangate-bench-floor`: the parsing floor of issue 7, the least work any gate must do.
//!
//! ```text
//! scangate-bench-floor sarif|trivy|zap FILE
//! ```
//! Reads the file, then
//! - SARIF, Trivy: deserialises it with serde_json into typed structs that borrow `Cow<str>`
//!   from the input, keeping only the severity (SARIF `runs[].results[].level`, Trivy
//!   `Results[].Vulnerabilities[].Severity`); everything else is skipped by serde;
//! - ZAP XML: runs a quick-xml event loop over the bytes, counting `alertitem`s and their
//!   `riskcode`s.
//!
//! It prints the number of items and a severity histogram, so the work cannot be optimised
//! away, and exits 0 (1 on a read or parse error).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::process::ExitCode;

use quick_xml::events::Event;
use serde::Deserialize;

#[derive(Deserialize)]
struct SarifLog<'a> {
    #[serde(borrow)]
    runs: Vec<SarifRun<'a>>,
}

#[derive(Deserialize)]
struct SarifRun<'a> {
    #[serde(borrow, default)]
    results: Vec<SarifResult<'a>>,
}

#[derive(Deserialize)]
struct SarifResult<'a> {
    #[serde(borrow, default)]
    level: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TrivyReport<'a> {
    #[serde(rename = "Results", borrow, default)]
    results: Vec<TrivyResult<'a>>,
}

#[derive(Deserialize)]
struct TrivyResult<'a> {
    #[serde(rename = "Vulnerabilities", borrow, default)]
    vulnerabilities: Option<Vec<TrivyVulnerability<'a>>>,
}

#[derive(Deserialize)]
struct TrivyVulnerability<'a> {
    #[serde(rename = "Severity", borrow, default)]
    severity: Option<Cow<'a, str>>,
}

type Histogram = BTreeMap<String, u64>;

fn count(h: &mut Histogram, sev: Option<&str>) {
    *h.entry(sev.unwrap_or("(none)").to_owned()).or_default() += 1;
}

fn sarif(bytes: &[u8]) -> Result<Histogram, String> {
    let log: SarifLog<'_> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let mut h = Histogram::new();
    for run in &log.runs {
        for r in &run.results {
            count(&mut h, r.level.as_deref());
        }
    }
    Ok(h)
}

fn trivy(bytes: &[u8]) -> Result<Histogram, String> {
    let report: TrivyReport<'_> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let mut h = Histogram::new();
    for r in &report.results {
        for v in r.vulnerabilities.iter().flatten() {
            count(&mut h, v.severity.as_deref());
        }
    }
    Ok(h)
}

fn zap(bytes: &[u8]) -> Result<Histogram, String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut h = Histogram::new();
    let mut in_riskcode = false;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => match e.local_name().as_ref() {
                "alertitem" => *h.entry("alertitems".to_owned()).or_default() += 1,
                "riskcode" => in_riskcode = true,
                _ => {}
            },
            Event::Text(t) if in_riskcode => {
                let code = AsRef::<str>::as_ref(&t).trim().to_owned();
                *h.entry(format!("riskcode {code}")).or_default() += 1;
            }
            Event::End(_) => in_riskcode = false,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(h)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [format, path] = args.as_slice() else {
        eprintln!("usage: scangate-bench-floor sarif|trivy|zap FILE");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("scangate-bench-floor: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match format.as_str() {
        "sarif" => sarif(&bytes),
        "trivy" => trivy(&bytes),
        "zap" => zap(&bytes),
        other => Err(format!("unknown format `{other}`")),
    };
    match result {
        Ok(h) => {
            let total: u64 = h
                .iter()
                .filter(|(k, _)| k.as_str() != "alertitems")
                .map(|(_, n)| n)
                .sum();
            let parts: Vec<String> = h.iter().map(|(k, n)| format!("{k}={n}")).collect();
            println!("items={total} {}", parts.join(" "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scangate-bench-floor: {path}: {e}");
            ExitCode::FAILURE
        }
    }
}
