//! `scangate-bench-measure`: runs a command N times and reports the median wall time and the
//! median peak RSS of the whole process, from `wait4`'s resource usage (what GNU time's `%M`
//! reports, but with microsecond wall times: the small-input target is 20 ms).
//!
//! ```text
//! scangate-bench-measure [--runs N] [--stdout FILE] [--stderr FILE] -- COMMAND [ARGS...]
//! ```
//! Prints one line: `MEDIAN_WALL_SECONDS MEDIAN_PEAK_RSS_KIB EXIT_CODES` (exit codes of the
//! runs, comma-separated; `sN` for a death by signal N). The command's stdout and stderr go to
//! the given files (overwritten by each run) or to /dev/null. Exits 0 unless the command
//! could not be started.

use std::fs::File;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

struct Run {
    wall: f64,
    rss_kib: i64,
    code: String,
}

fn output(path: Option<&str>) -> std::io::Result<Stdio> {
    Ok(match path {
        Some(p) => Stdio::from(File::create(p)?),
        None => Stdio::null(),
    })
}

fn run_once(cmd: &[String], stdout: Option<&str>, stderr: Option<&str>) -> std::io::Result<Run> {
    let start = Instant::now();
    let child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .stdout(output(stdout)?)
        .stderr(output(stderr)?)
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, zeroed is a valid value, and wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waiting for our own child with valid pointers to locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let wall = start.elapsed().as_secs_f64();
    // `child` was reaped above; dropping it does not wait again.
    drop(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status).to_string()
    } else if libc::WIFSIGNALED(status) {
        format!("s{}", libc::WTERMSIG(status))
    } else {
        "?".to_owned()
    };
    Ok(Run {
        wall,
        // Linux reports ru_maxrss in KiB.
        rss_kib: usage.ru_maxrss,
        code,
    })
}

fn median<T: PartialOrd + Copy>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut runs, mut stdout, mut stderr) = (3usize, None, None);
    let mut i = 0;
    while i < args.len() && args[i] != "--" {
        let value = args.get(i + 1).cloned();
        match (args[i].as_str(), value) {
            ("--runs", Some(v)) => runs = v.parse().unwrap_or(0),
            ("--stdout", Some(v)) => stdout = Some(v),
            ("--stderr", Some(v)) => stderr = Some(v),
            _ => {
                eprintln!(
                    "usage: scangate-bench-measure [--runs N] [--stdout F] [--stderr F] -- CMD..."
                );
                return ExitCode::from(2);
            }
        }
        i += 2;
    }
    let cmd = &args[(i + 1).min(args.len())..];
    if cmd.is_empty() || runs == 0 {
        eprintln!("usage: scangate-bench-measure [--runs N] [--stdout F] [--stderr F] -- CMD...");
        return ExitCode::from(2);
    }
    let mut results = Vec::with_capacity(runs);
    for _ in 0..runs {
        match run_once(cmd, stdout.as_deref(), stderr.as_deref()) {
            Ok(r) => results.push(r),
            Err(e) => {
                eprintln!("scangate-bench-measure: cannot run {}: {e}", cmd[0]);
                return ExitCode::FAILURE;
            }
        }
    }
    let codes: Vec<&str> = results.iter().map(|r| r.code.as_str()).collect();
    println!(
        "{:.6} {} {}",
        median(results.iter().map(|r| r.wall).collect()),
        median(results.iter().map(|r| r.rss_kib).collect()),
        codes.join(",")
    );
    ExitCode::SUCCESS
}
