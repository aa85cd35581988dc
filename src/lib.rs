//! scangate: a CI security gate.
//!
//! The pipeline, one module per stage:
//! [`ingest`] (Trivy JSON, ZAP XML/JSON, SARIF → [`model::Finding`]) → [`policy`] (decide each
//! finding's outcome, with [`baseline`] and [`correlate`] as its inputs) → [`verdict`]
//! (pass/fail and summary) → [`report`] (table, JSON, ...) → [`publish`] (PR comment and
//! incident issues on GitHub).
//! [`run`] wires them for the CLI; [`exit`] holds the exit codes; [`generate`] writes shell
//! completions and man pages; [`progress`] is the progress line of long local runs;
//! `prefetch` holds the cache hints of the loops over 10^6 findings.

pub mod baseline;
pub mod cli;
pub mod correlate;
pub mod exit;
pub mod generate;
pub mod ingest;
pub mod model;
pub mod policy;
mod prefetch;
pub mod progress;
pub mod publish;
pub mod report;
pub mod text;
pub mod verdict;

mod run;

pub use run::run;
