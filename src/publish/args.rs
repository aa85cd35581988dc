//! The publishing flags of `scangate check` (clap derive only; no I/O), flattened into
//! [`crate::cli::CheckArgs`].

use clap::Args;

use super::config::CommentKey;
use super::context::RepoId;

/// GitHub publishing: the sticky PR comment and incident issues (issue 5).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "GitHub publishing")]
pub struct PublishArgs {
    /// What the run already showed (set by the caller, not a flag): the fork fallback does not
    /// write the job summary or annotations a second time.
    #[arg(skip)]
    pub already_shown: AlreadyShown,

    /// Create or update one scangate comment on the pull request (policy `[github] comment`)
    #[arg(long)]
    pub comment: bool,

    /// Keeps this gate's PR comment apart from other scangate gates in the same workflow
    /// (letters, digits, `.`, `_`, `-`; default `default`)
    #[arg(long, value_name = "KEY", value_parser = parse_comment_key)]
    pub comment_key: Option<CommentKey>,

    /// The login whose comments are scangate's own (default: the token's login from GET /user,
    /// or github-actions[bot] when the token may not read it)
    #[arg(long, value_name = "LOGIN")]
    pub bot_login: Option<String>,

    /// Repository to publish to (default: GITHUB_REPOSITORY, or Jenkins' GIT_URL)
    #[arg(long, value_name = "OWNER/NAME", value_parser = parse_repo)]
    pub repo: Option<RepoId>,

    /// Pull request number (default: the pull_request event in GITHUB_EVENT_PATH, or Jenkins'
    /// CHANGE_ID)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub pr: Option<u64>,

    /// Open, update and close incident issues for blocking findings (policy `[tickets]`)
    #[arg(long)]
    pub tickets: bool,

    /// Print what would be published (comment create/update, issues to open/update/close) and
    /// change nothing on GitHub
    #[arg(long)]
    pub dry_run: bool,

    /// Open incident issues even from a pull request coming from a fork (untrusted input)
    #[arg(long)]
    pub force_on_fork: bool,
}

fn parse_comment_key(s: &str) -> Result<CommentKey, String> {
    s.parse()
}

fn parse_repo(s: &str) -> Result<RepoId, String> {
    s.parse()
}

/// Reports the caller already wrote inside GitHub Actions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlreadyShown {
    pub job_summary: bool,
    pub annotations: bool,
}
