//! Command-line interface (clap derive only; no I/O here).

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::HELP_TABLE;
use crate::ingest::{DEFAULT_MAX_INPUT_BYTES, Format};
use crate::report::OutputFormat;

/// scangate: one CI security gate for Trivy, OWASP ZAP and SARIF reports.
///
/// Reads every report, normalises the findings, applies the severity policy and exits with a
/// code CI understands. A missing, empty, truncated or unrecognised report is an error (exit 2),
/// never a pass.
#[derive(Debug, Parser)]
#[command(name = "scangate", version, after_help = HELP_TABLE, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read reports, apply the policy, print the verdict and exit 0 (pass), 1 (fail), 2 (error)
    /// or 3 (publish failed)
    #[command(after_help = check_after_help())]
    Check(Box<CheckArgs>),
    /// Record the current findings as the baseline: fingerprints with first-seen dates
    #[command(after_help = BASELINE_HELP)]
    Baseline(BaselineArgs),
    /// Write a commented starter policy file (refuses to overwrite one without --force)
    Init(InitArgs),
    /// Work with policy files without scanning
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsArgs),
    /// Print the scangate(1) man page (roff) to stdout, or write one page per command
    Man(ManArgs),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file and exit 0 (valid) or 2 (invalid), listing every problem
    Check(PolicyCheckArgs),
}

#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// The policy file (default: ./scangate.toml; without one, reports that the embedded
    /// default applies)
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
}

const BASELINE_HELP: &str = "\
Recording over an existing file merges: findings still present keep their first-seen date,
new ones get today's, and entries that a scanner in this run no longer reports are dropped as
fixed. Entries of scanners without a report in this run are kept. Any input that cannot be read
is an error (exit 2) and nothing is written.

Then gate on it: scangate check --baseline scangate-baseline.json INPUT...
(with `gate = \"new\"` in the policy, only new findings block).";

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Report files, directories or globs, as for `check`
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,

    /// The baseline file to write (merged with it when it exists)
    #[arg(short, long, value_name = "PATH", default_value = crate::baseline::DEFAULT_FILE_NAME)]
    pub output: PathBuf,

    /// Start a new baseline instead of merging with the existing file (every first-seen date
    /// becomes today)
    #[arg(long)]
    pub reset: bool,

    /// Treat every input as this format instead of detecting it
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub input_format: Option<Format>,

    /// Refuse report files larger than this many bytes
    #[arg(long, default_value_t = DEFAULT_MAX_INPUT_BYTES, value_name = "BYTES")]
    pub max_input_size: u64,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the policy
    #[arg(value_name = "PATH", default_value = "scangate.toml")]
    pub path: PathBuf,

    /// Overwrite an existing file
    #[arg(long)]
    pub force: bool,
}

const CHECK_EXAMPLES: &str = "\
Formats are detected from content: SARIF 2.1.0 (any tool), Trivy JSON (all layouts, incl.
Kubernetes), OWASP ZAP XML or JSON. The policy is --policy PATH, else ./scangate.toml, else the
embedded default: fail on any critical or high finding that the scanner has not itself
suppressed; unknown severity counts as medium.

Examples:
  scangate check trivy.json zap.xml semgrep.sarif
  scangate check reports/ --output json=scangate.json
  scangate check 'reports/*.sarif' trivy:old-trivy-null.json
  scangate check reports/ --policy ci/scangate.toml --explain CVE-2021-44228
  scangate check reports/ --baseline scangate-baseline.json";

fn check_after_help() -> String {
    format!("{CHECK_EXAMPLES}\n\n{HELP_TABLE}")
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Report files, directories (every *.json, *.sarif, *.xml directly inside) or globs.
    /// Prefix one with FORMAT: (trivy:, zap:, sarif:) to force its format
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,

    /// Treat every input as this format instead of detecting it (for documents with no format
    /// marker, such as an old Trivy report that is just `null`)
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub input_format: Option<Format>,

    /// Write a report: FORMAT=PATH, PATH `-` for stdout (repeatable). Formats: table, json,
    /// sarif (merged, for code scanning), junit, markdown (PR comment / job summary), github
    /// (workflow-command annotations).
    /// Without any, the table goes to stdout
    #[arg(short, long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<OutputSpec>,

    /// When to colour the console output (`auto`: on a terminal, unless NO_COLOR is set)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Policy file (default: ./scangate.toml if it exists, else the embedded default). A named
    /// file that does not exist is an error, never a fallback
    #[arg(long, value_name = "PATH")]
    pub policy: Option<PathBuf>,

    /// Baseline file written by `scangate baseline`: findings are classified new or existing,
    /// and entries no longer reported are listed as fixed. A named file that is missing or
    /// malformed is an error
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Byte budget of the Markdown report (PR comment, job summary); longer reports are
    /// shortened and say how many findings were left out
    #[arg(long, default_value_t = crate::report::markdown::DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub markdown_max_bytes: usize,

    /// Inside GitHub Actions (GITHUB_ACTIONS=true), do not write workflow-command annotations
    /// to stdout (written by default)
    #[arg(long)]
    pub no_annotations: bool,

    /// Inside GitHub Actions, do not append the Markdown report to $GITHUB_STEP_SUMMARY
    /// (appended by default)
    #[arg(long)]
    pub no_job_summary: bool,

    /// Fail the gate (exit 1) when a waiver in force matched no finding
    #[arg(long)]
    pub deny_stale_waivers: bool,

    /// After the verdict, print the decision path for the findings with this fingerprint (or
    /// a prefix of 8+ hex characters) or rule/vulnerability id (repeatable)
    #[arg(long, value_name = "FINGERPRINT|ID")]
    pub explain: Vec<String>,

    /// Most blocking findings listed in the table (all are in the JSON report)
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_rows: usize,

    /// Refuse report files larger than this many bytes (a clear error instead of running out
    /// of memory)
    #[arg(long, default_value_t = DEFAULT_MAX_INPUT_BYTES, value_name = "BYTES")]
    pub max_input_size: u64,

    /// Print no table (outputs named with --output are still written; errors and warnings
    /// still go to stderr)
    #[arg(short, long)]
    pub quiet: bool,

    /// Print one machine-readable line when done, e.g. `scangate: fail exit=1 findings=13
    /// blocking=1 warned=9 waived=1 ignored=1 suppressed=1 input_errors=0`; to stdout (stderr
    /// when another output owns stdout), or to PATH with --summary-line=PATH
    #[arg(
        long,
        value_name = "PATH",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "-"
    )]
    pub summary_line: Option<PathBuf>,

    #[command(flatten)]
    pub publish: crate::publish::PublishArgs,
}

// Issue 6: shell completions and the man page, generated from these definitions
// (src/generate.rs).

const COMPLETIONS_AFTER_HELP: &str = "\
Examples:
  scangate completions bash > ~/.local/share/bash-completion/completions/scangate
  scangate completions zsh > ~/.zfunc/_scangate
  scangate completions fish > ~/.config/fish/completions/scangate.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write scangate.1 and one page per command (scangate-check.1, …) into this directory
    /// instead of printing scangate.1
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Where one output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: OutputFormat,
    /// `None` is stdout.
    pub path: Option<PathBuf>,
}

impl FromStr for OutputSpec {
    type Err = String;
    /// `FORMAT=PATH`, `FORMAT=-` or just `FORMAT` (stdout).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (format, path) = match s.split_once('=') {
            Some((f, p)) => (f, Some(p)),
            None => (s, None),
        };
        let format = format.parse()?;
        let path = match path {
            None | Some("-") => None,
            Some("") => return Err(format!("missing path after `{s}` (use `-` for stdout)")),
            Some(p) => Some(PathBuf::from(p)),
        };
        Ok(OutputSpec { format, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn output_spec_forms() {
        assert_eq!(
            "json=out/r.json".parse::<OutputSpec>(),
            Ok(OutputSpec {
                format: OutputFormat::Json,
                path: Some("out/r.json".into())
            })
        );
        assert_eq!("json=-".parse::<OutputSpec>().map(|o| o.path), Ok(None));
        assert_eq!("table".parse::<OutputSpec>().map(|o| o.path), Ok(None));
        assert!("json=".parse::<OutputSpec>().is_err());
        assert!("xml=a".parse::<OutputSpec>().is_err());
    }

    #[test]
    fn check_help_ends_with_the_exit_table() {
        assert!(check_after_help().ends_with(HELP_TABLE));
    }
}
