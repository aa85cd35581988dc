//! The console report: a headline, the policy in one line, the inputs, a scanner × severity
//! summary, counts per outcome, the baseline counts (new, existing, fixed) and correlated
//! groups, waiver notes (expired, stale) and the blocking findings.
//!
//! The headline and the outcome counts count problems (a correlated group once); the scanner ×
//! severity table counts each scanner's own findings.
//!
//! All scanner text goes through [`crate::text::for_terminal`] (control and escape characters
//! shown escaped, long fields truncated). Colour is only used when the caller enables it (a
//! TTY without `NO_COLOR`), and only on the headline so table widths stay exact.

use std::io::Write;

use tabled::builder::Builder;
use tabled::settings::Style;

use crate::baseline::BaselineStatus;
use crate::model::Severity;
use crate::policy::{Outcome, WaiverState};
use crate::report::RenderOptions;
use crate::text::for_terminal;
use crate::verdict::{Status, Verdict};

const TITLE_WIDTH: usize = 60;
const LOCATION_WIDTH: usize = 60;

pub fn render(
    verdict: &Verdict,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    headline(verdict, options, out)?;
    inputs(verdict, out)?;
    if !verdict.findings.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", summary_table(verdict))?;
        let counts: Vec<String> = Outcome::ALL
            .iter()
            .map(|o| format!("{} {o}", verdict.problem_count(*o)))
            .collect();
        writeln!(out, "outcomes: {}", counts.join(", "))?;
    } else if verdict.baseline.is_some() {
        writeln!(out)?;
    }
    baseline(verdict, out)?;
    correlated(verdict, out)?;
    waivers(verdict, out)?;
    blocking(verdict, options, out)
}

/// Most correlated groups named one by one.
const MAX_GROUPS_LISTED: usize = 5;

/// `baseline: FILE (N entries): 2 new, 9 existing, 1 fixed`.
fn baseline(verdict: &Verdict, out: &mut dyn Write) -> std::io::Result<()> {
    let Some(b) = &verdict.baseline else {
        return Ok(());
    };
    let (new, existing) = verdict.baseline_counts();
    let entries = b.baseline.len();
    writeln!(
        out,
        "baseline: {} ({entries} entr{}, gate = {}): {new} new, {existing} existing, {} fixed",
        for_terminal(&b.baseline.path, 200),
        if entries == 1 { "y" } else { "ies" },
        verdict.policy.gate,
        b.fixed.len()
    )
}

/// One line per correlated group (the first few): reported by several scanners, counted once.
fn correlated(verdict: &Verdict, out: &mut dyn Write) -> std::io::Result<()> {
    if verdict.groups.is_empty() {
        return Ok(());
    }
    let n = verdict.groups.len();
    writeln!(
        out,
        "correlated: {n} problem{} reported by several scanners, each counted once at its \
         highest severity:",
        if n == 1 { "" } else { "s" }
    )?;
    for g in verdict.groups.iter().take(MAX_GROUPS_LISTED) {
        writeln!(
            out,
            "  {} {} ({}; {} findings from {})",
            g.severity,
            for_terminal(&g.key, 120),
            g.outcome,
            g.members.len(),
            for_terminal(&g.reported_by.join(", "), 120)
        )?;
    }
    if n > MAX_GROUPS_LISTED {
        writeln!(
            out,
            "  … and {} more (see the JSON report)",
            n - MAX_GROUPS_LISTED
        )?;
    }
    Ok(())
}

fn headline(
    verdict: &Verdict,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let blocking = verdict.blocking();
    let total = verdict.problems();
    let (word, colour) = match verdict.status {
        Status::Pass => ("PASS", "\x1b[1;32m"),
        Status::Fail => ("FAIL", "\x1b[1;31m"),
        Status::Error => ("ERROR", "\x1b[1;31m"),
    };
    let word = if options.color {
        format!("{colour}{word}\x1b[0m")
    } else {
        word.to_owned()
    };
    let detail = match verdict.status {
        Status::Error => {
            let mut why = Vec::new();
            if verdict.input_errors() > 0 {
                why.push("some inputs could not be read (see errors)".to_owned());
            }
            if !verdict.missing_reports.is_empty() {
                why.push(format!(
                    "no report from required scanner{} {}",
                    if verdict.missing_reports.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    for_terminal(&verdict.missing_reports.join(", "), 200)
                ));
            }
            format!("could not decide: {}", why.join("; "))
        }
        _ => {
            let mut d = format!(
                "{blocking} blocking of {total} finding{}",
                if total == 1 { "" } else { "s" }
            );
            if total != verdict.findings.len() {
                d.push_str(&format!(
                    " ({} reported; those of one vulnerability from several scanners count once)",
                    verdict.findings.len()
                ));
            }
            if verdict.failed_on_stale_waivers() {
                let n = verdict.stale_waivers();
                d.push_str(&format!(
                    "; {n} stale waiver{} (--deny-stale-waivers)",
                    if n == 1 { "" } else { "s" }
                ));
            }
            d
        }
    };
    writeln!(out, "scangate: {word}: {detail}")?;
    writeln!(
        out,
        "policy: {} ({})",
        for_terminal(&verdict.policy.source.to_string(), 200),
        for_terminal(&verdict.policy.describe(), 300)
    )
}

/// Expired and stale waivers: the policy file needs attention even when the gate passes.
fn waivers(verdict: &Verdict, out: &mut dyn Write) -> std::io::Result<()> {
    let notes: Vec<String> = verdict
        .waiver_uses()
        .filter_map(|(w, u)| {
            let w_text = for_terminal(&w.to_string(), 200);
            match u.state {
                WaiverState::Used => None,
                WaiverState::Expired => Some(format!(
                    "  expired: {w_text} expired on {} and no longer applies ({} matching finding{})",
                    w.expires.map(|d| d.to_string()).unwrap_or_default(),
                    u.matched,
                    if u.matched == 1 { "" } else { "s" }
                )),
                WaiverState::Stale => Some(format!(
                    "  stale: {w_text} matched no finding; remove it if the problem is gone"
                )),
            }
        })
        .collect();
    if notes.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "Waivers to review (today is {}):",
        verdict.settings.today
    )?;
    for n in notes {
        writeln!(out, "{n}")?;
    }
    Ok(())
}

fn inputs(verdict: &Verdict, out: &mut dyn Write) -> std::io::Result<()> {
    for input in &verdict.inputs {
        let path = for_terminal(&input.path, 120);
        if let Some(err) = &input.error {
            writeln!(out, "  ✗ {path}: {}", for_terminal(err, 300))?;
            continue;
        }
        let tools: Vec<String> = input
            .scanners
            .iter()
            .map(|s| match &s.version {
                Some(v) => format!("{} {}", for_terminal(&s.name, 40), for_terminal(v, 20)),
                None => for_terminal(&s.name, 40),
            })
            .collect();
        let format = input.format.map(|f| f.as_str()).unwrap_or("?");
        let tools = if tools.is_empty() {
            String::new()
        } else {
            format!(", {}", tools.join(", "))
        };
        writeln!(
            out,
            "  ✓ {path} ({format}{tools}): {} finding{}",
            input.findings,
            if input.findings == 1 { "" } else { "s" }
        )?;
        if let Some(stats) = &input.stats {
            if stats.runs == Some(0) {
                writeln!(
                    out,
                    "      note: the SARIF log contains no tool run (\"runs\": [])"
                )?;
            }
            if stats.upstream_suppressed > 0 {
                writeln!(
                    out,
                    "      note: {} entr{} suppressed by the scanner itself (not findings)",
                    stats.upstream_suppressed,
                    if stats.upstream_suppressed == 1 {
                        "y"
                    } else {
                        "ies"
                    }
                )?;
            }
            if stats.non_fail_results > 0 {
                writeln!(
                    out,
                    "      note: {} SARIF result(s) of kind other than `fail` (counted, not findings)",
                    stats.non_fail_results
                )?;
            }
        }
    }
    for name in &verdict.missing_reports {
        writeln!(
            out,
            "  ✗ required scanner `{}`: no parsed report among the inputs",
            for_terminal(name, 100)
        )?;
    }
    Ok(())
}

fn summary_table(verdict: &Verdict) -> String {
    let mut b = Builder::default();
    let mut header = vec!["Scanner".to_owned()];
    header.extend(Severity::ALL_DESC.iter().map(|s| s.as_str().to_owned()));
    header.push("total".to_owned());
    header.extend(["blocking", "warn", "waived", "ignored", "suppressed"].map(String::from));
    b.push_record(header);
    for (scanner, by_sev) in &verdict.summary {
        let mut row = vec![for_terminal(scanner, 40)];
        let mut total = 0;
        let mut by_outcome = [0u64; Outcome::ALL.len()];
        for sev in Severity::ALL_DESC {
            let n: u64 = by_sev.get(&sev).map_or(0, |m| m.values().sum());
            total += n;
            if let Some(m) = by_sev.get(&sev) {
                for (slot, o) in by_outcome.iter_mut().zip(Outcome::ALL) {
                    *slot += m.get(&o).copied().unwrap_or(0);
                }
            }
            row.push(n.to_string());
        }
        row.push(total.to_string());
        row.extend(by_outcome.map(|n| n.to_string()));
        b.push_record(row);
    }
    let mut table = b.build();
    table.with(Style::psql());
    table.to_string()
}

fn blocking(
    verdict: &Verdict,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut failing: Vec<_> = verdict
        .findings
        .iter()
        .filter(|f| f.decision.outcome == Outcome::Fail)
        .collect();
    if failing.is_empty() {
        return Ok(());
    }
    // With a baseline, new findings first (stable: most severe first within each).
    let with_baseline = verdict.baseline.is_some();
    failing.sort_by_key(|f| !matches!(f.baseline, Some(BaselineStatus::New)));
    writeln!(out)?;
    writeln!(out, "Blocking findings ({}):", failing.len())?;
    let mut b = Builder::default();
    let mut header = vec!["severity", "scanner", "rule", "title", "location"];
    if with_baseline {
        header.push("baseline");
    }
    b.push_record(header);
    for f in failing.iter().take(options.max_rows) {
        let finding = &f.finding;
        let mut row = vec![
            f.decision.effective_severity.as_str().to_owned(),
            for_terminal(&finding.scanner.name, 20),
            for_terminal(&finding.rule_id, 40),
            for_terminal(&finding.title, TITLE_WIDTH),
            for_terminal(&finding.location.display_short(), LOCATION_WIDTH),
        ];
        if with_baseline {
            row.push(match f.baseline {
                Some(BaselineStatus::Existing { first_seen }) => format!("since {first_seen}"),
                _ => "new".to_owned(),
            });
        }
        b.push_record(row);
    }
    let mut table = b.build();
    table.with(Style::psql());
    writeln!(out, "{table}")?;
    if failing.len() > options.max_rows {
        writeln!(
            out,
            "… and {} more blocking findings (all are in the JSON report: --output json=PATH)",
            failing.len() - options.max_rows
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{
        baseline_verdict, hostile_verdict, policy_verdict, sample_verdict,
    };

    fn rendered(verdict: &Verdict, options: &RenderOptions) -> String {
        let mut out = Vec::new();
        render(verdict, options, &mut out).expect("renders");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn sample_table() {
        let text = rendered(&sample_verdict(), &RenderOptions::default());
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("table_sample", text);
        });
    }

    #[test]
    fn baseline_and_correlation_lines() {
        let text = rendered(&baseline_verdict(), &RenderOptions::default());
        assert!(
            text.starts_with(
                "scangate: FAIL: 2 blocking of 8 findings (9 reported; those of one \
                 vulnerability from several scanners count once)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "baseline: scangate-baseline.json (9 entries, gate = new): 1 new, 8 existing, \
                 1 fixed\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "  critical CVE-2021-44228 log4j-core@2.14.1 (fail; 2 findings from Grype, Trivy)"
            ),
            "{text}"
        );
        assert!(
            text.contains("outcomes: 2 fail, 4 warn, 0 waived, 0 ignored, 2 suppressed"),
            "{text}"
        );
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("table_baseline", text);
        });
    }

    #[test]
    fn hostile_text_cannot_reach_the_terminal_raw() {
        let text = rendered(&hostile_verdict(), &RenderOptions::default());
        for bad in ['\u{1b}', '\u{7}', '\u{0}', '\u{202e}', '\r'] {
            assert!(!text.contains(bad), "{bad:?} reached the terminal");
        }
        // The 70,000-character title is truncated.
        assert!(
            text.lines().all(|l| l.chars().count() < 400),
            "a line is too long"
        );
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("table_hostile", text);
        });
    }

    #[test]
    fn colour_only_when_asked_and_rows_are_capped() {
        let v = sample_verdict();
        let coloured = rendered(
            &v,
            &RenderOptions {
                color: true,
                max_rows: 1,
                ..RenderOptions::default()
            },
        );
        assert!(coloured.starts_with("scangate: \u{1b}[1;31mFAIL\u{1b}[0m"));
        assert!(
            coloured.contains("… and 1 more blocking findings"),
            "{coloured}"
        );
        assert!(!rendered(&v, &RenderOptions::default()).contains('\u{1b}'));
    }

    #[test]
    fn policy_outcomes_waivers_and_missing_reports_are_shown() {
        let text = rendered(&policy_verdict(), &RenderOptions::default());
        assert!(
            text.starts_with(
                "scangate: ERROR: could not decide: no report from required scanner gitleaks\n"
            ),
            "{text}"
        );
        assert!(text.contains("  ✗ required scanner `gitleaks`: no parsed report"));
        assert!(
            text.contains("outcomes: 2 fail, 2 warn, 1 waived, 1 ignored, 2 suppressed"),
            "{text}"
        );
        assert!(text.contains("stale: waiver #2 (scangate.toml:16, CVE-2099-*) matched no"));
        assert!(text.contains(
            "expired: waiver #3 (scangate.toml:21, python.django.*) expired on 2026-01-31"
        ));
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_snapshot!("table_policy", text);
        });
    }
}
