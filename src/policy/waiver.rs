//! Waivers: a person accepted a specific finding, for a reason, until a date.
//!
//! A waiver matches by `id` (glob over the rule id and vulnerability ids) and/or `fingerprint`
//! (exact), narrowed by `package`/`path`/`target` globs. It is valid *through* its `expires`
//! date: on the day after, it stops applying and the run reports it as expired. A waiver that
//! matched no finding in a run is stale and reported too (`--deny-stale-waivers` fails the
//! gate on it) so the policy file does not silently accumulate dead exceptions.

use std::fmt;

use jiff::civil::Date;
use serde::Serialize;

use super::Origin;
use super::matcher::Conditions;

/// A validated `[[waiver]]`.
#[derive(Debug, Clone, Serialize)]
pub struct Waiver {
    /// 1-based position among the policy's waivers.
    pub number: usize,
    pub origin: Origin,
    /// The `id` pattern as written (also compiled into `conditions.id`).
    #[serde(skip)]
    pub id: Option<String>,
    #[serde(flatten)]
    pub conditions: Conditions,
    pub reason: String,
    /// Last day the waiver applies; `None` for a permanent waiver.
    #[serde(serialize_with = "ser_date")]
    pub expires: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

pub(crate) fn ser_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    d.map(|d| d.to_string()).serialize(s)
}

impl Waiver {
    /// Expired when today is after the last valid day.
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today > e)
    }

    /// What the waiver is about, for messages: its id pattern or fingerprint.
    pub fn subject(&self) -> String {
        match (&self.id, &self.conditions.fingerprint) {
            (Some(id), Some(fp)) => format!("{id}, fingerprint {fp}"),
            (Some(id), None) => id.clone(),
            (None, Some(fp)) => format!("fingerprint {fp}"),
            (None, None) => String::new(),
        }
    }
}

impl fmt::Display for Waiver {
    /// `waiver #2 (scangate.toml:31, CVE-2024-4067)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "waiver #{} ({}, {})",
            self.number,
            self.origin,
            self.subject()
        )
    }
}

/// How a waiver fared in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// In force and matched at least one finding.
    Used,
    /// In force but matched no finding.
    Stale,
    /// Past its `expires` date: applied to nothing (whether or not it still matches).
    Expired,
}

/// A waiver's use in one run, for the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WaiverUse {
    pub state: WaiverState,
    /// Findings the waiver's conditions matched (expired waivers included).
    pub matched: u64,
    /// Findings it actually waived (the first waiver in force that matches applies).
    pub applied: u64,
}
