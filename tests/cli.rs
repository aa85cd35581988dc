//! The CLI contract as a user meets it: the built binary, a cleared environment, exit codes,
//! messages naming the file and position, `--help`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::output::{code, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scangate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scangate"))
        .args(args)
        .current_dir(root())
        .env_clear()
        .output()
        .expect("the binary runs")
}

fn temp_file(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write temp file");
    path
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots"));
    s.set_prepend_module_to_snapshot(true);
    s
}

#[test]
fn help_is_stable_and_lists_exit_codes() {
    let top = scangate(&["--help"]);
    assert_eq!(code(&top), 0);
    let check = scangate(&["check", "--help"]);
    assert_eq!(code(&check), 0);
    assert!(stdout(&check).contains("2  could not decide"));
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("help", stdout(&top));
        insta::assert_snapshot!("check_help", stdout(&check));
    });
}

#[test]
fn bundled_examples_pass() {
    let o = scangate(&["check", "examples/reports"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}\n{}", stderr(&o));
    assert!(out.starts_with("scangate: PASS: 0 blocking of "), "{out}");
    for name in ["trivy-image.json", "zap-baseline.xml", "semgrep.sarif"] {
        assert!(out.contains(name), "{name} missing from:\n{out}");
    }
    // Not a terminal: no colour codes.
    assert!(!out.contains('\x1b'));
}

#[test]
fn critical_vulnerability_fails_the_gate() {
    let o = scangate(&["check", "examples/failing/trivy-image.json"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}\n{}", stderr(&o));
    assert!(
        out.starts_with("scangate: FAIL: 1 blocking of 4 findings"),
        "{out}"
    );
    assert!(out.contains("CVE-2021-44228"), "{out}");
}

#[test]
fn missing_inputs_exit_2_and_name_each_input() {
    let o = scangate(&["check", "no/such/report.json", "no/such/*.sarif"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("no/such/report.json: no such file or directory"),
        "{err}"
    );
    assert!(
        err.contains("no/such/*.sarif: the glob matches no files"),
        "{err}"
    );
}

#[test]
fn no_inputs_is_a_usage_error() {
    let o = scangate(&["check"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("<INPUT>"), "{}", stderr(&o));
}

#[test]
fn broken_reports_exit_2_with_file_and_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let truncated = temp_file(
        &dir,
        "truncated.sarif",
        b"{\n  \"version\": \"2.1.0\",\n  \"runs\": [ { \"tool\": ",
    );
    let empty = temp_file(&dir, "empty.json", b"");
    let html = temp_file(
        &dir,
        "zap.html",
        b"<!DOCTYPE html>\n<html><body>report</body></html>",
    );
    for (path, needle) in [
        (&truncated, "line 3, column"),
        (&empty, "the file is empty"),
        (&html, "HTML"),
    ] {
        let o = scangate(&["check", path.to_str().expect("utf-8 path")]);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{}: {err}", path.display());
        assert!(
            err.contains(&*path.to_string_lossy()),
            "file not named: {err}"
        );
        assert!(err.contains(needle), "{needle} not in: {err}");
    }
}

#[test]
fn empty_directory_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    temp_file(&dir, "notes.txt", b"not a report");
    let o = scangate(&["check", dir.path().to_str().expect("utf-8")]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("contains no report files"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn markerless_null_needs_an_explicit_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let null = temp_file(&dir, "old-trivy.json", b"null\n");
    let path = null.to_str().expect("utf-8");
    let o = scangate(&["check", path]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--input-format trivy"),
        "{}",
        stderr(&o)
    );

    let forced = scangate(&["check", path, "--input-format", "trivy"]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    let prefixed = scangate(&["check", &format!("trivy:{path}")]);
    assert_eq!(code(&prefixed), 0, "{}", stderr(&prefixed));
    // --input-format applies wherever it stands.
    let before = scangate(&["check", "--input-format=trivy", path]);
    assert_eq!(code(&before), 0, "{}", stderr(&before));
}

#[test]
fn json_report_records_verdict_and_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out/scangate.json");
    let o = scangate(&[
        "check",
        "examples/failing/trivy-image.json",
        "--output",
        &format!("json={}", out.display()),
    ]);
    assert_eq!(code(&o), 1);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("json written")).expect("valid JSON");
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["schema_version"], "2.0");
    assert_eq!(doc["inputs"][0]["format"], "trivy");
    assert_eq!(doc["inputs"][0]["findings"], 4);
    let findings = doc["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 4);
    assert_eq!(findings[0]["rule_id"], "CVE-2021-44228");
    assert_eq!(findings[0]["severity"], "critical");
    assert_eq!(findings[0]["outcome"], "fail");
    for f in findings {
        for key in [
            "fingerprint",
            "scanner",
            "kind",
            "vuln_ids",
            "title",
            "location",
            "input",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
}

#[test]
fn json_to_stdout_moves_the_table_to_stderr() {
    let o = scangate(&["check", "examples/reports", "-o", "json=-"]);
    assert_eq!(code(&o), 0);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(doc["verdict"], "pass");
    assert!(stderr(&o).contains("scangate: PASS"));
}

#[test]
fn one_bad_input_among_good_ones_is_an_error_that_json_explains() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = temp_file(&dir, "bad.json", b"{\"SchemaVersion\": 2, \"Results\": [");
    let out = dir.path().join("r.json");
    let o = scangate(&[
        "check",
        "examples/reports/zap-baseline.xml",
        bad.to_str().expect("utf-8"),
        "-o",
        &format!("json={}", out.display()),
    ]);
    assert_eq!(code(&o), 2);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("json written")).expect("JSON");
    assert_eq!(doc["verdict"], "error");
    assert_eq!(doc["exit_code"], 2);
    let inputs = doc["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 2);
    let failed = inputs
        .iter()
        .find(|i| i["error"].is_string())
        .expect("the bad input is listed with its error");
    assert!(failed["path"].as_str().expect("path").ends_with("bad.json"));
    assert!(
        failed["error"]
            .as_str()
            .expect("error")
            .contains("truncated")
    );
}

#[test]
fn two_outputs_on_stdout_is_a_usage_error() {
    let o = scangate(&["check", "examples/reports", "-o", "json", "-o", "table=-"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("more than one output writes to stdout"));
}

#[test]
fn unwritable_output_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = temp_file(&dir, "file", b"x");
    let target = blocker.join("r.json");
    let o = scangate(&[
        "check",
        "examples/reports",
        "-o",
        &format!("json={}", target.display()),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(&*target.to_string_lossy()),
        "{}",
        stderr(&o)
    );
}

#[test]
fn terminal_escapes_in_reports_are_neutralised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = temp_file(
        &dir,
        "hostile.json",
        br#"{"SchemaVersion": 2, "ArtifactName": "x", "Results": [{"Target": "t\u001b[2J", "Class": "lang-pkgs", "Type": "npm",
          "Vulnerabilities": [{"VulnerabilityID": "CVE-2099-0001", "PkgName": "evil\u001b]0;pwned\u0007", "InstalledVersion": "1.0.0",
          "Title": "bad \u001b[31mred\u001b[0m title", "Severity": "CRITICAL"}]}]}"#,
    );
    let o = scangate(&[
        "check",
        hostile.to_str().expect("utf-8"),
        "--color",
        "never",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        !out.contains('\x1b'),
        "raw escape reached the terminal: {out:?}"
    );
    assert!(!out.contains('\x07'));
    assert!(out.contains("\\u{1b}[31mred"), "{out}");
}

fn scangate_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scangate"))
        .args(args)
        .current_dir(root())
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

#[test]
fn inside_github_actions_annotations_and_job_summary_are_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let summary_str = summary.to_str().expect("utf-8");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary_str),
    ];
    let o = scangate_env(&["check", "examples/failing"], &env);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error ") && l.contains("CVE-2021-44228")),
        "{out}"
    );
    let md = std::fs::read_to_string(&summary).expect("summary written");
    assert!(md.starts_with("earlier step\n"), "appends, never truncates");
    assert!(md.contains("CVE-2021-44228"), "{md}");

    // Opt-outs.
    std::fs::write(&summary, "").expect("write");
    let o = scangate_env(
        &[
            "check",
            "examples/failing",
            "--no-annotations",
            "--no-job-summary",
        ],
        &env,
    );
    assert_eq!(code(&o), 1);
    assert!(!stdout(&o).contains("::error"));
    assert_eq!(std::fs::read_to_string(&summary).expect("read"), "");

    // Outside Actions nothing of the kind happens.
    let o = scangate_env(
        &["check", "examples/failing"],
        &[("GITHUB_STEP_SUMMARY", summary_str)],
    );
    assert!(!stdout(&o).contains("::error"));
    assert_eq!(std::fs::read_to_string(&summary).expect("read"), "");
}

#[test]
fn an_unwritable_job_summary_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("missing-dir/summary.md");
    let o = scangate_env(
        &["check", "examples/reports"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", bad.to_str().expect("utf-8")),
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("GITHUB_STEP_SUMMARY"), "{}", stderr(&o));
}
