//! Where publishing happens, read from the CI environment and the flags: the token, the API
//! base, the repository, the pull request, whether it comes from a fork, and the run URL.
//!
//! GitHub Actions: `GITHUB_TOKEN` (or `SCANGATE_GITHUB_TOKEN`, which wins), `GITHUB_API_URL`
//! (set by GitHub Enterprise), `GITHUB_REPOSITORY`, the `pull_request`/`pull_request_target`
//! payload at `GITHUB_EVENT_PATH`, and `GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`/`GITHUB_RUN_ID`
//! for the run URL. Jenkins multibranch: `CHANGE_ID` (the PR), `CHANGE_FORK` (set for forks),
//! `GIT_URL` (→ owner/name) and `BUILD_URL`. Flags (`--repo`, `--pr`) win over all of them.
//!
//! The token is held in [`Token`], whose `Debug` and `Display` print `[REDACTED]`; every text
//! scangate surfaces from a publishing step passes through [`Token::scrub`].

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::args::PublishArgs;

/// GitHub's public API, used when `GITHUB_API_URL` is not set.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// What replaces the token wherever it would otherwise appear.
pub const REDACTED: &str = "[REDACTED]";

/// An API token. Never printed: `Debug`/`Display` redact it, and [`Token::scrub`] removes it
/// from any text (server messages, transport errors) before scangate shows that text.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Accepts a token of visible ASCII (what fits in an `Authorization` header); surrounding
    /// whitespace is trimmed. The error never contains the value.
    pub fn new(raw: &str) -> Result<Token, String> {
        let t = raw.trim();
        if t.is_empty() {
            Err("the token is empty".to_owned())
        } else if !t.bytes().all(|b| b.is_ascii_graphic()) {
            Err("the token holds characters that cannot be sent in an HTTP header".to_owned())
        } else {
            Ok(Token(t.to_owned()))
        }
    }

    /// The secret itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the token replaced by `[REDACTED]`.
    pub fn scrub(&self, text: &str) -> String {
        text.replace(&self.0, REDACTED)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({REDACTED})")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoId {
    pub owner: String,
    pub name: String,
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl FromStr for RepoId {
    type Err = String;
    /// Owner and name of letters, digits, `-`, `_` and `.` (what GitHub allows), so both are
    /// safe in a URL path as they are.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let part_ok = |p: &str| {
            !p.is_empty()
                && p.len() <= 100
                && p != "."
                && p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match s.trim().split_once('/') {
            Some((owner, name)) if part_ok(owner) && part_ok(name) => Ok(RepoId {
                owner: owner.to_owned(),
                name: name.to_owned(),
            }),
            _ => Err(format!(
                "`{}` is not OWNER/NAME",
                crate::text::for_terminal(s, 120)
            )),
        }
    }
}

impl RepoId {
    /// `owner/name` from a git remote URL: `https://host/owner/name(.git)`,
    /// `git@host:owner/name(.git)`, `ssh://git@host/owner/name.git`.
    pub fn from_git_url(url: &str) -> Option<RepoId> {
        let url = url.trim().trim_end_matches('/');
        let url = url.strip_suffix(".git").unwrap_or(url);
        let path = if let Some((_, rest)) = url.split_once("://") {
            rest.split_once('/')?.1
        } else {
            // scp-like: git@host:owner/name
            url.split_once(':')?.1
        };
        let mut parts = path.rsplit('/');
        let name = parts.next()?;
        let owner = parts.next()?;
        format!("{owner}/{name}").parse().ok()
    }
}

/// Everything publishing needs to know about where it runs.
#[derive(Debug, Clone, Default)]
pub struct GithubContext {
    pub token: Option<Token>,
    /// Which variable the token came from (for messages; never the value).
    pub token_source: Option<&'static str>,
    /// Without a trailing slash.
    pub api_url: String,
    pub repo: Option<RepoId>,
    pub pr: Option<u64>,
    /// The pull request comes from a fork: its token usually cannot write, and its content is
    /// untrusted (tickets are not opened from it unless forced).
    pub fork: bool,
    /// This run, for issue bodies (`first seen in …`).
    pub run_url: Option<String>,
    /// `$GITHUB_STEP_SUMMARY`, the fallback when the comment cannot be written.
    pub step_summary: Option<PathBuf>,
    /// Running in GitHub Actions (`GITHUB_ACTIONS=true`).
    pub actions: bool,
    /// Problems that are not errors (an unreadable event file, an ignored variable).
    pub warnings: Vec<String>,
    /// Problems that stop publishing (a malformed `GITHUB_API_URL`: falling back to the public
    /// API would send an Enterprise token to github.com).
    pub errors: Vec<String>,
}

/// Reads one environment variable; empty counts as unset.
pub type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

fn var(env: EnvFn<'_>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

/// What the `pull_request` event payload says.
#[derive(Debug, Default, PartialEq, Eq)]
struct PullRequestEvent {
    number: Option<u64>,
    fork: bool,
}

fn read_event(text: &str) -> Result<PullRequestEvent, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Some(pr) = v.get("pull_request").filter(|p| p.is_object()) else {
        return Ok(PullRequestEvent::default());
    };
    let number = pr.get("number").and_then(serde_json::Value::as_u64);
    let head_repo = pr.get("head").and_then(|h| h.get("repo"));
    let base_name = pr
        .get("base")
        .and_then(|b| b.get("repo"))
        .and_then(|r| r.get("full_name"))
        .and_then(serde_json::Value::as_str);
    let fork = match head_repo {
        // A deleted fork has `"repo": null`: treat as a fork (untrusted).
        None | Some(serde_json::Value::Null) => true,
        Some(head) => {
            let head_name = head.get("full_name").and_then(serde_json::Value::as_str);
            head.get("fork").and_then(serde_json::Value::as_bool) == Some(true)
                || (head_name.is_some() && base_name.is_some() && head_name != base_name)
        }
    };
    Ok(PullRequestEvent { number, fork })
}

fn http_url(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('/');
    let ok = (s.starts_with("https://") || s.starts_with("http://"))
        && s.parse::<http::Uri>().is_ok()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| s.to_owned())
}

impl GithubContext {
    /// Reads the context from `env` and the flags.
    pub fn detect(env: EnvFn<'_>, args: &PublishArgs) -> GithubContext {
        let mut ctx = GithubContext {
            api_url: DEFAULT_API_URL.to_owned(),
            actions: var(env, "GITHUB_ACTIONS").as_deref() == Some("true"),
            ..GithubContext::default()
        };
        for name in ["SCANGATE_GITHUB_TOKEN", "GITHUB_TOKEN"] {
            if let Some(raw) = var(env, name) {
                match Token::new(&raw) {
                    Ok(t) => {
                        ctx.token = Some(t);
                        ctx.token_source = Some(name);
                        break;
                    }
                    Err(e) => ctx.warnings.push(format!("{name} is ignored: {e}")),
                }
            }
        }
        if let Some(api) = var(env, "GITHUB_API_URL") {
            match http_url(&api) {
                Some(u) => ctx.api_url = u,
                None => ctx.errors.push(format!(
                    "GITHUB_API_URL `{}` is not an http(s) URL",
                    crate::text::for_terminal(&api, 200)
                )),
            }
        }

        ctx.repo = args.repo.clone().or_else(|| {
            let from_env = var(env, "GITHUB_REPOSITORY").and_then(|r| r.parse().ok());
            from_env.or_else(|| var(env, "GIT_URL").and_then(|u| RepoId::from_git_url(&u)))
        });

        let mut event = PullRequestEvent::default();
        if let Some(path) = var(env, "GITHUB_EVENT_PATH") {
            match std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| read_event(&t))
            {
                Ok(e) => event = e,
                Err(e) => ctx.warnings.push(format!(
                    "cannot read the event payload {}: {}",
                    crate::text::for_terminal(&path, 200),
                    crate::text::for_terminal(&e, 300)
                )),
            }
        }
        let jenkins_pr = var(env, "CHANGE_ID").and_then(|c| c.trim().parse::<u64>().ok());
        ctx.pr = args.pr.or(event.number).or(jenkins_pr);
        ctx.fork = event.fork || (event.number.is_none() && var(env, "CHANGE_FORK").is_some());

        let actions_run = match (
            var(env, "GITHUB_SERVER_URL"),
            var(env, "GITHUB_REPOSITORY"),
            var(env, "GITHUB_RUN_ID"),
        ) {
            (Some(server), Some(repo), Some(run)) if run.bytes().all(|b| b.is_ascii_digit()) => {
                http_url(&format!(
                    "{}/{repo}/actions/runs/{run}",
                    server.trim_end_matches('/')
                ))
            }
            _ => None,
        };
        ctx.run_url = actions_run.or_else(|| var(env, "BUILD_URL").and_then(|u| http_url(&u)));
        ctx.step_summary = var(env, "GITHUB_STEP_SUMMARY").map(PathBuf::from);
        ctx
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn detect(vars: &[(&str, &str)], args: &PublishArgs) -> GithubContext {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        GithubContext::detect(&|k| map.get(k).cloned(), args)
    }

    #[test]
    fn token_never_prints() {
        let t = Token::new("  ghp_secret123 \n").expect("valid");
        assert_eq!(t.expose(), "ghp_secret123");
        assert_eq!(format!("{t}"), "[REDACTED]");
        assert_eq!(format!("{t:?}"), "Token([REDACTED])");
        let ctx = detect(
            &[("GITHUB_TOKEN", "ghp_secret123")],
            &PublishArgs::default(),
        );
        assert!(!format!("{ctx:?}").contains("ghp_secret123"));
        assert_eq!(
            t.scrub("bad credentials ghp_secret123!"),
            "bad credentials [REDACTED]!"
        );
        let err = Token::new("a b\n").expect_err("whitespace inside");
        assert!(!err.contains("a b"));
    }

    #[test]
    fn scangate_token_wins() {
        let ctx = detect(
            &[("GITHUB_TOKEN", "one"), ("SCANGATE_GITHUB_TOKEN", "two")],
            &PublishArgs::default(),
        );
        assert_eq!(ctx.token.as_ref().map(Token::expose), Some("two"));
        assert_eq!(ctx.token_source, Some("SCANGATE_GITHUB_TOKEN"));
    }

    #[test]
    fn actions_pull_request_event() {
        let dir = tempfile::tempdir().expect("tempdir");
        let event = dir.path().join("event.json");
        std::fs::write(
            &event,
            r#"{"pull_request": {"number": 42,
                "head": {"repo": {"full_name": "someone/shop", "fork": true}},
                "base": {"repo": {"full_name": "acme/shop"}}}}"#,
        )
        .expect("write");
        let ctx = detect(
            &[
                ("GITHUB_REPOSITORY", "acme/shop"),
                ("GITHUB_EVENT_PATH", event.to_str().expect("utf-8")),
                ("GITHUB_API_URL", "https://ghe.example.com/api/v3/"),
                ("GITHUB_SERVER_URL", "https://ghe.example.com"),
                ("GITHUB_RUN_ID", "991"),
            ],
            &PublishArgs::default(),
        );
        assert_eq!(
            ctx.repo.as_ref().map(ToString::to_string).as_deref(),
            Some("acme/shop")
        );
        assert_eq!(ctx.pr, Some(42));
        assert!(ctx.fork);
        assert_eq!(ctx.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(
            ctx.run_url.as_deref(),
            Some("https://ghe.example.com/acme/shop/actions/runs/991")
        );
        // Flags win.
        let args = PublishArgs {
            pr: Some(7),
            repo: Some("other/repo".parse().expect("repo")),
            ..PublishArgs::default()
        };
        let ctx = detect(
            &[
                ("GITHUB_REPOSITORY", "acme/shop"),
                ("GITHUB_EVENT_PATH", event.to_str().expect("utf-8")),
            ],
            &args,
        );
        assert_eq!(ctx.pr, Some(7));
        assert_eq!(
            ctx.repo.map(|r| r.to_string()).as_deref(),
            Some("other/repo")
        );
    }

    #[test]
    fn same_repo_pull_request_is_no_fork() {
        let e = read_event(
            r#"{"pull_request": {"number": 3, "head": {"repo": {"full_name": "a/b", "fork": false}},
                "base": {"repo": {"full_name": "a/b"}}}}"#,
        )
        .expect("json");
        assert_eq!(
            e,
            PullRequestEvent {
                number: Some(3),
                fork: false
            }
        );
        let push = read_event(r#"{"ref": "refs/heads/main"}"#).expect("json");
        assert_eq!(push, PullRequestEvent::default());
    }

    #[test]
    fn jenkins_multibranch() {
        let ctx = detect(
            &[
                ("CHANGE_ID", "17"),
                ("CHANGE_FORK", "contributor"),
                ("GIT_URL", "git@github.com:acme/shop.git"),
                ("BUILD_URL", "https://jenkins.example.com/job/shop/PR-17/3/"),
            ],
            &PublishArgs::default(),
        );
        assert_eq!(ctx.pr, Some(17));
        assert!(ctx.fork);
        assert_eq!(
            ctx.repo.map(|r| r.to_string()).as_deref(),
            Some("acme/shop")
        );
        assert_eq!(
            ctx.run_url.as_deref(),
            Some("https://jenkins.example.com/job/shop/PR-17/3")
        );
    }

    #[test]
    fn git_urls() {
        for url in [
            "https://github.com/acme/shop.git",
            "https://github.com/acme/shop",
            "git@github.com:acme/shop.git",
            "ssh://git@github.com/acme/shop.git",
        ] {
            assert_eq!(
                RepoId::from_git_url(url).map(|r| r.to_string()).as_deref(),
                Some("acme/shop"),
                "{url}"
            );
        }
        assert_eq!(RepoId::from_git_url("nonsense"), None);
    }

    #[test]
    fn repo_ids() {
        assert!("acme/shop.web".parse::<RepoId>().is_ok());
        for bad in ["acme", "a/b/c", "a/../b", "/b", "a/", "a b/c", "a/?x"] {
            assert!(bad.parse::<RepoId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_api_url_is_an_error_not_a_fallback_to_github_com() {
        let ctx = detect(&[("GITHUB_API_URL", "ftp://x")], &PublishArgs::default());
        assert_eq!(ctx.errors.len(), 1);
    }
}
