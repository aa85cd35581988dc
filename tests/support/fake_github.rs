//! A stateful fake of the GitHub REST API for the publishing tests, on 127.0.0.1 and a random
//! port, started by each test: a plain threaded HTTP/1.1 server (one thread per connection,
//! `Connection: close`) over std::net.
//!
//! Routes: `GET /user`; `GET`/`POST /repos/{o}/{r}/issues/{n}/comments` (paginated with
//! `per_page`, `page` and `Link`); `PATCH /repos/{o}/{r}/issues/comments/{id}`;
//! `GET /repos/{o}/{r}/issues?labels=&state=` (paginated, newest first, pull requests
//! included as GitHub does); `POST /repos/{o}/{r}/issues`; `PATCH /repos/{o}/{r}/issues/{n}`;
//! `GET`/`POST /repos/{o}/{r}/labels`. Every request needs `Authorization: Bearer <token>`.
//! GitHub's limits are enforced: comment bodies ≤ 65,536 characters, titles ≤ 256, labels ≤ 50.
//!
//! Fault injection: [`FakeGithub::fail_next`] makes the next N requests of a route answer with
//! a [`Fault`]. Every request is logged ([`FakeGithub::log`]).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// What the fake answers instead of the normal response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 500, nothing stored.
    Status500,
    /// The request is carried out, then answered with 502.
    StoreThen502,
    /// 403 secondary rate limit with `Retry-After`.
    RateLimit403 { retry_after: u64 },
    /// 401 "Bad credentials", echoing the Authorization header it got (to prove scrubbing).
    Unauthorized401,
    /// 422 "body is too long".
    BodyTooLong422,
    /// 403 "Resource not accessible by integration" (a fork's read-only token).
    Forbidden403,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    User,
    ListComments,
    CreateComment,
    UpdateComment,
    ListIssues,
    CreateIssue,
    UpdateIssue,
    ListLabels,
    CreateLabel,
}

#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
    pub authorization: Option<String>,
    pub route: Option<Route>,
    pub status: u16,
}

impl LoggedRequest {
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
}

#[derive(Debug, Clone)]
pub struct FakeComment {
    pub id: u64,
    pub issue: u64,
    pub body: String,
    pub login: String,
}

#[derive(Debug, Clone)]
pub struct FakeIssue {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub open: bool,
    pub state_reason: Option<String>,
    pub labels: Vec<String>,
    pub login: String,
    pub is_pr: bool,
}

#[derive(Debug)]
struct FaultRule {
    route: Route,
    fault: Fault,
    remaining: usize,
}

#[derive(Debug)]
pub struct State {
    pub token: String,
    /// The login `GET /user` returns and new comments/issues are authored by.
    pub login: String,
    /// `GET /user` answers 403, as for an Actions `GITHUB_TOKEN`.
    pub user_forbidden: bool,
    /// Every write answers 403 (a fork's read-only token).
    pub read_only: bool,
    pub comments: Vec<FakeComment>,
    pub issues: Vec<FakeIssue>,
    pub labels: Vec<String>,
    next_comment_id: u64,
    next_issue_number: u64,
    faults: Vec<FaultRule>,
    pub log: Vec<LoggedRequest>,
}

pub struct FakeGithub {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl FakeGithub {
    /// Starts the fake for `token`, with `login` as the token's user.
    pub fn start(token: &str, login: &str) -> FakeGithub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            token: token.to_owned(),
            login: login.to_owned(),
            user_forbidden: false,
            read_only: false,
            comments: Vec::new(),
            issues: Vec::new(),
            labels: Vec::new(),
            next_comment_id: 1000,
            // Pull request numbers used by the tests stay below this.
            next_issue_number: 100,
            faults: Vec::new(),
            log: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&state);
                    std::thread::spawn(move || handle_connection(stream, addr, &state));
                }
            })
        };
        FakeGithub {
            addr,
            state,
            stop,
            handle: Some(handle),
        }
    }

    /// The API base, for `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next `times` requests of `route` answer with `fault`.
    pub fn fail_next(&self, route: Route, fault: Fault, times: usize) {
        self.state().faults.push(FaultRule {
            route,
            fault,
            remaining: times,
        });
    }

    pub fn add_comment(&self, issue: u64, login: &str, body: &str) -> u64 {
        let mut s = self.state();
        s.next_comment_id += 1;
        let id = s.next_comment_id;
        s.comments.push(FakeComment {
            id,
            issue,
            body: body.to_owned(),
            login: login.to_owned(),
        });
        id
    }

    pub fn add_issue(&self, title: &str, body: &str, labels: &[&str], open: bool) -> u64 {
        let mut s = self.state();
        s.next_issue_number += 1;
        let number = s.next_issue_number;
        s.issues.push(FakeIssue {
            number,
            title: title.to_owned(),
            body: body.to_owned(),
            open,
            state_reason: None,
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            login: "someone".to_owned(),
            is_pr: false,
        });
        number
    }

    pub fn comments_on(&self, issue: u64) -> Vec<FakeComment> {
        self.state()
            .comments
            .iter()
            .filter(|c| c.issue == issue)
            .cloned()
            .collect()
    }

    pub fn issues(&self) -> Vec<FakeIssue> {
        self.state()
            .issues
            .iter()
            .filter(|i| !i.is_pr)
            .cloned()
            .collect()
    }

    pub fn log(&self) -> Vec<LoggedRequest> {
        self.state().log.clone()
    }

    pub fn clear_log(&self) {
        self.state().log.clear();
    }

    /// Logged requests of one route.
    pub fn requests(&self, route: Route) -> Vec<LoggedRequest> {
        self.log()
            .into_iter()
            .filter(|r| r.route == Some(route))
            .collect()
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: BTreeMap<String, String>,
    body: String,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Response {
    fn json(status: u16, body: Value) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body,
        }
    }
    fn message(status: u16, message: &str) -> Response {
        Response::json(status, json!({ "message": message }))
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
    Some(Request {
        method,
        path,
        query,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn handle_connection(mut stream: TcpStream, addr: SocketAddr, state: &Mutex<State>) {
    let Some(req) = read_request(&mut stream) else {
        return;
    };
    let response = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        let route = route_of(&req.method, &req.path);
        let response = answer(&mut s, &req, route, addr);
        s.log.push(LoggedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            body: req.body.clone(),
            authorization: req.headers.get("authorization").cloned(),
            route,
            status: response.status,
        });
        response
    };
    let body = response.body.to_string();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        reason(response.status),
        body.len()
    );
    for (k, v) in &response.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Status",
    }
}

/// `/repos/{o}/{r}/...` split into the part after the repository.
fn repo_rest(path: &str) -> Option<Vec<&str>> {
    let rest = path.strip_prefix("/repos/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    (segments.len() >= 3).then(|| segments[2..].to_vec())
}

fn route_of(method: &str, path: &str) -> Option<Route> {
    if path == "/user" {
        return (method == "GET").then_some(Route::User);
    }
    let rest = repo_rest(path)?;
    Some(match (method, rest.as_slice()) {
        ("GET", ["issues", n, "comments"]) if n.parse::<u64>().is_ok() => Route::ListComments,
        ("POST", ["issues", n, "comments"]) if n.parse::<u64>().is_ok() => Route::CreateComment,
        ("PATCH", ["issues", "comments", _]) => Route::UpdateComment,
        ("GET", ["issues"]) => Route::ListIssues,
        ("POST", ["issues"]) => Route::CreateIssue,
        ("PATCH", ["issues", _]) => Route::UpdateIssue,
        ("GET", ["labels"]) => Route::ListLabels,
        ("POST", ["labels"]) => Route::CreateLabel,
        _ => return None,
    })
}

fn query_params(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn answer(s: &mut State, req: &Request, route: Option<Route>, addr: SocketAddr) -> Response {
    let auth = req
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    let authorised = auth == format!("Bearer {}", s.token) || auth == format!("token {}", s.token);
    if !authorised {
        // Real GitHub does not echo credentials; the fake does, to prove they are scrubbed.
        return Response::message(401, &format!("Bad credentials (got `{auth}`)"));
    }
    let Some(route) = route else {
        return Response::message(404, "Not Found");
    };
    let fault = s
        .faults
        .iter_mut()
        .find(|f| f.route == route && f.remaining > 0)
        .map(|f| {
            f.remaining -= 1;
            f.fault
        });
    match fault {
        Some(Fault::Status500) => return Response::message(500, "Server Error"),
        Some(Fault::RateLimit403 { retry_after }) => {
            let mut r = Response::json(
                403,
                json!({
                    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                }),
            );
            r.headers
                .push(("Retry-After".to_owned(), retry_after.to_string()));
            return r;
        }
        Some(Fault::Unauthorized401) => {
            return Response::message(401, &format!("Bad credentials (got `{auth}`)"));
        }
        Some(Fault::BodyTooLong422) => {
            return Response::json(
                422,
                json!({
                    "message": "Validation Failed",
                    "errors": [{"resource": "IssueComment", "code": "custom", "field": "body",
                                "message": "body is too long (maximum is 65536 characters)"}]
                }),
            );
        }
        Some(Fault::Forbidden403) => {
            return Response::message(403, "Resource not accessible by integration");
        }
        Some(Fault::StoreThen502) | None => {}
    }
    if s.read_only && req.method != "GET" {
        return Response::message(403, "Resource not accessible by integration");
    }
    let response = normal(s, req, route, addr);
    if fault == Some(Fault::StoreThen502) {
        return Response::message(502, "Bad Gateway");
    }
    response
}

fn comment_json(c: &FakeComment) -> Value {
    json!({
        "id": c.id,
        "body": c.body,
        "user": {"login": c.login},
        "html_url": format!("https://github.test/acme/shop/pull/{}#issuecomment-{}", c.issue, c.id),
    })
}

fn issue_json(i: &FakeIssue) -> Value {
    let mut v = json!({
        "number": i.number,
        "title": i.title,
        "body": i.body,
        "state": if i.open { "open" } else { "closed" },
        "state_reason": i.state_reason,
        "labels": i.labels.iter().map(|l| json!({"name": l, "color": "ffffff"})).collect::<Vec<_>>(),
        "user": {"login": i.login},
        "created_at": "2026-01-02T03:04:05Z",
        "html_url": format!("https://github.test/acme/shop/issues/{}", i.number),
    });
    if i.is_pr {
        v["pull_request"] = json!({"url": "x"});
    }
    v
}

/// One page of `items` with GitHub's `Link` header.
fn page(req: &Request, items: Vec<Value>, addr: SocketAddr) -> Response {
    let params = query_params(&req.query);
    let per_page = params
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = params
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let chunk: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut r = Response::json(200, Value::Array(chunk));
    let link_to = |p: usize| {
        let mut q: Vec<String> = req
            .query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("page="))
            .map(str::to_owned)
            .collect();
        q.push(format!("page={p}"));
        format!("<http://{addr}{}?{}>", req.path, q.join("&"))
    };
    let mut links = Vec::new();
    if page < last {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", link_to(1)));
        links.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
    }
    if !links.is_empty() {
        r.headers.push(("Link".to_owned(), links.join(", ")));
    }
    r
}

fn body_json(req: &Request) -> Value {
    serde_json::from_str(&req.body).unwrap_or(Value::Null)
}

fn too_long_comment() -> Response {
    Response::json(
        422,
        json!({"message": "Validation Failed",
               "errors": [{"code": "custom", "field": "body",
                           "message": "body is too long (maximum is 65536 characters)"}]}),
    )
}

fn normal(s: &mut State, req: &Request, route: Route, addr: SocketAddr) -> Response {
    let rest: Vec<String> = repo_rest(&req.path)
        .unwrap_or_default()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let number = |i: usize| rest.get(i).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    match route {
        Route::User => {
            if s.user_forbidden {
                Response::message(403, "Resource not accessible by integration")
            } else {
                Response::json(200, json!({"login": s.login, "id": 1}))
            }
        }
        Route::ListComments => {
            let n = number(1);
            let items = s
                .comments
                .iter()
                .filter(|c| c.issue == n)
                .map(comment_json)
                .collect();
            page(req, items, addr)
        }
        Route::CreateComment => {
            let body = body_json(req)["body"].as_str().unwrap_or("").to_owned();
            if body.chars().count() > 65_536 {
                return too_long_comment();
            }
            s.next_comment_id += 1;
            let c = FakeComment {
                id: s.next_comment_id,
                issue: number(1),
                body,
                login: s.login.clone(),
            };
            let v = comment_json(&c);
            s.comments.push(c);
            Response::json(201, v)
        }
        Route::UpdateComment => {
            let id = number(2);
            let body = body_json(req)["body"].as_str().unwrap_or("").to_owned();
            if body.chars().count() > 65_536 {
                return too_long_comment();
            }
            match s.comments.iter_mut().find(|c| c.id == id) {
                Some(c) => {
                    c.body = body;
                    Response::json(200, comment_json(c))
                }
                None => Response::message(404, "Not Found"),
            }
        }
        Route::ListIssues => {
            let params = query_params(&req.query);
            let labels: Vec<String> = params
                .get("labels")
                .map(|l| l.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            let state = params
                .get("state")
                .cloned()
                .unwrap_or_else(|| "open".into());
            let mut matching: Vec<&FakeIssue> = s
                .issues
                .iter()
                .filter(|i| labels.iter().all(|l| i.labels.contains(l)))
                .filter(|i| match state.as_str() {
                    "all" => true,
                    "closed" => !i.open,
                    _ => i.open,
                })
                .collect();
            matching.sort_by_key(|i| std::cmp::Reverse(i.number));
            let items = matching.into_iter().map(issue_json).collect();
            page(req, items, addr)
        }
        Route::CreateIssue => {
            let v = body_json(req);
            let title = v["title"].as_str().unwrap_or("").to_owned();
            let labels: Vec<String> = v["labels"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|l| l.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if title.is_empty() || title.chars().count() > 256 {
                return Response::message(422, "Validation Failed: title");
            }
            if labels.iter().any(|l| l.chars().count() > 50) {
                return Response::message(422, "Validation Failed: label name too long");
            }
            for l in &labels {
                if !s.labels.contains(l) {
                    s.labels.push(l.clone());
                }
            }
            s.next_issue_number += 1;
            let issue = FakeIssue {
                number: s.next_issue_number,
                title,
                body: v["body"].as_str().unwrap_or("").to_owned(),
                open: true,
                state_reason: None,
                labels,
                login: s.login.clone(),
                is_pr: false,
            };
            let out = issue_json(&issue);
            s.issues.push(issue);
            Response::json(201, out)
        }
        Route::UpdateIssue => {
            let n = number(1);
            let v = body_json(req);
            let Some(issue) = s.issues.iter_mut().find(|i| i.number == n) else {
                return Response::message(404, "Not Found");
            };
            if let Some(t) = v["title"].as_str() {
                if t.chars().count() > 256 {
                    return Response::message(422, "Validation Failed: title");
                }
                issue.title = t.to_owned();
            }
            if let Some(b) = v["body"].as_str() {
                issue.body = b.to_owned();
            }
            if let Some(st) = v["state"].as_str() {
                issue.open = st == "open";
            }
            if let Some(r) = v["state_reason"].as_str() {
                issue.state_reason = Some(r.to_owned());
            }
            if let Some(ls) = v["labels"].as_array() {
                issue.labels = ls
                    .iter()
                    .filter_map(|l| l.as_str().map(str::to_owned))
                    .collect();
            }
            let out = issue_json(issue);
            Response::json(200, out)
        }
        Route::ListLabels => {
            let items = s
                .labels
                .iter()
                .map(|l| json!({"name": l, "color": "ffffff"}))
                .collect();
            page(req, items, addr)
        }
        Route::CreateLabel => {
            let v = body_json(req);
            let name = v["name"].as_str().unwrap_or("").to_owned();
            if name.is_empty() || name.chars().count() > 50 {
                return Response::message(422, "Validation Failed: name");
            }
            if s.labels.contains(&name) {
                return Response::json(
                    422,
                    json!({"message": "Validation Failed", "errors": [{"code": "already_exists"}]}),
                );
            }
            s.labels.push(name.clone());
            Response::json(201, json!({"name": name, "color": v["color"]}))
        }
    }
}
