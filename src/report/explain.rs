//! `scangate check --explain FINGERPRINT|ID`: the decision path of the findings a query names.
//!
//! The path itself comes from [`crate::policy::explain`], which replays the evaluation steps
//! with a trace; this file only selects findings and lays the lines out. Scanner text passes
//! through [`for_terminal`].

use std::io::Write;

use crate::text::for_terminal;
use crate::verdict::Verdict;

/// Most findings explained per query; a rule id can match thousands.
const MAX_PER_QUERY: usize = 20;

/// Writes one block per query: each matching finding and its decision path.
pub fn render(verdict: &Verdict, queries: &[String], out: &mut dyn Write) -> std::io::Result<()> {
    for query in queries {
        let shown = for_terminal(query, 100);
        let hits = verdict.find(query);
        writeln!(out)?;
        if hits.is_empty() {
            writeln!(
                out,
                "explain {shown}: no finding matches (give a fingerprint, a fingerprint prefix \
                 of 8+ hex characters, or a rule or vulnerability id)"
            )?;
            continue;
        }
        writeln!(
            out,
            "explain {shown}: {} finding{}",
            hits.len(),
            if hits.len() == 1 { "" } else { "s" }
        )?;
        for (n, &i) in hits.iter().take(MAX_PER_QUERY).enumerate() {
            let e = &verdict.findings[i];
            writeln!(
                out,
                "  [{}] {} {} in {}",
                n + 1,
                e.finding.fingerprint,
                for_terminal(&e.finding.location.display_short(), 120),
                for_terminal(&e.finding.input, 120),
            )?;
            for line in verdict.explain(i) {
                writeln!(out, "      {}", for_terminal(&line, 400))?;
            }
        }
        if hits.len() > MAX_PER_QUERY {
            writeln!(
                out,
                "  … and {} more; name one by its fingerprint (all are in the JSON report)",
                hits.len() - MAX_PER_QUERY
            )?;
        }
    }
    Ok(())
}
