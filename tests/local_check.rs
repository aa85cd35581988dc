//! The local pre-release check as a developer meets it (issue 6): `--quiet`, `--summary-line`,
//! no progress line when stderr is not a terminal, `scangate completions SHELL` and
//! `scangate man`, and their `--help`.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use support::output::{code, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scangate_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scangate"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .output()
        .expect("the binary runs")
}

fn scangate(args: &[&str]) -> Output {
    scangate_in(root(), args)
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots"));
    s.set_prepend_module_to_snapshot(true);
    s
}

#[test]
fn quiet_with_a_summary_line_prints_exactly_one_line() {
    let o = scangate(&["check", "examples/reports", "--quiet", "--summary-line"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "scangate: pass exit=0 findings=9 blocking=0 warned=8 waived=0 ignored=0 suppressed=1 \
         input_errors=0\n"
    );
    assert_eq!(stderr(&o), "", "no progress line, no noise");

    let o = scangate(&["check", "examples/failing", "-q", "--summary-line"]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).starts_with("scangate: fail exit=1 findings=4 blocking=1 "),
        "{}",
        stdout(&o)
    );
}

#[test]
fn quiet_still_reports_errors_on_stderr() {
    let o = scangate(&["check", "no/such.json", "-q", "--summary-line"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no/such.json: no such file or directory"));
    assert!(
        stdout(&o).starts_with("scangate: error exit=2 findings=0 "),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).ends_with(" input_errors=1\n"), "{}", stdout(&o));
}

#[test]
fn quiet_keeps_outputs_named_explicitly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("r.json");
    let o = scangate(&[
        "check",
        "examples/reports",
        "-q",
        "--output",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), "");
    assert!(json.exists());
    let table = scangate(&["check", "examples/reports", "-q", "--output", "table"]);
    assert!(stdout(&table).starts_with("scangate: PASS"));
}

#[test]
fn summary_line_to_a_file_and_after_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("summary.txt");
    let o = scangate(&[
        "check",
        "examples/failing",
        &format!("--summary-line={}", path.display()),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).starts_with("scangate: FAIL"),
        "the table still prints"
    );
    assert!(!stdout(&o).contains("exit=1"));
    let line = std::fs::read_to_string(&path).expect("written");
    assert!(line.starts_with("scangate: fail exit=1 "), "{line}");

    // Without --quiet the line comes last on stdout, after the table.
    let o = scangate(&["check", "examples/reports", "--summary-line"]);
    let out = stdout(&o);
    let last = out.lines().last().expect("lines");
    assert!(last.starts_with("scangate: pass exit=0 "), "{out}");
    // When another output owns stdout, the line goes to stderr with the table.
    let o = scangate(&[
        "check",
        "examples/reports",
        "--summary-line",
        "--output",
        "json=-",
    ]);
    assert!(serde_json::from_slice::<serde_json::Value>(&o.stdout).is_ok());
    assert!(stderr(&o).ends_with("input_errors=0\n"), "{}", stderr(&o));
}

#[test]
fn policy_discovery_works_from_a_repository_root_without_ci_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let init = scangate_in(dir.path(), &["init"]);
    assert_eq!(code(&init), 0, "{}", stderr(&init));
    std::fs::create_dir(dir.path().join("reports")).expect("mkdir");
    std::fs::copy(
        root().join("examples/failing/trivy-image.json"),
        dir.path().join("reports/trivy.json"),
    )
    .expect("copy");
    let o = scangate_in(dir.path(), &["check", "reports", "--summary-line"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("policy: policy file scangate.toml"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn completions_for_every_shell_know_check() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = scangate(&["completions", shell]);
        assert_eq!(code(&o), 0, "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.contains("check"), "{shell}");
        assert!(script.contains("summary-line"), "{shell}");
    }
    let bad = scangate(&["completions", "tcsh"]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn bash_completion_script_is_valid_bash() {
    let o = scangate(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("scangate.bash");
    std::fs::write(&path, &o.stdout).expect("write");
    let check = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn man_page_is_roff_and_mentions_check() {
    let o = scangate(&["man"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.contains(".TH scangate 1"), "{page}");
    assert!(page.contains("check"), "{page}");
    assert!(page.contains("Exit codes"), "{page}");

    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("man1");
    let o = scangate(&["man", "--out-dir", &out_dir.display().to_string()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let check = std::fs::read_to_string(out_dir.join("scangate-check.1")).expect("page");
    assert!(check.contains("\\-\\-quiet"), "{check}");
    assert!(stdout(&o).contains("scangate-check.1"), "{}", stdout(&o));
}

#[test]
fn new_commands_help_is_stable() {
    let completions = scangate(&["completions", "--help"]);
    let man = scangate(&["man", "--help"]);
    assert_eq!(code(&completions), 0);
    assert_eq!(code(&man), 0);
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("completions_help", stdout(&completions));
        insta::assert_snapshot!("man_help", stdout(&man));
    });
}
