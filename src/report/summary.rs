//! The one-line summary for scripts (`scangate check --summary-line`), e.g.
//!
//! ```text
//! scangate: fail exit=1 findings=13 blocking=1 warned=9 waived=1 ignored=1 suppressed=1 input_errors=0
//! ```
//!
//! The contract (issue 6): the line starts with `scangate: ` and the verdict (`pass`, `fail`,
//! `error`), followed by space-separated `key=value` pairs whose values are plain integers.
//! `exit` is the process's exit status, including 3 for a failed publish step, which is why
//! the line is written after publishing. Keys are never renamed or removed; new keys may be
//! added at the end, so parse by key, not by position. The GitHub Action reads its outputs
//! from this line.

use crate::exit::ExitStatus;
use crate::policy::Outcome;
use crate::verdict::Verdict;

/// The summary line for `verdict`, ending with the final `exit` status, without a newline.
pub fn line(verdict: &Verdict, exit: ExitStatus) -> String {
    format!(
        "scangate: {} exit={} findings={} blocking={} warned={} waived={} ignored={} \
         suppressed={} input_errors={}",
        verdict.status.as_str(),
        exit.code(),
        verdict.findings.len(),
        verdict.count(Outcome::Fail),
        verdict.count(Outcome::Warn),
        verdict.count(Outcome::Waived),
        verdict.count(Outcome::Ignored),
        verdict.count(Outcome::Suppressed),
        verdict.input_errors(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn line_is_key_value_after_the_verdict() {
        let verdict = fixtures::sample_verdict();
        let text = line(&verdict, verdict.exit_status());
        let mut words = text.split(' ');
        assert_eq!(words.next(), Some("scangate:"));
        assert_eq!(words.next(), Some(verdict.status.as_str()));
        let keys: Vec<&str> = words
            .map(|kv| {
                let (k, v) = kv.split_once('=').expect("key=value");
                assert!(v.parse::<u64>().is_ok(), "{kv}");
                k
            })
            .collect();
        assert_eq!(
            keys,
            [
                "exit",
                "findings",
                "blocking",
                "warned",
                "waived",
                "ignored",
                "suppressed",
                "input_errors"
            ]
        );
        assert!(!text.contains('\n'));
    }

    #[test]
    fn exit_is_the_final_status_not_the_verdicts() {
        let verdict = fixtures::sample_verdict();
        assert!(line(&verdict, ExitStatus::PublishFailed).contains(" exit=3 "));
    }
}
