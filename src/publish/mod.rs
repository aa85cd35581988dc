//! Publishing: the side effects after the verdict — one sticky PR comment and deduplicated
//! incident issues on GitHub (issue 5).
//!
//! [`run`] is the one entry point: it resolves the settings from the flags ([`PublishArgs`])
//! and the `[github]`/`[tickets]` policy tables ([`PublishConfig`]), reads the CI context
//! ([`context`]), plans (reads only) and then applies (writes) the ticket step
//! ([`tickets`]) and the comment step ([`comment`]), through the [`github::GitHub`] trait.
//! `--dry-run` prints the plan and sends no write.
//!
//! Publishing never changes the verdict. A failed step is an error when `[github] required`
//! (the default): exit 3 when the verdict passed, see [`PublishStatus::exit_status`]; with
//! `required = false` it is a warning. A 403 on a fork pull request (read-only token) is not a
//! failure: the report goes to the job summary and annotations instead, with a warning.
//!
//! Messages go to stderr, neutralised for the terminal and with the token scrubbed.

pub mod args;
pub mod comment;
pub mod config;
pub mod context;
pub mod github;
pub mod tickets;

use std::time::{SystemTime, UNIX_EPOCH};

pub use args::{AlreadyShown, PublishArgs};
pub use config::PublishConfig;

use self::comment::{CommentAction, CommentOutcome, LoginSource};
use self::config::{CommentKey, TicketsConfig};
use self::context::{EnvFn, GithubContext, RepoId, Token};
use self::github::{ApiError, GitHub, OctocrabClient, RetryPolicy};
use self::tickets::{RunFacts, TicketSummary};
use crate::exit::ExitStatus;
use crate::report::markdown::{self, MarkdownOptions};
use crate::verdict::Verdict;

/// How publishing ended; combine with the verdict through [`PublishStatus::exit_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishStatus {
    /// Neither the comment nor tickets were asked for.
    NotRequested,
    /// Done (or planned, with `--dry-run`), possibly with warnings.
    Done,
    /// A step failed; `required` says whether that fails the run.
    Failed { required: bool },
}

impl PublishStatus {
    /// The process's exit status: the verdict's, except that a passing verdict whose required
    /// publish step failed exits 3 ([`ExitStatus::PublishFailed`]).
    pub fn exit_status(self, verdict: ExitStatus) -> ExitStatus {
        match (self, verdict) {
            (PublishStatus::Failed { required: true }, ExitStatus::Pass) => {
                ExitStatus::PublishFailed
            }
            _ => verdict,
        }
    }
}

/// Flags and policy tables, merged (a flag can only turn a feature on).
#[derive(Debug, Clone)]
struct Settings {
    comment: bool,
    key: CommentKey,
    bot_login: Option<String>,
    tickets: TicketsConfig,
    force_on_fork: bool,
    dry_run: bool,
    required: bool,
    shown: AlreadyShown,
}

impl Settings {
    fn resolve(args: &PublishArgs, config: &PublishConfig) -> Result<Settings, String> {
        let bot_login = match args.bot_login.as_deref() {
            Some(l) => Some(config::valid_login(l).map_err(|e| format!("--bot-login: {e}"))?),
            None => config.github.bot_login.clone(),
        };
        let mut tickets = config.tickets.clone();
        tickets.enabled |= args.tickets;
        Ok(Settings {
            comment: args.comment || config.github.comment,
            key: args
                .comment_key
                .clone()
                .unwrap_or_else(|| config.github.comment_key.clone()),
            bot_login,
            force_on_fork: args.force_on_fork || tickets.force_on_fork,
            tickets,
            dry_run: args.dry_run,
            required: config.github.required,
            shown: args.already_shown,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Info,
    Warning,
    Error,
}

/// What publishing has to say, printed at the end.
#[derive(Debug, Default)]
struct Log {
    lines: Vec<(Level, String)>,
    failed: bool,
}

impl Log {
    fn info(&mut self, text: impl Into<String>) {
        self.lines.push((Level::Info, text.into()));
    }
    fn warn(&mut self, text: impl Into<String>) {
        self.lines.push((Level::Warning, text.into()));
    }
    fn fail(&mut self, text: impl Into<String>) {
        self.lines.push((Level::Error, text.into()));
        self.failed = true;
    }
}

/// Builds the GitHub client for a context (the octocrab one outside tests).
pub type ClientFactory<'a> =
    &'a dyn Fn(&GithubContext, &Token) -> Result<Box<dyn GitHub>, ApiError>;

/// Publishes the verdict as the flags and policy say, reading the process environment.
/// `Err` only for what is not a publishing failure at all (none today); every GitHub problem
/// is reported on stderr and reflected in the returned status.
pub fn run(
    args: &PublishArgs,
    verdict: &Verdict,
    config: &PublishConfig,
) -> anyhow::Result<PublishStatus> {
    let env = |name: &str| std::env::var(name).ok();
    let policy = RetryPolicy::from_env(&env);
    let factory = move |ctx: &GithubContext, token: &Token| -> Result<Box<dyn GitHub>, ApiError> {
        Ok(Box::new(OctocrabClient::new(
            &ctx.api_url,
            token.clone(),
            policy.clone(),
        )?))
    };
    Ok(publish(args, verdict, config, &env, &factory))
}

/// [`run`] with the environment and the client injected.
pub fn publish(
    args: &PublishArgs,
    verdict: &Verdict,
    config: &PublishConfig,
    env: EnvFn<'_>,
    factory: ClientFactory<'_>,
) -> PublishStatus {
    let mut log = Log::default();
    let settings = match Settings::resolve(args, config) {
        Ok(s) => s,
        Err(e) => {
            log.fail(e);
            return finish(log, None, config.github.required);
        }
    };
    if !settings.comment && !settings.tickets.enabled {
        if settings.dry_run {
            log.info("dry run: nothing to publish (neither --comment nor --tickets)");
            return finish(log, None, settings.required);
        }
        return PublishStatus::NotRequested;
    }
    let ctx = GithubContext::detect(env, args);
    steps(&settings, &ctx, verdict, factory, &mut log);
    finish(log, ctx.token.as_ref(), settings.required)
}

/// Prints the log (scrubbed, neutralised) and turns it into a status.
fn finish(log: Log, token: Option<&Token>, required: bool) -> PublishStatus {
    for (level, text) in &log.lines {
        let text = match token {
            Some(t) => t.scrub(text),
            None => text.clone(),
        };
        let text = crate::text::for_terminal(&text, 2000);
        let prefix = match level {
            Level::Info => "scangate:",
            Level::Warning => "warning: publish:",
            Level::Error if required => "error: publish:",
            Level::Error => "warning: publish (not required):",
        };
        eprintln!("{prefix} {text}");
    }
    if log.failed {
        PublishStatus::Failed { required }
    } else {
        PublishStatus::Done
    }
}

fn steps(
    s: &Settings,
    ctx: &GithubContext,
    verdict: &Verdict,
    factory: ClientFactory<'_>,
    log: &mut Log,
) {
    for w in &ctx.warnings {
        log.warn(w.clone());
    }
    if let Some(e) = ctx.errors.first() {
        log.fail(e.clone());
        return;
    }
    let Some(repo) = &ctx.repo else {
        log.fail("no repository: set GITHUB_REPOSITORY or pass --repo OWNER/NAME");
        return;
    };
    let client = match &ctx.token {
        Some(token) => match factory(ctx, token) {
            Ok(c) => Some(c),
            Err(e) => {
                log.fail(e.to_string());
                return;
            }
        },
        None if s.dry_run => {
            log.info(
                "dry run without a token: GitHub is not read, so nothing counts as existing yet",
            );
            None
        }
        None => {
            log.fail("no token: set GITHUB_TOKEN or SCANGATE_GITHUB_TOKEN");
            return;
        }
    };
    let gh = client.as_deref();
    if s.dry_run {
        log.info(format!(
            "dry run: nothing is sent to {}; the plan for {repo}:",
            ctx.api_url
        ));
    }

    let tickets = if s.tickets.enabled {
        ticket_step(s, ctx, repo, verdict, gh, log)
    } else {
        None
    };
    if s.comment {
        comment_step(s, ctx, repo, verdict, gh, tickets.as_ref(), log);
    }
}

fn ticket_step(
    s: &Settings,
    ctx: &GithubContext,
    repo: &RepoId,
    verdict: &Verdict,
    gh: Option<&dyn GitHub>,
    log: &mut Log,
) -> Option<TicketSummary> {
    if ctx.fork && !s.force_on_fork {
        log.warn(
            "this pull request comes from a fork: incident issues are not opened from untrusted runs \
             (--force-on-fork or [tickets] force_on_fork = true to override)",
        );
        return None;
    }
    // Validated config always has one; the default label otherwise.
    let label = s
        .tickets
        .labels
        .first()
        .map(String::as_str)
        .unwrap_or(config::DEFAULT_LABEL);
    let (existing, labels) = match gh {
        Some(gh) => match gh
            .list_issues(repo, label)
            .and_then(|i| gh.list_labels(repo).map(|l| (i, l)))
        {
            Ok(found) => found,
            Err(e) => {
                log.fail(e.to_string());
                return Some(TicketSummary {
                    error: Some(e.to_string()),
                    ..TicketSummary::default()
                });
            }
        },
        None => (Vec::new(), Vec::new()),
    };
    let facts = RunFacts {
        today: Some(today()),
        run_url: ctx.run_url.clone(),
    };
    let plan = tickets::plan(verdict, &s.tickets, &existing, &labels, &facts);
    if s.dry_run || gh.is_none() {
        let lines = tickets::describe(&plan, s.tickets.max_new);
        if lines.is_empty() {
            log.info("  issues: nothing to do");
        }
        for line in lines {
            log.info(format!("  {line}"));
        }
        return None;
    }
    let gh = gh?;
    let (summary, error) = tickets::apply(gh, repo, label, &plan);
    log.info(format!("incident issues: {}", summary.line()));
    for skipped in &summary.close_skipped {
        log.info(format!("incident issue {skipped}"));
    }
    if let Some(e) = error {
        log.fail(e.to_string());
    }
    Some(summary)
}

fn comment_step(
    s: &Settings,
    ctx: &GithubContext,
    repo: &RepoId,
    verdict: &Verdict,
    gh: Option<&dyn GitHub>,
    tickets: Option<&TicketSummary>,
    log: &mut Log,
) {
    let Some(pr) = ctx.pr else {
        log.info(
            "not a pull request run (no pull_request event, --pr or CHANGE_ID): no PR comment",
        );
        return;
    };
    let Some(gh) = gh else {
        log.info(format!(
            "  comment: create or update scangate's comment (key {}) on {repo}#{pr}",
            s.key
        ));
        return;
    };
    let result = (|| -> Result<Option<CommentOutcome>, ApiError> {
        let (login, source) = comment::resolve_login(gh, s.bot_login.as_deref())?;
        if source == LoginSource::ActionsDefault {
            log.info(format!(
                "the token may not read its login (GET /user: 403); comments by {login} count as scangate's (--bot-login to change)"
            ));
        }
        let action = comment::plan(gh, repo, pr, &s.key, &login)?;
        if s.dry_run {
            log.info(match action {
                CommentAction::Create => format!(
                    "  comment: create scangate's comment (key {}) on {repo}#{pr}",
                    s.key
                ),
                CommentAction::Update { id } => format!(
                    "  comment: update comment {id} (key {}, by {login}) on {repo}#{pr}",
                    s.key
                ),
            });
            return Ok(None);
        }
        let hint = "the SARIF/JSON artifact".to_owned();
        let section = tickets
            .map(|t| t.markdown(s.tickets.max_new))
            .unwrap_or_default();
        let render = |budget: usize| {
            let report = markdown::render_to_string(
                verdict,
                &MarkdownOptions {
                    max_bytes: budget.saturating_sub(section.len()),
                    artifact_hint: hint.clone(),
                },
            );
            let text = format!("{report}{section}");
            match &ctx.token {
                Some(t) => t.scrub(&text),
                None => text,
            }
        };
        comment::apply(gh, repo, pr, &s.key, &login, &action, ctx.fork, &render).map(Some)
    })();
    match result {
        Ok(None) => {}
        Ok(Some(CommentOutcome::Created { id, url })) => log.info(format!(
            "PR comment created ({})",
            url.unwrap_or_else(|| format!("id {id}"))
        )),
        Ok(Some(CommentOutcome::Updated { id, url })) => log.info(format!(
            "PR comment updated ({})",
            url.unwrap_or_else(|| format!("id {id}"))
        )),
        Ok(Some(CommentOutcome::Fallback { reason })) => {
            fallback(ctx, s.shown, verdict, &reason, log)
        }
        Err(e) if ctx.fork && e.is_forbidden() => {
            fallback(ctx, s.shown, verdict, &e.to_string(), log)
        }
        Err(e) => {
            let hint = match e.status() {
                Some(401) => " (the token is invalid or expired)",
                Some(403) => " (the token lacks `pull-requests: write` / `issues: write`)",
                _ => "",
            };
            log.fail(format!("{e}{hint}"));
        }
    }
}

/// A fork's read-only token cannot comment: the report goes to the job summary and, in
/// GitHub Actions, to annotations on stdout (where the runner reads workflow commands).
fn fallback(
    ctx: &GithubContext,
    shown: AlreadyShown,
    verdict: &Verdict,
    reason: &str,
    log: &mut Log,
) {
    let mut wrote = Vec::new();
    if shown.job_summary {
        wrote.push("the job summary");
    } else if let Some(path) = &ctx.step_summary {
        let md = markdown::render_to_string(verdict, &MarkdownOptions::default());
        match markdown::append_to_step_summary(path, &md) {
            Ok(()) => wrote.push("the job summary"),
            Err(e) => log.warn(format!("cannot write the job summary: {e}")),
        }
    }
    if shown.annotations {
        wrote.push("annotations");
    } else if ctx.actions {
        let written = crate::report::annotations::render(verdict, &mut std::io::stdout().lock());
        match written {
            Ok(()) => wrote.push("annotations"),
            Err(e) => log.warn(format!("cannot write annotations: {e}")),
        }
    }
    log.warn(format!(
        "cannot comment on this pull request from a fork ({reason}): its token is read-only; the report is in {} instead. This is not an error.",
        if wrote.is_empty() {
            "the log".to_owned()
        } else {
            wrote.join(" and ")
        }
    ));
}

/// Today's UTC date, `YYYY-MM-DD` (first-seen dates in issue bodies).
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date(secs / 86_400)
}

/// The proleptic Gregorian date of a day number since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_never_changes_the_verdict_except_pass_to_3() {
        let failed = PublishStatus::Failed { required: true };
        assert_eq!(
            failed.exit_status(ExitStatus::Pass),
            ExitStatus::PublishFailed
        );
        assert_eq!(
            failed.exit_status(ExitStatus::PolicyFailed),
            ExitStatus::PolicyFailed
        );
        assert_eq!(failed.exit_status(ExitStatus::Error), ExitStatus::Error);
        let optional = PublishStatus::Failed { required: false };
        assert_eq!(optional.exit_status(ExitStatus::Pass), ExitStatus::Pass);
        assert_eq!(
            PublishStatus::Done.exit_status(ExitStatus::Pass),
            ExitStatus::Pass
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_723), "2024-01-01");
        assert_eq!(civil_date(19_782), "2024-02-29");
        assert_eq!(civil_date(20_513), "2026-03-01");
    }

    #[test]
    fn nothing_requested_touches_nothing() {
        let v = crate::report::fixtures::sample_verdict();
        let factory = |_: &GithubContext, _: &Token| -> Result<Box<dyn GitHub>, ApiError> {
            panic!("no client is built")
        };
        let status = publish(
            &PublishArgs::default(),
            &v,
            &PublishConfig::default(),
            &|_| None,
            &factory,
        );
        assert_eq!(status, PublishStatus::NotRequested);
    }

    #[test]
    fn missing_token_fails_a_required_comment() {
        let v = crate::report::fixtures::sample_verdict();
        let factory = |_: &GithubContext, _: &Token| -> Result<Box<dyn GitHub>, ApiError> {
            panic!("no client without a token")
        };
        let args = PublishArgs {
            comment: true,
            repo: Some("acme/shop".parse().expect("repo")),
            pr: Some(1),
            ..PublishArgs::default()
        };
        let status = publish(&args, &v, &PublishConfig::default(), &|_| None, &factory);
        assert_eq!(status, PublishStatus::Failed { required: true });
        let mut optional = PublishConfig::default();
        optional.github.required = false;
        let status = publish(&args, &v, &optional, &|_| None, &factory);
        assert_eq!(status, PublishStatus::Failed { required: false });
        // A dry run needs no token.
        let dry = PublishArgs {
            dry_run: true,
            ..args
        };
        let status = publish(&dry, &v, &PublishConfig::default(), &|_| None, &factory);
        assert_eq!(status, PublishStatus::Done);
    }
}
