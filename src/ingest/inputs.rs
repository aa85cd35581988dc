//! Turning command-line inputs into a list of report files.
//!
//! An input is a file, a directory (every `*.json`, `*.sarif`, `*.xml` directly inside it), or
//! a glob. An existing path is always taken literally, even if it contains `[` or `*`. A
//! directory with no reports, a glob that matches nothing, or a missing file is an error:
//! a gate must never pass because its input went missing. Directories and globs skip
//! subdirectories only: a report-named FIFO, device or dangling symlink is an input, which
//! reading then refuses (never opened, so never a hang).

use std::path::{Path, PathBuf};

use super::Format;
use crate::model::Text;

/// One command-line input, with an optional per-input format override (`trivy:PATH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    pub raw: String,
    pub format: Option<Format>,
}

impl InputSpec {
    /// Parses `PATH` or `FORMAT:PATH`. A string that names an existing path is a path even if
    /// it starts with `trivy:`.
    pub fn parse(raw: &str) -> InputSpec {
        if !Path::new(raw).exists()
            && let Some((prefix, rest)) = raw.split_once(':')
            && let Ok(format) = prefix.parse::<Format>()
            && !rest.is_empty()
        {
            return InputSpec {
                raw: rest.to_owned(),
                format: Some(format),
            };
        }
        InputSpec {
            raw: raw.to_owned(),
            format: None,
        }
    }
}

/// A problem with an input as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}: {message}")]
pub struct ExpandError {
    pub input: String,
    pub message: String,
}

/// A report file to read, resolved from an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub path: PathBuf,
    /// The name shown in outputs and stored on findings.
    pub display: Text,
    /// Format override (`--input-format` or `FORMAT:PATH`); `None` means detect.
    pub format: Option<Format>,
}

/// Report file extensions read from directories.
const REPORT_EXTENSIONS: [&str; 3] = ["json", "sarif", "xml"];

/// Expands inputs into report files, in command-line order,
/// de-duplicating files named twice. Returns every problem, not just the first.
pub fn expand_inputs(
    specs: &[InputSpec],
    global_format: Option<Format>,
) -> Result<Vec<ReportFile>, Vec<ExpandError>> {
    let mut files: Vec<ReportFile> = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for spec in specs {
        let format = spec.format.or(global_format);
        let err = |message: String| ExpandError {
            input: spec.raw.clone(),
            message,
        };
        let mut push = |path: PathBuf| {
            let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if seen.insert(key) {
                let display: Text = path.to_string_lossy().into();
                files.push(ReportFile {
                    path,
                    display,
                    format,
                });
            }
        };
        let path = Path::new(&spec.raw);
        if spec.raw.is_empty() {
            errors.push(err("empty input path".into()));
        } else if path.is_dir() {
            match list_reports(path) {
                Ok(found) if found.is_empty() => errors.push(err(format!(
                    "the directory contains no report files (*.{})",
                    REPORT_EXTENSIONS.join(", *.")
                ))),
                Ok(found) => found.into_iter().for_each(&mut push),
                Err(e) => errors.push(err(format!("cannot list the directory: {e}"))),
            }
        } else if path.exists() || std::fs::symlink_metadata(path).is_ok() {
            // Files, and also FIFOs, devices and dangling links: read_input says what is wrong.
            push(path.to_owned());
        } else if spec.raw.contains(['*', '?', '[']) {
            match glob_files(&spec.raw) {
                Ok(found) if found.is_empty() => {
                    errors.push(err("the glob matches no files".into()))
                }
                Ok(found) => found.into_iter().for_each(&mut push),
                Err(message) => errors.push(err(message)),
            }
        } else {
            errors.push(err("no such file or directory".into()));
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn list_reports(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_report = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| REPORT_EXTENSIONS.iter().any(|r| r.eq_ignore_ascii_case(e)));
        // Not `is_file()`: a report-named FIFO, device or dangling link must not vanish from
        // the run (a missing report would pass the gate); read_input refuses it by name.
        if is_report && !path.is_dir() {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

fn glob_files(pattern: &str) -> Result<Vec<PathBuf>, String> {
    let paths = glob::glob(pattern).map_err(|e| format!("invalid glob: {e}"))?;
    let mut found = Vec::new();
    for entry in paths {
        let path = entry.map_err(|e| format!("cannot read a match of the glob: {e}"))?;
        // As for directories: only directories are skipped, so a matched FIFO or dangling link
        // is reported instead of silently dropped.
        if !path.is_dir() {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(raw: &[&str]) -> Vec<InputSpec> {
        raw.iter().map(|r| InputSpec::parse(r)).collect()
    }

    #[test]
    fn format_prefix_overrides_only_when_not_a_path() {
        assert_eq!(
            InputSpec::parse("trivy:out/none.json"),
            InputSpec {
                raw: "out/none.json".into(),
                format: Some(Format::Trivy)
            }
        );
        assert_eq!(InputSpec::parse("report.json").format, None);
        assert_eq!(InputSpec::parse("c:x").format, None);
    }

    #[test]
    fn directories_globs_and_literal_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(d.join("a.json"), "{}").expect("write");
        std::fs::write(d.join("b.SARIF"), "{}").expect("write");
        std::fs::write(d.join("notes.txt"), "x").expect("write");
        std::fs::write(d.join("weird[1].json"), "{}").expect("write");
        let root = d.to_string_lossy().into_owned();

        let from_dir = expand_inputs(&specs(&[&root]), None).expect("dir expands");
        let names: Vec<_> = from_dir
            .iter()
            .map(|f| {
                f.path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["a.json", "b.SARIF", "weird[1].json"]);

        // An existing path with glob characters is literal.
        let literal = format!("{root}/weird[1].json");
        let got = expand_inputs(&specs(&[&literal]), Some(Format::Sarif)).expect("literal");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].format, Some(Format::Sarif));

        // The same file twice is read once.
        let glob = format!("{root}/*.json");
        let got = expand_inputs(&specs(&[&glob, &format!("{root}/a.json")]), None).expect("glob");
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn missing_inputs_are_all_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_string_lossy().into_owned();
        let errors = expand_inputs(
            &specs(&[
                &format!("{root}/missing.json"),
                &format!("{root}/*.sarif"),
                &root,
            ]),
            None,
        )
        .expect_err("all three fail");
        assert_eq!(errors.len(), 3);
        assert!(errors[0].message.contains("no such file"));
        assert!(errors[1].message.contains("matches no files"));
        assert!(errors[2].message.contains("no report files"));
    }
}
