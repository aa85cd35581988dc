//! The `scangate` binary: parse arguments, call the library, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use scangate::cli::Cli;
use scangate::exit::ExitStatus;

// mimalloc instead of the system allocator: see Cargo.toml for the measured reason.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; everything else clap rejects is a usage
            // error.
            return if e.use_stderr() {
                ExitStatus::Error.into()
            } else {
                ExitStatus::Pass.into()
            };
        }
    };
    match scangate::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            report_error(&err);
            ExitStatus::Error.into()
        }
    }
}

/// "scangate failed" and one `Cause:` line per source, each neutralised for the terminal.
fn report_error(err: &anyhow::Error) {
    eprintln!(
        "scangate failed: {}",
        scangate::text::for_terminal(&err.to_string(), 2000)
    );
    for cause in err.chain().skip(1) {
        eprintln!(
            "  Cause: {}",
            scangate::text::for_terminal(&cause.to_string(), 2000)
        );
    }
}
