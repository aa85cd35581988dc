//! Wires the pipeline for the CLI: inputs → ingest → policy → verdict → outputs.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, bail};

use crate::cli::{CheckArgs, Cli, ColorChoice, Command, OutputSpec};
use crate::exit::ExitStatus;
use crate::ingest::{self, InputError, InputSpec};
use crate::policy::Policy;
use crate::report::{self, OutputFormat, RenderOptions};
use crate::text::for_terminal;
use crate::verdict::Verdict;

/// Runs a parsed command line. `Err` means scangate itself could not finish (exit 2); a
/// verdict of any kind is `Ok`.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<ExitStatus> {
    let outputs = plan_outputs(&args.outputs)?;
    let specs: Vec<InputSpec> = args.inputs.iter().map(|s| InputSpec::parse(s)).collect();
    let (inputs, errors) = match ingest::expand_inputs(&specs, args.input_format) {
        Ok(files) => ingest::read_all(&files, args.max_input_size),
        Err(expand_errors) => (
            Vec::new(),
            expand_errors.into_iter().map(InputError::from).collect(),
        ),
    };
    let verdict = Verdict::build(Policy::embedded(), inputs, &errors);

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
    };
    for output in &outputs {
        write_output(output, &verdict, &options)?;
    }
    for e in &errors {
        eprintln!("error: {}", for_terminal(&e.to_string(), 2000));
    }
    // Issue 5: PR comment and incident issues. Never changes the verdict; a passing verdict
    // whose required publish step failed exits 3.
    let publish_status = crate::publish::run(
        &args.publish,
        &verdict,
        &crate::publish::PublishConfig::default(),
    )?;
    Ok(publish_status.exit_status(verdict.exit_status()))
}

/// One output, resolved: where it goes.
#[derive(Debug)]
enum Target<'a> {
    Stdout,
    Stderr,
    File(&'a Path),
}

/// Decides where each output goes. The table goes to stdout unless another output claims
/// stdout, in which case it moves to stderr so the CI log still shows the verdict.
fn plan_outputs(specs: &[OutputSpec]) -> anyhow::Result<Vec<(OutputFormat, Target<'_>)>> {
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
    if !specs.iter().any(|s| s.format == OutputFormat::Table) {
        let target = if stdout_users.is_empty() {
            Target::Stdout
        } else {
            Target::Stderr
        };
        planned.insert(0, (OutputFormat::Table, target));
    }
    Ok(planned)
}

fn write_output(
    (format, target): &(OutputFormat, Target<'_>),
    verdict: &Verdict,
    options: &RenderOptions,
) -> anyhow::Result<()> {
    match target {
        Target::Stdout => ignore_broken_pipe(report::render(
            *format,
            verdict,
            options,
            &mut std::io::stdout().lock(),
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
                &mut std::io::stderr().lock(),
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
/// reader never sees a half-written report.
fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let tmp = path.with_file_name(format!(".{}.tmp", file_name.to_string_lossy()));
    let result = (|| {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        render(&mut file)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A closed pipe (`scangate check … | head`) is not an error.
fn ignore_broken_pipe(r: std::io::Result<()>) -> std::io::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
