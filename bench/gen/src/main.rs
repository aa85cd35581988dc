//! `scangate-bench-gen`: writes large, realistic, deterministic scanner reports for scangate's
//! benchmark (`bench/run.sh`, issue 7).
//!
//! ```text
//! scangate-bench-gen FORMAT --out PATH [--count N] [--bytes SIZE] [--seed N]
//!   FORMAT  trivy | sarif | zap
//!   --count findings to write: Trivy vulnerabilities, SARIF results, ZAP alert instances
//!   --bytes stop once the file is about this large (suffixes K, M, G: powers of 1024)
//!   --seed  the same seed gives the same file, byte for byte (default 1)
//! ```
//! With both `--count` and `--bytes`, generation stops at whichever is reached first. The file
//! is written to `PATH.tmp` and renamed, so an interrupted run never leaves a partial report.
//! One line goes to stdout: `format=… bytes=… findings=… path=…`.

mod json;
mod rng;
mod sarif;
mod text;
mod trivy;
mod zap;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use json::Json;

/// When to stop: after `count` findings or `bytes` bytes, whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub count: Option<u64>,
    pub bytes: Option<u64>,
}

impl Budget {
    pub fn done(&self, count: u64, bytes: u64) -> bool {
        self.count.is_some_and(|c| count >= c) || self.bytes.is_some_and(|b| bytes >= b)
    }

    /// The first `fraction` of this budget (counters are global, so a later part given the
    /// whole budget gets the rest).
    pub fn share(&self, fraction: f64) -> Budget {
        let part = |n: u64| ((n as f64 * fraction) as u64).max(1);
        Budget {
            count: self.count.map(part),
            bytes: self.bytes.map(part),
        }
    }
}

/// The output file, fed from a [`Json`] (or any byte) buffer in large chunks.
pub struct Sink {
    out: BufWriter<File>,
    written: u64,
}

impl Sink {
    /// Bytes of the report so far, including what is still buffered in `j`.
    pub fn bytes(&self, j: &Json) -> u64 {
        self.written + j.buf.len() as u64
    }

    pub fn bytes_raw(&self, buf: &[u8]) -> u64 {
        self.written + buf.len() as u64
    }

    /// Writes the buffer out once it is large; cheap to call after every record.
    pub fn drain(&mut self, j: &mut Json) -> io::Result<()> {
        self.drain_raw(&mut j.buf)
    }

    pub fn drain_raw(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        if buf.len() >= 4 << 20 {
            self.flush_raw(buf)?;
        }
        Ok(())
    }

    fn flush_raw(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        self.out.write_all(buf)?;
        self.written += buf.len() as u64;
        buf.clear();
        Ok(())
    }

    pub fn finish(&mut self, j: &mut Json) -> io::Result<()> {
        self.flush_raw(&mut j.buf)
    }

    pub fn finish_raw(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        self.flush_raw(buf)
    }
}

struct Args {
    format: String,
    out: PathBuf,
    budget: Budget,
    seed: u64,
}

const USAGE: &str =
    "usage: scangate-bench-gen trivy|sarif|zap --out PATH [--count N] [--bytes SIZE] [--seed N]";

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&s[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    let n: f64 = digits
        .parse()
        .map_err(|_| format!("not a size: `{s}` (e.g. 200M, 1.5G, 2000000)"))?;
    Ok((n * mult as f64) as u64)
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let format = it.next().ok_or(USAGE)?;
    if !["trivy", "sarif", "zap"].contains(&format.as_str()) {
        return Err(format!("unknown format `{format}`\n{USAGE}"));
    }
    let (mut out, mut count, mut bytes, mut seed) = (None, None, None, 1);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--count" => count = Some(parse_size(&value)?),
            "--bytes" => bytes = Some(parse_size(&value)?),
            "--seed" => seed = value.parse().map_err(|_| format!("bad seed `{value}`"))?,
            _ => return Err(format!("unknown option `{flag}`\n{USAGE}")),
        }
    }
    let out = out.ok_or_else(|| format!("--out is required\n{USAGE}"))?;
    if count.is_none() && bytes.is_none() {
        return Err(format!("give --count or --bytes\n{USAGE}"));
    }
    Ok(Args {
        format,
        out,
        budget: Budget { count, bytes },
        seed,
    })
}

fn run(args: &Args) -> io::Result<(u64, u64)> {
    let mut tmp = args.out.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut sink = Sink {
        out: BufWriter::with_capacity(1 << 20, File::create(&tmp)?),
        written: 0,
    };
    let findings = match args.format.as_str() {
        "trivy" => trivy::generate(&mut sink, args.seed, args.budget)?,
        "sarif" => sarif::generate(&mut sink, args.seed, args.budget)?,
        _ => zap::generate(&mut sink, args.seed, args.budget)?,
    };
    sink.out.flush()?;
    let written = sink.written;
    drop(sink);
    std::fs::rename(&tmp, &args.out)?;
    Ok((written, findings))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("scangate-bench-gen: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok((bytes, findings)) => {
            println!(
                "format={} bytes={bytes} findings={findings} path={}",
                args.format,
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("scangate-bench-gen: {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2M"), Ok(2 << 20));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("300000"), Ok(300_000));
        assert!(parse_size("lots").is_err());
    }
}
