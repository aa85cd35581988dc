//! The policy as a user meets it on the command line: `--policy`, `scangate.toml` in the working
//! directory, validation errors with positions (exit 2), waivers with an injected date
//! (`SCANGATE_TODAY`), stale waivers, required reports, `--explain`, `scangate init` and
//! `scangate policy check`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::output::{code, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in `cwd` with a cleared environment plus `env`.
fn scangate_in(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scangate"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write temp file");
    path
}

fn example(rel: &str) -> String {
    root().join(rel).to_string_lossy().into_owned()
}

/// Log4Shell (critical, fixed), two medium and one low vulnerability.
fn failing_trivy() -> String {
    example("examples/failing/trivy-image.json")
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots"));
    s.set_prepend_module_to_snapshot(true);
    s
}

const TODAY: (&str, &str) = ("SCANGATE_TODAY", "2026-06-01");

#[test]
fn named_policy_that_does_not_exist_is_an_error_not_a_fallback() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The input alone would pass under the default policy.
    let o = scangate_in(
        dir.path(),
        &[],
        &[
            "check",
            &example("examples/reports/trivy-image.json"),
            "--policy",
            "no-such-policy.toml",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stdout(&o).is_empty(), "no verdict without the policy");
    assert!(
        stderr(&o).contains("policy file no-such-policy.toml does not exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn scangate_toml_in_the_working_directory_is_picked_up() {
    let with = tempfile::tempdir().expect("tempdir");
    write(with.path(), "scangate.toml", "fail_on = \"medium\"\n");
    let input = example("examples/reports/trivy-image.json");
    let o = scangate_in(with.path(), &[], &["check", &input]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(
            "policy: policy file scangate.toml (fail on medium or above; unknown severity counts \
             as medium)"
        ),
        "{}",
        stdout(&o)
    );

    let without = tempfile::tempdir().expect("tempdir");
    let o = scangate_in(without.path(), &[], &["check", &input]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("policy: embedded default policy (fail on high or above"),
        "{}",
        stdout(&o)
    );
}

const BAD_POLICY: &str = r#"fail_on = "severe"
max = { high = 0, medum = 20 }
require = ["trivy", 3]

[[rule]]
id = "CVE-[2021"
action = "block"

[[waiver]]
id = "CVE-2021-44228"
expires = "2026-02-30"
"#;

#[test]
fn invalid_policy_exits_2_and_lists_every_problem_with_its_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scangate.toml", BAD_POLICY);
    let check = scangate_in(dir.path(), &[TODAY], &["check", &failing_trivy()]);
    assert_eq!(code(&check), 2);
    assert!(
        stdout(&check).is_empty(),
        "no verdict under a broken policy"
    );
    let validate = scangate_in(dir.path(), &[TODAY], &["policy", "check"]);
    assert_eq!(code(&validate), 2);
    assert_eq!(stderr(&check), stderr(&validate));
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("invalid_policy_stderr", stderr(&check));
    });
}

#[test]
fn bad_scangate_today_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = scangate_in(
        dir.path(),
        &[("SCANGATE_TODAY", "2026-13-01")],
        &["check", &failing_trivy()],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("SCANGATE_TODAY: invalid date"),
        "{}",
        stderr(&o)
    );
}

const WAIVER_POLICY: &str = r#"
[[waiver]]
id = "CVE-2021-44228"
package = "org.apache.logging.log4j:*"
reason = "the vulnerable lookup is disabled by log4j2.formatMsgNoLookups"
expires = 2026-12-31
owner = "payments"
"#;

#[test]
fn a_waiver_accepts_a_blocking_finding_until_it_expires() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(dir.path(), "policy.toml", WAIVER_POLICY);
    let policy = policy.to_str().expect("utf-8");
    let json = dir.path().join("r.json");
    let json_arg = format!("json={}", json.display());
    let args = [
        "check",
        &failing_trivy(),
        "--policy",
        policy,
        "-o",
        &json_arg,
    ];

    let o = scangate_in(dir.path(), &[TODAY], &args);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("outcomes: 0 fail, 3 warn, 1 waived, 0 ignored, 0 suppressed"),
        "{}",
        stdout(&o)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid JSON");
    let log4j = &doc["findings"][0];
    assert_eq!(log4j["rule_id"], "CVE-2021-44228");
    assert_eq!(log4j["outcome"], "waived");
    assert_eq!(
        log4j["waiver"],
        serde_json::json!({
            "number": 1,
            "id": "CVE-2021-44228",
            "reason": "the vulnerable lookup is disabled by log4j2.formatMsgNoLookups",
            "expires": "2026-12-31",
            "owner": "payments"
        })
    );
    assert_eq!(doc["waivers"][0]["state"], "used");

    // Valid through its last day; the day after, the finding blocks again and the waiver is
    // reported as expired.
    let last_day = scangate_in(dir.path(), &[("SCANGATE_TODAY", "2026-12-31")], &args);
    assert_eq!(code(&last_day), 0);
    let after = scangate_in(dir.path(), &[("SCANGATE_TODAY", "2027-01-01")], &args);
    assert_eq!(code(&after), 1, "{}", stdout(&after));
    assert!(
        stdout(&after).contains("expired on 2026-12-31 and no longer applies"),
        "{}",
        stdout(&after)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid JSON");
    assert_eq!(doc["findings"][0]["outcome"], "fail");
    assert!(doc["findings"][0]["waiver"].is_null());
    assert_eq!(doc["waivers"][0]["state"], "expired");
}

#[test]
fn stale_waivers_are_reported_and_fail_with_deny_stale_waivers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(
        dir.path(),
        "policy.toml",
        "[[waiver]]\nid = \"CVE-2019-0001\"\nreason = \"fixed long ago\"\nexpires = 2026-12-31\n",
    );
    let input = example("examples/reports/trivy-image.json");
    let policy = policy.to_str().expect("utf-8");
    let o = scangate_in(dir.path(), &[TODAY], &["check", &input, "--policy", policy]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("stale: waiver #1 ("), "{}", stdout(&o));
    let denied = scangate_in(
        dir.path(),
        &[TODAY],
        &["check", &input, "--policy", policy, "--deny-stale-waivers"],
    );
    assert_eq!(code(&denied), 1, "{}{}", stdout(&denied), stderr(&denied));
    assert!(
        stdout(&denied).starts_with(
            "scangate: FAIL: 0 blocking of 3 findings; 1 stale waiver (--deny-stale-waivers)"
        ),
        "{}",
        stdout(&denied)
    );
    assert!(
        stderr(&denied).contains("CVE-2019-0001) matched no finding (--deny-stale-waivers)"),
        "{}",
        stderr(&denied)
    );
}

#[test]
fn a_required_scanner_without_a_report_fails_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "scangate.toml",
        "require = [\"Trivy\", \"zap\"]\n",
    );
    let json = dir.path().join("r.json");
    let o = scangate_in(
        dir.path(),
        &[],
        &[
            "check",
            &example("examples/reports/trivy-image.json"),
            "-o",
            &format!("json={}", json.display()),
        ],
    );
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o)
            .starts_with("scangate: ERROR: could not decide: no report from required scanner zap"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("the policy requires a `zap` report, but no input is one"),
        "{}",
        stderr(&o)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid JSON");
    assert_eq!(doc["verdict"], "error");
    assert_eq!(doc["missing_reports"], serde_json::json!(["zap"]));
}

#[test]
fn rules_ignore_warn_and_re_rate() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "scangate.toml",
        r#"
[[rule]]
id = "CVE-2021-44228"
severity = "low"
reason = "demo: re-rated"

[[rule]]
package = "apt"
action = "ignore"
"#,
    );
    let o = scangate_in(dir.path(), &[], &["check", &failing_trivy()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("outcomes: 0 fail, 3 warn, 0 waived, 1 ignored, 0 suppressed"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn explain_prints_the_decision_path_after_the_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(dir.path(), "policy.toml", WAIVER_POLICY);
    let policy = policy.to_str().expect("utf-8");
    let o = scangate_in(
        dir.path(),
        &[("SCANGATE_TODAY", "2027-03-01")],
        &[
            "check",
            &failing_trivy(),
            "--policy",
            policy,
            "--explain",
            "cve-2021-44228",
            "--explain",
            "CVE-1999-0000",
        ],
    );
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    let explained = out
        .split("\nexplain cve-2021-44228: 1 finding\n")
        .nth(1)
        .expect("explanation after the table");
    let lines: Vec<&str> = explained.lines().map(str::trim).collect();
    assert!(lines[0].starts_with("[1] "), "{explained}");
    assert_eq!(
        lines[1],
        "finding: Trivy vulnerability `CVE-2021-44228` (trivy report), severity critical (trivy \
         Severity = CRITICAL)"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("waiver #1 (")
            && l.ends_with("matches, but expired on 2026-12-31 — no longer applies")),
        "{explained}"
    );
    assert!(
        lines.contains(
            &"outcome: fail (severity critical): severity critical is at or above fail_on = high"
        ),
        "{explained}"
    );
    assert!(
        out.contains("explain CVE-1999-0000: no finding matches"),
        "{out}"
    );

    // By fingerprint prefix; with JSON on stdout the explanation goes to stderr.
    let doc = scangate_in(
        dir.path(),
        &[TODAY],
        &["check", &failing_trivy(), "-o", "json=-"],
    );
    let parsed: serde_json::Value = serde_json::from_slice(&doc.stdout).expect("JSON");
    let fp = parsed["findings"][0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    let o = scangate_in(
        dir.path(),
        &[TODAY],
        &[
            "check",
            &failing_trivy(),
            "-o",
            "json=-",
            "--explain",
            &fp[..10],
        ],
    );
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("stdout is only JSON");
    assert!(
        stderr(&o).contains(&format!("explain {}: 1 finding", &fp[..10])),
        "{}",
        stderr(&o)
    );
}

#[test]
fn init_writes_a_policy_that_loads_and_never_overwrites_silently() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = scangate_in(dir.path(), &[], &["init"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let written = std::fs::read_to_string(dir.path().join("scangate.toml")).expect("written");
    assert!(written.starts_with("# scangate policy."));
    let check = scangate_in(dir.path(), &[], &["policy", "check"]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
    assert!(
        stdout(&check).starts_with("scangate.toml: valid (fail on high or above"),
        "{}",
        stdout(&check)
    );

    std::fs::write(dir.path().join("scangate.toml"), "# mine\n").expect("write");
    let again = scangate_in(dir.path(), &[], &["init"]);
    assert_eq!(code(&again), 2);
    assert!(
        stderr(&again).contains("scangate.toml already exists; use --force"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("scangate.toml")).expect("kept"),
        "# mine\n"
    );
    let forced = scangate_in(dir.path(), &[], &["init", "--force"]);
    assert_eq!(code(&forced), 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("scangate.toml")).expect("replaced"),
        written
    );
    let elsewhere = scangate_in(dir.path(), &[], &["init", "ci/policy.toml"]);
    assert_eq!(code(&elsewhere), 2, "the directory does not exist");
}

#[test]
fn policy_check_reports_the_default_when_there_is_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = scangate_in(dir.path(), &[], &["policy", "check"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).starts_with(
            "no scangate.toml in the working directory: `scangate check` applies the embedded \
             default policy"
        ),
        "{}",
        stdout(&o)
    );
    let missing = scangate_in(dir.path(), &[], &["policy", "check", "nope.toml"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("nope.toml does not exist"));
}

#[test]
fn example_policy_validates_and_notes_nothing_expired() {
    let o = scangate_in(
        root(),
        &[TODAY],
        &["policy", "check", "examples/scangate.toml"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "examples/scangate.toml: valid (fail on high or above; max medium = 5; unknown severity \
         counts as medium; 7 rules; 1 waiver; requires trivy, zap, sarif)\n"
    );
}

#[test]
fn example_policy_on_the_example_reports() {
    let o = scangate_in(
        root(),
        &[TODAY],
        &[
            "check",
            "examples/reports",
            "--policy",
            "examples/scangate.toml",
            "-o",
            "json=-",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}{}", stdout(&o), stderr(&o)));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(doc["verdict"], "pass");
    let outcome = |rule: &str| {
        doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule_id"] == rule)
            .map(|f| f["outcome"].as_str().unwrap_or("").to_owned())
            .unwrap_or_else(|| panic!("{rule} not found"))
    };
    assert_eq!(outcome("CVE-2024-4067"), "waived");
    assert_eq!(outcome("CVE-2011-3374"), "ignored");
    assert_eq!(
        outcome("python.lang.best-practice.open-never-closed"),
        "ignored"
    );
    assert_eq!(outcome("10027"), "ignored");
    // Only on /static/ URLs: OUTOFSCOPE in the rules file.
    assert_eq!(outcome("10021"), "ignored");
    assert_eq!(outcome("10038"), "warn");
    assert_eq!(doc["waivers"][0]["state"], "used");
}
