//! The `[github]` and `[tickets]` policy tables: raw serde types (`deny_unknown_fields`),
//! validated into [`PublishConfig`] with every problem collected before failing.
//!
//! The policy module owns the policy file; it embeds [`RawGithub`] and [`RawTickets`] in its
//! raw struct and calls [`PublishConfig::from_raw`]. [`from_policy_toml`] reads just these two
//! tables from a policy document (the rest is ignored) for tests and until that wiring exists.
//! Without either table, [`PublishConfig::default`] applies.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use crate::model::Severity;

/// The label scangate lists its incident issues by, unless configured otherwise.
pub const DEFAULT_LABEL: &str = "scangate";
/// GitHub's longest label name, in characters.
pub const MAX_LABEL_CHARS: usize = 50;
/// Default cap on content-creating requests for incident issues per run.
pub const DEFAULT_MAX_NEW: u32 = 20;

/// `[github]` as written.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGithub {
    /// Post the sticky PR comment.
    pub comment: Option<bool>,
    /// A publish failure exits 3 on a passing verdict (`true`) or is a warning (`false`).
    pub required: Option<bool>,
    /// Keeps two gates' comments apart.
    pub comment_key: Option<String>,
    /// The login whose comments are scangate's own.
    pub bot_login: Option<String>,
}

/// `[tickets]` as written.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTickets {
    /// Defaults to `true` when the table is present.
    pub enabled: Option<bool>,
    /// Severity threshold for blocking findings (`"none"`: only `rules`). Default `critical`.
    pub open_on: Option<String>,
    /// Rule or vulnerability ids that open a ticket whenever reported (blocking or warned).
    pub rules: Option<Vec<String>>,
    /// `fingerprint` (default), `package`, `rule` or `scanner`.
    pub group_by: Option<String>,
    /// Labels every incident issue gets; the first is the one scangate lists issues by.
    pub labels: Option<Vec<String>>,
    /// Add a `severity:<level>` label (default `true`).
    pub severity_labels: Option<bool>,
    /// Reopen an issue a person closed when its finding comes back (default `false`).
    pub reopen: Option<bool>,
    /// Close an issue whose findings are gone (default `false`).
    pub auto_close: Option<bool>,
    /// Content-creating requests per run (default 20).
    pub max_new: Option<u32>,
    /// Open tickets from fork pull-request runs too (default `false`).
    pub force_on_fork: Option<bool>,
}

/// The key that tells one gate's PR comment from another's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommentKey(String);

impl CommentKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for CommentKey {
    fn default() -> Self {
        CommentKey("default".to_owned())
    }
}

impl fmt::Display for CommentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CommentKey {
    type Err = String;
    /// 1-64 letters, digits, `.`, `_` or `-`: it goes into an HTML comment, so nothing that
    /// could close it or break the marker's `key=value` syntax.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            && !s.contains("--");
        if ok {
            Ok(CommentKey(s.to_owned()))
        } else {
            Err(format!(
                "invalid comment key `{}`: use 1-64 letters, digits, `.`, `_` or single `-`",
                crate::text::for_terminal(s, 80)
            ))
        }
    }
}

/// How findings are grouped into incident issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum GroupBy {
    /// One issue per finding fingerprint.
    #[default]
    Fingerprint,
    /// One issue per package in a target (one upgrade fixes every CVE in it).
    Package,
    /// One issue per scanner rule.
    Rule,
    /// One issue per scanner.
    Scanner,
}

impl GroupBy {
    pub const ALL: [GroupBy; 4] = [
        GroupBy::Fingerprint,
        GroupBy::Package,
        GroupBy::Rule,
        GroupBy::Scanner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Fingerprint => "fingerprint",
            GroupBy::Package => "package",
            GroupBy::Rule => "rule",
            GroupBy::Scanner => "scanner",
        }
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GroupBy::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown group_by `{}` (expected fingerprint, package, rule or scanner)",
                    crate::text::for_terminal(s, 40)
                )
            })
    }
}

/// `[github]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubConfig {
    pub comment: bool,
    pub required: bool,
    pub comment_key: CommentKey,
    pub bot_login: Option<String>,
}

impl Default for GithubConfig {
    fn default() -> Self {
        GithubConfig {
            comment: false,
            required: true,
            comment_key: CommentKey::default(),
            bot_login: None,
        }
    }
}

/// `[tickets]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketsConfig {
    pub enabled: bool,
    /// `None`: no severity threshold, only `rules` open tickets.
    pub open_on: Option<Severity>,
    /// Upper-cased rule or vulnerability ids.
    pub rules: Vec<String>,
    pub group_by: GroupBy,
    /// Never empty; each at most [`MAX_LABEL_CHARS`] characters. The first is the listing label.
    pub labels: Vec<String>,
    pub severity_labels: bool,
    pub reopen: bool,
    pub auto_close: bool,
    pub max_new: u32,
    pub force_on_fork: bool,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        TicketsConfig {
            enabled: false,
            open_on: Some(Severity::Critical),
            rules: Vec::new(),
            group_by: GroupBy::Fingerprint,
            labels: vec![DEFAULT_LABEL.to_owned()],
            severity_labels: true,
            reopen: false,
            auto_close: false,
            max_new: DEFAULT_MAX_NEW,
            force_on_fork: false,
        }
    }
}

/// Both tables, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishConfig {
    pub github: GithubConfig,
    pub tickets: TicketsConfig,
}

/// Every problem in the two tables.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", problems.join("; "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

/// Shortens a label to GitHub's 50 characters (never fails on length).
pub fn shorten_label(label: &str) -> String {
    crate::text::truncate(label, MAX_LABEL_CHARS)
}

impl PublishConfig {
    /// Validates the raw tables; a missing table takes the defaults.
    pub fn from_raw(
        github: Option<RawGithub>,
        tickets: Option<RawTickets>,
    ) -> Result<PublishConfig, ConfigError> {
        let mut problems = Vec::new();
        let mut config = PublishConfig::default();
        if let Some(g) = github {
            config.github.comment = g.comment.unwrap_or(false);
            config.github.required = g.required.unwrap_or(true);
            if let Some(key) = g.comment_key {
                match key.parse() {
                    Ok(k) => config.github.comment_key = k,
                    Err(e) => problems.push(format!("[github] comment_key: {e}")),
                }
            }
            if let Some(login) = g.bot_login {
                match valid_login(&login) {
                    Ok(l) => config.github.bot_login = Some(l),
                    Err(e) => problems.push(format!("[github] bot_login: {e}")),
                }
            }
        }
        if let Some(t) = tickets {
            let c = &mut config.tickets;
            c.enabled = t.enabled.unwrap_or(true);
            if let Some(open_on) = t.open_on {
                if open_on.eq_ignore_ascii_case("none") {
                    c.open_on = None;
                } else {
                    match open_on.parse::<Severity>() {
                        Ok(s) => c.open_on = Some(s),
                        Err(e) => problems.push(format!("[tickets] open_on: {e} (or \"none\")")),
                    }
                }
            }
            if let Some(rules) = t.rules {
                for r in rules {
                    let r = r.trim();
                    if r.is_empty() {
                        problems.push("[tickets] rules: an empty rule id".to_owned());
                    } else {
                        c.rules.push(r.to_ascii_uppercase());
                    }
                }
            }
            if let Some(g) = t.group_by {
                match g.parse() {
                    Ok(g) => c.group_by = g,
                    Err(e) => problems.push(format!("[tickets] group_by: {e}")),
                }
            }
            if let Some(labels) = t.labels {
                let mut out: Vec<String> = Vec::new();
                for l in labels {
                    let l = l.trim();
                    if l.is_empty() {
                        problems.push("[tickets] labels: an empty label".to_owned());
                    } else if l.contains(',') {
                        // The issue list filter separates labels with commas.
                        problems.push(format!(
                            "[tickets] labels: `{}` contains a comma, which GitHub's label filter cannot match",
                            crate::text::for_terminal(l, 60)
                        ));
                    } else {
                        let short = shorten_label(l);
                        if !out.contains(&short) {
                            out.push(short);
                        }
                    }
                }
                if out.is_empty() && problems.is_empty() {
                    problems.push(
                        "[tickets] labels: at least one label is needed (scangate finds its issues by the first)"
                            .to_owned(),
                    );
                }
                c.labels = out;
            }
            c.severity_labels = t.severity_labels.unwrap_or(true);
            c.reopen = t.reopen.unwrap_or(false);
            c.auto_close = t.auto_close.unwrap_or(false);
            c.max_new = t.max_new.unwrap_or(DEFAULT_MAX_NEW);
            c.force_on_fork = t.force_on_fork.unwrap_or(false);
            if c.open_on.is_none() && c.rules.is_empty() && c.enabled {
                problems.push(
                    "[tickets] open_on = \"none\" with no rules would never open a ticket"
                        .to_owned(),
                );
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError { problems })
        }
    }
}

/// A GitHub login: 1-100 characters of letters, digits, `-`, `_`, `[` and `]` (bots are
/// `name[bot]`).
pub fn valid_login(s: &str) -> Result<String, String> {
    let s = s.trim();
    if !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '[' | ']'))
    {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "`{}` is not a GitHub login",
            crate::text::for_terminal(s, 60)
        ))
    }
}

/// Reads only the `[github]` and `[tickets]` tables of a policy document; everything else in
/// it is ignored here (the policy module validates it).
pub fn from_policy_toml(text: &str) -> Result<PublishConfig, ConfigError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError {
        problems: vec![e.to_string().trim().to_owned()],
    })?;
    let mut problems = Vec::new();
    let take = |name: &str| table.get(name).cloned().map(|v| (name.to_owned(), v));
    let github = match take("github") {
        None => None,
        Some((name, v)) => v
            .try_into::<RawGithub>()
            .map_err(|e| problems.push(format!("[{name}]: {}", e.to_string().trim())))
            .ok(),
    };
    let tickets = match take("tickets") {
        None => None,
        Some((name, v)) => v
            .try_into::<RawTickets>()
            .map_err(|e| problems.push(format!("[{name}]: {}", e.to_string().trim())))
            .ok(),
    };
    match PublishConfig::from_raw(github, tickets) {
        Ok(c) if problems.is_empty() => Ok(c),
        Ok(_) => Err(ConfigError { problems }),
        Err(e) => {
            problems.extend(e.problems);
            Err(ConfigError { problems })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_tables() {
        let c = from_policy_toml("fail_on = \"high\"\n[waivers]\nx = 1\n").expect("loads");
        assert_eq!(c, PublishConfig::default());
        assert!(!c.tickets.enabled);
        assert!(c.github.required);
        assert_eq!(c.tickets.open_on, Some(Severity::Critical));
        assert_eq!(c.tickets.labels, ["scangate"]);
        assert_eq!(c.tickets.max_new, 20);
        assert_eq!(c.github.comment_key.as_str(), "default");
    }

    #[test]
    fn full_tables() {
        let c = from_policy_toml(
            r#"
[github]
comment = true
required = false
comment_key = "image-scan"
bot_login = "scangate-bot"

[tickets]
open_on = "high"
rules = ["cve-2021-44228"]
group_by = "package"
labels = ["security", "scangate"]
reopen = true
auto_close = true
max_new = 5
force_on_fork = true
"#,
        )
        .expect("loads");
        assert!(c.github.comment && !c.github.required);
        assert_eq!(c.github.comment_key.as_str(), "image-scan");
        assert_eq!(c.github.bot_login.as_deref(), Some("scangate-bot"));
        let t = &c.tickets;
        assert!(t.enabled && t.reopen && t.auto_close && t.force_on_fork);
        assert_eq!(t.open_on, Some(Severity::High));
        assert_eq!(t.rules, ["CVE-2021-44228"]);
        assert_eq!(t.group_by, GroupBy::Package);
        assert_eq!(t.labels, ["security", "scangate"]);
        assert_eq!(t.max_new, 5);
    }

    #[test]
    fn every_problem_is_reported() {
        let err = from_policy_toml(
            r#"
[github]
comment_key = "a b"
[tickets]
open_on = "severe"
group_by = "team"
labels = ["a,b"]
"#,
        )
        .expect_err("invalid");
        assert_eq!(err.problems.len(), 4, "{err}");
        let err = from_policy_toml("[tickets]\ngroup = \"rule\"\n").expect_err("unknown key");
        assert!(err.to_string().contains("group"), "{err}");
        let err = from_policy_toml("[github]\ncomentt = true\n").expect_err("unknown key");
        assert!(err.to_string().contains("comentt"), "{err}");
    }

    #[test]
    fn long_labels_are_shortened_not_refused() {
        let long = "x".repeat(80);
        let c = from_policy_toml(&format!("[tickets]\nlabels = [\"{long}\"]\n")).expect("loads");
        assert_eq!(c.tickets.labels[0].chars().count(), MAX_LABEL_CHARS);
    }

    #[test]
    fn open_on_none_needs_rules() {
        assert!(from_policy_toml("[tickets]\nopen_on = \"none\"\n").is_err());
        let c = from_policy_toml("[tickets]\nopen_on = \"none\"\nrules = [\"R1\"]\n").expect("ok");
        assert_eq!(c.tickets.open_on, None);
    }

    #[test]
    fn comment_keys() {
        assert!("image-scan".parse::<CommentKey>().is_ok());
        assert!("a.b_c".parse::<CommentKey>().is_ok());
        for bad in ["", "a b", "a-->b", "x--y", "é", &"k".repeat(65)] {
            assert!(bad.parse::<CommentKey>().is_err(), "{bad:?}");
        }
    }
}
