//! The sticky pull-request comment: exactly one scangate comment per pull request and
//! `--comment-key`, updated in place on every run, created when absent.
//!
//! # Ownership
//! A comment is scangate's own when its first line is the marker for this key,
//! `<!-- scangate:comment key=KEY -->`, **and** its author is scangate's login: the token's
//! login from `GET /user`, or `github-actions[bot]` when the token may not read it (an Actions
//! `GITHUB_TOKEN` gets 403 there), or `--bot-login`. Anyone can write the marker into a
//! comment; only the author check makes it ours, so an imitation is never edited.
//!
//! # Size
//! GitHub refuses bodies over 65,536 characters with 422. The body is rendered within
//! [`FIRST_BUDGET`] bytes (bytes ≥ characters); if GitHub still answers 422 "too long" the body
//! is rendered again within [`SECOND_BUDGET`] bytes and sent once more.
//!
//! # Forks
//! A pull request from a fork usually runs with a read-only token: a 403 (that is not a rate
//! limit) there is reported as [`CommentOutcome::Fallback`], and the caller writes the job
//! summary and annotations instead. Elsewhere a 403 is an error.

use super::config::CommentKey;
use super::context::RepoId;
use super::github::{ApiError, Comment, GitHub, create_verified};

/// The login an Actions `GITHUB_TOKEN` comments as.
pub const ACTIONS_BOT: &str = "github-actions[bot]";
/// GitHub's limit on a comment body, in characters.
pub const MAX_BODY_CHARS: usize = 65_536;
/// Byte budget of the first attempt (the Markdown renderer's default, leaving room for the
/// marker and the tickets summary).
pub const FIRST_BUDGET: usize = 60_000;
/// Byte budget after a 422 "body too long".
pub const SECOND_BUDGET: usize = 20_000;

/// The hidden first line of scangate's comment for `key`.
pub fn marker(key: &CommentKey) -> String {
    format!("<!-- scangate:comment key={key} -->")
}

/// The key in a comment's marker line, when its first line is one.
pub fn parse_marker(body: &str) -> Option<&str> {
    let first = body.lines().next()?.trim_end_matches('\r');
    let key = first
        .strip_prefix("<!-- scangate:comment key=")?
        .strip_suffix(" -->")?;
    key.parse::<CommentKey>().ok().map(|_| key)
}

/// Whether `comment` is scangate's comment for `key`: marker and author both match.
pub fn is_own(comment: &Comment, key: &CommentKey, login: &str) -> bool {
    parse_marker(&comment.body) == Some(key.as_str()) && comment.author.eq_ignore_ascii_case(login)
}

/// The oldest own comment (GitHub lists oldest first; ids grow).
pub fn find_own<'a>(comments: &'a [Comment], key: &CommentKey, login: &str) -> Option<&'a Comment> {
    comments
        .iter()
        .filter(|c| is_own(c, key, login))
        .min_by_key(|c| c.id)
}

/// Where scangate's login came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginSource {
    /// `--bot-login` or `[github] bot_login`.
    Configured,
    /// `GET /user`.
    Token,
    /// `GET /user` refused (403): assumed to be the Actions bot.
    ActionsDefault,
}

/// Resolves scangate's login.
pub fn resolve_login(
    gh: &dyn GitHub,
    configured: Option<&str>,
) -> Result<(String, LoginSource), ApiError> {
    if let Some(login) = configured {
        return Ok((login.to_owned(), LoginSource::Configured));
    }
    Ok(match gh.current_user()? {
        Some(login) => (login, LoginSource::Token),
        None => (ACTIONS_BOT.to_owned(), LoginSource::ActionsDefault),
    })
}

/// What the comment step will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentAction {
    Create,
    Update { id: u64 },
}

/// What the comment step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentOutcome {
    Created {
        id: u64,
        url: Option<String>,
    },
    Updated {
        id: u64,
        url: Option<String>,
    },
    /// Forbidden on a fork pull request: write the job summary and annotations instead.
    Fallback {
        reason: String,
    },
}

/// Decides create or update from the pull request's comments.
pub fn plan(
    gh: &dyn GitHub,
    repo: &RepoId,
    pr: u64,
    key: &CommentKey,
    login: &str,
) -> Result<CommentAction, ApiError> {
    let comments = gh.list_comments(repo, pr)?;
    Ok(match find_own(&comments, key, login) {
        Some(c) => CommentAction::Update { id: c.id },
        None => CommentAction::Create,
    })
}

/// The comment to send: the marker line, then what `render` makes of a byte budget.
pub fn body(key: &CommentKey, budget: usize, render: &dyn Fn(usize) -> String) -> String {
    let marker = marker(key);
    let mut text = format!("{marker}\n");
    text.push_str(&render(budget.saturating_sub(marker.len() + 1)));
    // The renderer keeps to its budget; this guards GitHub's hard limit whatever it does.
    if text.chars().count() > MAX_BODY_CHARS {
        text = text.chars().take(MAX_BODY_CHARS - 1).collect();
        text.push('…');
    }
    text
}

/// Carries out `action`: update in place (or create when the comment vanished meanwhile), or
/// create, checking before any re-send that an earlier attempt did not land. A 422 "too long"
/// is retried once with the smaller budget; a 403 on a fork falls back.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    gh: &dyn GitHub,
    repo: &RepoId,
    pr: u64,
    key: &CommentKey,
    login: &str,
    action: &CommentAction,
    fork: bool,
    render: &dyn Fn(usize) -> String,
) -> Result<CommentOutcome, ApiError> {
    let mut result = send(
        gh,
        repo,
        pr,
        key,
        login,
        action,
        &body(key, FIRST_BUDGET, render),
    );
    if matches!(&result, Err(e) if e.is_body_too_long()) {
        result = send(
            gh,
            repo,
            pr,
            key,
            login,
            action,
            &body(key, SECOND_BUDGET, render),
        );
    }
    match result {
        Err(e) if fork && e.is_forbidden() => Ok(CommentOutcome::Fallback {
            reason: e.to_string(),
        }),
        other => other,
    }
}

fn send(
    gh: &dyn GitHub,
    repo: &RepoId,
    pr: u64,
    key: &CommentKey,
    login: &str,
    action: &CommentAction,
    text: &str,
) -> Result<CommentOutcome, ApiError> {
    if let CommentAction::Update { id } = action {
        match gh.update_comment(repo, *id, text) {
            Ok(c) => {
                return Ok(CommentOutcome::Updated {
                    id: c.id,
                    url: c.url,
                });
            }
            // Deleted since it was listed: create a new one.
            Err(ApiError::Status { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let created = create_verified(
        gh,
        || gh.create_comment(repo, pr, text),
        || {
            let comments = gh.list_comments(repo, pr)?;
            Ok(find_own(&comments, key, login).cloned())
        },
    )?;
    Ok(CommentOutcome::Created {
        id: created.id,
        url: created.url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: u64, author: &str, body: &str) -> Comment {
        Comment {
            id,
            body: body.to_owned(),
            author: author.to_owned(),
            url: None,
        }
    }

    #[test]
    fn marker_round_trips() {
        let key: CommentKey = "image-scan".parse().expect("key");
        let m = marker(&key);
        assert_eq!(m, "<!-- scangate:comment key=image-scan -->");
        assert_eq!(parse_marker(&format!("{m}\n## report")), Some("image-scan"));
        assert_eq!(
            parse_marker(&format!("{m}\r\n## report")),
            Some("image-scan")
        );
    }

    #[test]
    fn marker_must_be_the_first_line_and_well_formed() {
        assert_eq!(
            parse_marker("hello\n<!-- scangate:comment key=default -->"),
            None
        );
        assert_eq!(
            parse_marker("> <!-- scangate:comment key=default -->"),
            None
        );
        assert_eq!(parse_marker("<!-- scangate:comment key=a b -->"), None);
        assert_eq!(parse_marker("<!-- scangate:comment key= -->"), None);
        assert_eq!(parse_marker(""), None);
    }

    #[test]
    fn own_comment_needs_marker_key_and_author() {
        let key = CommentKey::default();
        let other_key: CommentKey = "other".parse().expect("key");
        let body = format!("{}\nreport", marker(&key));
        let comments = vec![
            comment(1, "mallory", &body),
            comment(2, "someone", "lgtm"),
            comment(
                3,
                "github-actions[bot]",
                &format!("{}\nx", marker(&other_key)),
            ),
            comment(4, "GitHub-Actions[bot]", &body),
            comment(5, "github-actions[bot]", &body),
        ];
        assert_eq!(
            find_own(&comments, &key, ACTIONS_BOT).map(|c| c.id),
            Some(4)
        );
        assert_eq!(
            find_own(&comments, &other_key, ACTIONS_BOT).map(|c| c.id),
            Some(3)
        );
        assert_eq!(find_own(&comments, &key, "scangate-bot"), None);
    }

    #[test]
    fn body_starts_with_the_marker_and_keeps_the_limit() {
        let key = CommentKey::default();
        let b = body(&key, 100, &|budget| format!("budget {budget}"));
        assert_eq!(
            b,
            format!("{}\nbudget {}", marker(&key), 100 - marker(&key).len() - 1)
        );
        let huge = body(&key, 100, &|_| "x".repeat(70_000));
        assert_eq!(huge.chars().count(), MAX_BODY_CHARS);
    }
}
