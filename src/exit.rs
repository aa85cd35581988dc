//! The one place exit numbers live.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | pass: the policy found nothing blocking |
//! | 1 | fail: the policy found blocking findings (or stale waivers, when denied) |
//! | 2 | could not decide: usage, input, configuration or baseline error, or a required report missing |
//! | 3 | passed, but a required publish step (PR comment, ticket) failed |

use std::process::ExitCode;

/// How a scangate run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitStatus {
    Pass,
    PolicyFailed,
    Error,
    PublishFailed,
}

impl ExitStatus {
    pub const fn code(self) -> u8 {
        match self {
            ExitStatus::Pass => 0,
            ExitStatus::PolicyFailed => 1,
            ExitStatus::Error => 2,
            ExitStatus::PublishFailed => 3,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s.code())
    }
}

/// The exit-code table as shown in `--help` (kept next to the numbers so they cannot drift).
pub const HELP_TABLE: &str = "\
Exit codes:
  0  pass: nothing blocking under the policy
  1  fail: the policy found blocking findings (or, with --deny-stale-waivers,
     a waiver that matched nothing)
  2  could not decide: usage error, or a missing, empty, unreadable, truncated,
     malformed or unrecognised report, a glob matching nothing, a bad or missing
     policy or baseline file, a required scanner without a report
  3  passed, but a required publish step (PR comment, ticket) failed";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        assert_eq!(ExitStatus::Pass.code(), 0);
        assert_eq!(ExitStatus::PolicyFailed.code(), 1);
        assert_eq!(ExitStatus::Error.code(), 2);
        assert_eq!(ExitStatus::PublishFailed.code(), 3);
        for (status, line) in [
            (ExitStatus::Pass, "  0  pass"),
            (ExitStatus::PolicyFailed, "  1  fail"),
            (ExitStatus::Error, "  2  could not decide"),
            (ExitStatus::PublishFailed, "  3  passed, but"),
        ] {
            assert!(HELP_TABLE.contains(line), "{status:?}");
        }
    }
}
