//! Every command in README.md is exercised, so the README cannot rot (issue 6).
//!
//! - ```` ```sh ```` blocks: each block runs in a fresh scratch workspace (a copy of `examples/`,
//!   and `reports/` holding the example reports), line by line with `sh -c` as a user pasting
//!   it would, with the built binary first on `PATH` as `scangate`.
//! - ```` ```console ```` blocks: each `$ command` runs the same way, and the output lines shown
//!   under it must appear in the real output in that order (`...` stands for any lines); the
//!   commands of one block share a workspace, in order.
//! - `cargo …` commands (and the release packaging, which needs a release build) are run by
//!   `.ci/run`: the test checks that `.ci/run` contains them.
//!
//! Every command must be listed in [`EXPECTED`] with its exit status and any setup, and every
//! entry there must still be in the README: a new command fails this test until it is
//! registered. `yaml` blocks that use the action may only pass inputs `action.yml` has, and the
//! `groovy` excerpt must be lines of the example Jenkinsfile.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::fake_github::FakeGithub;
use support::output::copy_dir;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    None,
    /// A `scangate.toml` with three problems in the working directory.
    BrokenPolicy,
    /// A pull request event, a repository and a fake GitHub API with a token.
    GithubPullRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Run here; the exit status it must have.
    Exit(i32, Setup),
    /// Run by `.ci/run`, which must contain this text.
    CiRun(&'static str),
}

/// Every command in the README and how it is exercised.
const EXPECTED: &[(&str, Expect)] = &[
    (
        "scangate check examples/failing",
        Expect::Exit(1, Setup::None),
    ),
    (
        "cargo run --release -- check examples/reports",
        Expect::CiRun("cargo run --release -- check examples/reports"),
    ),
    ("cargo test --locked", Expect::CiRun("cargo test --locked")),
    // The benchmark is a measurement of minutes; CI runs its small case so the script, the
    // generator and the floor keep building and running.
    (
        "bench/run.sh",
        Expect::CiRun("bench/run.sh --runs 1 --cases small"),
    ),
    (
        "bench/run.sh --full",
        Expect::CiRun("bench/run.sh --runs 1 --cases small"),
    ),
    (
        "bench/run.sh --runs 5 --cases sarif,small",
        Expect::CiRun("bench/run.sh --runs 1 --cases small"),
    ),
    (
        "cargo install --locked --path .",
        Expect::CiRun("cargo install --locked --path . --root"),
    ),
    (
        "mkdir -p ~/.local/share/bash-completion/completions ~/.local/share/man/man1",
        Expect::Exit(0, Setup::None),
    ),
    (
        "scangate completions bash > ~/.local/share/bash-completion/completions/scangate",
        Expect::Exit(0, Setup::None),
    ),
    (
        "scangate man > ~/.local/share/man/man1/scangate.1",
        Expect::Exit(0, Setup::None),
    ),
    (
        "scangate man --out-dir ~/.local/share/man/man1",
        Expect::Exit(0, Setup::None),
    ),
    (
        "cargo build --release --locked",
        Expect::CiRun("cargo build --release --locked"),
    ),
    (
        "bash .ci/package-release.sh target/release/scangate 0.1.0 dist",
        Expect::CiRun("bash .ci/package-release.sh target/release/scangate"),
    ),
    ("scangate init", Expect::Exit(0, Setup::None)),
    ("scangate policy check", Expect::Exit(0, Setup::None)),
    (
        "scangate check reports/ --quiet --summary-line",
        Expect::Exit(0, Setup::None),
    ),
    (
        "scangate check examples/failing --quiet --summary-line",
        Expect::Exit(1, Setup::None),
    ),
    // The console example of an invalid policy (the same command as above, another setup).
    (
        "$ scangate policy check",
        Expect::Exit(2, Setup::BrokenPolicy),
    ),
    (
        "scangate check examples/failing --explain CVE-2021-44228",
        Expect::Exit(1, Setup::None),
    ),
    (
        "scangate check examples/reports --policy examples/scangate.toml",
        Expect::Exit(0, Setup::None),
    ),
    // Baselines and correlation (also checked line by line by tests/baseline.rs).
    (
        "scangate baseline examples/failing/trivy-image.json",
        Expect::Exit(0, Setup::None),
    ),
    (
        "echo 'gate = \"new\"' > scangate.toml",
        Expect::Exit(0, Setup::None),
    ),
    (
        "scangate check examples/failing/trivy-image.json --baseline scangate-baseline.json",
        Expect::Exit(0, Setup::None),
    ),
    (
        "scangate check examples/failing/trivy-image.json examples/correlation/grype.sarif",
        Expect::Exit(1, Setup::None),
    ),
    (
        "scangate check reports/ --comment --tickets",
        Expect::Exit(0, Setup::GithubPullRequest),
    ),
    (
        "scangate check reports/ --comment --dry-run",
        Expect::Exit(0, Setup::GithubPullRequest),
    ),
];

const BROKEN_POLICY: &str = r#"fail_on = "severe"
max = { high = 0 }
require = ["trivy"]

[[rule]]
id = "CVE-[2021"
action = "fail"

[[waiver]]
id = "CVE-2021-44228"
expires = "2026-12-31"
"#;

const TOKEN: &str = "ghp_readme_example_token_0123456789";

/// A fenced block of the README.
#[derive(Debug)]
struct Block {
    lang: String,
    line: usize,
    body: Vec<String>,
}

fn readme_blocks() -> Vec<Block> {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (n, line) in text.lines().enumerate() {
        if let Some(fence) = line.strip_prefix("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => {
                    current = Some(Block {
                        lang: fence.trim().to_owned(),
                        line: n + 1,
                        body: Vec::new(),
                    })
                }
            }
        } else if let Some(block) = current.as_mut() {
            block.body.push(line.to_owned());
        }
    }
    assert!(current.is_none(), "README.md has an unclosed code fence");
    blocks
}

/// A command without its trailing `# comment`.
fn strip_comment(line: &str) -> &str {
    match line.find(" #") {
        Some(i) => line[..i].trim_end(),
        None => line.trim_end(),
    }
}

fn expectation(key: &str, where_: &str) -> Expect {
    EXPECTED
        .iter()
        .find(|(c, _)| *c == key)
        .map(|(_, e)| *e)
        .unwrap_or_else(|| {
            panic!("{where_}: `{key}` is not in tests/readme.rs EXPECTED: say how it is exercised")
        })
}

/// A scratch workspace for one block.
struct Workspace {
    dir: tempfile::TempDir,
    bin_dir: PathBuf,
    github: Option<FakeGithub>,
    event: PathBuf,
}

impl Workspace {
    fn new(setup: Setup) -> Workspace {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&root().join("examples"), &dir.path().join("examples"));
        copy_dir(
            &root().join("examples/reports"),
            &dir.path().join("reports"),
        );
        std::fs::create_dir_all(dir.path().join("home")).expect("mkdir");
        let bin_dir = dir.path().join("bin");
        std::fs::create_dir_all(&bin_dir).expect("mkdir");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_scangate"), bin_dir.join("scangate"))
            .expect("symlink");
        let event = dir.path().join("event.json");
        let mut github = None;
        match setup {
            Setup::None => {}
            Setup::BrokenPolicy => {
                std::fs::write(dir.path().join("scangate.toml"), BROKEN_POLICY).expect("write");
            }
            Setup::GithubPullRequest => {
                std::fs::write(
                    &event,
                    r#"{"pull_request": {"number": 7, "head": {"repo": {"full_name": "acme/shop", "fork": false}}, "base": {"repo": {"full_name": "acme/shop"}}}}"#,
                )
                .expect("write event");
                github = Some(FakeGithub::start(TOKEN, "github-actions[bot]"));
            }
        }
        Workspace {
            dir,
            bin_dir,
            github,
            event,
        }
    }

    fn run(&self, command: &str) -> Output {
        let path = std::env::join_paths(std::iter::once(self.bin_dir.clone()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(command)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path().join("home"))
            // The example policy's waiver expires in 2027: evaluate as of a fixed day.
            .env("SCANGATE_TODAY", "2026-06-01");
        if let Some(github) = &self.github {
            cmd.env("GITHUB_API_URL", github.url())
                .env("SCANGATE_GITHUB_TOKEN", TOKEN)
                .env("GITHUB_REPOSITORY", "acme/shop")
                .env("GITHUB_EVENT_NAME", "pull_request")
                .env("GITHUB_EVENT_PATH", &self.event);
        }
        cmd.output().expect("sh runs")
    }
}

fn log(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The shown lines appear in the output in order; `...` (or `…`) stands for any lines.
fn assert_shows(shown: &[String], output: &str, where_: &str) {
    let actual: Vec<&str> = output.lines().map(str::trim_end).collect();
    let mut pos = 0;
    for want in shown.iter().map(|l| l.trim_end()) {
        if want == "..." || want == "…" {
            continue;
        }
        match actual[pos..].iter().position(|a| *a == want) {
            Some(i) => pos += i + 1,
            None => panic!("{where_}: the README shows\n  {want}\nbut the output is:\n{output}"),
        }
    }
}

#[test]
fn every_readme_command_runs_as_documented() {
    let ci_run = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    let mut seen: Vec<String> = Vec::new();
    let mut ran = 0;
    for block in readme_blocks() {
        let where_ = format!("README.md:{}", block.line);
        match block.lang.as_str() {
            "sh" => {
                let commands: Vec<&str> = block
                    .body
                    .iter()
                    .map(|l| strip_comment(l))
                    .filter(|l| !l.is_empty())
                    .collect();
                let mut workspace: Option<Workspace> = None;
                for command in commands {
                    seen.push(command.to_owned());
                    match expectation(command, &where_) {
                        Expect::CiRun(line) => {
                            assert!(
                                ci_run.lines().any(|l| l.trim_start().starts_with(line)),
                                "{where_}: .ci/run does not run `{line}`"
                            );
                        }
                        Expect::Exit(code, setup) => {
                            let ws = workspace.get_or_insert_with(|| Workspace::new(setup));
                            let o = ws.run(command);
                            assert_eq!(
                                o.status.code(),
                                Some(code),
                                "{where_}: `{command}`\n{}",
                                log(&o)
                            );
                            ran += 1;
                        }
                    }
                }
                if let Some(ws) = workspace
                    && let Some(github) = &ws.github
                {
                    // --comment created the comment; --dry-run changed nothing after it.
                    assert_eq!(github.comments_on(7).len(), 1, "{where_}");
                }
            }
            "console" => {
                let mut workspace: Option<Workspace> = None;
                let mut i = 0;
                while i < block.body.len() {
                    let Some(command) = block.body[i].strip_prefix("$ ") else {
                        i += 1;
                        continue;
                    };
                    let shown: Vec<String> = block.body[i + 1..]
                        .iter()
                        .take_while(|l| !l.starts_with("$ "))
                        .cloned()
                        .collect();
                    i += 1 + shown.len();
                    // A console command may share its text with an `sh` one but need another
                    // setup: a `$ `-prefixed entry wins.
                    let key = format!("$ {command}");
                    let expect = if EXPECTED.iter().any(|(c, _)| *c == key) {
                        seen.push(key.clone());
                        expectation(&key, &where_)
                    } else {
                        seen.push(command.to_owned());
                        expectation(command, &where_)
                    };
                    let Expect::Exit(code, setup) = expect else {
                        panic!("{where_}: console examples are run here");
                    };
                    // The commands of one block run in one workspace, in order.
                    let ws = workspace.get_or_insert_with(|| Workspace::new(setup));
                    let o = ws.run(command);
                    assert_eq!(
                        o.status.code(),
                        Some(code),
                        "{where_}: `{command}`\n{}",
                        log(&o)
                    );
                    let all = format!(
                        "{}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    );
                    assert_shows(&shown, &all, &where_);
                    ran += 1;
                }
            }
            _ => {}
        }
    }
    for (command, _) in EXPECTED {
        assert!(
            seen.iter().any(|s| s == command),
            "`{command}` is in EXPECTED but no longer in the README: remove it"
        );
    }
    assert!(ran >= 12, "only {ran} commands ran");
}

/// The action snippets in the README pass only inputs `action.yml` has.
#[test]
fn readme_action_snippets_use_real_inputs() {
    let action = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let docs = yaml_rust2::YamlLoader::load_from_str(&action).expect("YAML");
    let inputs: Vec<String> = docs[0]["inputs"]
        .as_hash()
        .expect("inputs")
        .keys()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    let mut checked = 0;
    for block in readme_blocks().into_iter().filter(|b| b.lang == "yaml") {
        let text = block.body.join("\n");
        let docs = yaml_rust2::YamlLoader::load_from_str(&text)
            .unwrap_or_else(|e| panic!("README.md:{}: {e}", block.line));
        let Some(steps) = docs.first().and_then(|d| d.as_vec()) else {
            continue;
        };
        for step in steps {
            if !step["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/scangate@"))
            {
                continue;
            }
            for key in step["with"].as_hash().expect("with").keys() {
                let key = key.as_str().expect("string key");
                assert!(
                    inputs.iter().any(|i| i == key),
                    "README.md:{}: `{key}` is not an input of action.yml",
                    block.line
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 2, "no action snippet found in the README");
}

/// The README's Groovy excerpt is made of lines of the example Jenkinsfile.
#[test]
fn readme_jenkins_excerpt_is_from_the_jenkinsfile() {
    let jenkinsfile =
        std::fs::read_to_string(root().join("examples/jenkins/Jenkinsfile")).expect("Jenkinsfile");
    let lines: Vec<&str> = jenkinsfile.lines().map(str::trim).collect();
    let mut checked = 0;
    for block in readme_blocks().into_iter().filter(|b| b.lang == "groovy") {
        for line in block
            .body
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
        {
            assert!(
                lines.contains(&line),
                "README.md:{}: `{line}` is not in examples/jenkins/Jenkinsfile",
                block.line
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no Groovy excerpt in the README");
}
