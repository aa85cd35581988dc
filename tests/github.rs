//! Publishing to GitHub against a stateful fake of its REST API (`support/fake_github.rs`) on
//! 127.0.0.1: the built binary with a cleared environment, `GITHUB_API_URL` pointing at the
//! fake and a fake token; the auto-close lifecycle through the library with a `[tickets]`
//! table (the policy file cannot carry one yet).
//!
//! Waits are kept short: `SCANGATE_GITHUB_BACKOFF_MS=10` and `Retry-After: 1`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use scangate::ingest::{self, InputSpec};
use scangate::policy::Policy;
use scangate::publish::context::{GithubContext, Token};
use scangate::publish::github::{ApiError, GitHub, OctocrabClient, RetryPolicy};
use scangate::publish::{self, PublishArgs, PublishStatus, config};
use scangate::verdict::Verdict;
use support::fake_github::{FakeGithub, Fault, Route};

const TOKEN: &str = "ghs_FakeToken0123456789abcdefSECRETvalue";
const BOT: &str = "scangate-bot";
const MARKER: &str = "<!-- scangate:comment key=default -->";
const FAILING: &str = "examples/failing/trivy-image.json";
const PASSING: &str = "examples/reports";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `scangate check ARGS` against the fake, with only the variables publishing needs.
fn scangate(fake: &FakeGithub, args: &[&str], env: &[(&str, &str)]) -> Run {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_scangate"))
        .arg("check")
        .args(args)
        .current_dir(root())
        .env_clear()
        .env("GITHUB_API_URL", fake.url())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("SCANGATE_GITHUB_BACKOFF_MS", "10")
        .env("SCANGATE_GITHUB_TIMEOUT_SECS", "20")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let run = Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    };
    assert_token_never_shown(fake, &run);
    run
}

/// The token reaches GitHub only in the Authorization header: never in stdout, stderr or a
/// request body.
fn assert_token_never_shown(fake: &FakeGithub, run: &Run) {
    assert!(
        !run.stdout.contains(TOKEN),
        "token on stdout:\n{}",
        run.stdout
    );
    assert!(
        !run.stderr.contains(TOKEN),
        "token on stderr:\n{}",
        run.stderr
    );
    for r in fake.log() {
        assert!(
            !r.body.contains(TOKEN),
            "token in a request body: {} {}",
            r.method,
            r.path
        );
        assert!(!r.query.contains(TOKEN));
    }
}

fn context(run: &Run) -> String {
    format!(
        "exit {}\n--- stdout\n{}\n--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}

/// A Trivy report with the given `(id, package, severity)` vulnerabilities.
fn trivy_report(dir: &tempfile::TempDir, name: &str, vulns: &[(String, &str, &str)]) -> PathBuf {
    let vulns: Vec<serde_json::Value> = vulns
        .iter()
        .map(|(id, pkg, sev)| {
            serde_json::json!({
                "VulnerabilityID": id,
                "PkgName": pkg,
                "InstalledVersion": "1.0.0",
                "FixedVersion": "1.0.1",
                "Severity": sev,
                "Title": format!("{pkg}: a problem known as {id}"),
                "PrimaryURL": format!("https://avd.aquasec.com/nvd/{}", id.to_lowercase()),
            })
        })
        .collect();
    let report = serde_json::json!({
        "SchemaVersion": 2,
        "ArtifactName": "registry.example.com/shop/api:2.0",
        "ArtifactType": "container_image",
        "Trivy": {"Version": "0.57.1"},
        "Results": [{
            "Target": "registry.example.com/shop/api:2.0 (debian 12.7)",
            "Class": "os-pkgs",
            "Type": "debian",
            "Vulnerabilities": vulns,
        }],
    });
    let path = dir.path().join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&report).expect("json")).expect("write");
    path
}

fn three_criticals(dir: &tempfile::TempDir) -> PathBuf {
    trivy_report(
        dir,
        "criticals.json",
        &[
            ("CVE-2024-0001".into(), "openssl", "CRITICAL"),
            ("CVE-2024-0002".into(), "openssl", "CRITICAL"),
            ("CVE-2024-0003".into(), "zlib", "CRITICAL"),
            ("CVE-2024-0004".into(), "zlib", "LOW"),
        ],
    )
}

fn writes(fake: &FakeGithub) -> Vec<String> {
    fake.log()
        .into_iter()
        .filter(|r| r.is_write())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn first_run_creates_one_comment_and_the_issues_a_second_run_creates_nothing() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let dir = tempfile::tempdir().expect("tempdir");
    let report = three_criticals(&dir);
    let args = [
        report.to_str().expect("utf-8"),
        "--comment",
        "--tickets",
        "--pr",
        "7",
    ];
    let first = scangate(&fake, &args, &[]);
    assert_eq!(first.code, 1, "the verdict decides: {}", context(&first));
    let comments = fake.comments_on(7);
    assert_eq!(comments.len(), 1, "{}", context(&first));
    assert!(comments[0].body.starts_with(MARKER));
    assert!(comments[0].body.contains("scangate: FAIL"));
    let issues = fake.issues();
    assert_eq!(issues.len(), 3, "one per critical finding: {issues:#?}");
    for i in &issues {
        assert!(i.open);
        assert_eq!(i.labels, ["scangate", "severity:critical"]);
        assert!(i.title.starts_with("critical: CVE-2024-000"), "{}", i.title);
        assert!(
            i.body.starts_with("<!-- scangate:ticket v=1 key="),
            "{}",
            i.body
        );
        assert!(
            i.body.contains("**Fix:** upgrade to ` 1.0.1 `"),
            "{}",
            i.body
        );
    }
    // The comment lists the issues it opened.
    assert!(
        comments[0].body.contains("### Incident issues"),
        "{}",
        comments[0].body
    );
    assert!(
        first.stderr.contains("incident issues: 3 opened"),
        "{}",
        context(&first)
    );
    let labels = fake.state().labels.clone();
    assert!(
        labels.contains(&"severity:critical".to_owned()),
        "{labels:?}"
    );

    fake.clear_log();
    let second = scangate(&fake, &args, &[]);
    assert_eq!(second.code, 1, "{}", context(&second));
    assert_eq!(
        writes(&fake),
        [format!(
            "PATCH /repos/acme/shop/issues/comments/{}",
            comments[0].id
        )],
        "only the comment is updated"
    );
    assert_eq!(fake.comments_on(7).len(), 1);
    assert_eq!(fake.issues().len(), 3);
    assert!(
        second.stderr.contains("3 unchanged"),
        "{}",
        context(&second)
    );
}

#[test]
fn pagination_past_100_comments_and_issues() {
    let fake = FakeGithub::start(TOKEN, BOT);
    for i in 0..150 {
        fake.add_comment(7, "someone", &format!("comment {i}"));
    }
    let first = scangate(
        &fake,
        &[FAILING, "--comment", "--tickets", "--pr", "7"],
        &[],
    );
    assert_eq!(first.code, 1, "{}", context(&first));
    assert_eq!(fake.issues().len(), 1);
    // Newer issues with the label push scangate's onto the second page.
    for i in 0..120 {
        fake.add_issue(&format!("other {i}"), "not ours", &["scangate"], i % 2 == 0);
    }
    for i in 0..30 {
        fake.add_comment(7, "someone", &format!("later comment {i}"));
    }
    fake.clear_log();
    let second = scangate(
        &fake,
        &[FAILING, "--comment", "--tickets", "--pr", "7"],
        &[],
    );
    assert_eq!(second.code, 1, "{}", context(&second));
    let comment_pages: Vec<String> = fake
        .requests(Route::ListComments)
        .into_iter()
        .map(|r| r.query)
        .collect();
    assert_eq!(comment_pages.len(), 2, "{comment_pages:?}");
    assert!(comment_pages[1].contains("page=2"), "{comment_pages:?}");
    let issue_pages = fake.requests(Route::ListIssues);
    assert_eq!(issue_pages.len(), 2);
    assert!(issue_pages[0].query.contains("labels=scangate"));
    assert!(issue_pages[0].query.contains("state=all"));
    assert!(issue_pages[1].query.contains("page=2"));
    assert_eq!(writes(&fake).len(), 1, "{:?}", writes(&fake));
    assert_eq!(fake.requests(Route::UpdateComment).len(), 1);
    assert_eq!(fake.issues().len(), 121);
    let ours: Vec<_> = fake
        .comments_on(7)
        .into_iter()
        .filter(|c| c.body.starts_with(MARKER))
        .collect();
    assert_eq!(ours.len(), 1);
}

#[test]
fn server_error_then_success_makes_one_comment_not_two() {
    let fake = FakeGithub::start(TOKEN, BOT);
    fake.fail_next(Route::CreateComment, Fault::Status500, 1);
    fake.fail_next(Route::ListComments, Fault::Status500, 1);
    let run = scangate(&fake, &[PASSING, "--comment", "--pr", "7"], &[]);
    assert_eq!(run.code, 0, "{}", context(&run));
    assert_eq!(fake.comments_on(7).len(), 1);
    let sequence: Vec<Route> = fake.log().into_iter().filter_map(|r| r.route).collect();
    assert_eq!(
        sequence,
        [
            Route::User,
            Route::ListComments, // 500, retried
            Route::ListComments,
            Route::CreateComment, // 500: did it land?
            Route::ListComments,  // no: send again
            Route::CreateComment,
        ]
    );
}

#[test]
fn create_stored_then_answered_502_is_not_repeated() {
    let fake = FakeGithub::start(TOKEN, BOT);
    fake.fail_next(Route::CreateComment, Fault::StoreThen502, 1);
    fake.fail_next(Route::CreateIssue, Fault::StoreThen502, 1);
    let run = scangate(
        &fake,
        &[FAILING, "--comment", "--tickets", "--pr", "7"],
        &[],
    );
    assert_eq!(run.code, 1, "{}", context(&run));
    assert_eq!(fake.comments_on(7).len(), 1);
    assert_eq!(fake.requests(Route::CreateComment).len(), 1);
    assert_eq!(fake.issues().len(), 1);
    assert_eq!(fake.requests(Route::CreateIssue).len(), 1);
    assert!(run.stderr.contains("1 opened"), "{}", context(&run));
}

#[test]
fn secondary_rate_limit_waits_for_retry_after_and_succeeds() {
    let fake = FakeGithub::start(TOKEN, BOT);
    fake.fail_next(
        Route::CreateComment,
        Fault::RateLimit403 { retry_after: 1 },
        1,
    );
    let run = scangate(&fake, &[PASSING, "--comment", "--pr", "7"], &[]);
    assert_eq!(run.code, 0, "{}", context(&run));
    assert_eq!(fake.comments_on(7).len(), 1);
    assert_eq!(fake.requests(Route::CreateComment).len(), 2);
    assert!(run.elapsed >= Duration::from_secs(1), "{:?}", run.elapsed);
    assert!(run.stderr.contains("rate limit"), "{}", context(&run));
    assert!(run.stderr.contains("waiting 1s"), "{}", context(&run));
}

#[test]
fn rate_limit_wait_is_bounded() {
    let fake = FakeGithub::start(TOKEN, BOT);
    fake.fail_next(
        Route::CreateComment,
        Fault::RateLimit403 { retry_after: 30 },
        1,
    );
    let run = scangate(
        &fake,
        &[PASSING, "--comment", "--pr", "7"],
        &[("SCANGATE_GITHUB_MAX_WAIT_SECS", "2")],
    );
    assert_eq!(run.code, 3, "{}", context(&run));
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);
    assert!(
        run.stderr.contains("create the PR comment (POST /repos/acme/shop/issues/7/comments): rate limited (HTTP 403)"),
        "{}",
        context(&run)
    );
    assert!(fake.comments_on(7).is_empty());
}

#[test]
fn bad_token_is_a_clear_error_exit_3_on_pass_and_never_shown() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let wrong = "ghp_WrongButStillSecret987654321";
    let run = scangate(
        &fake,
        &[PASSING, "--comment", "--pr", "7"],
        &[("GITHUB_TOKEN", wrong)],
    );
    assert_eq!(run.code, 3, "{}", context(&run));
    assert!(
        run.stderr.contains(
            "error: publish: read the token's login (GET /user): HTTP 401: Bad credentials"
        ),
        "{}",
        context(&run)
    );
    assert!(
        run.stderr.contains("the token is invalid or expired"),
        "{}",
        context(&run)
    );
    // The fake echoes the Authorization header; scangate scrubs it.
    assert!(!run.stderr.contains(wrong), "{}", context(&run));
    assert!(run.stderr.contains("[REDACTED]"), "{}", context(&run));
    // A failing verdict keeps its own exit code.
    let run = scangate(
        &fake,
        &[FAILING, "--comment", "--pr", "7"],
        &[("GITHUB_TOKEN", wrong)],
    );
    assert_eq!(run.code, 1, "{}", context(&run));
    assert!(!run.stderr.contains(wrong));
    assert!(fake.comments_on(7).is_empty());
}

#[test]
fn body_too_long_is_shortened_and_retried_once() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let dir = tempfile::tempdir().expect("tempdir");
    let many: Vec<(String, &str, &str)> = (0..600)
        .map(|i| (format!("CVE-2023-{i:05}"), "libexample", "MEDIUM"))
        .collect();
    let report = trivy_report(&dir, "many.json", &many);
    fake.fail_next(Route::CreateComment, Fault::BodyTooLong422, 1);
    let run = scangate(
        &fake,
        &[report.to_str().expect("utf-8"), "--comment", "--pr", "7"],
        &[],
    );
    assert_eq!(run.code, 0, "{}", context(&run));
    let posts = fake.requests(Route::CreateComment);
    assert_eq!(posts.len(), 2);
    let body = |i: usize| -> String {
        let v: serde_json::Value = serde_json::from_str(&posts[i].body).expect("json");
        v["body"].as_str().expect("body").to_owned()
    };
    let (first, second) = (body(0), body(1));
    assert!(first.len() > 40_000, "{}", first.len());
    assert!(second.len() <= 20_000, "{}", second.len());
    assert!(second.starts_with(MARKER));
    assert!(
        second.contains("more findings — see"),
        "the shortened body says what is left out"
    );
    let comments = fake.comments_on(7);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, second);
}

#[test]
fn comment_by_another_user_imitating_the_marker_is_ignored() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let forged = fake.add_comment(7, "mallory", &format!("{MARKER}\nAll good, merge it!"));
    let run = scangate(&fake, &[FAILING, "--comment", "--pr", "7"], &[]);
    assert_eq!(run.code, 1, "{}", context(&run));
    let comments = fake.comments_on(7);
    assert_eq!(comments.len(), 2);
    let forged = comments.iter().find(|c| c.id == forged).expect("forged");
    assert_eq!(forged.body, format!("{MARKER}\nAll good, merge it!"));
    assert!(fake.requests(Route::UpdateComment).is_empty());
    let ours = comments.iter().find(|c| c.login == BOT).expect("ours");
    assert!(ours.body.contains("scangate: FAIL"));
}

#[test]
fn comment_keys_keep_two_gates_apart() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let a = scangate(&fake, &[PASSING, "--comment", "--pr", "7"], &[]);
    let b = scangate(
        &fake,
        &[FAILING, "--comment", "--pr", "7", "--comment-key", "image"],
        &[],
    );
    assert_eq!((a.code, b.code), (0, 1));
    let again = scangate(&fake, &[PASSING, "--comment", "--pr", "7"], &[]);
    assert_eq!(again.code, 0);
    let comments = fake.comments_on(7);
    assert_eq!(comments.len(), 2);
    assert!(comments[0].body.starts_with(MARKER));
    assert!(
        comments[1]
            .body
            .starts_with("<!-- scangate:comment key=image -->")
    );
}

#[test]
fn fork_pull_request_403_falls_back_with_a_warning_not_an_error() {
    let fake = FakeGithub::start(TOKEN, "github-actions[bot]");
    {
        let mut s = fake.state();
        s.user_forbidden = true;
        s.read_only = true;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        r#"{"action": "opened", "pull_request": {"number": 12,
            "head": {"repo": {"full_name": "contributor/shop", "fork": true}},
            "base": {"repo": {"full_name": "acme/shop"}}}}"#,
    )
    .expect("write event");
    let summary = dir.path().join("summary.md");
    let env = [
        ("GITHUB_EVENT_PATH", event.to_str().expect("utf-8")),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8")),
        ("GITHUB_ACTIONS", "true"),
    ];
    let run = scangate(&fake, &[PASSING, "--comment", "--tickets"], &env);
    assert_eq!(
        run.code,
        0,
        "a fork's read-only token is no failure: {}",
        context(&run)
    );
    assert!(
        run.stderr
            .contains("warning: publish: cannot comment on this pull request from a fork"),
        "{}",
        context(&run)
    );
    assert!(run.stderr.contains("HTTP 403"), "{}", context(&run));
    assert!(
        run.stderr.contains("incident issues are not opened"),
        "{}",
        context(&run)
    );
    assert!(!run.stderr.contains("error:"), "{}", context(&run));
    let written = std::fs::read_to_string(&summary).expect("job summary written");
    assert_eq!(
        written.matches("scangate: PASS").count(),
        1,
        "the job summary is written once, not again by the fallback: {written}"
    );
    let first_annotation = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::"))
        .unwrap_or("");
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| *l == first_annotation)
            .count(),
        1,
        "annotations are written once: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("::warning"),
        "annotations on stdout: {}",
        run.stdout
    );
    assert!(fake.requests(Route::CreateIssue).is_empty());
    assert!(fake.requests(Route::ListIssues).is_empty());
    assert!(fake.comments_on(12).is_empty());
    // /user was refused, so github-actions[bot] is assumed.
    assert!(
        run.stderr.contains("github-actions[bot]"),
        "{}",
        context(&run)
    );
}

#[test]
fn other_403_is_an_error_outside_forks() {
    let fake = FakeGithub::start(TOKEN, BOT);
    fake.state().read_only = true;
    let run = scangate(&fake, &[PASSING, "--comment", "--pr", "7"], &[]);
    assert_eq!(run.code, 3, "{}", context(&run));
    assert!(
        run.stderr
            .contains("HTTP 403: Resource not accessible by integration"),
        "{}",
        context(&run)
    );
    assert!(
        run.stderr.contains("pull-requests: write"),
        "{}",
        context(&run)
    );
}

#[test]
fn dry_run_prints_the_plan_and_touches_nothing() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let args = [FAILING, "--comment", "--tickets", "--pr", "7", "--dry-run"];
    let run = scangate(&fake, &args, &[]);
    assert_eq!(run.code, 1, "{}", context(&run));
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    for expected in [
        "dry run: nothing is sent to",
        "label: create `scangate`",
        "issue: open \"critical: CVE-2021-44228",
        "comment: create scangate's comment (key default) on acme/shop#7",
    ] {
        assert!(
            run.stderr.contains(expected),
            "{expected:?} in {}",
            context(&run)
        );
    }
    // After a real run, the plan is an update and no new issue.
    let real = scangate(
        &fake,
        &[FAILING, "--comment", "--tickets", "--pr", "7"],
        &[],
    );
    assert_eq!(real.code, 1);
    fake.clear_log();
    let run = scangate(&fake, &args, &[]);
    assert!(writes(&fake).is_empty());
    assert!(
        run.stderr.contains("comment: update comment"),
        "{}",
        context(&run)
    );
    assert!(run.stderr.contains("issue: #"), "{}", context(&run));
    assert!(run.stderr.contains("unchanged"), "{}", context(&run));
    // Without a token, nothing is read either.
    let fresh = FakeGithub::start(TOKEN, BOT);
    let run = scangate(&fresh, &args, &[("GITHUB_TOKEN", "")]);
    assert_eq!(run.code, 1, "{}", context(&run));
    assert!(fresh.log().is_empty());
    assert!(
        run.stderr.contains("dry run without a token"),
        "{}",
        context(&run)
    );
}

#[test]
fn no_pull_request_means_no_comment_and_no_error() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let run = scangate(&fake, &[PASSING, "--comment"], &[]);
    assert_eq!(run.code, 0, "{}", context(&run));
    assert!(
        run.stderr.contains("not a pull request run"),
        "{}",
        context(&run)
    );
    assert!(fake.log().is_empty());
}

#[test]
fn token_never_reaches_outputs() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("out.json");
    let md = dir.path().join("out.md");
    let junit = dir.path().join("out.xml");
    let outputs = [
        format!("json={}", json.display()),
        format!("markdown={}", md.display()),
        format!("junit={}", junit.display()),
    ];
    let run = scangate(
        &fake,
        &[
            FAILING,
            "--comment",
            "--tickets",
            "--pr",
            "7",
            "-o",
            &outputs[0],
            "-o",
            &outputs[1],
            "-o",
            &outputs[2],
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", context(&run));
    for path in [&json, &md, &junit] {
        let text = std::fs::read_to_string(path).expect("output written");
        assert!(!text.contains(TOKEN), "{}", path.display());
    }
    // The token was sent, as a header, to the fake only.
    assert!(
        fake.log()
            .iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}")))
    );
}

// --- the ticket lifecycle with a [tickets] table, through the library -----------------------

fn verdict_of(paths: &[&str]) -> Verdict {
    let specs: Vec<InputSpec> = paths
        .iter()
        .map(|p| InputSpec::parse(&root().join(p).to_string_lossy()))
        .collect();
    let files = ingest::expand_inputs(&specs, None).expect("inputs exist");
    let (inputs, errors) = ingest::read_all(&files, u64::MAX);
    let settings = scangate::verdict::RunSettings {
        today: jiff::civil::date(2026, 1, 15),
        deny_stale_waivers: false,
    };
    Verdict::build(Policy::embedded(), inputs, &errors, settings)
}

fn publish_with(fake: &FakeGithub, policy_toml: &str, verdict: &Verdict) -> PublishStatus {
    let url = fake.url();
    let env = move |k: &str| match k {
        "GITHUB_API_URL" => Some(url.clone()),
        "GITHUB_TOKEN" => Some(TOKEN.to_owned()),
        "GITHUB_REPOSITORY" => Some("acme/shop".to_owned()),
        "GITHUB_SERVER_URL" => Some("https://github.com".to_owned()),
        "GITHUB_RUN_ID" => Some("4242".to_owned()),
        _ => None,
    };
    let policy = RetryPolicy {
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(80),
        ..RetryPolicy::default()
    };
    let factory = move |ctx: &GithubContext, token: &Token| -> Result<Box<dyn GitHub>, ApiError> {
        Ok(Box::new(OctocrabClient::new(
            &ctx.api_url,
            token.clone(),
            policy.clone(),
        )?))
    };
    let config = config::from_policy_toml(policy_toml).expect("valid tables");
    publish::publish(&PublishArgs::default(), verdict, &config, &env, &factory)
}

#[test]
fn findings_gone_close_issues_only_when_the_scanner_report_was_present() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let policy = "fail_on = \"high\"\n[tickets]\nauto_close = true\n";
    let status = publish_with(&fake, policy, &verdict_of(&[FAILING]));
    assert_eq!(status, PublishStatus::Done);
    let issues = fake.issues();
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].title.contains("CVE-2021-44228"),
        "{}",
        issues[0].title
    );
    assert!(
        issues[0].body.contains("First seen: ")
            && issues[0]
                .body
                .contains("<https://github.com/acme/shop/actions/runs/4242>"),
        "{}",
        issues[0].body
    );
    let number = issues[0].number;

    // Only ZAP and Semgrep reports: Trivy's report is missing, so nothing is closed.
    fake.clear_log();
    let status = publish_with(
        &fake,
        policy,
        &verdict_of(&[
            "examples/reports/zap-baseline.xml",
            "examples/reports/semgrep.sarif",
        ]),
    );
    assert_eq!(status, PublishStatus::Done);
    assert!(fake.issues()[0].open);
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));

    // Trivy's report is back without the finding: closed, with a comment.
    let status = publish_with(
        &fake,
        policy,
        &verdict_of(&["examples/reports/trivy-image.json"]),
    );
    assert_eq!(status, PublishStatus::Done);
    let issue = fake
        .issues()
        .into_iter()
        .find(|i| i.number == number)
        .expect("issue");
    assert!(!issue.open);
    assert_eq!(issue.state_reason.as_deref(), Some("completed"));
    assert!(issue.body.contains("closed=auto"));
    let closing = fake.comments_on(number);
    assert_eq!(closing.len(), 1);
    assert!(
        closing[0].body.contains("no longer reports"),
        "{}",
        closing[0].body
    );

    // The finding comes back: scangate closed it, so it reopens it (reopen = false applies to
    // issues a person closed).
    let status = publish_with(&fake, policy, &verdict_of(&[FAILING]));
    assert_eq!(status, PublishStatus::Done);
    let issue = fake
        .issues()
        .into_iter()
        .find(|i| i.number == number)
        .expect("issue");
    assert!(issue.open);
    assert!(!issue.body.contains("closed=auto"));
    assert_eq!(fake.issues().len(), 1, "reopened, not duplicated");
}

#[test]
fn issue_closed_by_a_person_stays_closed_unless_reopen() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let policy = "[tickets]\n";
    publish_with(&fake, policy, &verdict_of(&[FAILING]));
    let number = fake.issues()[0].number;
    fake.state().issues[0].open = false;
    fake.clear_log();
    publish_with(&fake, policy, &verdict_of(&[FAILING]));
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    assert!(!fake.issues()[0].open);
    publish_with(&fake, "[tickets]\nreopen = true\n", &verdict_of(&[FAILING]));
    let issue = &fake.issues()[0];
    assert_eq!(issue.number, number);
    assert!(issue.open);
}

#[test]
fn grouping_by_package_and_max_new() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let dir = tempfile::tempdir().expect("tempdir");
    let report = three_criticals(&dir);
    let verdict = verdict_of(&[report.to_str().expect("utf-8")]);
    let status = publish_with(
        &fake,
        "[tickets]\ngroup_by = \"package\"\nmax_new = 1\n",
        &verdict,
    );
    assert_eq!(status, PublishStatus::Done);
    let issues = fake.issues();
    assert_eq!(issues.len(), 1, "max_new = 1");
    assert!(
        issues[0].title.contains("2 vulnerabilities in openssl"),
        "{}",
        issues[0].title
    );
    assert_eq!(fake.requests(Route::CreateIssue).len(), 1);
    let status = publish_with(
        &fake,
        "[tickets]\ngroup_by = \"package\"\nmax_new = 1\n",
        &verdict,
    );
    assert_eq!(status, PublishStatus::Done);
    let titles: Vec<String> = fake.issues().into_iter().map(|i| i.title).collect();
    assert_eq!(
        titles.len(),
        2,
        "the deferred group opens on the next run: {titles:?}"
    );
    assert!(titles[1].contains("1 vulnerability in zlib"), "{titles:?}");
}

#[test]
fn optional_publishing_failure_is_a_warning() {
    let fake = FakeGithub::start(TOKEN, BOT);
    fake.state().read_only = true;
    let status = publish_with(
        &fake,
        "[github]\nrequired = false\n[tickets]\n",
        &verdict_of(&[FAILING]),
    );
    assert_eq!(status, PublishStatus::Failed { required: false });
    assert_eq!(
        status.exit_status(scangate::exit::ExitStatus::Pass),
        scangate::exit::ExitStatus::Pass
    );
}

#[test]
fn one_vulnerability_reported_by_two_scanners_is_one_ticket() {
    let fake = FakeGithub::start(TOKEN, BOT);
    // Log4Shell in log4j-core 2.14.1, from Trivy JSON and from Grype's SARIF: correlated.
    let verdict = verdict_of(&[FAILING, "examples/correlation/grype.sarif"]);
    let log4j: Vec<_> = verdict
        .findings
        .iter()
        .filter(|e| e.finding.vuln_ids.iter().any(|v| v.id == "CVE-2021-44228"))
        .collect();
    assert_eq!(log4j.len(), 2, "both scanners report it");
    assert!(
        log4j.iter().all(|e| e.group.is_some()),
        "and they are correlated"
    );
    let status = publish_with(&fake, "[tickets]\n", &verdict);
    assert_eq!(status, PublishStatus::Done);
    let issues = fake.issues();
    assert_eq!(issues.len(), 1, "one problem, one ticket: {issues:?}");
    assert!(
        issues[0].title.contains("CVE-2021-44228"),
        "{}",
        issues[0].title
    );
}

#[test]
fn json_exit_code_is_the_process_exit_status_when_publishing_fails() {
    let fake = FakeGithub::start(TOKEN, BOT);
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("r.json");
    let json_arg = format!("json={}", json.display());
    let run = scangate(
        &fake,
        &[PASSING, "--comment", "--pr", "7", "-o", &json_arg],
        &[("GITHUB_TOKEN", "ghp_WrongButStillSecret987654321")],
    );
    assert_eq!(run.code, 3, "{}", context(&run));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("JSON");
    assert_eq!(doc["verdict"], "pass");
    assert_eq!(
        doc["exit_code"], 3,
        "exit_code always equals the exit status"
    );
}
