//! Renderers: one file per output format, each writing a [`Verdict`] to a `&mut dyn Write`
//! (the SARIF log to an [`Output`], which it may start over).
//! Reporters render the decisions in the verdict; they never decide anything themselves.
//!
//! A new format is one file here plus one arm in [`OutputFormat`].

pub mod annotations;
mod compact;
pub mod explain;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod summary;
pub mod table;

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use crate::verdict::Verdict;

/// Output formats selectable with `--output FORMAT=PATH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Human-readable summary and failing findings (default on stdout).
    Table,
    /// The versioned JSON report (`schema_version`, `verdict`, `findings`, ...).
    Json,
    /// JUnit XML for Jenkins and GitLab test views.
    Junit,
    /// GitHub Flavored Markdown for a PR comment or the job summary, within a byte budget.
    Markdown,
    /// GitHub Actions workflow-command annotations (`::error file=...::...`).
    Github,
    /// Merged SARIF 2.1.0 for GitHub code scanning: one run per scanner.
    Sarif,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 6] = [
        OutputFormat::Table,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Junit,
        OutputFormat::Markdown,
        OutputFormat::Github,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Junit => "junit",
            OutputFormat::Markdown => "markdown",
            OutputFormat::Github => "github",
            OutputFormat::Sarif => "sarif",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = OutputFormat::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown output format `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Where [`render`] writes: a stream, or a file being written into place, which a renderer
/// may start over. The SARIF log uses that to write its bytes while it measures their gzipped
/// size, instead of holding the compressed log and inflating it back (a tenth of its cost);
/// over the size limit, it starts again with fewer results.
pub trait Output: Write {
    /// Whether [`Output::restart`] can discard what was written.
    fn restartable(&self) -> bool {
        false
    }

    /// Discards everything written so far: the next byte written is the first.
    fn restart(&mut self) -> std::io::Result<()> {
        Err(std::io::Error::other("this output cannot be started over"))
    }
}

/// A stream: written once, front to back (stdout, a pipe, a device).
pub struct Stream<W>(pub W);

impl<W: Write> Write for Stream<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> Output for Stream<W> {}

/// In memory: started over by clearing it.
impl Output for Vec<u8> {
    fn restartable(&self) -> bool {
        true
    }
    fn restart(&mut self) -> std::io::Result<()> {
        self.clear();
        Ok(())
    }
}

/// Settings that affect rendering but not content.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// ANSI colours (only ever on a terminal, never with `NO_COLOR`).
    pub color: bool,
    /// Most failing findings listed in the table; the rest are counted.
    pub max_rows: usize,
    /// Byte budget of the Markdown report (PR comment, job summary).
    pub markdown_max_bytes: usize,
}

impl RenderOptions {
    pub fn markdown(&self) -> markdown::MarkdownOptions {
        markdown::MarkdownOptions {
            max_bytes: self.markdown_max_bytes,
            ..markdown::MarkdownOptions::default()
        }
    }
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            max_rows: 50,
            markdown_max_bytes: markdown::DEFAULT_MAX_BYTES,
        }
    }
}

/// Renders `verdict` as `format` into `out`. Returns warnings for the caller to show on stderr
/// (such as SARIF results left out to stay within GitHub's upload limits): reporters never
/// print, and never drop anything silently.
pub fn render(
    format: OutputFormat,
    verdict: &Verdict,
    options: &RenderOptions,
    out: &mut dyn Output,
) -> std::io::Result<Vec<String>> {
    match format {
        OutputFormat::Table => table::render(verdict, options, out).map(|()| Vec::new()),
        OutputFormat::Json => json::render(verdict, out).map(|()| Vec::new()),
        OutputFormat::Junit => junit::render(verdict, out).map(|()| Vec::new()),
        OutputFormat::Markdown => {
            markdown::render(verdict, &options.markdown(), out).map(|()| Vec::new())
        }
        OutputFormat::Github => annotations::render(verdict, out).map(|()| Vec::new()),
        OutputFormat::Sarif => {
            sarif::render_with(verdict, &sarif::SarifOptions::for_current_dir(), out)
                .map(|stats| stats.warnings)
        }
    }
}
