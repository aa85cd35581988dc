//! Wires the pipeline for the CLI: inputs → ingest → policy → verdict → outputs.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use jiff::civil::Date;

use crate::baseline::{Baseline, BaselineError};
use crate::cli::{
    BaselineArgs, CheckArgs, Cli, ColorChoice, Command, InitArgs, OutputSpec, PolicyCheckArgs,
    PolicyCommand,
};
use crate::exit::ExitStatus;
use crate::ingest::{self, InputError, InputSpec};
use crate::policy::{self, LoadError, Policy, WaiverState};
use crate::report::{self, Output, OutputFormat, RenderOptions, Stream};
use crate::text::for_terminal;
use crate::verdict::{RunSettings, Verdict};

/// Runs a parsed command line. `Err` means scangate itself could not finish (exit 2); a
/// verdict of any kind is `Ok`.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => check(*args),
        Command::Baseline(args) => record_baseline(args),
        Command::Init(args) => init(args),
        Command::Policy(PolicyCommand::Check(args)) => policy_check(args),
        Command::Completions(args) => crate::generate::completions(&args),
        Command::Man(args) => crate::generate::man(&args),
    }
}

/// The date waivers are checked against: `SCANGATE_TODAY=YYYY-MM-DD` when set (tests, and
/// replaying a past run), else today in UTC, so every CI runner agrees whatever its zone.
/// The only place scangate reads the clock.
fn today() -> anyhow::Result<Date> {
    match std::env::var("SCANGATE_TODAY") {
        Ok(s) if !s.trim().is_empty() => {
            policy::parse_date(s.trim()).map_err(|e| anyhow!("SCANGATE_TODAY: {e}"))
        }
        _ => Ok(jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()),
    }
}

/// Loads the policy a run uses. `Ok(None)` means it was invalid and every problem has been
/// printed (exit 2); a missing explicit file or an I/O error is an `Err`.
fn load_policy(path: Option<&Path>, today: Date) -> anyhow::Result<Option<Policy>> {
    let Some(path) = path else {
        return Ok(Some(Policy::embedded()));
    };
    match policy::load_file(path, today) {
        Ok(p) => Ok(Some(p)),
        Err(LoadError::Invalid(e)) => {
            eprintln!("error: {}", for_terminal(&e.to_string(), 500));
            for p in &e.problems {
                eprintln!("  {}", for_terminal(&p.to_string(), 2000));
            }
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn current_dir() -> anyhow::Result<std::path::PathBuf> {
    std::env::current_dir().context("cannot determine the working directory")
}

fn check(args: CheckArgs) -> anyhow::Result<ExitStatus> {
    let outputs = plan_outputs(&args.outputs, args.quiet)?;
    let today = today()?;
    let policy_path = policy::resolve(args.policy.as_deref(), &current_dir()?);
    let Some(policy) = load_policy(policy_path.as_deref(), today)? else {
        return Ok(ExitStatus::Error);
    };
    // A named baseline that cannot be used is an error before anything is scanned.
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    if baseline.is_none() && (policy.gate == policy::Gate::New || !policy.sla.is_empty()) {
        eprintln!(
            "warning: the policy sets `gate` or `sla`, which apply to findings in a baseline, \
             but no --baseline was given: every finding counts as new"
        );
    }
    let (inputs, errors) = read_inputs(
        &args.inputs,
        args.input_format,
        args.max_input_size,
        args.quiet,
    );
    let settings = RunSettings {
        today,
        deny_stale_waivers: args.deny_stale_waivers,
    };
    let mut verdict = Verdict::build_with(policy, inputs, &errors, settings, baseline);

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let options = RenderOptions {
        color,
        max_rows: args.max_rows,
        markdown_max_bytes: args.markdown_max_bytes,
    };
    for warning in write_outputs(&outputs, &verdict, &options)? {
        eprintln!("warning: {}", for_terminal(&warning, 2000));
    }
    let shown = github_actions_defaults(&args, &outputs, &verdict, &options)?;
    if !args.explain.is_empty() {
        // Explanations follow the table; when another output owns stdout they go to stderr.
        let stdout_taken = outputs
            .iter()
            .any(|(f, t)| *f != OutputFormat::Table && matches!(t, Target::Stdout));
        let result = if stdout_taken {
            report::explain::render(&verdict, &args.explain, &mut std::io::stderr().lock())
        } else {
            report::explain::render(&verdict, &args.explain, &mut std::io::stdout().lock())
        };
        ignore_broken_pipe(result).context("cannot write the explanations")?;
    }
    for e in &errors {
        eprintln!("error: {}", for_terminal(&e.to_string(), 2000));
    }
    for name in &verdict.missing_reports {
        eprintln!(
            "error: the policy requires a `{}` report, but no input is one (a gate must not \
             pass when a scan did not run)",
            for_terminal(name, 100)
        );
    }
    if verdict.failed_on_stale_waivers() {
        for (w, _) in verdict
            .waiver_uses()
            .filter(|(_, u)| u.state == WaiverState::Stale)
        {
            eprintln!(
                "error: {} matched no finding (--deny-stale-waivers)",
                for_terminal(&w.to_string(), 300)
            );
        }
    }
    // Issue 5: PR comment and incident issues. Never changes the verdict; a passing verdict
    // whose required publish step failed exits 3.
    let mut publish_args = args.publish.clone();
    publish_args.already_shown = shown;
    let publish_status = crate::publish::run(&publish_args, &verdict, &verdict.policy.publish)?;
    let status = publish_status.exit_status(verdict.exit_status());
    if status == ExitStatus::PublishFailed && verdict.exit_status() != status {
        // The JSON report promises `exit_code` equals the process's exit status: rewrite the
        // JSON files now that publishing is known to have failed. (JSON on stdout has already
        // gone; the summary line carries the final status.)
        verdict.publish_failed = true;
        for output in outputs
            .iter()
            .filter(|(f, t)| *f == OutputFormat::Json && matches!(t, Target::File(_)))
        {
            write_output(output, &verdict, &options)?;
        }
    }
    if let Some(path) = &args.summary_line {
        write_summary_line(path, &outputs, &verdict, status)?;
    }
    // The process exits right after this: freeing 10^5-10^6 findings one by one costs 12-16%
    // of a large run (measured with bench/run.sh) and gains nothing, so leave it to the OS.
    std::mem::forget(verdict);
    Ok(status)
}

// Issue 6: the local pre-release check (`--quiet`, `--summary-line`, progress on a TTY).

/// The progress line for reading `files`: only on a terminal and without `--quiet`; it shows
/// itself only if reading takes a while.
fn progress_for(files: &[ingest::ReportFile], quiet: bool) -> crate::progress::Progress {
    if quiet || !std::io::stderr().is_terminal() {
        return crate::progress::Progress::disabled();
    }
    let bytes = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    crate::progress::Progress::on_stderr(files.len(), bytes)
}

/// Writes the `--summary-line` after publishing, so `exit=` is the final status: to PATH, or
/// for `-` to stdout (stderr when another output owns stdout, like the table).
fn write_summary_line(
    path: &Path,
    outputs: &[(OutputFormat, Target<'_>)],
    verdict: &Verdict,
    status: ExitStatus,
) -> anyhow::Result<()> {
    let line = format!("{}\n", report::summary::line(verdict, status));
    if path != Path::new("-") {
        return write_file(path, |w| w.write_all(line.as_bytes()))
            .with_context(|| format!("cannot write the summary line to {}", path.display()));
    }
    let stdout_taken = outputs
        .iter()
        .any(|(f, t)| *f != OutputFormat::Table && matches!(t, Target::Stdout));
    let result = if stdout_taken {
        std::io::stderr().lock().write_all(line.as_bytes())
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(line.as_bytes()).and_then(|()| out.flush())
    };
    ignore_broken_pipe(result).context("cannot write the summary line")
}

/// Inside GitHub Actions, annotations go to the log and the Markdown report to the job summary
/// unless opted out (or already requested explicitly with `--output`).
fn github_actions_defaults(
    args: &CheckArgs,
    outputs: &[(OutputFormat, Target<'_>)],
    verdict: &Verdict,
    options: &RenderOptions,
) -> anyhow::Result<crate::publish::AlreadyShown> {
    let mut shown = crate::publish::AlreadyShown::default();
    if std::env::var_os("GITHUB_ACTIONS").is_none_or(|v| v != "true") {
        return Ok(shown);
    }
    let requested = |format| outputs.iter().any(|(f, _)| *f == format);
    if !args.no_annotations && !requested(OutputFormat::Github) {
        // Workflow commands are read from stdout; if JSON or SARIF owns stdout they would
        // corrupt it, so they go nowhere then (the job summary still has everything).
        let stdout_taken = outputs
            .iter()
            .any(|(f, t)| *f != OutputFormat::Table && matches!(t, Target::Stdout));
        if !stdout_taken {
            ignore_broken_pipe(report::annotations::render(
                verdict,
                &mut std::io::stdout().lock(),
            ))
            .context("cannot write the GitHub annotations to stdout")?;
            shown.annotations = true;
        }
    }
    if !args.no_job_summary
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
    {
        let path = std::path::PathBuf::from(path);
        let markdown = report::markdown::render_to_string(verdict, &options.markdown());
        report::markdown::append_to_step_summary(&path, &markdown).with_context(|| {
            format!(
                "cannot append the job summary to {} ($GITHUB_STEP_SUMMARY)",
                path.display()
            )
        })?;
        shown.job_summary = true;
    }
    Ok(shown)
}

fn read_inputs(
    inputs: &[String],
    format: Option<ingest::Format>,
    max_size: u64,
    quiet: bool,
) -> (Vec<ingest::Input>, Vec<InputError>) {
    let specs: Vec<InputSpec> = inputs.iter().map(|s| InputSpec::parse(s)).collect();
    match ingest::expand_inputs(&specs, format) {
        Ok(files) => {
            let progress = progress_for(&files, quiet);
            let read = ingest::read_all(&files, max_size);
            progress.finish();
            read
        }
        Err(expand_errors) => (
            Vec::new(),
            expand_errors.into_iter().map(InputError::from).collect(),
        ),
    }
}

/// `scangate baseline`: records the findings of the inputs, merged into the existing file
/// unless `--reset`. Nothing is written when an input could not be read: a partial baseline
/// would forget first-seen dates.
fn record_baseline(args: BaselineArgs) -> anyhow::Result<ExitStatus> {
    let today = today()?;
    let path = &args.output;
    let shown = path.display().to_string();
    let previous = if args.reset {
        Baseline::empty(shown.clone(), today)
    } else {
        match Baseline::load(path) {
            Ok(b) => b,
            Err(BaselineError::NotFound(_)) => Baseline::empty(shown.clone(), today),
            // A broken existing baseline is never silently replaced: its dates would be lost.
            Err(e) => {
                return Err(anyhow::Error::new(e).context(
                    "the existing baseline cannot be merged (use --reset to replace it)",
                ));
            }
        }
    };
    let (inputs, errors) = read_inputs(&args.inputs, args.input_format, args.max_input_size, false);
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("error: {}", for_terminal(&e.to_string(), 2000));
        }
        eprintln!(
            "error: {} input{} could not be read; {} was not written",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            for_terminal(&shown, 300)
        );
        return Ok(ExitStatus::Error);
    }
    let (baseline, stats) = Baseline::record(&previous, &inputs, today);
    write_file(path, |w| baseline.write(w))
        .with_context(|| format!("cannot write the baseline {shown}"))?;
    let mut out = std::io::stdout().lock();
    let mut line = format!(
        "wrote {}: {} entr{} ({} new, {} still present",
        for_terminal(&shown, 300),
        baseline.len(),
        if baseline.len() == 1 { "y" } else { "ies" },
        stats.added,
        stats.kept,
    );
    if stats.fixed > 0 {
        line.push_str(&format!(", {} fixed and removed", stats.fixed));
    }
    if stats.carried > 0 {
        line.push_str(&format!(
            ", {} kept from scanners without a report in this run",
            stats.carried
        ));
    }
    line.push_str(")\n");
    ignore_broken_pipe(out.write_all(line.as_bytes()))?;
    Ok(ExitStatus::Pass)
}

/// `scangate init`: writes the starter policy, never over an existing file without `--force`.
fn init(args: InitArgs) -> anyhow::Result<ExitStatus> {
    let path = &args.path;
    if args.force {
        write_file(path, |w| w.write_all(policy::STARTER.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()))?;
    } else {
        // `create_new` refuses an existing file atomically (no check-then-write race).
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                bail!(
                    "{} already exists; use --force to overwrite it",
                    path.display()
                )
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create {}", path.display()));
            }
        };
        file.write_all(policy::STARTER.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    ignore_broken_pipe(writeln!(
        out,
        "wrote a starter policy to {}; validate it with `scangate policy check {}`",
        path.display(),
        path.display()
    ))?;
    Ok(ExitStatus::Pass)
}

/// `scangate policy check [PATH]`: validates without scanning.
fn policy_check(args: PolicyCheckArgs) -> anyhow::Result<ExitStatus> {
    let today = today()?;
    let path = policy::resolve(args.path.as_deref(), &current_dir()?);
    let mut out = std::io::stdout().lock();
    let Some(path) = path else {
        let p = Policy::embedded();
        ignore_broken_pipe(writeln!(
            out,
            "no {} in the working directory: `scangate check` applies the embedded default \
             policy ({})",
            policy::DEFAULT_FILE_NAME,
            p.describe()
        ))?;
        return Ok(ExitStatus::Pass);
    };
    let Some(p) = load_policy(Some(&path), today)? else {
        return Ok(ExitStatus::Error);
    };
    let mut text = format!(
        "{}: valid ({})\n",
        for_terminal(&path.display().to_string(), 300),
        for_terminal(&p.describe(), 500)
    );
    for w in p.waivers.iter().filter(|w| w.is_expired(today)) {
        text.push_str(&format!(
            "  note: {} expired on {} and no longer applies\n",
            for_terminal(&w.to_string(), 300),
            w.expires.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    ignore_broken_pipe(out.write_all(text.as_bytes()))?;
    Ok(ExitStatus::Pass)
}

/// One output, resolved: where it goes.
#[derive(Debug)]
enum Target<'a> {
    Stdout,
    Stderr,
    File(&'a Path),
}

/// Decides where each output goes. The table goes to stdout unless another output claims
/// stdout, in which case it moves to stderr so the CI log still shows the verdict; with
/// `--quiet` there is no table unless one is named with `--output`.
fn plan_outputs(
    specs: &[OutputSpec],
    quiet: bool,
) -> anyhow::Result<Vec<(OutputFormat, Target<'_>)>> {
    let stdout_users: Vec<_> = specs.iter().filter(|s| s.path.is_none()).collect();
    if stdout_users.len() > 1 {
        bail!(
            "more than one output writes to stdout ({}); give all but one a file path",
            stdout_users
                .iter()
                .map(|s| s.format.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut planned: Vec<(OutputFormat, Target<'_>)> = specs
        .iter()
        .map(|s| {
            (
                s.format,
                match &s.path {
                    None => Target::Stdout,
                    Some(p) => Target::File(p),
                },
            )
        })
        .collect();
    if !quiet && !specs.iter().any(|s| s.format == OutputFormat::Table) {
        let target = if stdout_users.is_empty() {
            Target::Stdout
        } else {
            Target::Stderr
        };
        planned.insert(0, (OutputFormat::Table, target));
    }
    Ok(planned)
}

/// Writes every output; returns the renderers' warnings, in the order the outputs were given.
/// Each output is a full pass over the findings, so the files are rendered in parallel (a
/// large JSON and SARIF pair takes as long as the slower of the two, not the sum); the console
/// ones are written in order on this thread. The first error, in output order, is returned.
fn write_outputs(
    outputs: &[(OutputFormat, Target<'_>)],
    verdict: &Verdict,
    options: &RenderOptions,
) -> anyhow::Result<Vec<String>> {
    use rayon::prelude::*;
    let is_file = |(_, target): &(OutputFormat, Target<'_>)| matches!(target, Target::File(_));
    let (files, console) = rayon::join(
        || {
            outputs
                .par_iter()
                .enumerate()
                .filter(|(_, o)| is_file(o))
                .map(|(i, o)| (i, write_output(o, verdict, options)))
                .collect::<Vec<_>>()
        },
        || {
            outputs
                .iter()
                .enumerate()
                .filter(|(_, o)| !is_file(o))
                .map(|(i, o)| (i, write_output(o, verdict, options)))
                .collect::<Vec<_>>()
        },
    );
    let mut written: Vec<_> = files.into_iter().chain(console).collect();
    written.sort_by_key(|(i, _)| *i);
    let mut warnings = Vec::new();
    for (_, result) in written {
        warnings.extend(result?);
    }
    Ok(warnings)
}

/// Writes one output; returns the renderer's warnings for the caller to print.
fn write_output(
    (format, target): &(OutputFormat, Target<'_>),
    verdict: &Verdict,
    options: &RenderOptions,
) -> anyhow::Result<Vec<String>> {
    match target {
        Target::Stdout => ignore_broken_pipe(report::render(
            *format,
            verdict,
            options,
            &mut Stream(std::io::stdout().lock()),
        ))
        .with_context(|| format!("cannot write the {format} output to stdout")),
        Target::Stderr => {
            let plain = RenderOptions {
                color: options.color && std::io::stderr().is_terminal(),
                ..*options
            };
            ignore_broken_pipe(report::render(
                *format,
                verdict,
                &plain,
                &mut Stream(std::io::stderr().lock()),
            ))
            .with_context(|| format!("cannot write the {format} output to stderr"))
        }
        Target::File(path) => {
            let plain = RenderOptions {
                color: false,
                ..*options
            };
            write_file(path, |w| report::render(*format, verdict, &plain, w))
                .with_context(|| format!("cannot write the {format} output to {}", path.display()))
        }
    }
}

/// Writes through a temporary file in the same directory and renames it into place, so a
/// reader never sees a half-written report. A path that is (or links to) a device, FIFO or
/// socket — `/dev/null`, `/dev/stdout`, a pipe another process reads — is written in place:
/// renaming over it would replace it with a regular file (as root, `/dev/null` itself).
///
/// The file is not `fsync`ed before the rename: that waited for the disk to take the whole
/// report (0.2-0.3 s for a report of 10^5 findings, issue 7) for durability across a power
/// cut, which a CI artifact does not need; the rename alone already shows a reader the old
/// file or the complete new one, as with the outputs of Trivy, ZAP or cargo.
///
/// An existing file is first moved aside (and removed once the new one is in place) rather
/// than renamed over: ext4 (`auto_da_alloc`, the default) makes a rename that replaces a file
/// allocate and start writing out all of the new file inside the rename, the same wait as an
/// `fsync` (0.1-0.15 s for a 300 MB JSON report, issue 7). For that moment a reader finds no
/// file, never a partial one; should the second rename fail, the old file is put back.
fn write_file<T>(
    path: &Path,
    render: impl FnOnce(&mut dyn Output) -> std::io::Result<T>,
) -> std::io::Result<T> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let file = std::fs::OpenOptions::new().write(true).open(path)?;
        let mut out = Stream(std::io::BufWriter::new(file));
        let rendered = render(&mut out)?;
        out.flush()?;
        return Ok(rendered);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let tmp = path.with_file_name(format!(".{}.tmp", file_name.to_string_lossy()));
    let result = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let rendered = render(&mut file)?;
        file.into_inner().map_err(|e| e.into_error())?;
        replace(&tmp, path)?;
        Ok(rendered)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Renames `new` to `path`, moving a file (or symbolic link) already at `path` aside first and
/// removing it after (see [`write_file`] for why). Anything else at `path`, a directory say, is
/// left for the rename to refuse as before.
fn replace(new: &Path, path: &Path) -> std::io::Result<()> {
    let existing = std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_dir());
    let aside = existing
        .then(|| {
            let name = path.file_name()?.to_string_lossy();
            let aside = path.with_file_name(format!(".{name}.old"));
            std::fs::rename(path, &aside).is_ok().then_some(aside)
        })
        .flatten();
    let renamed = std::fs::rename(new, path);
    if let Some(aside) = aside {
        if renamed.is_ok() {
            // The new report is in place; an old one left behind is only litter.
            let _ = std::fs::remove_file(&aside);
        } else {
            let _ = std::fs::rename(&aside, path);
        }
    }
    renamed
}

/// The temporary file of [`write_file`]: nobody reads it before the rename, so a renderer
/// may start it over. (Every other file output is written through a [`Stream`].)
impl Output for std::io::BufWriter<std::fs::File> {
    fn restartable(&self) -> bool {
        true
    }
    fn restart(&mut self) -> std::io::Result<()> {
        use std::io::Seek;
        self.flush()?;
        let file = self.get_mut();
        file.set_len(0)?;
        file.rewind()
    }
}

/// A closed pipe (`scangate check … | head`) is not an error.
fn ignore_broken_pipe<T: Default>(r: std::io::Result<T>) -> std::io::Result<T> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(T::default()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_output_started_over_holds_only_what_came_after() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.sarif");
        std::fs::write(&path, "an older report").expect("write");
        let restarted = write_file(&path, |out| {
            assert!(out.restartable());
            // More than the buffer holds, so some of it reached the file before the restart.
            out.write_all(&vec![b'x'; 100_000])?;
            out.restart()?;
            out.write_all(b"kept")?;
            Ok(true)
        })
        .expect("written");
        assert!(restarted);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "kept");
    }

    /// The names of the entries of `dir`.
    fn names_in(dir: &Path) -> Vec<std::ffi::OsString> {
        std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect()
    }

    #[test]
    fn a_replaced_output_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.json");
        std::fs::write(&path, "an older report").expect("write");
        write_file(&path, |out| out.write_all(b"the new one")).expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "the new one");
        assert_eq!(names_in(dir.path()), ["out.json"]);
    }

    #[test]
    fn a_failed_replace_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.json");
        std::fs::write(&path, "an older report").expect("write");
        // The new file is missing: the second rename fails.
        assert!(replace(&dir.path().join("gone"), &path).is_err());
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "an older report"
        );
        assert!(!dir.path().join(".out.json.old").exists());
    }

    #[test]
    fn a_directory_in_the_way_is_not_moved() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.json");
        std::fs::create_dir(&path).expect("mkdir");
        assert!(write_file(&path, |out| out.write_all(b"report")).is_err());
        assert!(path.is_dir());
        assert_eq!(names_in(dir.path()), ["out.json"]);
    }

    #[test]
    fn a_device_output_cannot_be_started_over() {
        write_file(Path::new("/dev/null"), |out| {
            assert!(!out.restartable());
            assert!(out.restart().is_err());
            out.write_all(b"gone")
        })
        .expect("written");
    }
}
