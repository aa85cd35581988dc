//! `scangate completions SHELL` and `scangate man`: shell completion scripts and man pages
//! generated from the clap definitions in [`crate::cli`], so they can never disagree with
//! `--help` (issue 6).
//!
//! Completions come from `clap_complete`, the man pages (roff) from `clap_mangen`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::exit::ExitStatus;

/// The name completions are registered for: the installed binary's name.
const BIN_NAME: &str = "scangate";

/// `scangate completions SHELL`: the completion script on stdout.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut script = Vec::new();
    write_completions(args.shell, &mut script);
    write_stdout(&script).context("cannot write the completion script to stdout")?;
    Ok(ExitStatus::Pass)
}

/// Renders the completion script for `shell`.
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), BIN_NAME, out);
}

/// `scangate man`: scangate(1) on stdout, or every page into `--out-dir`.
pub fn man(args: &ManArgs) -> anyhow::Result<ExitStatus> {
    match &args.out_dir {
        None => {
            let mut page = Vec::new();
            render_man(&mut page).context("cannot render the man page")?;
            write_stdout(&page).context("cannot write the man page to stdout")?;
        }
        Some(dir) => {
            let written = write_man_pages(dir)
                .with_context(|| format!("cannot write the man pages to {}", dir.display()))?;
            let mut text = String::new();
            for path in written {
                text.push_str(&format!("wrote {}\n", path.display()));
            }
            write_stdout(text.as_bytes()).context("cannot write to stdout")?;
        }
    }
    Ok(ExitStatus::Pass)
}

/// Renders scangate(1): the top-level page, listing the commands.
pub fn render_man(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

/// Writes `scangate.1` and `scangate-COMMAND.1` for every command into `dir` (created if
/// missing) and returns the paths written, sorted.
pub fn write_man_pages(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(Cli::command(), dir)?;
    let mut written: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "1")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(BIN_NAME))
        })
        .collect();
    written.sort();
    Ok(written)
}

/// Writes to stdout; a closed pipe (`scangate man | head`) is not an error.
fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_that_knows_check() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::Elvish,
            clap_complete::Shell::PowerShell,
        ] {
            let mut out = Vec::new();
            write_completions(shell, &mut out);
            let text = String::from_utf8(out).expect("UTF-8");
            assert!(text.contains("check"), "{shell:?}");
            assert!(text.contains("--summary-line"), "{shell:?}");
        }
    }

    #[test]
    fn man_page_lists_the_commands_and_exit_codes() {
        let mut out = Vec::new();
        render_man(&mut out).expect("render");
        let page = String::from_utf8(out).expect("UTF-8");
        assert!(page.starts_with(".ie"), "{}", &page[..page.len().min(200)]);
        assert!(page.contains(".TH scangate 1"), "{page}");
        assert!(page.contains("check"), "{page}");
        assert!(page.contains("could not decide"), "{page}");
    }

    #[test]
    fn man_pages_one_per_command() {
        let dir = tempfile::tempdir().expect("tempdir");
        let written = write_man_pages(dir.path()).expect("write");
        let names: Vec<String> = written
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
            .collect();
        for name in ["scangate.1", "scangate-check.1", "scangate-policy-check.1"] {
            assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
        }
        let check = std::fs::read_to_string(dir.path().join("scangate-check.1")).expect("read");
        assert!(check.contains("summary\\-line"), "{check}");
    }
}
