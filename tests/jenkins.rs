//! The example Jenkinsfile's gate stage, exercised: its `sh` step (between the
//! `scangate-gate:begin`/`end` markers) is taken out of the Groovy string as Groovy would pass it
//! and run with `sh -xe` as Jenkins' `sh` step does, on the example reports, with Jenkins'
//! multibranch environment (`CHANGE_ID`, `GIT_URL`, `BUILD_URL`) against the fake GitHub API.
//! The files the `post` section publishes (`junit`, `recordIssues`, `archiveArtifacts`) must be
//! the files the step writes, and the exit-code mapping must be the documented one.
//!
//! The Groovy syntax itself is checked by `.ci/groovy-syntax.groovy` in `.ci/run` (where Groovy
//! is installed); the declarative structure was reviewed against Jenkins' pipeline syntax
//! reference.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::fake_github::FakeGithub;
use support::output::code;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn jenkinsfile() -> String {
    std::fs::read_to_string(root().join("examples/jenkins/Jenkinsfile")).expect("Jenkinsfile")
}

/// The gate's shell script, as the `sh` step receives it: the text of the `'''` string, with
/// Groovy's one escape in it (a backslash before a newline joins the lines) applied.
fn gate_script() -> String {
    let text = jenkinsfile();
    let (_, rest) = text
        .split_once("// scangate-gate:begin")
        .expect("begin marker");
    let (block, _) = rest.split_once("// scangate-gate:end").expect("end marker");
    let (_, string) = block.split_once("script: '''").expect("sh script string");
    let (script, _) = string.split_once("'''").expect("closing quotes");
    let script = script.replace("\\\n", "");
    assert!(
        !script.contains('\\'),
        "only line continuations are emulated: {script}"
    );
    script
}

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    /// `reports/` laid out as the Scan stage writes it, from the example reports.
    fn new(trivy: &str) -> Workspace {
        let dir = tempfile::tempdir().expect("tempdir");
        let reports = dir.path().join("reports");
        std::fs::create_dir_all(reports.join("zap")).expect("mkdir");
        for (from, to) in [
            (trivy, "trivy.json"),
            ("examples/reports/semgrep.sarif", "semgrep.sarif"),
            ("examples/reports/zap-baseline.xml", "zap/zap.xml"),
        ] {
            std::fs::copy(root().join(from), reports.join(to)).expect("copy report");
        }
        Workspace { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs the gate step as Jenkins does (`sh -xe` on the script), with the pipeline's
    /// `environment` block and `env`.
    fn run(&self, env: &[(&str, &str)]) -> Output {
        let script = self.path("gate.sh");
        std::fs::write(&script, gate_script()).expect("write script");
        Command::new("sh")
            .arg("-xe")
            .arg(&script)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SCANGATE", env!("CARGO_BIN_EXE_scangate"))
            .env("WORKSPACE", self.dir.path())
            .env("JENKINS_URL", "https://jenkins.example.com/")
            .env(
                "BUILD_URL",
                "https://jenkins.example.com/job/shop/job/PR-7/3/",
            )
            .env("GIT_URL", "https://github.com/acme/shop.git")
            .envs(env.iter().copied())
            .output()
            .expect("sh runs")
    }
}

fn log(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `key: 'value'` in the Jenkinsfile.
fn quoted_arg(text: &str, key: &str) -> String {
    let (_, rest) = text
        .split_once(&format!("{key}: '"))
        .unwrap_or_else(|| panic!("{key} not in the Jenkinsfile"));
    rest.split_once('\'').expect("closing quote").0.to_owned()
}

#[test]
fn a_passing_gate_writes_what_the_post_section_publishes() {
    let ws = Workspace::new("examples/reports/trivy-image.json");
    let o = ws.run(&[]);
    assert_eq!(code(&o), 0, "{}", log(&o));
    let text = jenkinsfile();
    let junit = quoted_arg(&text, "testResults");
    let sarif = quoted_arg(&text, "pattern");
    assert!(
        ws.path(&junit).is_file(),
        "junit testResults {junit} not written"
    );
    assert!(
        ws.path(&sarif).is_file(),
        "recordIssues pattern {sarif} not written"
    );
    let archived = quoted_arg(&text, "artifacts");
    for pattern in archived.split(", ") {
        if let Some(dir) = pattern.strip_suffix("/**") {
            assert!(
                ws.path(dir).is_dir(),
                "archiveArtifacts {pattern}: no {dir}"
            );
            continue;
        }
        let (dir, ext) = pattern.split_once("/*").expect("DIR/*.EXT");
        let found = std::fs::read_dir(ws.path(dir))
            .expect("output dir")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(ext));
        assert!(found, "archiveArtifacts {pattern}: nothing matches");
    }
    let summary = std::fs::read_to_string(ws.path("scangate-out/summary.txt")).expect("summary");
    assert!(
        summary.starts_with("scangate: pass exit=0 findings=9 "),
        "{summary}"
    );
    // Not a PR build: no comment was attempted.
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("--comment"),
        "{}",
        log(&o)
    );
}

#[test]
fn a_failing_gate_exits_1() {
    let ws = Workspace::new("examples/failing/trivy-image.json");
    let o = ws.run(&[]);
    assert_eq!(code(&o), 1, "{}", log(&o));
    let junit = std::fs::read_to_string(ws.path("scangate-out/junit.xml")).expect("junit");
    assert!(junit.contains("CVE-2021-44228"), "{junit}");
}

#[test]
fn a_missing_report_exits_2() {
    let ws = Workspace::new("examples/reports/trivy-image.json");
    std::fs::remove_file(ws.path("reports/zap/zap.xml")).expect("remove");
    let o = ws.run(&[]);
    assert_eq!(code(&o), 2, "{}", log(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("reports/zap/zap.xml"),
        "{}",
        log(&o)
    );
}

/// A multibranch PR build: CHANGE_ID and GIT_URL say where the comment goes, BUILD_URL is the
/// link, and the credential arrives as SCANGATE_GITHUB_TOKEN.
#[test]
fn a_pr_build_comments_on_the_pull_request_from_jenkins_variables() {
    let token = "ghp_jenkins_credential_0123456789abcdef";
    let github = FakeGithub::start(token, "jenkins-bot");
    let ws = Workspace::new("examples/reports/trivy-image.json");
    let url = github.url();
    let o = ws.run(&[
        ("CHANGE_ID", "7"),
        ("CHANGE_URL", "https://github.com/acme/shop/pull/7"),
        ("SCANGATE_GITHUB_TOKEN", token),
        ("GITHUB_API_URL", &url),
    ]);
    assert_eq!(code(&o), 0, "{}", log(&o));
    let comments = github.comments_on(7);
    assert_eq!(comments.len(), 1, "{:?}", github.log());
    assert!(
        comments[0].body.contains("scangate"),
        "{}",
        comments[0].body
    );
    assert!(
        github
            .log()
            .iter()
            .any(|r| r.method == "POST" && r.path == "/repos/acme/shop/issues/7/comments"),
        "{:?}",
        github.log()
    );
    assert!(!log(&o).contains(token), "the token was printed");

    // GitHub unreachable: the gate passed but the comment failed → exit 3.
    let ws = Workspace::new("examples/reports/trivy-image.json");
    let o = ws.run(&[
        ("CHANGE_ID", "7"),
        ("SCANGATE_GITHUB_TOKEN", token),
        ("GITHUB_API_URL", "http://127.0.0.1:9"),
        ("SCANGATE_GITHUB_BACKOFF_MS", "1"),
    ]);
    assert_eq!(code(&o), 3, "{}", log(&o));
}

#[test]
fn exit_codes_map_to_the_documented_build_results() {
    let text = jenkinsfile();
    let gate = text
        .split_once("// scangate-gate:end")
        .expect("end marker")
        .1;
    // 1 and 3 each have their own branch with an UNSTABLE switch; everything else non-zero is
    // an error, whatever the switches say.
    for needle in [
        "if (code == 1) {",
        "env.SCANGATE_FAIL_RESULT == 'UNSTABLE'",
        "} else if (code == 3) {",
        "env.SCANGATE_PUBLISH_ERROR_RESULT == 'UNSTABLE'",
        "} else if (code != 0) {\n                            error(",
    ] {
        assert!(gate.contains(needle), "missing `{needle}`");
    }
    for default in [
        "SCANGATE_FAIL_RESULT = 'FAILURE'",
        "SCANGATE_PUBLISH_ERROR_RESULT = 'FAILURE'",
    ] {
        assert!(text.contains(default), "{default}");
    }
    // The JUnit failures must not set the result behind the exit code's back, and the SARIF
    // must be recorded on failed builds too.
    assert!(text.contains("skipMarkingBuildUnstable: true"));
    assert!(text.contains("recordIssues enabledForFailure: true"));
    assert!(text.contains("returnStatus: true"));
    // The token never passes through Groovy interpolation.
    assert!(!text.contains("\"${SCANGATE_GITHUB_TOKEN"));
}
