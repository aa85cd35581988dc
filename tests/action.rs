//! The GitHub Action (`action.yml` + `action/run.sh`) run locally as a runner runs a composite
//! action: each `run:` step through `bash --noprofile --norc -eo pipefail`, its `env:`
//! expressions evaluated, a fresh `$GITHUB_OUTPUT` per step whose outputs later steps read,
//! `$GITHUB_STEP_SUMMARY`, `$GITHUB_EVENT_PATH`, `$GITHUB_ACTION_PATH` (this repository) and
//! `$RUNNER_TEMP`. `uses:` steps (actions/cache) cannot run here and count as a cache miss.
//!
//! The binary is the one cargo built for the tests (`SCANGATE_BIN`), a release archive made from
//! it and served from a `file://` URL (the checksum path), or a fake `cargo` that "builds" it
//! (the source path). No network.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::output::copy_dir;
use yaml_rust2::{Yaml, YamlLoader};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scangate")
}

fn load_yaml(rel: &str) -> Yaml {
    let text = std::fs::read_to_string(root().join(rel)).expect("read YAML");
    let mut docs = YamlLoader::load_from_str(&text).expect("valid YAML");
    assert_eq!(docs.len(), 1, "{rel}: one document");
    docs.remove(0)
}

fn action() -> Yaml {
    load_yaml("action.yml")
}

/// A scalar as GitHub reads it: every input value and default is a string.
fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn entries(y: &Yaml) -> Vec<(String, &Yaml)> {
    y.as_hash()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (scalar(k).expect("string key"), v))
                .collect()
        })
        .unwrap_or_default()
}

/// One simulated workflow run of the action.
struct Runner {
    _dir: tempfile::TempDir,
    workspace: PathBuf,
    temp: PathBuf,
    event: PathBuf,
    inputs: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    /// Directories put before the test's own PATH (fake tools).
    path_prefix: Vec<PathBuf>,
}

/// What one run did.
#[derive(Debug)]
struct Run {
    /// The exit status of the first failing step, or 0.
    code: i32,
    /// Which steps ran (by id or name) and how they ended.
    steps: Vec<(String, i32)>,
    outputs: BTreeMap<String, String>,
    stdout: String,
    stderr: String,
    summary: String,
}

impl Run {
    fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .unwrap_or_else(|| panic!("output {name} not set: {self:#?}"))
    }
    fn log(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
    }
}

impl Runner {
    /// A workspace holding a copy of `examples/` and a push event.
    fn new() -> Runner {
        let dir = tempfile::tempdir().expect("tempdir");
        let workspace = dir.path().join("workspace");
        let temp = dir.path().join("runner-temp");
        std::fs::create_dir_all(&temp).expect("mkdir");
        copy_dir(&root().join("examples"), &workspace.join("examples"));
        let event = dir.path().join("event.json");
        std::fs::write(&event, r#"{"ref": "refs/heads/main"}"#).expect("write event");
        let mut env = BTreeMap::new();
        env.insert("SCANGATE_BIN".to_owned(), bin().to_owned());
        Runner {
            _dir: dir,
            workspace,
            temp,
            event,
            inputs: BTreeMap::new(),
            env,
            path_prefix: Vec::new(),
        }
    }

    fn input(mut self, name: &str, value: &str) -> Runner {
        self.inputs.insert(name.to_owned(), value.to_owned());
        self
    }

    fn env(mut self, name: &str, value: &str) -> Runner {
        self.env.insert(name.to_owned(), value.to_owned());
        self
    }

    fn without_env(mut self, name: &str) -> Runner {
        self.env.remove(name);
        self
    }

    /// The value of one `${{ … }}` expression; anything the action should not use panics.
    fn expression(&self, expr: &str, steps: &BTreeMap<String, BTreeMap<String, String>>) -> String {
        let expr = expr.trim();
        if let Some(name) = expr.strip_prefix("inputs.") {
            if let Some(v) = self.inputs.get(name) {
                return v.clone();
            }
            let def = &action()["inputs"][name];
            assert!(!def.is_badvalue(), "`{expr}`: no such input");
            return match scalar(&def["default"]) {
                Some(d) => self.substitute(&d, steps),
                None => String::new(),
            };
        }
        if let Some(rest) = expr.strip_prefix("steps.") {
            let (id, key) = rest.split_once(".outputs.").expect("steps.ID.outputs.KEY");
            return steps
                .get(id)
                .and_then(|o| o.get(key))
                .cloned()
                .unwrap_or_default();
        }
        match expr {
            "github.token" => "ghs_fake_token_for_tests".to_owned(),
            "github.action_repository" => "acme/scangate".to_owned(),
            other => panic!("the test runner does not know the expression `{other}`"),
        }
    }

    fn substitute(&self, text: &str, steps: &BTreeMap<String, BTreeMap<String, String>>) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closed expression") + start;
            out.push_str(&self.expression(&rest[start + 3..end], steps));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// `steps.ID.outputs.KEY == 'VALUE'`, the only condition the action uses.
    fn condition(&self, cond: &str, steps: &BTreeMap<String, BTreeMap<String, String>>) -> bool {
        let (lhs, rhs) = cond.split_once("==").expect("`A == 'B'` condition");
        let value = rhs.trim().trim_matches('\'');
        self.expression(lhs, steps) == value
    }

    fn run(&self) -> Run {
        let action = action();
        let mut steps_out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut run = Run {
            code: 0,
            steps: Vec::new(),
            outputs: BTreeMap::new(),
            stdout: String::new(),
            stderr: String::new(),
            summary: String::new(),
        };
        let path = std::env::join_paths(self.path_prefix.iter().cloned().chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH");
        for (n, step) in action["runs"]["steps"]
            .as_vec()
            .expect("steps")
            .iter()
            .enumerate()
        {
            let id = scalar(&step["id"]).unwrap_or_else(|| format!("step{n}"));
            if let Some(cond) = scalar(&step["if"])
                && !self.condition(&cond, &steps_out)
            {
                continue;
            }
            let Some(script) = scalar(&step["run"]) else {
                // A `uses:` step (actions/cache): a cache miss here.
                assert!(scalar(&step["uses"]).is_some(), "step {id}: run or uses");
                run.steps.push((id, 0));
                continue;
            };
            assert_eq!(scalar(&step["shell"]).as_deref(), Some("bash"), "{id}");
            let step_dir = self.temp.join(format!("_step{n}"));
            std::fs::create_dir_all(&step_dir).expect("mkdir");
            let output_file = step_dir.join("output");
            let summary_file = step_dir.join("summary");
            let script_file = step_dir.join("script.sh");
            std::fs::write(&output_file, "").expect("write");
            std::fs::write(&summary_file, "").expect("write");
            std::fs::write(&script_file, self.substitute(&script, &steps_out)).expect("write");
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_file)
                .current_dir(&self.workspace)
                .env_clear()
                .env("PATH", &path)
                .env("HOME", std::env::var_os("HOME").unwrap_or_default())
                .env("GITHUB_ACTIONS", "true")
                .env("CI", "true")
                .env("GITHUB_WORKSPACE", &self.workspace)
                .env("GITHUB_ACTION_PATH", root())
                .env("GITHUB_OUTPUT", &output_file)
                .env("GITHUB_STEP_SUMMARY", &summary_file)
                .env("GITHUB_EVENT_PATH", &self.event)
                .env("GITHUB_EVENT_NAME", "push")
                .env("GITHUB_REPOSITORY", "acme/shop")
                .env("RUNNER_TEMP", &self.temp)
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .envs(&self.env);
            for (k, v) in entries(&step["env"]) {
                let v = scalar(v).unwrap_or_default();
                cmd.env(k, self.substitute(&v, &steps_out));
            }
            let out = cmd.output().expect("bash runs");
            let code = out.status.code().expect("exited");
            run.stdout.push_str(&String::from_utf8_lossy(&out.stdout));
            run.stderr.push_str(&String::from_utf8_lossy(&out.stderr));
            run.summary
                .push_str(&std::fs::read_to_string(&summary_file).expect("summary"));
            let written = std::fs::read_to_string(&output_file).expect("output file");
            steps_out.insert(id.clone(), parse_outputs(&written));
            run.steps.push((id, code));
            if code != 0 {
                run.code = code;
                break;
            }
        }
        // The action's outputs, as a runner evaluates them after the steps (also after a
        // failing step: outputs set before the failure are kept).
        for (name, def) in entries(&action["outputs"]) {
            let value = scalar(&def["value"]).expect("output value");
            if let Some(expr) = value.strip_prefix("${{").and_then(|v| v.strip_suffix("}}")) {
                let (id, key) = expr
                    .trim()
                    .strip_prefix("steps.")
                    .and_then(|r| r.split_once(".outputs."))
                    .expect("steps.ID.outputs.KEY");
                if let Some(v) = steps_out.get(id).and_then(|o| o.get(key)) {
                    run.outputs.insert(name, v.clone());
                }
            }
        }
        run
    }
}

/// Parses `$GITHUB_OUTPUT`: `name=value` lines and the `name<<DELIMITER` form.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_owned(), value.to_owned());
        }
    }
    out
}

fn sha256_hex(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("hash")
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// action.yml's structure

#[test]
fn action_yml_has_the_required_keys_and_every_input_is_used() {
    let action = action();
    for key in ["name", "description"] {
        assert!(scalar(&action[key]).is_some(), "missing {key}");
    }
    assert_eq!(
        scalar(&action["runs"]["using"]).as_deref(),
        Some("composite")
    );
    let steps = action["runs"]["steps"].as_vec().expect("steps");
    assert!(!steps.is_empty());

    let inputs = entries(&action["inputs"]);
    let names: Vec<&str> = inputs.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "reports",
        "policy",
        "baseline",
        "comment",
        "tickets",
        "sarif-output",
        "junit-output",
        "json-output",
        "fail",
        "fail-on-publish-error",
        "install",
        "version",
        "github-token",
    ] {
        assert!(names.contains(&expected), "input {expected} missing");
    }
    let steps_text = std::fs::read_to_string(root().join("action.yml"))
        .expect("read")
        .split_once("\nruns:")
        .expect("runs")
        .1
        .to_owned();
    for (name, def) in &inputs {
        assert!(scalar(&def["description"]).is_some(), "{name}: description");
        assert!(
            steps_text.contains(&format!("${{{{ inputs.{name} }}}}")),
            "input {name} is never used by a step"
        );
    }
    assert_eq!(
        scalar(&action["inputs"]["fail"]["default"]).as_deref(),
        Some("true")
    );
    assert_eq!(
        scalar(&action["inputs"]["fail-on-publish-error"]["default"]).as_deref(),
        Some("true")
    );
    assert_eq!(
        scalar(&action["inputs"]["github-token"]["default"]).as_deref(),
        Some("${{ github.token }}")
    );

    // Every output reads a step that exists.
    let ids: Vec<String> = steps.iter().filter_map(|s| scalar(&s["id"])).collect();
    let outputs = entries(&action["outputs"]);
    let output_names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        output_names,
        ["verdict", "exit-code", "findings", "blocking", "sarif"]
    );
    for (name, def) in &outputs {
        assert!(scalar(&def["description"]).is_some(), "{name}: description");
        let value = scalar(&def["value"]).expect("value");
        let id = value
            .trim_start_matches("${{ steps.")
            .split('.')
            .next()
            .expect("id");
        assert!(
            ids.iter().any(|i| i == id),
            "output {name} reads unknown step {id}"
        );
    }

    // Every run step calls a subcommand run.sh has, and every INPUT_* variable the script
    // reads is set by the gate step (a typo would silently read an empty input).
    let script = std::fs::read_to_string(root().join("action/run.sh")).expect("run.sh");
    let gate_env: Vec<String> = steps
        .iter()
        .find(|s| scalar(&s["id"]).as_deref() == Some("gate"))
        .map(|s| entries(&s["env"]).into_iter().map(|(k, _)| k).collect())
        .expect("gate step");
    let mut read_vars: Vec<&str> = script
        .match_indices("INPUT_")
        .map(|(i, _)| {
            let rest = &script[i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    read_vars.sort_unstable();
    read_vars.dedup();
    assert!(read_vars.len() >= 10, "{read_vars:?}");
    for var in read_vars {
        assert!(
            gate_env.iter().any(|k| k == var),
            "run.sh reads {var}, the gate step does not set it"
        );
    }
    for step in steps {
        if let Some(run) = scalar(&step["run"]) {
            let sub = run
                .trim()
                .strip_prefix("bash \"$GITHUB_ACTION_PATH/action/run.sh\" ")
                .expect("steps call action/run.sh");
            assert!(
                script.contains(&format!("    {sub}) cmd_{sub} ;;")),
                "{sub}"
            );
        }
    }
}

#[test]
fn every_output_is_set_by_a_run() {
    let run = Runner::new().input("reports", "examples/reports").run();
    assert_eq!(run.code, 0, "{}", run.log());
    for (name, _) in entries(&action()["outputs"]) {
        assert!(run.outputs.contains_key(&name), "output {name} not set");
    }
}

// ---------------------------------------------------------------------------------------------
// Verdicts and exit codes

#[test]
fn passing_reports_pass_the_step() {
    let runner = Runner::new().input("reports", "examples/reports");
    let run = runner.run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("verdict"), "pass");
    assert_eq!(run.output("exit-code"), "0");
    assert_eq!(run.output("findings"), "9");
    assert_eq!(run.output("blocking"), "0");
    let sarif = PathBuf::from(run.output("sarif"));
    // Without sarif-output, the SARIF goes under $RUNNER_TEMP, not into the checkout.
    assert!(sarif.starts_with(&runner.temp), "{}", sarif.display());
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("SARIF written")).expect("JSON");
    assert_eq!(doc["version"], "2.1.0");
    // The job summary and the annotations come from scangate itself inside Actions.
    assert!(run.summary.contains("scangate: PASS"), "{}", run.summary);
    assert!(run.stdout.contains("::warning "), "{}", run.log());
    assert!(
        run.stderr.contains("using the prebuilt binary"),
        "{}",
        run.log()
    );
}

#[test]
fn a_failing_verdict_fails_the_step_with_exit_1() {
    let run = Runner::new().input("reports", "examples/failing").run();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.steps.last().map(|s| s.0.as_str()), Some("gate"));
    assert_eq!(run.output("verdict"), "fail");
    assert_eq!(run.output("exit-code"), "1");
    assert_eq!(run.output("blocking"), "1");
    assert!(
        run.stdout.contains("::error title=scangate%3A critical"),
        "{}",
        run.log()
    );
    assert!(run.summary.contains("FAIL"), "{}", run.summary);
}

#[test]
fn fail_false_keeps_the_step_green_but_reports_the_verdict() {
    let run = Runner::new()
        .input("reports", "examples/failing")
        .input("fail", "false")
        .run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("verdict"), "fail");
    assert_eq!(run.output("exit-code"), "1");
    assert!(
        run.stdout
            .contains("::warning title=scangate::the policy failed the gate")
    );
}

#[test]
fn a_missing_report_fails_with_2_even_with_fail_false() {
    for fail in ["true", "false"] {
        let run = Runner::new()
            .input("reports", "examples/reports\nexamples/no-such-report.json")
            .input("fail", fail)
            .input("fail-on-publish-error", "false")
            .run();
        assert_eq!(run.code, 2, "{}", run.log());
        assert_eq!(run.output("verdict"), "error");
        assert_eq!(run.output("exit-code"), "2");
        assert!(run.stderr.contains("no-such-report.json"), "{}", run.log());
    }
}

#[test]
fn a_typo_in_a_boolean_input_is_an_error_not_false() {
    let run = Runner::new()
        .input("reports", "examples/failing")
        .input("fail", "flase")
        .run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stderr.contains("input `fail` must be true or false"),
        "{}",
        run.log()
    );
}

#[test]
fn report_lines_keep_spaces_and_globs_reach_scangate() {
    let runner = Runner::new();
    let spaced = runner.workspace.join("scan results");
    std::fs::create_dir_all(&spaced).expect("mkdir");
    std::fs::copy(
        root().join("examples/reports/trivy-image.json"),
        spaced.join("trivy image.json"),
    )
    .expect("copy");
    let json = runner.workspace.join("out/scangate.json");
    let junit = runner.workspace.join("out/junit.xml");
    let runner = runner
        .input(
            "reports",
            "  scan results/trivy image.json  \n\n# a comment line\nexamples/report?/*.sarif\n",
        )
        .input("json-output", "out/scangate.json")
        .input("junit-output", "out/junit.xml")
        .input("sarif-output", "out/scangate.sarif");
    let run = runner.run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("findings"), "6");
    assert_eq!(run.output("sarif"), "out/scangate.sarif");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("JSON written")).expect("JSON");
    let paths: Vec<&str> = doc["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|i| i["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "scan results/trivy image.json",
            "examples/reports/semgrep.sarif"
        ]
    );
    assert!(
        std::fs::read_to_string(&junit)
            .expect("JUnit written")
            .contains("<testsuite")
    );
}

#[test]
fn a_glob_matching_nothing_fails_with_2() {
    let run = Runner::new().input("reports", "reports/*.sarif").run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stderr.contains("the glob matches no files"),
        "{}",
        run.log()
    );
}

#[test]
fn the_policy_input_is_passed() {
    let run = Runner::new()
        .input("reports", "examples/reports")
        .input("policy", "examples/scangate.toml")
        .env("SCANGATE_TODAY", "2026-06-01")
        .run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert!(
        run.stdout
            .contains("policy: policy file examples/scangate.toml"),
        "{}",
        run.log()
    );
    let missing = Runner::new()
        .input("reports", "examples/reports")
        .input("policy", "no-such-policy.toml")
        .run();
    assert_eq!(missing.code, 2, "{}", missing.log());
    // scangate could not run at all: no counts, verdict error.
    assert_eq!(missing.output("verdict"), "error");
    assert_eq!(missing.output("findings"), "");
}

/// `baseline` is passed as `--baseline`: with `gate = "new"`, Log4Shell already in the
/// baseline no longer fails the step; without the input it does.
#[test]
fn the_baseline_input_is_passed() {
    let runner = Runner::new().env("SCANGATE_TODAY", "2026-06-01");
    let recorded = Command::new(bin())
        .args([
            "baseline",
            "examples/failing",
            "-o",
            "scangate-baseline.json",
        ])
        .current_dir(&runner.workspace)
        .env_clear()
        .env("SCANGATE_TODAY", "2026-06-01")
        .output()
        .expect("scangate baseline runs");
    assert!(recorded.status.success(), "{recorded:?}");
    std::fs::write(runner.workspace.join("scangate.toml"), "gate = \"new\"\n").expect("policy");

    let with = runner
        .input("reports", "examples/failing")
        .input("baseline", "scangate-baseline.json");
    let run = with.run();
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("verdict"), "pass");
    assert_eq!(run.output("blocking"), "0");

    let mut without = with;
    without.inputs.remove("baseline");
    let run = without.run();
    assert_eq!(run.code, 1, "{}", run.log());
}

/// A pull request whose comment cannot be written (nothing listens on the API port): exit 3
/// fails the step by default and is tolerated with `fail-on-publish-error: false`.
#[test]
fn a_publish_failure_exits_3_unless_tolerated() {
    for (tolerate, expected) in [("true", 3), ("false", 0)] {
        let runner = Runner::new();
        std::fs::write(
            &runner.event,
            r#"{"pull_request": {"number": 7, "head": {"repo": {"full_name": "acme/shop", "fork": false}}, "base": {"repo": {"full_name": "acme/shop"}}}}"#,
        )
        .expect("event");
        let run = runner
            .input("reports", "examples/reports")
            .input("comment", "true")
            .input("fail-on-publish-error", tolerate)
            .env("GITHUB_API_URL", "http://127.0.0.1:9")
            .env("SCANGATE_GITHUB_BACKOFF_MS", "1")
            .env("SCANGATE_GITHUB_TIMEOUT_SECS", "2")
            .run();
        assert_eq!(run.code, expected, "{}", run.log());
        assert_eq!(run.output("verdict"), "pass");
        assert_eq!(run.output("exit-code"), "3");
        // The token reached scangate (from the github-token input) and was never printed.
        assert!(
            !run.log().contains("ghs_fake_token_for_tests"),
            "{}",
            run.log()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Obtaining the binary

/// A release as the release workflow publishes it:
/// `vVERSION/scangate-VERSION-x86_64-unknown-linux-gnu.tar.gz` holding
/// `scangate-VERSION-x86_64-unknown-linux-gnu/scangate`, and its `.sha256`.
struct Release {
    base: PathBuf,
    asset: PathBuf,
    checksum: PathBuf,
}

/// Packages the test binary with `.ci/package-release.sh`, the script real releases are made
/// with, into `releases/vVERSION/`.
fn make_release(dir: &Path, version: &str) -> Release {
    let name = format!("scangate-{version}-x86_64-unknown-linux-gnu");
    let base = dir.join("releases");
    let tag_dir = base.join(format!("v{version}"));
    let out = Command::new("bash")
        .arg(root().join(".ci/package-release.sh"))
        .arg(bin())
        .arg(version)
        .arg(&tag_dir)
        // The debug binary is large and the tests only need a valid gzip.
        .env("SCANGATE_GZIP_LEVEL", "1")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Release {
        base,
        asset: tag_dir.join(format!("{name}.tar.gz")),
        checksum: tag_dir.join(format!("{name}.tar.gz.sha256")),
    }
}

#[test]
fn the_release_script_refuses_a_binary_of_another_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new("bash")
        .arg(root().join(".ci/package-release.sh"))
        .arg(bin())
        .arg("9.9.9")
        .arg(dir.path())
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not scangate 9.9.9"));
}

fn release_runner(release: &Release) -> Runner {
    Runner::new()
        .without_env("SCANGATE_BIN")
        .env(
            "SCANGATE_RELEASE_BASE_URL",
            &format!("file://{}", release.base.display()),
        )
        .input("reports", "examples/reports")
}

#[test]
fn a_verified_release_is_downloaded_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let version = env!("CARGO_PKG_VERSION");
    let release = make_release(dir.path(), version);
    // `version` alone selects the release (install: auto); `install: release` without a
    // version takes the action's own version from Cargo.toml.
    for (install, v) in [
        ("auto", version.to_owned()),
        ("release", String::new()),
        ("auto", format!("v{version}")),
    ] {
        let run = release_runner(&release)
            .input("install", install)
            .input("version", &v)
            .run();
        assert_eq!(run.code, 0, "{install} {v}: {}", run.log());
        assert_eq!(run.output("verdict"), "pass");
        assert!(run.stderr.contains("verified scangate-"), "{}", run.log());
    }
}

#[test]
fn a_tampered_release_is_never_run() {
    let version = env!("CARGO_PKG_VERSION");
    type Tamper = fn(&Release);
    let cases: [(&str, Tamper); 4] = [
        ("checksum of other content", |r| {
            let name = r
                .asset
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            std::fs::write(&r.checksum, format!("{}  {name}\n", "0".repeat(64))).expect("write");
        }),
        ("archive changed after checksumming", |r| {
            let mut bytes = std::fs::read(&r.asset).expect("read");
            bytes.extend_from_slice(b"tampered");
            std::fs::write(&r.asset, bytes).expect("write");
        }),
        ("checksum file names another file", |r| {
            std::fs::write(
                &r.checksum,
                format!(
                    "{}  /etc/hostname\n",
                    sha256_hex(Path::new("/etc/hostname"))
                ),
            )
            .expect("write");
        }),
        ("no checksum file", |r| {
            std::fs::remove_file(&r.checksum).expect("remove");
        }),
    ];
    let pristine = tempfile::tempdir().expect("tempdir");
    let original = make_release(pristine.path(), version);
    for (what, tamper) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&original.base, &dir.path().join("releases"));
        let relocate = |p: &Path| {
            dir.path()
                .join("releases")
                .join(p.strip_prefix(&original.base).expect("inside"))
        };
        let release = Release {
            base: dir.path().join("releases"),
            asset: relocate(&original.asset),
            checksum: relocate(&original.checksum),
        };
        tamper(&release);
        let run = release_runner(&release).input("version", version).run();
        assert_eq!(run.code, 2, "{what}: {}", run.log());
        assert_eq!(
            run.steps.last().map(|s| s.0.as_str()),
            Some("prepare"),
            "{what}"
        );
        assert!(!run.outputs.contains_key("verdict"), "{what}: the gate ran");
        assert!(!run.stderr.contains("verified"), "{what}: {}", run.log());
    }
}

#[test]
fn a_release_version_must_look_like_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let release = make_release(dir.path(), env!("CARGO_PKG_VERSION"));
    let run = release_runner(&release).input("version", "../../etc").run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stderr.contains("is not a release version"),
        "{}",
        run.log()
    );
}

/// `install: source` without a cached build runs `cargo install --locked --path <action>
/// --root <cache dir>` (a fake cargo here, which "builds" by copying the test binary); with the
/// cache restored, cargo is not run again.
#[test]
fn the_source_build_uses_cargo_install_locked_and_the_cache() {
    let fake = tempfile::tempdir().expect("tempdir");
    let log = fake.path().join("cargo-args.txt");
    let cargo = fake.path().join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/usr/bin/env bash\nset -euo pipefail\nprintf '%s\\n' \"$@\" >> '{log}'\n\
             root=''\nwhile (($#)); do if [[ $1 == --root ]]; then root=$2; fi; shift; done\n\
             mkdir -p \"$root/bin\"\ncp '{bin}' \"$root/bin/scangate\"\n",
            log = log.display(),
            bin = bin()
        ),
    )
    .expect("write fake cargo");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let mut runner = Runner::new()
        .without_env("SCANGATE_BIN")
        .input("reports", "examples/reports")
        .input("install", "source");
    runner.path_prefix.push(fake.path().to_owned());
    let first = runner.run();
    assert_eq!(first.code, 0, "{}", first.log());
    let steps: Vec<&str> = first.steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        steps,
        ["prepare", "step1", "step2", "gate"],
        "the cache step runs"
    );
    let args = std::fs::read_to_string(&log).expect("cargo ran");
    let cache_dir = runner.temp.join("scangate-build");
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "install",
            "--locked",
            "--path",
            &root().display().to_string(),
            "--root",
            &cache_dir.display().to_string()
        ]
    );
    // Second run: the binary is in the (restored) cache directory.
    let second = runner.run();
    assert_eq!(second.code, 0, "{}", second.log());
    assert!(
        second.stderr.contains("using the cached build"),
        "{}",
        second.log()
    );
    assert_eq!(
        std::fs::read_to_string(&log).expect("log").lines().count(),
        6
    );

    let conflicting = Runner::new()
        .without_env("SCANGATE_BIN")
        .input("reports", "examples/reports")
        .input("install", "source")
        .input("version", "0.1.0")
        .run();
    assert_eq!(conflicting.code, 2, "{}", conflicting.log());
}

#[test]
fn a_scangate_bin_that_is_not_executable_is_an_error() {
    let run = Runner::new()
        .env("SCANGATE_BIN", "/no/such/scangate")
        .input("reports", "examples/reports")
        .run();
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(run.stderr.contains("SCANGATE_BIN"), "{}", run.log());
}

// ---------------------------------------------------------------------------------------------
// The example workflow

#[test]
fn the_example_workflow_uses_real_inputs_and_least_privilege() {
    let workflow = load_yaml("examples/github/scangate.yml");
    let inputs: Vec<String> = entries(&action()["inputs"])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    // No write permission at the workflow level; each job says what it needs.
    let top = entries(&workflow["permissions"]);
    assert!(
        top.iter()
            .all(|(_, v)| scalar(v).as_deref() == Some("read")),
        "workflow-level permissions must be read-only: {top:?}"
    );
    let mut uses_action = false;
    for (job_name, job) in entries(&workflow["jobs"]) {
        let perms = entries(&job["permissions"]);
        assert!(
            !perms.is_empty(),
            "job {job_name} must declare its permissions"
        );
        let writes: Vec<&str> = perms
            .iter()
            .filter(|(_, v)| scalar(v).as_deref() == Some("write"))
            .map(|(k, _)| k.as_str())
            .collect();
        let steps = job["steps"].as_vec().expect("steps");
        let uses = |prefix: &str| {
            steps
                .iter()
                .any(|s| scalar(&s["uses"]).is_some_and(|u| u.starts_with(prefix)))
        };
        for w in &writes {
            assert!(
                ["security-events", "pull-requests", "issues"].contains(w),
                "job {job_name}: unexpected write permission {w}"
            );
        }
        if writes.contains(&"security-events") {
            assert!(uses("github/codeql-action/upload-sarif"), "{job_name}");
        }
        for step in steps {
            let Some(u) = scalar(&step["uses"]) else {
                continue;
            };
            if !u.contains("/scangate@") {
                continue;
            }
            uses_action = true;
            assert!(
                !writes.is_empty(),
                "the gate job needs its write permissions"
            );
            for (key, _) in entries(&step["with"]) {
                assert!(
                    inputs.contains(&key),
                    "`with: {key}` is not an input of action.yml"
                );
            }
        }
        if !writes.is_empty() {
            // Third-party scanners never run with a write token.
            for scanner in ["aquasecurity/trivy-action", "zaproxy/action-baseline"] {
                assert!(
                    !uses(scanner),
                    "{job_name} runs {scanner} with write permissions"
                );
            }
        }
    }
    assert!(uses_action, "the example runs the scangate action");
}
