//! The GitHub REST operations publishing needs, behind the small [`GitHub`] trait, and the
//! octocrab-backed [`OctocrabClient`] with scangate's own retry and rate-limit policy.
//!
//! Why not octocrab's retry layer: it re-sends a `POST` at once when the server answers 5xx,
//! which duplicates a comment or an issue when the server stored the first attempt and then
//! failed, and it ignores `Retry-After`. So octocrab is built without its `retry` feature and:
//! - idempotent requests (`GET`, `PATCH`) are retried on 5xx and transport errors/timeouts,
//!   [`RetryPolicy::attempts`] in all, with exponential backoff;
//! - a create (`POST`) is never re-sent blindly: it fails with an error whose
//!   [`ApiError::outcome_unknown`] is true, and [`create_verified`] re-lists to see whether the
//!   first attempt landed before sending it again;
//! - rate limits (429, or 403 with `Retry-After`, `x-ratelimit-remaining: 0` or a rate-limit
//!   message) wait as `Retry-After` / `x-ratelimit-reset` say, within a bounded total wait
//!   ([`RetryPolicy::max_rate_limit_wait`]); a request refused for a rate limit was not
//!   processed, so it is re-sent as it is, `POST` included.
//!
//! Every request has a connect, read and write timeout and an overall deadline. Error text
//! names the operation and HTTP status; whatever GitHub or the transport said is passed through
//! [`Token::scrub`] first, so the token cannot appear in it.
//!
//! REST reference: <https://docs.github.com/en/rest/issues>, pagination:
//! <https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api>, rate
//! limits: <https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api>.

use std::cell::Cell;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::context::{EnvFn, RepoId, Token};

/// Items per page when listing (GitHub's maximum).
pub const PER_PAGE: u32 = 100;
/// Pages read at most per listing (10,000 items): a guard against a server that never stops.
pub const MAX_PAGES: u32 = 100;
/// How many times a create is sent at most when its outcome stays unknown.
pub const CREATE_ATTEMPTS: u32 = 3;
/// Rate-limit waits per request at most (each also counts against the total wait).
const MAX_RATE_LIMIT_WAITS: u32 = 5;
/// The wait when GitHub signals a rate limit without saying for how long (its advice for
/// secondary limits: at least a minute).
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    /// The author's login (empty for a deleted account).
    pub author: String,
    pub url: Option<String>,
}

/// An issue (pull requests that the issues API also lists are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub open: bool,
    pub labels: Vec<String>,
    pub author: String,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub created_at: Option<String>,
    pub url: Option<String>,
}

/// `POST /repos/{owner}/{repo}/issues`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewIssue {
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
}

/// `PATCH /repos/{owner}/{repo}/issues/{number}`: only the fields that are set change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IssueUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `open` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    /// `completed`, `not_planned` or `reopened`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

impl IssueUpdate {
    pub fn is_empty(&self) -> bool {
        *self == IssueUpdate::default()
    }
}

/// A failed GitHub operation. The text names the operation and the HTTP status and never
/// holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// GitHub answered with an error status.
    #[error("{operation}: HTTP {status}: {message}")]
    Status {
        operation: String,
        status: u16,
        message: String,
    },
    /// No usable answer: connection failure or timeout.
    #[error("{operation}: {message}")]
    Transport { operation: String, message: String },
    /// Rate limited for longer than scangate may wait.
    #[error("{operation}: rate limited (HTTP {status}): {message}")]
    RateLimited {
        operation: String,
        status: u16,
        message: String,
    },
    /// A success status with a body scangate cannot read.
    #[error("{operation}: unexpected response: {message}")]
    Decode { operation: String, message: String },
}

impl ApiError {
    /// The HTTP status, when GitHub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } | ApiError::RateLimited { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request may or may not have taken effect (5xx, timeout, lost connection): a create
    /// must be checked for before it is sent again.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ApiError::Status { status, .. } => *status >= 500,
            ApiError::Transport { .. } => true,
            _ => false,
        }
    }

    /// A 403 that is not a rate limit: the token may not do this (a fork's read-only token).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, ApiError::Status { status: 403, .. })
    }

    /// GitHub's 422 for a body over 65,536 characters.
    pub fn is_body_too_long(&self) -> bool {
        match self {
            ApiError::Status {
                status: 422,
                message,
                ..
            } => message.to_ascii_lowercase().contains("too long"),
            _ => false,
        }
    }
}

/// The GitHub operations publishing uses. Implemented by [`OctocrabClient`]; tests use fakes.
pub trait GitHub {
    /// The token's login; `None` when GitHub refuses to say (403: an Actions `GITHUB_TOKEN`).
    fn current_user(&self) -> Result<Option<String>, ApiError>;
    /// Every comment on an issue or pull request, oldest first (all pages).
    fn list_comments(&self, repo: &RepoId, number: u64) -> Result<Vec<Comment>, ApiError>;
    fn create_comment(&self, repo: &RepoId, number: u64, body: &str) -> Result<Comment, ApiError>;
    fn update_comment(&self, repo: &RepoId, id: u64, body: &str) -> Result<Comment, ApiError>;
    /// Every issue, open or closed, carrying `label` (all pages; pull requests left out).
    fn list_issues(&self, repo: &RepoId, label: &str) -> Result<Vec<Issue>, ApiError>;
    fn create_issue(&self, repo: &RepoId, issue: &NewIssue) -> Result<Issue, ApiError>;
    fn update_issue(
        &self,
        repo: &RepoId,
        number: u64,
        update: &IssueUpdate,
    ) -> Result<Issue, ApiError>;
    /// Every label name in the repository (all pages).
    fn list_labels(&self, repo: &RepoId) -> Result<Vec<String>, ApiError>;
    /// Creates a label; one that already exists is not an error.
    fn create_label(&self, repo: &RepoId, name: &str, color: &str) -> Result<(), ApiError>;
    /// Waits before checking whether a create of unknown outcome landed (attempt 1, 2, ...).
    fn pause(&self, attempt: u32);
}

/// Sends a create at most [`CREATE_ATTEMPTS`] times: when an attempt's outcome is unknown
/// (5xx, timeout), `find` re-lists and returns what landed, if anything, before another
/// attempt is made.
pub fn create_verified<T>(
    gh: &dyn GitHub,
    mut create: impl FnMut() -> Result<T, ApiError>,
    mut find: impl FnMut() -> Result<Option<T>, ApiError>,
) -> Result<T, ApiError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match create() {
            Ok(created) => return Ok(created),
            Err(e) if e.outcome_unknown() => {
                gh.pause(attempt);
                if let Some(landed) = find()? {
                    return Ok(landed);
                }
                if attempt >= CREATE_ATTEMPTS {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Timeouts, retries and waits. Scaled down in tests through the environment (see
/// [`RetryPolicy::from_env`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends of one idempotent request at most (first try included).
    pub attempts: u32,
    /// First backoff; doubled per retry up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Total time one run may spend waiting out rate limits.
    pub max_rate_limit_wait: Duration,
    pub connect_timeout: Duration,
    /// Per read/write on the connection, and the overall deadline of one request.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(8),
            max_rate_limit_wait: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The defaults, overridden by `SCANGATE_GITHUB_BACKOFF_MS` (first backoff, default 1000),
    /// `SCANGATE_GITHUB_MAX_WAIT_SECS` (total rate-limit wait, default 120) and
    /// `SCANGATE_GITHUB_TIMEOUT_SECS` (per request, default 30).
    pub fn from_env(env: EnvFn<'_>) -> RetryPolicy {
        let mut p = RetryPolicy::default();
        let num = |name: &str| env(name).and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(ms) = num("SCANGATE_GITHUB_BACKOFF_MS") {
            p.base_backoff = Duration::from_millis(ms);
            p.max_backoff = Duration::from_millis(ms.saturating_mul(8));
        }
        if let Some(s) = num("SCANGATE_GITHUB_MAX_WAIT_SECS") {
            p.max_rate_limit_wait = Duration::from_secs(s);
        }
        if let Some(s) = num("SCANGATE_GITHUB_TIMEOUT_SECS").filter(|s| *s > 0) {
            p.request_timeout = Duration::from_secs(s);
            p.connect_timeout = p.connect_timeout.min(p.request_timeout);
        }
        p
    }

    /// The wait before retry number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.base_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// How long a rate-limited answer asks to wait, or `None` when the answer is no rate limit.
/// 429 always is; a 403 is when it carries `Retry-After`, `x-ratelimit-remaining: 0` or says
/// "rate limit". `Retry-After` (seconds) wins, then `x-ratelimit-reset` (epoch seconds) when
/// the quota is spent, else a minute.
pub fn rate_limit_wait(
    status: u16,
    headers: &http::HeaderMap,
    message: &str,
    now_epoch: u64,
) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let retry_after = header("retry-after").and_then(|v| v.parse::<u64>().ok());
    let exhausted = header("x-ratelimit-remaining") == Some("0");
    let says_so = message.to_ascii_lowercase().contains("rate limit");
    let limited = status == 429
        || (status == 403 && (header("retry-after").is_some() || exhausted || says_so));
    if !limited {
        return None;
    }
    if let Some(secs) = retry_after {
        return Some(Duration::from_secs(secs));
    }
    if exhausted
        && let Some(reset) = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok())
    {
        return Some(Duration::from_secs(reset.saturating_sub(now_epoch).max(1)));
    }
    Some(DEFAULT_RATE_LIMIT_WAIT)
}

/// The `rel="next"` target of a `Link` header, as a path and query (requests always go to
/// the configured API base, whatever host a link names).
pub fn next_link(headers: &http::HeaderMap) -> Option<String> {
    for value in headers.get_all(http::header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim();
                p == "rel=\"next\"" || p == "rel=next"
            });
            if !is_next {
                continue;
            }
            let url = target.strip_prefix('<')?.strip_suffix('>')?;
            let uri: http::Uri = url.parse().ok()?;
            return uri.path_and_query().map(|pq| pq.as_str().to_owned());
        }
    }
    None
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reverses [`percent_encode`]; `None` for malformed input.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// GitHub's error body (`message`, `errors[].message`) in one line, at most 300 characters.
fn error_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: Option<String>,
        #[serde(default)]
        errors: Vec<serde_json::Value>,
    }
    let text = match serde_json::from_str::<ErrorBody>(body) {
        Ok(e) => {
            let mut text = e.message.unwrap_or_default();
            let details: Vec<String> = e
                .errors
                .iter()
                .filter_map(|v| match v {
                    serde_json::Value::String(s) => Some(s.clone()),
                    v => v
                        .get("message")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned)
                        .or_else(|| {
                            v.get("code")
                                .and_then(serde_json::Value::as_str)
                                .map(str::to_owned)
                        }),
                })
                .collect();
            if !details.is_empty() {
                text.push_str(&format!(" ({})", details.join("; ")));
            }
            text
        }
        Err(_) => body.to_owned(),
    };
    let text = crate::text::for_terminal(&text, 300);
    if text.is_empty() {
        "no message".to_owned()
    } else {
        text
    }
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Patch,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
}

/// What a request is for, as error messages name it: `create the PR comment (POST
/// /repos/o/r/issues/7/comments)`.
struct Operation {
    what: &'static str,
    method: Method,
    path: String,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.split('?').next().unwrap_or("");
        write!(f, "{} ({} {path})", self.what, self.method.as_str())
    }
}

/// An answer, read whole.
struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

#[derive(Deserialize)]
struct RawUser {
    login: String,
}

#[derive(Deserialize)]
struct RawComment {
    id: u64,
    body: Option<String>,
    user: Option<RawUser>,
    html_url: Option<String>,
}

impl From<RawComment> for Comment {
    fn from(c: RawComment) -> Comment {
        Comment {
            id: c.id,
            body: c.body.unwrap_or_default(),
            author: c.user.map(|u| u.login).unwrap_or_default(),
            url: c.html_url,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawLabel {
    Name(String),
    Object { name: String },
}

impl RawLabel {
    fn into_name(self) -> String {
        match self {
            RawLabel::Name(n) | RawLabel::Object { name: n } => n,
        }
    }
}

#[derive(Deserialize)]
struct RawIssue {
    number: u64,
    #[serde(default)]
    title: String,
    body: Option<String>,
    #[serde(default)]
    state: String,
    #[serde(default)]
    labels: Vec<RawLabel>,
    user: Option<RawUser>,
    created_at: Option<String>,
    html_url: Option<String>,
    pull_request: Option<serde_json::Value>,
}

impl From<RawIssue> for Issue {
    fn from(i: RawIssue) -> Issue {
        Issue {
            number: i.number,
            title: i.title,
            body: i.body.unwrap_or_default(),
            open: i.state == "open",
            labels: i.labels.into_iter().map(RawLabel::into_name).collect(),
            author: i.user.map(|u| u.login).unwrap_or_default(),
            created_at: i.created_at,
            url: i.html_url,
        }
    }
}

/// The octocrab-backed client. Owns a current-thread tokio runtime, created only when
/// publishing.
pub struct OctocrabClient {
    runtime: tokio::runtime::Runtime,
    crab: octocrab::Octocrab,
    token: Token,
    policy: RetryPolicy,
    /// Time spent waiting out rate limits so far.
    waited: Cell<Duration>,
}

impl fmt::Debug for OctocrabClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OctocrabClient")
            .field("token", &self.token)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl OctocrabClient {
    /// A client for the API at `api_url` (`GITHUB_API_URL`; octocrab reads no environment).
    pub fn new(api_url: &str, token: Token, policy: RetryPolicy) -> Result<Self, ApiError> {
        let setup = |message: String| ApiError::Transport {
            operation: "set up the GitHub client".to_owned(),
            message: token.scrub(&message),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| setup(format!("cannot start the async runtime: {e}")))?;
        // octocrab spawns its request buffer's worker on the runtime it is built in.
        let crab = {
            let _entered = runtime.enter();
            octocrab::Octocrab::builder()
                .personal_token(token.expose().to_owned())
                .base_uri(api_url)
                .map_err(|e| setup(format!("bad API URL: {e}")))?
                .add_header(
                    http::HeaderName::from_static("x-github-api-version"),
                    "2022-11-28".to_owned(),
                )
                .set_connect_timeout(Some(policy.connect_timeout))
                .set_read_timeout(Some(policy.request_timeout))
                .set_write_timeout(Some(policy.request_timeout))
                .build()
                .map_err(|e| setup(e.to_string()))?
        };
        Ok(OctocrabClient {
            runtime,
            crab,
            token,
            policy,
            waited: Cell::new(Duration::ZERO),
        })
    }

    fn op(what: &'static str, method: Method, path: String) -> Operation {
        Operation { what, method, path }
    }

    /// One attempt, within the overall deadline.
    fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, String> {
        let crab = &self.crab;
        let exchange = async {
            let response = match method {
                Method::Get => crab._get(path).await,
                Method::Post => crab._post(path, body).await,
                Method::Patch => crab._patch(path, body).await,
            }
            .map_err(|e| error_chain(&e))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = crab
                .body_to_string(response)
                .await
                .map_err(|e| error_chain(&e))?;
            Ok(Answer {
                status,
                headers,
                body,
            })
        };
        let deadline = self.policy.request_timeout;
        self.runtime.block_on(async {
            match tokio::time::timeout(deadline, exchange).await {
                Ok(result) => result,
                Err(_) => Err(format!("no answer within {}s", deadline.as_secs())),
            }
        })
    }

    /// Sends with the retry and rate-limit policy; `Ok` only for a 2xx answer.
    fn request(
        &self,
        op: &Operation,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, ApiError> {
        let idempotent = op.method != Method::Post;
        let mut failures = 0;
        let mut rate_waits = 0;
        loop {
            let error = match self.send_once(op.method, &op.path, body) {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok(answer),
                Ok(answer) => {
                    let message = self.token.scrub(&error_message(&answer.body));
                    if let Some(wait) =
                        rate_limit_wait(answer.status, &answer.headers, &message, now_epoch())
                    {
                        rate_waits += 1;
                        let waited = self.waited.get();
                        if rate_waits > MAX_RATE_LIMIT_WAITS
                            || waited + wait > self.policy.max_rate_limit_wait
                        {
                            return Err(ApiError::RateLimited {
                                operation: op.to_string(),
                                status: answer.status,
                                message: format!(
                                    "{message}; GitHub asks to wait {}s, over the {}s scangate may wait in all (SCANGATE_GITHUB_MAX_WAIT_SECS)",
                                    wait.as_secs(),
                                    self.policy.max_rate_limit_wait.as_secs()
                                ),
                            });
                        }
                        eprintln!(
                            "scangate: GitHub rate limit on {op} (HTTP {}); waiting {}s",
                            answer.status,
                            wait.as_secs()
                        );
                        std::thread::sleep(wait);
                        self.waited.set(waited + wait);
                        continue;
                    }
                    ApiError::Status {
                        operation: op.to_string(),
                        status: answer.status,
                        message,
                    }
                }
                Err(message) => ApiError::Transport {
                    operation: op.to_string(),
                    message: self.token.scrub(&crate::text::for_terminal(&message, 300)),
                },
            };
            failures += 1;
            if idempotent && error.outcome_unknown() && failures < self.policy.attempts {
                std::thread::sleep(self.policy.backoff(failures));
                continue;
            }
            return Err(error);
        }
    }

    fn decode<T: DeserializeOwned>(&self, op: &Operation, answer: &Answer) -> Result<T, ApiError> {
        serde_json::from_str(&answer.body).map_err(|e| ApiError::Decode {
            operation: op.to_string(),
            message: self.token.scrub(&e.to_string()),
        })
    }

    /// GETs every page, following `Link: rel="next"`.
    fn get_all<T: DeserializeOwned>(
        &self,
        what: &'static str,
        first: String,
    ) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        let mut path = first;
        for _ in 0..MAX_PAGES {
            let op = Self::op(what, Method::Get, path);
            let answer = self.request(&op, None)?;
            out.extend(self.decode::<Vec<T>>(&op, &answer)?);
            match next_link(&answer.headers) {
                Some(next) => path = next,
                None => return Ok(out),
            }
        }
        Err(ApiError::Decode {
            operation: what.to_owned(),
            message: format!("more than {MAX_PAGES} pages"),
        })
    }

    fn json<T: Serialize>(value: &T) -> serde_json::Value {
        serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
    }
}

/// An error and its sources in one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl GitHub for OctocrabClient {
    fn current_user(&self) -> Result<Option<String>, ApiError> {
        let op = Self::op("read the token's login", Method::Get, "/user".to_owned());
        match self.request(&op, None) {
            Ok(answer) => Ok(Some(self.decode::<RawUser>(&op, &answer)?.login)),
            Err(e) if e.is_forbidden() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn list_comments(&self, repo: &RepoId, number: u64) -> Result<Vec<Comment>, ApiError> {
        let path = format!("/repos/{repo}/issues/{number}/comments?per_page={PER_PAGE}");
        let raw: Vec<RawComment> = self.get_all("list the pull request's comments", path)?;
        Ok(raw.into_iter().map(Comment::from).collect())
    }

    fn create_comment(&self, repo: &RepoId, number: u64, body: &str) -> Result<Comment, ApiError> {
        let op = Self::op(
            "create the PR comment",
            Method::Post,
            format!("/repos/{repo}/issues/{number}/comments"),
        );
        let answer = self.request(&op, Some(&serde_json::json!({ "body": body })))?;
        Ok(self.decode::<RawComment>(&op, &answer)?.into())
    }

    fn update_comment(&self, repo: &RepoId, id: u64, body: &str) -> Result<Comment, ApiError> {
        let op = Self::op(
            "update the PR comment",
            Method::Patch,
            format!("/repos/{repo}/issues/comments/{id}"),
        );
        let answer = self.request(&op, Some(&serde_json::json!({ "body": body })))?;
        Ok(self.decode::<RawComment>(&op, &answer)?.into())
    }

    fn list_issues(&self, repo: &RepoId, label: &str) -> Result<Vec<Issue>, ApiError> {
        let path = format!(
            "/repos/{repo}/issues?labels={}&state=all&per_page={PER_PAGE}",
            percent_encode(label)
        );
        let raw: Vec<RawIssue> = self.get_all("list scangate's incident issues", path)?;
        Ok(raw
            .into_iter()
            .filter(|i| i.pull_request.is_none())
            .map(Issue::from)
            .collect())
    }

    fn create_issue(&self, repo: &RepoId, issue: &NewIssue) -> Result<Issue, ApiError> {
        let op = Self::op(
            "open an incident issue",
            Method::Post,
            format!("/repos/{repo}/issues"),
        );
        let answer = self.request(&op, Some(&Self::json(issue)))?;
        Ok(self.decode::<RawIssue>(&op, &answer)?.into())
    }

    fn update_issue(
        &self,
        repo: &RepoId,
        number: u64,
        update: &IssueUpdate,
    ) -> Result<Issue, ApiError> {
        let op = Self::op(
            "update an incident issue",
            Method::Patch,
            format!("/repos/{repo}/issues/{number}"),
        );
        let answer = self.request(&op, Some(&Self::json(update)))?;
        Ok(self.decode::<RawIssue>(&op, &answer)?.into())
    }

    fn list_labels(&self, repo: &RepoId) -> Result<Vec<String>, ApiError> {
        let path = format!("/repos/{repo}/labels?per_page={PER_PAGE}");
        let raw: Vec<RawLabel> = self.get_all("list labels", path)?;
        Ok(raw.into_iter().map(RawLabel::into_name).collect())
    }

    fn create_label(&self, repo: &RepoId, name: &str, color: &str) -> Result<(), ApiError> {
        let op = Self::op(
            "create a label",
            Method::Post,
            format!("/repos/{repo}/labels"),
        );
        let body = serde_json::json!({
            "name": name,
            "color": color,
            "description": "Opened by scangate",
        });
        match self.request(&op, Some(&body)) {
            Ok(_) => Ok(()),
            // `already_exists`: another run (or a person) created it meanwhile.
            Err(ApiError::Status { status: 422, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn pause(&self, attempt: u32) {
        std::thread::sleep(self.policy.backoff(attempt));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn rate_limits_are_told_from_other_403s() {
        let none = headers(&[]);
        assert_eq!(
            rate_limit_wait(403, &none, "Resource not accessible by integration", 0),
            None
        );
        assert_eq!(
            rate_limit_wait(500, &headers(&[("retry-after", "3")]), "", 0),
            None
        );
        assert_eq!(
            rate_limit_wait(403, &headers(&[("retry-after", "3")]), "", 0),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            rate_limit_wait(
                403,
                &headers(&[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1010")
                ]),
                "",
                1000
            ),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            rate_limit_wait(403, &none, "You have exceeded a secondary rate limit", 0),
            Some(DEFAULT_RATE_LIMIT_WAIT)
        );
        assert_eq!(
            rate_limit_wait(429, &none, "", 0),
            Some(DEFAULT_RATE_LIMIT_WAIT)
        );
    }

    #[test]
    fn next_link_is_a_path() {
        let h = headers(&[(
            "link",
            "<https://api.github.com/repositories/1/issues?page=3&per_page=100>; rel=\"next\", \
             <https://api.github.com/repositories/1/issues?page=9&per_page=100>; rel=\"last\"",
        )]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/repositories/1/issues?page=3&per_page=100")
        );
        let last_page = headers(&[(
            "link",
            "<https://api.github.com/x?page=1>; rel=\"first\", <https://api.github.com/x?page=2>; rel=\"prev\"",
        )]);
        assert_eq!(next_link(&last_page), None);
        assert_eq!(next_link(&headers(&[])), None);
    }

    #[test]
    fn percent_encoding_round_trips() {
        for s in [
            "scangate",
            "severity: critical",
            "Semgrep OSS",
            "a-->b",
            "é/%",
        ] {
            let e = percent_encode(s);
            assert!(!e.contains(' ') && !e.contains('>'), "{e}");
            assert_eq!(percent_decode(&e).as_deref(), Some(s));
        }
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
    }

    #[test]
    fn error_messages_are_one_short_line() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}]}"#;
        let m = error_message(body);
        assert_eq!(
            m,
            "Validation Failed (body is too long (maximum is 65536 characters))"
        );
        let e = ApiError::Status {
            operation: "x".into(),
            status: 422,
            message: m,
        };
        assert!(e.is_body_too_long());
        assert_eq!(
            error_message("<html>\n\x1b[1mboom</html>"),
            "<html> \\u{1b}[1mboom</html>"
        );
        assert_eq!(error_message(""), "no message");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(2), Duration::from_secs(2));
        assert_eq!(p.backoff(3), Duration::from_secs(4));
        assert_eq!(p.backoff(10), Duration::from_secs(8));
        let fast = RetryPolicy::from_env(&|k| {
            (k == "SCANGATE_GITHUB_BACKOFF_MS").then(|| "10".to_owned())
        });
        assert_eq!(fast.backoff(1), Duration::from_millis(10));
    }

    /// A create that failed with 5xx is re-listed before it is sent again.
    #[test]
    fn create_verified_checks_before_resending() {
        struct Noop;
        impl GitHub for Noop {
            fn current_user(&self) -> Result<Option<String>, ApiError> {
                Ok(None)
            }
            fn list_comments(&self, _: &RepoId, _: u64) -> Result<Vec<Comment>, ApiError> {
                Ok(vec![])
            }
            fn create_comment(&self, _: &RepoId, _: u64, _: &str) -> Result<Comment, ApiError> {
                unreachable!()
            }
            fn update_comment(&self, _: &RepoId, _: u64, _: &str) -> Result<Comment, ApiError> {
                unreachable!()
            }
            fn list_issues(&self, _: &RepoId, _: &str) -> Result<Vec<Issue>, ApiError> {
                Ok(vec![])
            }
            fn create_issue(&self, _: &RepoId, _: &NewIssue) -> Result<Issue, ApiError> {
                unreachable!()
            }
            fn update_issue(&self, _: &RepoId, _: u64, _: &IssueUpdate) -> Result<Issue, ApiError> {
                unreachable!()
            }
            fn list_labels(&self, _: &RepoId) -> Result<Vec<String>, ApiError> {
                Ok(vec![])
            }
            fn create_label(&self, _: &RepoId, _: &str, _: &str) -> Result<(), ApiError> {
                Ok(())
            }
            fn pause(&self, _: u32) {}
        }
        let bad_gateway = || ApiError::Status {
            operation: "create".into(),
            status: 502,
            message: "Bad Gateway".into(),
        };
        // Stored, then 502: found on the re-list, sent once.
        let sends = Cell::new(0);
        let got = create_verified(
            &Noop,
            || {
                sends.set(sends.get() + 1);
                Err::<u32, _>(bad_gateway())
            },
            || Ok(Some(7)),
        );
        assert_eq!((got, sends.get()), (Ok(7), 1));
        // Not stored: re-sent, at most CREATE_ATTEMPTS times.
        let sends = Cell::new(0);
        let got = create_verified(
            &Noop,
            || {
                sends.set(sends.get() + 1);
                Err::<u32, _>(bad_gateway())
            },
            || Ok(None),
        );
        assert_eq!((got, sends.get()), (Err(bad_gateway()), CREATE_ATTEMPTS));
        // A 4xx is final.
        let sends = Cell::new(0);
        let got = create_verified(
            &Noop,
            || {
                sends.set(sends.get() + 1);
                Err::<u32, _>(ApiError::Status {
                    operation: "c".into(),
                    status: 404,
                    message: "Not Found".into(),
                })
            },
            || Ok(Some(1)),
        );
        assert!(got.is_err());
        assert_eq!(sends.get(), 1);
    }
}
