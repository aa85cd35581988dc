//! SARIF 2.1.0 reader: turns a SARIF log from any tool into findings.
//!
//! Spec: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>. One finding per
//! `result` whose `kind` is absent or `fail`, over all runs; other kinds are counted in
//! `stats.non_fail_results`. One [`Scanner`] per run (`tool.driver`).
//!
//! # Reading
//! Real producers deviate from the schema (no `message`, objects inside fingerprints, numbers
//! where strings belong, integers beyond 2^53, duplicate keys), so the SARIF objects are our
//! own borrowing structs built by `sarif_object!`: unknown keys are skipped, a duplicate key
//! keeps its last value (as most JSON readers do) unless it decides the finding's existence,
//! rule, severity, kind or suppression ([`DECIDING_KEYS`]: then the log is refused, with the
//! position of the repeat), and every field we only *keep* accepts any
//! JSON type (a wrong type reads as absent). Only the skeleton is strict: the log, `runs`
//! (an array of objects), each run's `results` (an array of objects). Those errors carry a
//! line, column and JSON path.
//!
//! The log is read in two passes over the bytes, so that memory stays at the findings even for
//! 10^6 results: pass 1 reads everything except `results` (tools, rules, `originalUriBaseIds`,
//! artifacts: a run's `results` may come before its `tool`, as Semgrep and Cppcheck write
//! them) and only counts the results; pass 2 streams each run's `results`, turning every
//! result into a finding as soon as it is read, with its run's context at hand. For a log of
//! 1 MB or more, pass 2 runs on two threads: one deserialises the results (borrowing from the
//! input) and hands them over in bounded batches, in document order, while the calling thread
//! converts them, so the findings are exactly those one thread would make (not when other
//! reports are read at the same time: the cores are busy already). Such a log is first tried
//! in a single pass ([`read_single_pass`]): when every run's context comes before its
//! results (CodeQL's and Trivy's order), pass 1 is not needed; otherwise, or on any error, the
//! two passes read it. In the single pass the reading thread also converts a batch itself
//! when the converting thread is behind ([`Helper`]), with the same shared run context. A mapped log is handed back
//! between the passes and behind pass 2 ([`super::Release`]), so peak memory is about the
//! larger of the log and its findings, plus a few MB of batches.
//!
//! # Decisions (documented choices)
//! - Version: only `2.1.0` is read; others are [`IngestError::UnsupportedVersion`]. A log
//!   without `version` is accepted only when its `$schema` names 2.1.0 (noted). `runs: []` is
//!   valid (zero findings, `stats.runs = Some(0)`); `runs: null` is rejected: it says no
//!   analysis ran, which a gate must not read as "clean".
//! - Rule lookup: `rule.toolComponent` (index into `tool.extensions`, else guid, else name)
//!   picks the component, else the driver; then `rule.index`/`ruleIndex`, else `ruleId`/`rule.id`
//!   (driver first, then extensions); a hierarchical id `A/B/C` with no rule of its own falls
//!   back to `A/B`, then `A`. A dangling reference is counted in a note, never an error.
//! - Severity: a `security-severity` property (result's, else rule's; string or number) that is
//!   a score in 0..=10 is bucketed by [`Severity::from_score`] (GitHub's mapping). A value that
//!   is not such a score (`"MEDIUM"`, `"11"`) is ignored, like GitHub does, and the level
//!   decides (noted). Level = `result.level`, else the rule's `defaultConfiguration.level`, else
//!   `warning`; matched case-insensitively: error→high, warning→medium, note→low, none→info,
//!   anything else → [`Severity::Unknown`] (noted). `ruleConfigurationOverrides` are not read.
//! - `kind` must be exactly `fail` (or absent) to be a finding, as the spec spells it.
//! - Kind: [`FindingKind::Secret`] when the driver is a secret scanner (name contains `secret`,
//!   `gitleaks`, `trufflehog`, `ggshield`, `gitguardian`, `noseyparker`, `kingfisher`) or the
//!   result/rule has a `secret`/`secrets` tag (Trivy, Semgrep secret rules);
//!   [`FindingKind::Vulnerability`] when the rule id holds an advisory id (`CVE-2021-1-pkg` as
//!   Grype writes it, `[HIGH] CVE-…` as old Trivy templates do, `BDSA-… (CVE-…)`, `GO-…`) or
//!   the driver is a dependency scanner (dependency-check, Grype, govulncheck, OSV-Scanner,
//!   pip-audit, cargo-audit, Snyk Open Source), or Trivy tags it `vulnerability`;
//!   Trivy's `misconfiguration`/`license` tags give those kinds; otherwise [`FindingKind::Code`].
//! - Secrets: the message (it may quote the match), the snippet (gitleaks writes the secret
//!   itself there), the result's fix text and its tool fingerprints (ggshield writes a hash of
//!   the secret) are never carried: the title is the rule's short description, name or id. A gitleaks 7 result names its rule only in the message (`<rule> secret
//!   detected`); its rule is recovered from that prefix for the id and texts (not severity).
//! - Title: first non-blank line of the message (`text`, else `messageStrings[id]` of the rule,
//!   then the component's and the driver's `globalMessageStrings`, `{n}` arguments filled,
//!   else `markdown`), else the rule's short description, name, id. Description: the rule's full
//!   description (one `Arc` per rule), else the whole message when it has more than one line,
//!   else the rule's short description (one `Arc` per rule).
//! - Paths: `uriBaseId` is resolved through `originalUriBaseIds` (chains followed, up to 8) as
//!   far as the bases are relative; an absolute root (`file:///home/runner/work/repo/`) is
//!   dropped, so paths stay relative to the checkout (what code scanning, annotations and
//!   baselines need); an undefined base (`%SRCROOT%` without `originalUriBaseIds`) leaves the
//!   URI relative. `file:`
//!   URIs become paths (`file:///C:/a.c` → `C:/a.c`, `file:////src/a` → `/src/a`, a remote host
//!   → `//host/path`), other schemes stay URIs, percent-escapes are decoded when the result is
//!   UTF-8; a URI starting with `/` ignores its base. The fingerprint uses the URI *before* base
//!   resolution: the base is one machine's checkout directory, the relative URI is what stays
//!   the same across CI runners.
//! - Package and version of a vulnerability: SARIF has no field for them, so they are read from
//!   the message in the two shapes known to carry them — Trivy's (`Package: NAME` and
//!   `Installed Version: VERSION` lines) and Grype's (`The path PATH reports NAME at version
//!   VERSION …`, PATH becoming the package path) — into `location.package`. They do not enter
//!   the fingerprint; they let correlation (`crate::correlate`) and `package` rules see them.
//! - Results without a physical location get the first logical location's fully qualified name
//!   as `location.target` (it also stands in for the path in the fingerprint).
//! - Fingerprint: `code` / tool name lower-cased / rule id / path, then the first tool
//!   fingerprint `name=value` in sorted order, else the snippet, else the message text. For
//!   secrets: rule + path + start line (gitleaks' partial fingerprints are commit metadata such
//!   as the author, not identity, and the snippet is the secret itself, which must not be
//!   hashed: a weak secret could be guessed back from its hash).
//! - Tool fingerprints: `partialFingerprints` and `fingerprints` merged, nested objects
//!   flattened to `a.b=value`, arrays to `a[0]=value`, numbers and booleans as text, empty
//!   values and nulls skipped, at most 64 per result, sorted and deduplicated.
//! - Suppressed by the tool when `suppressions` is non-empty and every suppression's `status`
//!   is absent or `accepted` (an `underReview`, `rejected` or unknown status keeps the finding
//!   active, as the SARIF SDK does; an empty array is not a suppression).

use foldhash::HashMapExt;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::{
    Format, IngestError, ParseContext, ParsedReport, Release, ReportStats, SharedTexts, json,
};
use crate::model::{
    Confidence, Extra, FileLocation, Finding, FindingKind, Fingerprint, Fix, Location,
    PackageLocation, RareExtra, Region, Scanner, Severity, SeveritySource, Text, ToolFingerprints,
    ToolSuppression, VulnId, parse_cwe,
};

/// The only SARIF version read.
const SUPPORTED_VERSION: &str = "2.1.0";
/// Longest `uriBaseId` chain followed (guards against cycles).
const MAX_BASE_DEPTH: usize = 8;
/// Tool fingerprints kept per result, and nesting depth flattened.
const MAX_TOOL_FINGERPRINTS: usize = 64;
const MAX_FINGERPRINT_DEPTH: u8 = 8;
/// Distinct example values quoted in a note.
const MAX_NOTE_EXAMPLES: usize = 3;

pub fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    parse_with(
        bytes,
        ctx,
        ctx.second_thread_from(bytes.len(), PIPELINE_MIN_BYTES),
    )
}

/// Logs from this size are read on two threads when the cores are free: a SARIF log gains
/// from them well below the 4 MB other readers wait for (a 2 MB log: 13 → 11.3 ms end to
/// end, where the one-thread reading also makes two passes).
const PIPELINE_MIN_BYTES: usize = 1 << 20;

/// [`parse`], with pass 2 on two threads or one (the same findings either way).
fn parse_with(
    bytes: &[u8],
    ctx: &ParseContext,
    pipeline: bool,
) -> Result<ParsedReport, IngestError> {
    if pipeline && let Some(report) = read_single_pass(bytes, ctx) {
        return Ok(report);
    }
    // Pass 1: everything but results.
    let log: Log<'_> = match json::from_slice(bytes) {
        Ok(log) => log,
        Err(err) => {
            // A log of another version fails on its different shape; say so instead.
            if let Some(version) = scan_version(bytes)
                && version.trim() != SUPPORTED_VERSION
            {
                return Err(unsupported_version(&version));
            }
            return Err(err);
        }
    };
    let mut notes = Vec::new();
    let version = log.version.get().map(str::trim);
    if let Some(other) = version.filter(|v| *v != SUPPORTED_VERSION) {
        return Err(unsupported_version(other));
    }
    if matches!(log.runs, Runs::Absent) {
        return Err(IngestError::WrongFormat {
            expected: Format::Sarif,
            reason: "the log has no `runs` array (at $.runs)".into(),
        });
    }
    if version.is_none() {
        if !log.schema.get().is_some_and(|s| s.contains("2.1.0")) {
            return Err(IngestError::WrongFormat {
                expected: Format::Sarif,
                reason: "the log has no `version` (at $.version); scangate reads SARIF 2.1.0"
                    .into(),
            });
        }
        notes.push(
            "the log has no `version`; read as SARIF 2.1.0 because its `$schema` says so"
                .to_owned(),
        );
    }
    let Runs::List(runs) = &log.runs else {
        return Err(IngestError::Invalid {
            message: "the SARIF log's `runs` is null (at $.runs): the producer reports that no \
                      analysis ran, so there is nothing to pass"
                .into(),
        });
    };

    let contexts: Vec<RunCtx<'_>> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| RunCtx::new(i, run, &mut notes))
        .collect();

    // Pass 2: stream the results. Reserving up front avoids regrowing (and briefly doubling)
    // a vector of 10^6 findings; when that much memory is not there, grow as needed instead.
    let capacity: usize = runs.iter().map(|r| r.results.0).sum();
    // Pass 1 went through every page of the log; pass 2 faults back in only what it reads
    // and gives it back as it goes.
    ctx.release.restart();
    let acc = read_results(bytes, &contexts, ctx, capacity, pipeline)?;
    let scanners = contexts
        .iter()
        .map(|c| Scanner::clone(&c.scanner))
        .collect();
    Ok(report(notes, scanners, acc))
}

/// The report of a log read: `notes` are the log's and its runs' (before any result), then
/// the results' tallies.
fn report(notes: Vec<String>, scanners: Vec<Scanner>, acc: Acc) -> ParsedReport {
    let mut stats = ReportStats {
        runs: Some(scanners.len() as u64),
        non_fail_results: acc.non_fail,
        notes,
        ..ReportStats::default()
    };
    if scanners.is_empty() {
        stats
            .notes
            .push("the log holds no tool run (`runs` is empty)".to_owned());
    }
    stats.notes.extend(acc.notes);
    ParsedReport {
        scanners,
        findings: acc.findings,
        stats,
    }
}

fn unsupported_version(version: &str) -> IngestError {
    let hint = if version.trim_start().starts_with('1') || version.trim_start().starts_with("2.0") {
        "scangate reads SARIF 2.1.0; upgrade the log (e.g. `sarif transform --sarif-output-version \
         Current` of the SARIF Multitool) or ask the tool for SARIF 2.1.0 output"
    } else {
        "scangate reads SARIF 2.1.0 only; ask the tool for SARIF 2.1.0 output"
    };
    IngestError::UnsupportedVersion {
        format: Format::Sarif,
        version: crate::text::truncate(version, 40),
        hint,
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient building blocks
// ---------------------------------------------------------------------------------------------

/// Matches an object key against a struct's known keys without allocating: the key's index.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        // Length and first byte rule out nearly every other key without a `memcmp` call
        // (this runs for every key of every result).
        let v = v.as_bytes();
        Ok(self.0.iter().position(|k| {
            let k = k.as_bytes();
            k.len() == v.len() && k.first() == v.first() && same_bytes(k, v)
        }))
    }
}

/// `a == b` for slices of equal length, without a `memcmp` call: keys are a few bytes long,
/// and the call cost more than the comparison (perf: ~12% of the reading thread).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let (mut a, mut b) = (a, b);
    while let (Some((x, rest_a)), Some((y, rest_b))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if x != y {
            return false;
        }
        (a, b) = (rest_a, rest_b);
    }
    a.iter().zip(b).all(|(x, y)| x == y) && a.len() == b.len()
}

/// Visitor methods that read the listed JSON types as `$value` (values of other types than a
/// lenient type wants; containers are drained).
macro_rules! skip_visits {
    ($value:expr; bool) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    ($value:expr; numbers) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    ($value:expr; str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    ($value:expr; null) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    ($value:expr; seq) => {
        fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($value)
        }
    };
    ($value:expr; map) => {
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($value)
        }
    };
    ($value:expr; $($kind:ident),+) => {
        $(skip_visits!($value; $kind);)+
    };
}

/// Keys that decide whether a result is a finding, which rule it has, its severity, kind or
/// suppression: repeated in one object they make the log invalid (see
/// [`json::decision_bit`]). Every other key keeps its last value.
const DECIDING_KEYS: &[&str] = &[
    "runs",
    "results",
    "tool",
    "driver",
    "extensions",
    "name",
    "guid",
    "rules",
    "id",
    "index",
    "ruleId",
    "ruleIndex",
    "rule",
    "toolComponent",
    "kind",
    "level",
    "defaultConfiguration",
    "properties",
    "security-severity",
    "tags",
    "suppressions",
    "status",
];

/// Defines a SARIF object struct with a hand-rolled `Deserialize`: known keys are read (a
/// repeated key keeps its last value, a repeated [`DECIDING_KEYS`] key is an error), unknown
/// keys skipped. `strict` objects must be JSON
/// objects; `lenient` ones read any other JSON value as empty.
macro_rules! sarif_object {
    (@extra strict) => {};
    (@extra lenient) => { skip_visits!(Default::default(); bool, numbers, str, null, seq); };
    (@extra_in_place strict) => {};
    (@extra_in_place lenient) => { skip_visits!((); bool, numbers, str, null, seq); };
    (@entry strict, $d:ident, $v:expr) => { $d.deserialize_map($v) };
    (@entry lenient, $d:ident, $v:expr) => { $d.deserialize_any($v) };
    (
        $(#[$doc:meta])*
        $mode:ident $name:ident<$lt:lifetime> { $($key:literal => $field:ident: $ty:ty,)* }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Default)]
        struct $name<$lt> {
            $($field: $ty,)*
        }

        impl<'de: $lt, $lt> $name<$lt> {
            /// Reads the object's entries into `out`, which must be `Default` (a result's may
            /// be boxed already, so that its ~800 bytes are not copied again into a box).
            /// Each value is read where it goes ([`InPlace`]): nested objects are filled
            /// there rather than built apart and moved up level by level.
            fn fill<A: MapAccess<'de>>(out: &mut Self, mut map: A) -> Result<(), A::Error> {
                const KEYS: &[&str] = &[$($key),*];
                const _: () = assert!(KEYS.len() <= 64, "one bit per field in `filled`");
                // The fields' indices in `KEYS`, so a key is compared once.
                #[allow(non_camel_case_types)]
                enum Field { $($field,)* }
                let mut seen = 0u64;
                let mut filled = 0u64;
                while let Some(key) = map.next_key_seed(KeySeed(KEYS))? {
                    match key {
                        $(Some(i) if i == Field::$field as usize => {
                            const BIT: u64 = json::decision_bit(DECIDING_KEYS, $key);
                            json::refuse_repeat(
                                &mut seen,
                                BIT,
                                $key,
                                concat!("a SARIF ", stringify!($name), " object"),
                            )?;
                            let bit = 1u64 << (Field::$field as u32);
                            if filled & bit != 0 {
                                // A repeated key: its last value counts, not both merged.
                                out.$field = Default::default();
                            }
                            filled |= bit;
                            map.next_value_seed(InPlace(&mut out.$field))?;
                        })*
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(())
            }
        }

        impl<'de: $lt, $lt> Deserialize<'de> for $name<$lt> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V<$lt>(PhantomData<&$lt ()>);
                impl<'de: $lt, $lt> Visitor<'de> for V<$lt> {
                    type Value = $name<$lt>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("a SARIF ", stringify!($name), " object"))
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut out = $name::default();
                        $name::fill(&mut out, map)?;
                        Ok(out)
                    }
                    sarif_object!(@extra $mode);
                }
                sarif_object!(@entry $mode, d, V(PhantomData))
            }

            /// `place` must be `Default`, as [`InPlace`]'s callers leave it: what is not an
            /// object (lenient) then reads as `Default` without writing it again.
            fn deserialize_in_place<D: Deserializer<'de>>(
                d: D,
                place: &mut Self,
            ) -> Result<(), D::Error> {
                struct P<'p, $lt>(&'p mut $name<$lt>);
                impl<'de: $lt, $lt> Visitor<'de> for P<'_, $lt> {
                    type Value = ();
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("a SARIF ", stringify!($name), " object"))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
                        $name::fill(self.0, map)
                    }
                    sarif_object!(@extra_in_place $mode);
                }
                sarif_object!(@entry $mode, d, P(place))
            }
        }
    };
}

impl RawResult<'_> {
    /// Emptied for reuse: as `Default`, but the fingerprint lists keep their buffers.
    fn empty(&mut self) {
        let mut partial = std::mem::take(&mut self.partial_fingerprints);
        let mut full = std::mem::take(&mut self.fingerprints);
        *self = RawResult::default();
        partial.clear();
        full.clear();
        self.partial_fingerprints = partial;
        self.fingerprints = full;
    }
}

/// A result read straight into its box (see `fill`): an emptied one given back by the
/// converting thread ([`Sink::recycled`]), else a new one.
struct BoxedResult<'de>(Option<Box<RawResult<'de>>>);

impl<'de> DeserializeSeed<'de> for BoxedResult<'de> {
    type Value = Box<RawResult<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BoxedResult<'de> {
    type Value = Box<RawResult<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF RawResult object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut out = self.0.unwrap_or_default();
        RawResult::fill(&mut out, map)?;
        Ok(out)
    }
}

/// A string kept from the input, borrowed when it has no escapes. Numbers and booleans read
/// as their text; null, arrays and objects as absent.
#[derive(Debug, Default, Clone)]
struct LStr<'a>(Option<Cow<'a, str>>);

impl LStr<'_> {
    fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
    /// Trimmed, and absent when blank.
    fn text(&self) -> Option<&str> {
        self.get().map(crate::text::trim).filter(|s| !s.is_empty())
    }
    /// Where the value sits in the input, when it was borrowed from it (not unescaped).
    fn position(&self) -> Option<*const u8> {
        super::source::position(self.0.as_ref())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_string()))))
            }
            skip_visits!(LStr(None); null, seq, map);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A non-negative integer (line, column, index): negative, fractional, huge (beyond u64) or
/// non-numeric values read as absent, never as an error.
#[derive(Debug, Default, Clone, Copy)]
struct LU64(Option<u64>);

impl<'de> Deserialize<'de> for LU64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        json::lenient_u64(d).map(LU64)
    }
}

impl LU64 {
    fn index(self) -> Option<usize> {
        self.0.and_then(|n| usize::try_from(n).ok())
    }
}

/// A `security-severity` value: a number or a numeric string, with the raw text kept for the
/// severity source.
#[derive(Debug, Default, Clone)]
struct LScore {
    /// The raw value as text; `None` when the property is absent or null.
    raw: Option<String>,
    /// Parsed, finite value.
    value: Option<f64>,
}

impl<'de> Deserialize<'de> for LScore {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LScore;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a score")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LScore, E> {
                Ok(LScore {
                    raw: Some(crate::text::truncate(v, 40)),
                    value: v.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LScore, E> {
                Ok(LScore {
                    raw: Some(v.to_string()),
                    value: Some(v).filter(|f| f.is_finite()),
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LScore, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LScore, E> {
                self.visit_f64(v as f64)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LScore, E> {
                Ok(LScore {
                    raw: Some(v.to_string()),
                    value: None,
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<LScore, E> {
                Ok(LScore::default())
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<LScore, S::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LScore {
                    raw: Some("(an array)".into()),
                    value: None,
                })
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<LScore, M::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LScore {
                    raw: Some("(an object)".into()),
                    value: None,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// An array of lenient elements; anything else reads as empty.
#[derive(Debug)]
struct LVec<T>(Vec<T>);

impl<T> Default for LVec<T> {
    fn default() -> Self {
        LVec(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LVec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LVec<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(LVec(out))
            }
            skip_visits!(LVec::default(); bool, numbers, str, null, map);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The first element of an array (the rest is skipped unread); anything else reads as absent.
#[derive(Debug)]
struct LFirst<T>(Option<T>);

impl<T> Default for LFirst<T> {
    fn default() -> Self {
        LFirst(None)
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for LFirst<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LFirst<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let first = seq.next_element()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LFirst(first))
            }
            skip_visits!(LFirst::default(); bool, numbers, str, null, map);
        }
        d.deserialize_any(V(PhantomData))
    }

    /// The first element read where it goes. `place` must be `Default` (absent), as
    /// [`InPlace`]'s callers leave it.
    fn deserialize_in_place<D: Deserializer<'de>>(d: D, place: &mut Self) -> Result<(), D::Error> {
        struct P<'p, T>(&'p mut LFirst<T>);
        impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for P<'_, T> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
                let first = self.0.0.insert(T::default());
                if seq.next_element_seed(InPlace(first))?.is_none() {
                    self.0.0 = None;
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(())
            }
            skip_visits!((); bool, numbers, str, null, map);
        }
        d.deserialize_any(P(place))
    }
}

/// Reads a value into `place` ([`Deserialize::deserialize_in_place`]): the objects of a
/// result's location, read by value, were built and then copied up four levels (memcpy was
/// ~7 % of the reading thread of a 10^6-result log, issue 7). Types without their own way of
/// doing it (strings, numbers) are read by value and assigned, as before.
struct InPlace<'p, T>(&'p mut T);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for InPlace<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        T::deserialize_in_place(d, self.0)
    }
}

/// An object key, borrowed when it has no escapes.
struct KeyCow<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for KeyCow<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = KeyCow<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyCow(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyCow(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_identifier(V(PhantomData))
    }
}

/// A JSON object read as key/value pairs (a repeated key: the last one wins on lookup);
/// anything else reads as empty.
#[derive(Debug)]
struct LMap<'a, T>(Vec<(Cow<'a, str>, T)>);

impl<T> Default for LMap<'_, T> {
    fn default() -> Self {
        LMap(Vec::new())
    }
}

impl<T> LMap<'_, T> {
    fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for LMap<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a, T>(PhantomData<(&'a (), T)>);
        impl<'de: 'a, 'a, T: Deserialize<'de>> Visitor<'de> for V<'a, T> {
            type Value = LMap<'a, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some(KeyCow(k)) = map.next_key()? {
                    out.push((k, map.next_value()?));
                }
                Ok(LMap(out))
            }
            skip_visits!(LMap::default(); bool, numbers, str, null, seq);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list of strings that some producers write as one string: both read as a list;
/// non-string elements are skipped.
#[derive(Debug, Default)]
struct LStrList<'a>(Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for LStrList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LStrList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LStrList(vec![Cow::Borrowed(v)]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LStrList(vec![Cow::Owned(v.to_owned())]))
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let mut out = Vec::new();
                while let Some(LStr(v)) = seq.next_element()? {
                    out.extend(v);
                }
                Ok(LStrList(out))
            }
            skip_visits!(LStrList::default(); bool, numbers, null, map);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `partialFingerprints` / `fingerprints` flattened to `name=value` strings (see the module
/// doc); never fails on odd value types.
///
/// Its buffers outlive its entries: a result box emptied for reuse ([`RawResult::empty`])
/// keeps them, so a warm reading thread allocates nothing for a result's fingerprints (four
/// allocations a result before, each freed again later: issue 7).
#[derive(Default)]
struct FpList {
    /// `buffers[..len]` are the entries; the rest are spare.
    buffers: Vec<String>,
    len: usize,
    /// The name of the value being read (`a.b[0]`), shared down the nesting, so a name costs
    /// nothing until a value is kept.
    prefix: String,
}

/// A kept buffer larger than this is dropped rather than kept for the next result: one huge
/// value is not held for the rest of the run.
const FP_BUFFER_KEPT: usize = 1024;

/// What it holds, not its spare buffers: an emptied list reads as a new one.
impl fmt::Debug for FpList {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_tuple("FpList").field(&self.entries()).finish()
    }
}

impl FpList {
    fn entries(&self) -> &[String] {
        self.buffers.get(..self.len).unwrap_or_default()
    }

    /// No entries, the buffers kept.
    fn clear(&mut self) {
        for buffer in self
            .buffers
            .iter_mut()
            .filter(|b| b.capacity() > FP_BUFFER_KEPT)
        {
            *buffer = String::new();
        }
        self.len = 0;
        self.prefix.clear();
    }

    /// Keeps `prefix=value` unless there is no name (a top-level scalar is not a
    /// fingerprint), the value is blank, or the list is full.
    fn push(&mut self, value: &str) {
        if self.prefix.is_empty()
            || crate::text::trim(value).is_empty()
            || self.len >= MAX_TOOL_FINGERPRINTS
        {
            return;
        }
        if self.len == self.buffers.len() {
            self.buffers.push(String::new());
        }
        let kept = &mut self.buffers[self.len];
        kept.clear();
        kept.reserve(self.prefix.len() + 1 + value.len());
        kept.push_str(&self.prefix);
        kept.push('=');
        kept.push_str(value);
        self.len += 1;
    }
}

impl<'de> Deserialize<'de> for FpList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = FpList::default();
        Self::deserialize_in_place(d, &mut out)?;
        Ok(out)
    }

    fn deserialize_in_place<D: Deserializer<'de>>(d: D, place: &mut Self) -> Result<(), D::Error> {
        place.clear();
        FpValue {
            list: place,
            depth: 0,
        }
        .deserialize(d)
    }
}

/// One value of a fingerprint object, read into `list` under the name in `list.prefix`.
struct FpValue<'o> {
    list: &'o mut FpList,
    depth: u8,
}

impl FpValue<'_> {
    fn push(self, value: &str) {
        self.list.push(value);
    }

    fn full(&self) -> bool {
        self.depth >= MAX_FINGERPRINT_DEPTH || self.list.len >= MAX_TOOL_FINGERPRINTS
    }
}

impl<'de> DeserializeSeed<'de> for FpValue<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FpValue<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a fingerprint value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.push(v);
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.push(&v.to_string());
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.push(&v.to_string());
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.push(&v.to_string());
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.push(&v.to_string());
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let base = self.list.prefix.len();
        while let Some(KeyCow(key)) = map.next_key()? {
            if self.full() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if base > 0 {
                self.list.prefix.push('.');
            }
            self.list.prefix.push_str(&key);
            let outcome = map.next_value_seed(FpValue {
                list: &mut *self.list,
                depth: self.depth + 1,
            });
            self.list.prefix.truncate(base);
            outcome?;
        }
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        use std::fmt::Write as _;
        let base = self.list.prefix.len();
        let mut i = 0usize;
        loop {
            if self.full() {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(());
            }
            let _ = write!(self.list.prefix, "[{i}]");
            let outcome = seq.next_element_seed(FpValue {
                list: &mut *self.list,
                depth: self.depth + 1,
            });
            self.list.prefix.truncate(base);
            if outcome?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The SARIF objects we read
// ---------------------------------------------------------------------------------------------

sarif_object! {
    /// The log, as pass 1 reads it (results skipped).
    strict Log<'a> {
        "version" => version: LStr<'a>,
        "$schema" => schema: LStr<'a>,
        "runs" => runs: Runs<'a>,
    }
}

/// `runs`: absent, null, or an array of run objects (anything else is an error).
#[derive(Debug, Default)]
enum Runs<'a> {
    #[default]
    Absent,
    Null,
    List(Vec<RunInfo<'a>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Runs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<Vec<RunInfo<'a>>>::deserialize(d).map(|v| v.map_or(Runs::Null, Runs::List))
    }
}

sarif_object! {
    /// A run without its results.
    strict RunInfo<'a> {
        "tool" => tool: Tool<'a>,
        "originalUriBaseIds" => bases: LMap<'a, ArtifactLocation<'a>>,
        "artifacts" => artifacts: LVec<Artifact<'a>>,
        "logicalLocations" => logical: LVec<LogicalLocation<'a>>,
        "results" => results: ResultCount,
    }
}

/// Pass 1 only counts a run's results (to size the findings vector); pass 2 reads them.
#[derive(Debug, Default)]
struct ResultCount(usize);

impl<'de> Deserialize<'de> for ResultCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ResultCount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of SARIF results")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<ResultCount, S::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(ResultCount(n))
            }
            // Pass 2 reports results of the wrong type, with their path.
            skip_visits!(ResultCount(0); bool, numbers, str, null, map);
        }
        d.deserialize_any(V)
    }
}

sarif_object! {
    lenient Tool<'a> {
        "driver" => driver: Component<'a>,
        "extensions" => extensions: LVec<Component<'a>>,
    }
}

sarif_object! {
    /// `toolComponent`: the driver or an extension.
    lenient Component<'a> {
        "name" => name: LStr<'a>,
        "guid" => guid: LStr<'a>,
        "version" => version: LStr<'a>,
        "semanticVersion" => semantic_version: LStr<'a>,
        "rules" => rules: LVec<Rule<'a>>,
        "globalMessageStrings" => global_messages: LMap<'a, Msg<'a>>,
    }
}

sarif_object! {
    /// `reportingDescriptor` (a rule).
    lenient Rule<'a> {
        "id" => id: LStr<'a>,
        "name" => name: LStr<'a>,
        "shortDescription" => short: Msg<'a>,
        "fullDescription" => full: Msg<'a>,
        "help" => help: Msg<'a>,
        "helpUri" => help_uri: LStr<'a>,
        "defaultConfiguration" => config: Config<'a>,
        "properties" => properties: Props<'a>,
        "messageStrings" => messages: LMap<'a, Msg<'a>>,
        "relationships" => relationships: LVec<Relationship<'a>>,
    }
}

sarif_object! {
    /// `multiformatMessageString` / `artifactContent`.
    lenient Msg<'a> {
        "text" => text: LStr<'a>,
        "markdown" => markdown: LStr<'a>,
    }
}

sarif_object! {
    lenient Config<'a> {
        "level" => level: LStr<'a>,
    }
}

sarif_object! {
    /// The property bag keys we use.
    lenient Props<'a> {
        "security-severity" => security_severity: LScore,
        "tags" => tags: LStrList<'a>,
        "precision" => precision: LStr<'a>,
        "cwe" => cwe: LStrList<'a>,
    }
}

sarif_object! {
    lenient Relationship<'a> {
        "target" => target: DescriptorRef<'a>,
    }
}

sarif_object! {
    /// `reportingDescriptorReference` (`result.rule`, relationship targets, `taxa`).
    lenient DescriptorRef<'a> {
        "id" => id: LStr<'a>,
        "index" => index: LU64,
        "toolComponent" => component: ComponentRef<'a>,
    }
}

sarif_object! {
    lenient ComponentRef<'a> {
        "name" => name: LStr<'a>,
        "index" => index: LU64,
        "guid" => guid: LStr<'a>,
    }
}

sarif_object! {
    lenient ArtifactLocation<'a> {
        "uri" => uri: LStr<'a>,
        "uriBaseId" => base_id: LStr<'a>,
        "index" => index: LU64,
    }
}

sarif_object! {
    lenient Artifact<'a> {
        "location" => location: ArtifactLocation<'a>,
    }
}

sarif_object! {
    lenient LogicalLocation<'a> {
        "name" => name: LStr<'a>,
        "fullyQualifiedName" => fqn: LStr<'a>,
        "index" => index: LU64,
    }
}

sarif_object! {
    /// A result, as pass 2 reads it.
    strict RawResult<'a> {
        "ruleId" => rule_id: LStr<'a>,
        "ruleIndex" => rule_index: LU64,
        "rule" => rule: DescriptorRef<'a>,
        "kind" => kind: LStr<'a>,
        "level" => level: LStr<'a>,
        "message" => message: Message<'a>,
        "locations" => location: LFirst<ResultLocation<'a>>,
        "partialFingerprints" => partial_fingerprints: FpList,
        "fingerprints" => fingerprints: FpList,
        "baselineState" => baseline_state: LStr<'a>,
        "suppressions" => suppressions: LVec<Suppression<'a>>,
        "properties" => properties: Props<'a>,
        "taxa" => taxa: LVec<DescriptorRef<'a>>,
        "fixes" => fix: LFirst<ResultFix<'a>>,
    }
}

sarif_object! {
    lenient Message<'a> {
        "text" => text: LStr<'a>,
        "markdown" => markdown: LStr<'a>,
        "id" => id: LStr<'a>,
        "arguments" => arguments: LVec<LStr<'a>>,
    }
}

sarif_object! {
    lenient ResultLocation<'a> {
        "physicalLocation" => physical: PhysicalLocation<'a>,
        "logicalLocations" => logical: LFirst<LogicalLocation<'a>>,
    }
}

sarif_object! {
    lenient PhysicalLocation<'a> {
        "artifactLocation" => artifact: ArtifactLocation<'a>,
        "region" => region: RawRegion<'a>,
    }
}

sarif_object! {
    lenient RawRegion<'a> {
        "startLine" => start_line: LU64,
        "startColumn" => start_column: LU64,
        "endLine" => end_line: LU64,
        "endColumn" => end_column: LU64,
        "snippet" => snippet: Msg<'a>,
    }
}

sarif_object! {
    lenient Suppression<'a> {
        "kind" => kind: LStr<'a>,
        "status" => status: LStr<'a>,
        "justification" => justification: LStr<'a>,
    }
}

sarif_object! {
    lenient ResultFix<'a> {
        "description" => description: Msg<'a>,
    }
}

/// Reads the top-level `version` only, tolerating anything after it (used to name the
/// version when a log of another version fails to read as 2.1.0).
fn scan_version(bytes: &[u8]) -> Option<String> {
    struct V<'c>(&'c mut Option<String>);
    impl<'de> Visitor<'de> for V<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
            while let Some(KeyCow(key)) = map.next_key()? {
                if key == "version" {
                    let LStr(v) = map.next_value()?;
                    *self.0 = v.map(Cow::into_owned);
                    return Ok(());
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // Errors are expected here (the document did not read as SARIF 2.1.0): only the version
    // matters.
    let _ = de.deserialize_map(V(&mut found));
    found
}

// ---------------------------------------------------------------------------------------------
// Run context (from pass 1)
// ---------------------------------------------------------------------------------------------

/// What a tool is known for, from its driver name.
#[derive(Debug, Default, Clone, Copy)]
struct Family {
    secrets: bool,
    dependencies: bool,
    trivy: bool,
}

impl Family {
    fn of(tool_lower: &str) -> Family {
        const SECRET_SCANNERS: [&str; 7] = [
            "secret",
            "gitleaks",
            "trufflehog",
            "ggshield",
            "gitguardian",
            "noseyparker",
            "kingfisher",
        ];
        const DEPENDENCY_SCANNERS: [&str; 7] = [
            "dependency-check",
            "grype",
            "govulncheck",
            "osv-scanner",
            "pip-audit",
            "cargo-audit",
            "snyk open source",
        ];
        Family {
            secrets: SECRET_SCANNERS.iter().any(|s| tool_lower.contains(s)),
            dependencies: DEPENDENCY_SCANNERS.iter().any(|s| tool_lower.contains(s)),
            trivy: tool_lower.starts_with("trivy"),
        }
    }
}

/// A rule with what findings share (one `Arc` per rule for the long texts).
struct RuleCtx<'r> {
    raw: &'r Rule<'r>,
    /// Advisory ids in the rule's id, and in its tags.
    id_vuln_ids: Vec<VulnId>,
    tag_vuln_ids: Vec<VulnId>,
    /// The rule's `id`, shared by the findings that name it.
    id: Option<Text>,
    full_description: Option<Text>,
    short_description: Option<Text>,
    solution: Option<Text>,
    /// Sorted, without repeats; shared by the findings that add none of their own.
    cwes: Arc<[u32]>,
    /// `properties.tags` trimmed, without blanks and repeats, as findings carry them.
    tags: Vec<&'r str>,
    /// The same, shared by the findings that add no tags of their own.
    shared_tags: Arc<[String]>,
    name: Option<Text>,
    help_uri: Option<Text>,
}

struct ComponentCtx<'r> {
    name: Option<&'r str>,
    guid: Option<&'r str>,
    rules: Vec<RuleCtx<'r>>,
    /// First rule with each id (looked up per result: foldhash, not SipHash).
    by_id: foldhash::HashMap<&'r str, usize>,
    global_messages: &'r LMap<'r, Msg<'r>>,
}

impl<'r> ComponentCtx<'r> {
    fn new(raw: &'r Component<'r>) -> Self {
        let rules: Vec<RuleCtx<'r>> = raw.rules.0.iter().map(RuleCtx::new).collect();
        let mut by_id = foldhash::HashMap::with_capacity(rules.len());
        for (i, rule) in raw.rules.0.iter().enumerate() {
            if let Some(id) = rule.id.get() {
                by_id.entry(id).or_insert(i);
            }
        }
        ComponentCtx {
            name: raw.name.text(),
            guid: raw.guid.text(),
            rules,
            by_id,
            global_messages: &raw.global_messages,
        }
    }

    fn by_id(&self, id: &str) -> Option<&RuleCtx<'r>> {
        self.by_id.get(id).and_then(|i| self.rules.get(*i))
    }
}

impl<'r> RuleCtx<'r> {
    fn new(raw: &'r Rule<'r>) -> Self {
        let full_description = raw.full.text.text().map(Text::from);
        let short_description = raw.short.text.text().map(Text::from);
        let solution = raw
            .help
            .text
            .text()
            .or(raw.help.markdown.text())
            .map(Text::from);
        let mut cwes = Vec::new();
        cwes_from_tags(&raw.properties.tags.0, &mut cwes);
        cwes_from_tags(&raw.properties.cwe.0, &mut cwes);
        for rel in &raw.relationships.0 {
            cwe_from_taxon(&rel.target, &mut cwes);
        }
        cwes.sort_unstable();
        cwes.dedup();
        let mut id_vuln_ids = Vec::new();
        extract_vuln_ids(raw.id.text().unwrap_or(""), &mut id_vuln_ids);
        let mut tag_vuln_ids = Vec::new();
        for tag in &raw.properties.tags.0 {
            extract_vuln_ids(tag, &mut tag_vuln_ids);
        }
        let mut tags = Vec::new();
        push_tags(&raw.properties.tags.0, &mut tags);
        let shared_tags = tags.iter().map(|t| (*t).to_owned()).collect();
        RuleCtx {
            id: raw.id.text().map(Text::from),
            shared_tags,
            name: raw.name.text().map(Text::from),
            help_uri: raw.help_uri.text().map(Text::from),
            raw,
            id_vuln_ids,
            tag_vuln_ids,
            full_description,
            short_description,
            solution,
            cwes: crate::model::cwe_list(cwes),
            tags,
        }
    }
}

struct RunCtx<'r> {
    /// 1-based, for notes.
    number: usize,
    scanner: Arc<Scanner>,
    tool_lower: String,
    family: Family,
    /// `[0]` is the driver, then `tool.extensions` in order.
    components: Vec<ComponentCtx<'r>>,
    has_rules: bool,
    bases: &'r LMap<'r, ArtifactLocation<'r>>,
    artifacts: &'r [Artifact<'r>],
    logical: &'r [LogicalLocation<'r>],
}

impl<'r> RunCtx<'r> {
    fn new(index: usize, run: &'r RunInfo<'r>, notes: &mut Vec<String>) -> Self {
        let driver = &run.tool.driver;
        let name = match driver.name.text() {
            Some(n) => n.to_owned(),
            None => {
                notes.push(format!(
                    "run #{}: the tool has no `tool.driver.name`; called `unnamed SARIF tool`",
                    index + 1
                ));
                "unnamed SARIF tool".to_owned()
            }
        };
        let version = driver
            .semantic_version
            .text()
            .or(driver.version.text())
            .map(Text::from);
        let tool_lower = name.to_lowercase();
        let components: Vec<ComponentCtx<'r>> = std::iter::once(driver)
            .chain(run.tool.extensions.0.iter())
            .map(ComponentCtx::new)
            .collect();
        RunCtx {
            number: index + 1,
            family: Family::of(&tool_lower),
            tool_lower,
            scanner: Arc::new(Scanner {
                name: Text::from(name),
                version,
            }),
            has_rules: components.iter().any(|c| !c.rules.is_empty()),
            components,
            bases: &run.bases,
            artifacts: &run.artifacts.0,
            logical: &run.logical.0,
        }
    }

    /// The component a `toolComponent` reference names: `None` when the reference is absent,
    /// `Some(None)` when it names nothing in this run.
    fn component(&self, r: &ComponentRef<'_>) -> Option<Option<usize>> {
        if let Some(i) = r.index.index() {
            // toolComponentReference.index points into tool.extensions.
            return Some(i.checked_add(1).filter(|i| *i < self.components.len()));
        }
        if let Some(guid) = r.guid.text() {
            return Some(
                self.components
                    .iter()
                    .position(|c| c.guid.is_some_and(|g| g.eq_ignore_ascii_case(guid))),
            );
        }
        if let Some(name) = r.name.text() {
            return Some(self.components.iter().position(|c| c.name == Some(name)));
        }
        None
    }
}

/// Ids to try for a rule id: itself, then its hierarchical parents (`A/B/C`, `A/B`, `A`).
fn id_candidates(id: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(id), |s| s.rfind('/').map(|i| &s[..i]))
        .filter(|s| !s.is_empty())
        .take(16)
}

struct Resolved<'c, 'r> {
    rule: Option<&'c RuleCtx<'r>>,
    /// Index into `RunCtx::components` of the rule (or of the referenced component).
    component: Option<usize>,
    /// The result names a rule (ruleId, ruleIndex or rule) but none was found.
    dangling: bool,
}

fn resolve_rule<'c, 'r>(ctx: &'c RunCtx<'r>, raw: &RawResult<'_>) -> Resolved<'c, 'r> {
    let index = raw.rule.index.index().or(raw.rule_index.index());
    let id = raw.rule_id.text().or(raw.rule.id.text());
    let referenced = index.is_some() || id.is_some();
    let found = |component: usize| -> Option<(&'c RuleCtx<'r>, usize)> {
        let comp = ctx.components.get(component)?;
        if let Some(rule) = index.and_then(|i| comp.rules.get(i)) {
            return Some((rule, component));
        }
        let id = id?;
        id_candidates(id).find_map(|cand| comp.by_id(cand).map(|r| (r, component)))
    };
    let hit = match ctx.component(&raw.rule.component) {
        Some(Some(c)) => found(c),
        Some(None) => None,
        None => found(0).or_else(|| {
            // By id across the extensions (an index without a component is the driver's).
            let id = id?;
            id_candidates(id).find_map(|cand| {
                ctx.components
                    .iter()
                    .enumerate()
                    .skip(1)
                    .find_map(|(i, c)| c.by_id(cand).map(|r| (r, i)))
            })
        }),
    };
    match hit {
        Some((rule, component)) => Resolved {
            rule: Some(rule),
            component: Some(component),
            dangling: false,
        },
        None => Resolved {
            rule: None,
            component: None,
            dangling: referenced && ctx.has_rules,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 2: streaming the results
// ---------------------------------------------------------------------------------------------

/// A few distinct example values plus a count, for notes.
#[derive(Debug, Default)]
struct Examples {
    count: u64,
    samples: Vec<String>,
    /// Keep every value as it was given, to be added to another `Examples` later in order
    /// (results converted by the single pass's reading thread: see [`Helper`]).
    recording: bool,
}

impl Examples {
    fn add(&mut self, value: &str) {
        if self.recording {
            self.samples.push(value.to_owned());
            return;
        }
        self.count += 1;
        if self.samples.len() < MAX_NOTE_EXAMPLES && !self.samples.iter().any(|s| s == value) {
            self.samples.push(crate::text::truncate(value, 40));
        }
    }
    fn list(&self) -> String {
        self.samples
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ResultsState {
    #[default]
    Absent,
    Null,
    Array,
}

/// Per-run tallies, kept apart so a repeated `results` key can be undone.
#[derive(Debug, Default)]
struct RunAcc {
    findings_start: usize,
    state: ResultsState,
    non_fail: u64,
    dangling: u64,
    bad_scores: Examples,
    odd_levels: Examples,
    titles: SharedTexts,
}

impl RunAcc {
    /// The tallies of results converted apart from the run's own, to be [`RunAcc::absorb`]ed.
    fn recording(titles: SharedTexts) -> RunAcc {
        let recording = || Examples {
            recording: true,
            ..Examples::default()
        };
        RunAcc {
            bad_scores: recording(),
            odd_levels: recording(),
            titles,
            ..RunAcc::default()
        }
    }

    /// Adds the tallies of results converted after the ones counted here: the same tallies as
    /// converting all of them here, in order.
    fn absorb(&mut self, later: &RunAcc) {
        self.non_fail += later.non_fail;
        self.dangling += later.dangling;
        for value in &later.bad_scores.samples {
            self.bad_scores.add(value);
        }
        for value in &later.odd_levels.samples {
            self.odd_levels.add(value);
        }
    }
}

#[derive(Debug, Default)]
struct Acc {
    findings: Vec<Box<Finding>>,
    non_fail: u64,
    notes: Vec<String>,
}

impl Acc {
    fn finish_run(&mut self, ctx: &RunCtx<'_>, run: RunAcc) {
        let label = format!("run #{} ({})", ctx.number, ctx.scanner.name);
        self.non_fail += run.non_fail;
        match run.state {
            ResultsState::Absent => self.notes.push(format!(
                "{label}: no `results` array, so no findings from this run (SARIF: the tool may \
                 not have completed)"
            )),
            ResultsState::Null => self.notes.push(format!(
                "{label}: `results` is null, so no findings from this run (SARIF: the tool did \
                 not complete)"
            )),
            ResultsState::Array => {}
        }
        if run.non_fail > 0 {
            self.notes.push(format!(
                "{label}: {} result(s) with a `kind` other than `fail` (pass, open, review, \
                 notApplicable, informational) are counted, not findings",
                run.non_fail
            ));
        }
        if run.dangling > 0 {
            self.notes.push(format!(
                "{label}: {} result(s) reference a rule the run does not define; their rule \
                 data is missing and the level defaults apply",
                run.dangling
            ));
        }
        if run.bad_scores.count > 0 {
            self.notes.push(format!(
                "{label}: {} result(s) carry a `security-severity` that is not a score in \
                 0..10 (e.g. {}); the level decided their severity",
                run.bad_scores.count,
                run.bad_scores.list()
            ));
        }
        if run.odd_levels.count > 0 {
            self.notes.push(format!(
                "{label}: {} result(s) have a non-standard `level` (e.g. {}); their severity \
                 is unknown",
                run.odd_levels.count,
                run.odd_levels.list()
            ));
        }
    }
}

/// Events per batch handed from the reading thread to the converting one, and batches in
/// flight: enough to keep both busy, a few MB at most.
const BATCH: usize = 1024;
const BATCHES_IN_FLIGHT: usize = 2;

/// What pass 2 reads, in document order, for the runs pass 1 knows.
enum Event<'de> {
    /// A `runs` key: whatever an earlier one gave is dropped (the last one counts, as in
    /// pass 1).
    Runs,
    /// Run `i`'s object starts.
    RunStart(usize),
    /// A `results` key of the current run (a repeat drops what the earlier one gave).
    Results(ResultsState),
    /// One result of the current run.
    Result(Box<RawResult<'de>>),
    /// The current run's object ends.
    RunEnd,
    /// Single pass only: run `i`'s context (everything but its results), sent when its
    /// `results` key is reached, or at its end when it has none; its events follow.
    Context(usize, Arc<RunInfo<'de>>),
    /// Single pass only: as `Context`, the context being in slot `i` (see [`SHARED_RUNS`]).
    SharedContext(usize),
    /// Single pass only: results of the current run that the reading thread converted itself.
    Converted(Box<Converted>),
}

/// Results converted by the single pass's reading thread (see [`Helper`]), in order.
struct Converted {
    findings: Vec<Box<Finding>>,
    /// Their tallies, recorded to be absorbed into the run's.
    tally: RunAcc,
    /// Where the last of them was in the input (an address, for [`super::Release::consumed`]).
    consumed: Option<usize>,
}

/// The `DeserializeSeed` of a seed over a [`Sink`] that is its own visitor: it asks the
/// deserializer for the given shape and visits it.
macro_rules! seed_via_visitor {
    ($seed:ident => $value:ty, $shape:ident) => {
        impl<'de, K: Sink<'de>> DeserializeSeed<'de> for $seed<'_, K> {
            type Value = $value;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$value, D::Error> {
                d.$shape(self)
            }
        }
    };
}

/// Where the reader puts events: applied at once, batched to another thread, or dropped.
trait Sink<'de> {
    fn push(&mut self, event: Event<'de>);

    /// An emptied result box to read the next result into, when the sink has one back.
    fn recycled(&mut self) -> Option<Box<RawResult<'de>>> {
        None
    }
}

/// Turns events into findings and notes.
struct Applier<'c, 'r> {
    runs: &'c [RunCtx<'r>],
    input: &'c Text,
    release: &'c Release,
    acc: Acc,
    current: usize,
    run: RunAcc,
}

impl<'c, 'r> Applier<'c, 'r> {
    fn new(runs: &'c [RunCtx<'r>], ctx: &'c ParseContext, capacity: usize) -> Self {
        let mut acc = Acc::default();
        let _ = acc.findings.try_reserve_exact(capacity);
        Applier {
            runs,
            input: &ctx.input,
            release: &ctx.release,
            acc,
            current: 0,
            run: RunAcc::default(),
        }
    }

    fn apply(&mut self, event: Event<'_>) {
        let acc = &mut self.acc;
        match event {
            Event::Runs => {
                acc.findings.clear();
                acc.non_fail = 0;
                acc.notes.clear();
            }
            Event::RunStart(i) => {
                self.current = i;
                self.run = RunAcc {
                    findings_start: acc.findings.len(),
                    ..RunAcc::default()
                };
            }
            Event::Results(state) => {
                acc.findings.truncate(self.run.findings_start);
                self.run = RunAcc {
                    findings_start: self.run.findings_start,
                    state,
                    ..RunAcc::default()
                };
            }
            Event::Result(mut raw) => {
                if let Some(at) = raw.rule_id.position().or(raw.message.text.position()) {
                    self.release.consumed(at);
                }
                // The reader only reports runs pass 1 knows.
                if let Some(ctx) = self.runs.get(self.current)
                    && let Some(f) = convert(&mut raw, ctx, self.input, &mut self.run)
                {
                    acc.findings.push(Box::new(f));
                }
            }
            Event::RunEnd => {
                if let Some(ctx) = self.runs.get(self.current) {
                    acc.finish_run(ctx, std::mem::take(&mut self.run));
                }
            }
            // Only the single pass sends these, and it has no applier.
            Event::Context(..) | Event::SharedContext(_) | Event::Converted(_) => {}
        }
    }
}

impl<'de> Sink<'de> for Applier<'_, '_> {
    fn push(&mut self, event: Event<'de>) {
        self.apply(event);
    }
}

/// Reading again only to find where the log is wrong.
struct Discard;

impl<'de> Sink<'de> for Discard {
    fn push(&mut self, _: Event<'de>) {}
}

/// Hands events to the converting thread in batches, reusing the vectors it sends back.
struct Batcher<'de, 's> {
    batch: Vec<Event<'de>>,
    tx: std::sync::mpsc::SyncSender<Vec<Event<'de>>>,
    spare: std::sync::mpsc::Receiver<Vec<Event<'de>>>,
    /// Result boxes the converting thread is done with (single pass; see [`ResultBoxes`]).
    returned: Option<std::sync::mpsc::Receiver<Vec<Box<RawResult<'de>>>>>,
    /// Boxes to read results into: emptied here, so what they held is freed by the thread
    /// that allocated it.
    pool: Vec<Box<RawResult<'de>>>,
    /// The single pass only: converts batches itself when the converting thread is behind.
    helper: Option<Helper<'de, 's>>,
}

impl<'de> Batcher<'de, '_> {
    fn flush(&mut self) {
        use std::sync::mpsc::TrySendError;
        if self.batch.is_empty() {
            return;
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        let mut full = std::mem::replace(&mut self.batch, next);
        if let Some(helper) = &mut self.helper {
            let eager = helper.eager;
            if !eager {
                // The receiver only goes away when the converting side panicked; that panic is
                // re-raised there.
                match self.tx.try_send(full) {
                    Err(TrySendError::Full(back)) => full = back,
                    Ok(()) | Err(TrySendError::Disconnected(_)) => return,
                }
            }
            // Both batches in flight are waiting: convert this one here rather than wait.
            helper.convert(&mut full, &mut self.pool);
        }
        let _ = self.tx.send(full);
    }
}

impl<'de> Sink<'de> for Batcher<'de, '_> {
    fn push(&mut self, event: Event<'de>) {
        let event = match (&mut self.helper, event) {
            (Some(helper), Event::Context(index, info)) => helper.share(index, info),
            (Some(helper), Event::RunEnd) => {
                helper.run = None;
                Event::RunEnd
            }
            (_, event) => event,
        };
        self.batch.push(event);
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn recycled(&mut self) -> Option<Box<RawResult<'de>>> {
        if self.pool.is_empty()
            && let Some(boxes) = self.returned.as_ref().and_then(|r| r.try_recv().ok())
        {
            self.pool = boxes;
        }
        let mut raw = self.pool.pop()?;
        raw.empty();
        Some(raw)
    }
}

/// Runs' contexts that both threads of the single pass use are held in slots, one per run for
/// the first `SHARED_RUNS` runs: the reading thread puts each run's [`RunInfo`] in its slot,
/// the converting thread builds the run's [`RunCtx`] in the matching one once, and the reading
/// thread converts results with that same context when it helps (the same shared rule texts,
/// the same scanner). Logs rarely have more runs; the others are read as before.
const SHARED_RUNS: usize = 16;

fn shared_slots<T>() -> Vec<std::sync::OnceLock<T>> {
    (0..SHARED_RUNS)
        .map(|_| std::sync::OnceLock::new())
        .collect()
}

/// The reading thread's share of converting, in the single pass: the converting thread sets
/// the pace (it builds each finding and its fingerprint) while the reading thread waits on it
/// for ~15 % of the time (perf, issue 7). When both batches in flight are still waiting, the
/// reading thread converts the next batch itself, with the run's shared context, and sends the
/// findings with their tallies in its place; the converting thread adds them in order. The
/// report is the same whichever thread converted a result: the same code on the same context,
/// the tallies absorbed in order ([`RunAcc::absorb`]); titles are shared per thread.
struct Helper<'de, 's> {
    infos: &'s [std::sync::OnceLock<RunInfo<'de>>],
    contexts: &'s [std::sync::OnceLock<RunCtx<'s>>],
    input: Text,
    /// The run whose results are being read, when its context is in a slot.
    run: Option<usize>,
    /// This thread's titles of the run (see [`RunAcc::titles`]).
    titles: SharedTexts,
    /// Converts every batch it can (tests).
    eager: bool,
    /// Batches converted here.
    converted: usize,
}

impl<'de> Helper<'de, '_> {
    /// The event that tells the converting thread about run `index`'s context: in a slot when
    /// one is free.
    fn share(&mut self, index: usize, info: Arc<RunInfo<'de>>) -> Event<'de> {
        self.run = None;
        self.titles = SharedTexts::default();
        let Some(slot) = self.infos.get(index) else {
            return Event::Context(index, info);
        };
        let info = match Arc::try_unwrap(info) {
            Ok(info) => info,
            Err(info) => return Event::Context(index, info),
        };
        match slot.set(info) {
            Ok(()) => {
                self.run = Some(index);
                Event::SharedContext(index)
            }
            Err(info) => Event::Context(index, Arc::new(info)),
        }
    }

    /// Converts `batch` in place when it holds only results of the current run and the
    /// converting thread has built the run's context; otherwise leaves it.
    fn convert(&mut self, batch: &mut Vec<Event<'de>>, pool: &mut Vec<Box<RawResult<'de>>>) {
        let Some(ctx) = self.run.and_then(|i| self.contexts.get(i)?.get()) else {
            return;
        };
        if !batch.iter().all(|e| matches!(e, Event::Result(_))) {
            return;
        }
        let mut tally = RunAcc::recording(std::mem::take(&mut self.titles));
        let mut findings = Vec::with_capacity(batch.len());
        let mut consumed = None;
        for event in batch.drain(..) {
            if let Event::Result(mut raw) = event {
                if let Some(at) = raw.rule_id.position().or(raw.message.text.position()) {
                    consumed = Some(at as usize);
                }
                if let Some(f) = convert(&mut raw, ctx, &self.input, &mut tally) {
                    findings.push(Box::new(f));
                }
                pool.push(raw);
            }
        }
        self.titles = std::mem::take(&mut tally.titles);
        self.converted += 1;
        batch.push(Event::Converted(Box::new(Converted {
            findings,
            tally,
            consumed,
        })));
    }
}

/// Pass 2. A large log is read on two threads: this one converts results while a scoped
/// thread deserialises the next ones (borrowed from `bytes`) and hands them over in order, in
/// bounded batches, so the findings come out exactly as one thread would make them.
fn read_results(
    bytes: &[u8],
    runs: &[RunCtx<'_>],
    ctx: &ParseContext,
    capacity: usize,
    pipeline: bool,
) -> Result<Acc, IngestError> {
    let mut applier = Applier::new(runs, ctx, capacity);
    let outcome = if pipeline {
        read_pipelined(bytes, runs.len(), &mut applier)
    } else {
        None
    };
    let outcome = outcome.unwrap_or_else(|| {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        (TopSeed {
            runs: runs.len(),
            sink: &mut applier,
        })
        .deserialize(&mut de)
    });
    let first = match outcome {
        Ok(()) => return Ok(applier.acc),
        Err(e) => e,
    };
    // Read again with path tracking to say where (only on the error path).
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut track = serde_path_to_error::Track::new();
    let outcome = TopSeed {
        runs: runs.len(),
        sink: &mut Discard,
    }
    .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    let path = outcome.err().map(|_| super::json::json_path(&track.path()));
    Err(IngestError::json(&first, path))
}

/// The two-thread reading of [`read_results`]; `None` when no thread could be started.
fn read_pipelined(
    bytes: &[u8],
    runs: usize,
    applier: &mut Applier<'_, '_>,
) -> Option<Result<(), serde_json::Error>> {
    use std::sync::mpsc;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<Event<'_>>>(BATCHES_IN_FLIGHT);
        let (spare_tx, spare_rx) = mpsc::channel();
        let reader = std::thread::Builder::new()
            .name("sarif-reader".into())
            .spawn_scoped(scope, move || {
                let mut sink = Batcher {
                    batch: Vec::with_capacity(BATCH),
                    tx,
                    spare: spare_rx,
                    returned: None,
                    pool: Vec::new(),
                    helper: None,
                };
                let mut de = serde_json::Deserializer::from_slice(bytes);
                let outcome = (TopSeed {
                    runs,
                    sink: &mut sink,
                })
                .deserialize(&mut de);
                if outcome.is_ok() {
                    sink.flush();
                }
                outcome
            })
            .ok()?;
        for mut batch in rx {
            for event in batch.drain(..) {
                applier.apply(event);
            }
            // Back for reuse; the reader may have finished already.
            let _ = spare_tx.send(batch);
        }
        match reader.join() {
            Ok(outcome) => Some(outcome),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The single pass
// ---------------------------------------------------------------------------------------------

/// Reads a large log once instead of twice, when its shape allows: every run's `tool` (and
/// `originalUriBaseIds`, `artifacts`, `logicalLocations`) before its `results`, as CodeQL,
/// Trivy's template and most producers write them, each key once. A scoped thread reads the
/// whole log and sends each run's context as its `results` key is reached, then its results;
/// this thread converts them with exactly the code and the context of pass 2, so the report
/// is the one the two passes make.
///
/// `None` when the log is not of that shape (results before the tool, as Semgrep writes them;
/// a context key after the results; a repeated key) or has any error: the two passes then read
/// it, and they report errors with their position. Work done before giving up is dropped.
fn read_single_pass(bytes: &[u8], ctx: &ParseContext) -> Option<ParsedReport> {
    read_single_pass_with(bytes, ctx, false).map(|(report, _)| report)
}

/// [`read_single_pass`], and how many batches the reading thread converted; with
/// `eager_help`, it converts every batch it can (see [`Helper`]; tests).
fn read_single_pass_with(
    bytes: &[u8],
    ctx: &ParseContext,
    eager_help: bool,
) -> Option<(ParsedReport, usize)> {
    use std::sync::mpsc;
    // Reading bytes, serde_json checks that each borrowed string is UTF-8 (~7 % of the reading
    // thread, which sets the pace); reading a `str` it does not. One SIMD check of the whole
    // log costs ~10 ms per 200 MB, and mapping its pages in as much again. Not UTF-8: the two
    // passes read it and say where.
    let text = super::source::utf8_on_two_cores(bytes)?;
    let infos: Vec<std::sync::OnceLock<RunInfo<'_>>> = shared_slots();
    let contexts: Vec<std::sync::OnceLock<RunCtx<'_>>> = shared_slots();
    let (infos, contexts) = (&infos[..], &contexts[..]);
    let (log, converted) = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<Event<'_>>>(BATCHES_IN_FLIGHT);
        // Batches are not handed back: there are few, and this side keeps no buffer. The
        // result boxes are (see `ResultBoxes`).
        let (_spare_tx, spare_rx) = mpsc::channel();
        let (boxes_tx, boxes_rx) = mpsc::channel();
        let reader = std::thread::Builder::new()
            .name("sarif-reader".into())
            .spawn_scoped(scope, move || {
                let mut sink = Batcher {
                    batch: Vec::with_capacity(BATCH),
                    tx,
                    spare: spare_rx,
                    returned: Some(boxes_rx),
                    pool: Vec::new(),
                    helper: Some(Helper {
                        infos,
                        contexts,
                        input: Text::clone(&ctx.input),
                        run: None,
                        titles: SharedTexts::default(),
                        eager: eager_help,
                        converted: 0,
                    }),
                };
                let mut de = serde_json::Deserializer::from_str(text);
                let log = SingleTop { sink: &mut sink }.deserialize(&mut de);
                let log = log.and_then(|log| de.end().map(|()| log));
                if log.is_ok() {
                    sink.flush();
                }
                (log, sink.helper.map_or(0, |h| h.converted))
            })
            .ok()?;
        let mut converted = convert_single_pass(
            &mut EventStream {
                rx,
                batch: Vec::new().into_iter(),
                done: ResultBoxes::new(boxes_tx),
            },
            ctx,
            (infos, contexts),
        );
        match reader.join() {
            Ok((log, helped)) => {
                converted.helped = helped;
                Some((log.ok()?, converted))
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })?;
    // The checks of the two passes, on what the single pass saw.
    let version = log.version.get().map(str::trim);
    if version.is_some_and(|v| v != SUPPORTED_VERSION) || log.runs.is_none() {
        return None;
    }
    let mut notes = Vec::new();
    if version.is_none() {
        if !log.schema.get().is_some_and(|s| s.contains("2.1.0")) {
            return None;
        }
        notes.push(
            "the log has no `version`; read as SARIF 2.1.0 because its `$schema` says so"
                .to_owned(),
        );
    }
    let SinglePassRuns {
        notes: run_notes,
        scanners,
        acc,
        helped,
    } = converted;
    notes.extend(run_notes);
    Some((report(notes, scanners, acc), helped))
}

/// What the converting side of the single pass made.
#[derive(Default)]
struct SinglePassRuns {
    /// Notes from the runs' contexts, in run order.
    notes: Vec<String>,
    scanners: Vec<Scanner>,
    acc: Acc,
    /// Batches the reading thread converted (see [`Helper`]).
    helped: usize,
}

/// Events from the reading thread, one at a time; `None` once it has stopped.
struct EventStream<'de> {
    rx: std::sync::mpsc::Receiver<Vec<Event<'de>>>,
    batch: std::vec::IntoIter<Event<'de>>,
    done: ResultBoxes<'de>,
}

/// Result boxes converted here, handed back to the reading thread a batch at a time to read
/// later results into. Dropped here, a box and the texts the reader allocated for it were
/// freed across threads: mimalloc's slow path here and collecting the frees there were ~15 %
/// of both threads' time on a 10^6-result log (perf, issue 7).
struct ResultBoxes<'de> {
    boxes: Vec<Box<RawResult<'de>>>,
    back: std::sync::mpsc::Sender<Vec<Box<RawResult<'de>>>>,
}

impl<'de> ResultBoxes<'de> {
    fn new(back: std::sync::mpsc::Sender<Vec<Box<RawResult<'de>>>>) -> Self {
        ResultBoxes {
            boxes: Vec::with_capacity(BATCH),
            back,
        }
    }

    fn give_back(&mut self, raw: Box<RawResult<'de>>) {
        self.boxes.push(raw);
        if self.boxes.len() >= BATCH {
            let full = std::mem::replace(&mut self.boxes, Vec::with_capacity(BATCH));
            // The reader may have finished: the boxes are then dropped here after all.
            let _ = self.back.send(full);
        }
    }
}

impl<'de> EventStream<'de> {
    fn next(&mut self) -> Option<Event<'de>> {
        loop {
            if let Some(event) = self.batch.next() {
                return Some(event);
            }
            self.batch = self.rx.recv().ok()?.into_iter();
        }
    }
}

/// The converting side of the single pass: each run's context, then its results, converted
/// as pass 2 converts them.
fn convert_single_pass<'s, 'de: 's>(
    events: &mut EventStream<'de>,
    ctx: &ParseContext,
    (infos, contexts): (
        &'s [std::sync::OnceLock<RunInfo<'de>>],
        &'s [std::sync::OnceLock<RunCtx<'s>>],
    ),
) -> SinglePassRuns {
    let mut out = SinglePassRuns::default();
    while let Some(event) = events.next() {
        // Between runs the reader sends nothing but contexts.
        let own_info;
        let own_ctx;
        let run_ctx: &RunCtx<'_> = match event {
            Event::Context(index, info) => {
                own_info = info;
                own_ctx = RunCtx::new(index, &own_info, &mut out.notes);
                &own_ctx
            }
            Event::SharedContext(index) => {
                // The reader fills the slot before it sends the event.
                let (Some(info), Some(slot)) = (infos[index].get(), contexts.get(index)) else {
                    continue;
                };
                slot.get_or_init(|| RunCtx::new(index, info, &mut out.notes))
            }
            _ => continue,
        };
        let mut run = RunAcc {
            findings_start: out.acc.findings.len(),
            ..RunAcc::default()
        };
        while let Some(event) = events.next() {
            match event {
                Event::Results(state) => run.state = state,
                Event::Result(mut raw) => {
                    if let Some(at) = raw.rule_id.position().or(raw.message.text.position()) {
                        ctx.release.consumed(at);
                    }
                    if let Some(f) = convert(&mut raw, run_ctx, &ctx.input, &mut run) {
                        out.acc.findings.push(Box::new(f));
                    }
                    events.done.give_back(raw);
                }
                Event::Converted(converted) => {
                    if let Some(at) = converted.consumed {
                        ctx.release.consumed(at as *const u8);
                    }
                    out.acc.findings.extend(converted.findings);
                    run.absorb(&converted.tally);
                }
                Event::RunEnd => break,
                Event::Runs | Event::RunStart(_) | Event::Context(..) | Event::SharedContext(_) => {
                }
            }
        }
        out.acc.finish_run(run_ctx, run);
        out.scanners.push(Scanner::clone(&run_ctx.scanner));
    }
    out
}

/// The log as the single pass reads it: the version checks are made after the fact.
struct SinglePassLog<'a> {
    version: LStr<'a>,
    schema: LStr<'a>,
    /// The number of runs; `None` when `runs` is absent or null (the two passes say why).
    runs: Option<usize>,
}

/// Gives up the single pass (the two passes read the log).
fn not_single<E: de::Error>() -> E {
    E::custom("the log needs two passes")
}

struct SingleTop<'s, K> {
    sink: &'s mut K,
}

seed_via_visitor!(SingleTop => SinglePassLog<'de>, deserialize_map);

impl<'de, K: Sink<'de>> Visitor<'de> for SingleTop<'_, K> {
    type Value = SinglePassLog<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF log object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut log = SinglePassLog {
            version: LStr::default(),
            schema: LStr::default(),
            runs: None,
        };
        let mut runs_seen = false;
        while let Some(key) = map.next_key_seed(KeySeed(&["version", "$schema", "runs"]))? {
            match key {
                Some(0) => log.version = map.next_value()?,
                Some(1) => log.schema = map.next_value()?,
                Some(_) => {
                    if std::mem::replace(&mut runs_seen, true) {
                        return Err(not_single());
                    }
                    log.runs = map.next_value_seed(SingleRuns {
                        sink: &mut *self.sink,
                    })?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(log)
    }
}

struct SingleRuns<'s, K> {
    sink: &'s mut K,
}

seed_via_visitor!(SingleRuns => Option<usize>, deserialize_option);

impl<'de, K: Sink<'de>> Visitor<'de> for SingleRuns<'_, K> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of SARIF runs")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(SingleRun {
                index,
                sink: &mut *self.sink,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(Some(index))
    }
}

struct SingleRun<'s, K> {
    index: usize,
    sink: &'s mut K,
}

seed_via_visitor!(SingleRun => (), deserialize_map);

impl<'de, K: Sink<'de>> Visitor<'de> for SingleRun<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF run object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        const KEYS: &[&str] = &[
            "tool",
            "originalUriBaseIds",
            "artifacts",
            "logicalLocations",
            "results",
        ];
        let mut info = RunInfo::default();
        // Keys met (bit per entry of KEYS): a repeat gives the single pass up.
        let mut seen = 0u8;
        let mut sent = false;
        while let Some(key) = map.next_key_seed(KeySeed(KEYS))? {
            let Some(i) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if seen & (1 << i) != 0 {
                return Err(not_single());
            }
            seen |= 1 << i;
            if sent {
                // What converts a result must be complete when the results come, unless what
                // comes later would not have changed a thing: Trivy writes
                // `originalUriBaseIds` after the results, with only an absolute root, which
                // paths are never resolved against.
                let harmless = match i {
                    1 => map
                        .next_value::<LMap<'de, ArtifactLocation<'de>>>()?
                        .0
                        .iter()
                        .all(|(_, base)| base.uri.text().is_none_or(is_absolute_base)),
                    2 => map.next_value::<LVec<Artifact<'de>>>()?.0.is_empty(),
                    3 => map.next_value::<LVec<LogicalLocation<'de>>>()?.0.is_empty(),
                    _ => false,
                };
                if !harmless {
                    return Err(not_single());
                }
                continue;
            }
            match i {
                0 => info.tool = map.next_value()?,
                1 => info.bases = map.next_value()?,
                2 => info.artifacts = map.next_value()?,
                3 => info.logical = map.next_value()?,
                _ => {
                    if seen & 1 == 0 {
                        return Err(not_single());
                    }
                    let context = Arc::new(std::mem::take(&mut info));
                    self.sink.push(Event::Context(self.index, context));
                    sent = true;
                    map.next_value_seed(ResultsSeed {
                        sink: &mut *self.sink,
                    })?;
                }
            }
        }
        if !sent {
            self.sink.push(Event::Context(self.index, Arc::new(info)));
        }
        self.sink.push(Event::RunEnd);
        Ok(())
    }
}

/// The log object in pass 2: only `runs` is read.
struct TopSeed<'s, K> {
    /// How many runs pass 1 read.
    runs: usize,
    sink: &'s mut K,
}

seed_via_visitor!(TopSeed => (), deserialize_map);

impl<'de, K: Sink<'de>> Visitor<'de> for TopSeed<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF log object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key_seed(KeySeed(&["runs"]))? {
            if key.is_some() {
                // A repeated `runs` key: the last one counts (pass 1 read that one).
                self.sink.push(Event::Runs);
                map.next_value_seed(RunsSeed {
                    runs: self.runs,
                    sink: &mut *self.sink,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct RunsSeed<'s, K> {
    runs: usize,
    sink: &'s mut K,
}

seed_via_visitor!(RunsSeed => (), deserialize_any);

impl<'de, K: Sink<'de>> Visitor<'de> for RunsSeed<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of SARIF runs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let seed = RunSeed {
                index: Some(i).filter(|i| *i < self.runs),
                sink: &mut *self.sink,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }
    // Pass 1 rejected every other shape of the `runs` that counts; an earlier duplicate of
    // the key is skipped whatever it holds.
    skip_visits!((); bool, numbers, str, null, map);
}

struct RunSeed<'s, K> {
    /// `None` for a run pass 1 does not know (in an earlier, repeated `runs`).
    index: Option<usize>,
    sink: &'s mut K,
}

seed_via_visitor!(RunSeed => (), deserialize_any);

impl<'de, K: Sink<'de>> Visitor<'de> for RunSeed<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF run object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let Some(index) = self.index else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        let sink = self.sink;
        sink.push(Event::RunStart(index));
        while let Some(key) = map.next_key_seed(KeySeed(&["results"]))? {
            if key.is_none() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            // A repeated `results` key: the last one counts.
            map.next_value_seed(ResultsSeed { sink: &mut *sink })?;
        }
        sink.push(Event::RunEnd);
        Ok(())
    }
    skip_visits!((); bool, numbers, str, null, seq);
}

struct ResultsSeed<'s, K> {
    sink: &'s mut K,
}

seed_via_visitor!(ResultsSeed => (), deserialize_option);

impl<'de, K: Sink<'de>> Visitor<'de> for ResultsSeed<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of SARIF results")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.sink.push(Event::Results(ResultsState::Null));
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.sink.push(Event::Results(ResultsState::Array));
        while let Some(raw) = seq.next_element_seed(BoxedResult(self.sink.recycled()))? {
            self.sink.push(Event::Result(raw));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// One result → one finding
// ---------------------------------------------------------------------------------------------

/// `raw` is taken by reference so that its ~800 bytes are not copied out of their box; the
/// fingerprint lists are moved out of it.
fn convert(
    raw: &mut RawResult<'_>,
    ctx: &RunCtx<'_>,
    input: &Text,
    run: &mut RunAcc,
) -> Option<Finding> {
    // Spec: kind defaults to `fail`; every other kind is not a problem report.
    if raw.kind.get().is_some_and(|k| k != "fail") {
        run.non_fail += 1;
        return None;
    }
    let resolved = resolve_rule(ctx, raw);
    if resolved.dangling {
        run.dangling += 1;
    }
    let rule = resolved.rule;
    let component = resolved
        .component
        .and_then(|c| ctx.components.get(c))
        .or(ctx.components.first());

    // The result's tags, then its rule's (prepared once per rule); copied once below.
    let rule_tags = rule.map_or(&[][..], |r| &r.tags[..]);
    let tag_refs: Cow<'_, [&str]> = if raw.properties.tags.0.is_empty() {
        Cow::Borrowed(rule_tags)
    } else {
        let mut all = Vec::new();
        push_tags(&raw.properties.tags.0, &mut all);
        for tag in rule_tags {
            if !all.contains(tag) {
                all.push(tag);
            }
        }
        Cow::Owned(all)
    };
    let has_tag = |name: &str| tag_refs.iter().any(|t| t.eq_ignore_ascii_case(name));
    let secret = ctx.family.secrets || has_tag("secret") || has_tag("secrets");

    let message = message_text(&raw.message, rule, component, ctx.components.first());

    // Gitleaks 7 names the rule only in the message: `<rule id> secret detected`.
    let text_rule = match rule {
        None if secret && raw.rule_id.text().is_none() && raw.rule.id.text().is_none() => {
            message.as_deref().and_then(|m| rule_named_in(ctx, m))
        }
        other => other,
    };

    let rule_id = raw
        .rule_id
        .text()
        .or(raw.rule.id.text())
        .or(text_rule.and_then(|r| r.raw.id.text()))
        .unwrap_or("");
    // The rule's own copy when the result names it by its id, as nearly all do.
    let rule_id: Text = match text_rule.and_then(|r| r.id.as_ref()) {
        Some(id) if **id == *rule_id => Text::clone(id),
        _ => Text::from(rule_id),
    };

    // Advisory ids: the result's rule id, the rule's id, then tags (rule-level ones cached).
    let mut vuln_ids = Vec::new();
    match text_rule {
        Some(r) if r.raw.id.text() == Some(&*rule_id) => {
            vuln_ids.extend(r.id_vuln_ids.iter().cloned());
        }
        Some(r) => {
            extract_vuln_ids(&rule_id, &mut vuln_ids);
            for id in &r.id_vuln_ids {
                if !vuln_ids.contains(id) {
                    vuln_ids.push(id.clone());
                }
            }
        }
        None => extract_vuln_ids(&rule_id, &mut vuln_ids),
    }
    let id_has_advisory = !vuln_ids.is_empty();
    for tag in &raw.properties.tags.0 {
        extract_vuln_ids(tag, &mut vuln_ids);
    }
    for id in rule.iter().flat_map(|r| &r.tag_vuln_ids) {
        if !vuln_ids.contains(id) {
            vuln_ids.push(id.clone());
        }
    }

    let kind = if secret {
        FindingKind::Secret
    } else if id_has_advisory
        || ctx.family.dependencies
        || (ctx.family.trivy && has_tag("vulnerability"))
    {
        FindingKind::Vulnerability
    } else if ctx.family.trivy && has_tag("misconfiguration") {
        FindingKind::Misconfiguration
    } else if ctx.family.trivy && has_tag("license") {
        FindingKind::License
    } else {
        FindingKind::Code
    };

    let (severity, severity_source) = severity_of(raw, rule, run);
    let confidence = raw
        .properties
        .precision
        .text()
        .or(rule.and_then(|r| r.raw.properties.precision.text()))
        .and_then(confidence_of);

    // Title and description.
    let rule_title = text_rule.and_then(|r| {
        r.raw
            .short
            .text
            .text()
            .or(r.raw.name.text())
            .or(r.raw.id.text())
    });
    let message_title = message.as_deref().map(first_line).filter(|t| !t.is_empty());
    let title: Cow<'_, str> = if secret {
        rule_title
            .map(first_line)
            .or(Some(&*rule_id).filter(|id| !id.is_empty()))
            .map(Cow::Borrowed)
            .unwrap_or_else(|| format!("secret found by {}", ctx.scanner.name).into())
    } else {
        message_title
            .or(rule_title.map(first_line))
            .or(Some(&*rule_id).filter(|id| !id.is_empty()))
            .map(Cow::Borrowed)
            .unwrap_or_else(|| format!("result of {}", ctx.scanner.name).into())
    };
    let description = text_rule
        .and_then(|r| r.full_description.clone())
        .or_else(|| {
            // A multi-line message says more than its first line: keep it (never for secrets).
            message
                .as_deref()
                .filter(|m| !secret && crate::text::trim(m) != title)
                .map(|m| Text::from(crate::text::trim(m)))
        })
        .or_else(|| {
            text_rule
                .and_then(|r| r.short_description.clone())
                .filter(|d| crate::text::trim(d) != title)
        });

    // Location.
    let mut location = Location::default();
    let mut identity_path = Cow::Borrowed("");
    let mut snippet_for_identity: Option<&str> = None;
    if let Some(loc) = &raw.location.0 {
        let phys = &loc.physical;
        let (uri, base_id) = match phys.artifact.uri.text() {
            Some(uri) => (Some(uri), phys.artifact.base_id.text()),
            None => match phys
                .artifact
                .index
                .index()
                .and_then(|i| ctx.artifacts.get(i))
            {
                Some(a) => (a.location.uri.text(), a.location.base_id.text()),
                None => (None, None),
            },
        };
        let snippet = phys
            .region
            .snippet
            .text
            .get()
            .filter(|s| !crate::text::trim(s).is_empty());
        snippet_for_identity = snippet;
        if let Some(uri) = uri {
            let shown = display_uri(uri);
            let r = &phys.region;
            let region = Region {
                start_line: r.start_line.0,
                start_column: r.start_column.0,
                end_line: r.end_line.0,
                end_column: r.end_column.0,
            };
            location.file = Some(Box::new(FileLocation {
                path: resolve_uri(uri, base_id, ctx.bases)
                    .unwrap_or_else(|| shown.clone().into_owned()),
                region: Some(region).filter(|r| *r != Region::default()),
                snippet: if secret {
                    None
                } else {
                    snippet.map(str::to_owned)
                },
            }));
            identity_path = shown;
        } else if let Some(name) = logical_name(loc.logical.0.as_ref(), ctx) {
            identity_path = Cow::Borrowed(name);
            location.target = Some(name.into());
        }
    }

    // SARIF has no field for a dependency's package and installed version; Trivy and Grype
    // write them into the message. Correlation and `package` rules need them.
    if kind == FindingKind::Vulnerability
        && let Some((name, version, path)) = message.as_deref().and_then(package_from_message)
    {
        location.package = Some(Box::new(PackageLocation {
            name,
            version: Some(version),
            path,
            ..PackageLocation::default()
        }));
    }

    // Tool fingerprints.
    // Borrowed: the strings stay in the result box, which goes back to the reading thread
    // for reuse (freed here, they were freed across threads).
    let mut tool_fingerprints: Vec<&str> = raw
        .partial_fingerprints
        .entries()
        .iter()
        .chain(raw.fingerprints.entries())
        .map(String::as_str)
        .collect();
    tool_fingerprints.sort_unstable();
    tool_fingerprints.dedup();
    if secret {
        // Per-result values a secret scanner writes (ggshield: a hash of the secret) may be,
        // or lead back to, the secret: never carried.
        tool_fingerprints.clear();
    }

    let mut fp = Fingerprint::builder("code")
        .field(&ctx.tool_lower)
        .field(&rule_id)
        .field(&identity_path);
    // Secrets: never hash the snippet (it is the secret; a weak one could be guessed back from
    // its hash). Rule + path + start line identify a leaked credential well enough.
    fp = match (secret, snippet_for_identity, tool_fingerprints.first()) {
        (true, _, _) => {
            let line = location
                .file
                .as_ref()
                .and_then(|f| f.region)
                .and_then(|r| r.start_line)
                .map(|l| l.to_string())
                .unwrap_or_default();
            fp.field("secret-line").field(&line)
        }
        (_, _, Some(tool)) => fp.field("tool").field(tool),
        (_, Some(snippet), None) => fp.field("snippet").text(snippet),
        (_, None, None) => fp.field("message").text(message.as_deref().unwrap_or("")),
    };

    // CWEs: the rule's, shared, unless the result names more.
    let mut own: Vec<u32> = Vec::new();
    cwes_from_tags(&raw.properties.tags.0, &mut own);
    cwes_from_tags(&raw.properties.cwe.0, &mut own);
    for taxon in &raw.taxa.0 {
        cwe_from_taxon(taxon, &mut own);
    }
    let rule_cwes = text_rule.map(|r| &r.cwes);
    let cwes: Arc<[u32]> = match rule_cwes {
        Some(shared) if own.iter().all(|c| shared.binary_search(c).is_ok()) => Arc::clone(shared),
        _ => {
            own.extend(rule_cwes.into_iter().flat_map(|r| r.iter().copied()));
            own.sort_unstable();
            own.dedup();
            crate::model::cwe_list(own)
        }
    };

    // A result's own fix text may quote what it found: never for secrets (the rule's is fine).
    let solution = text_rule.and_then(|r| r.solution.clone()).or_else(|| {
        raw.fix
            .0
            .as_ref()
            .filter(|_| !secret)
            .and_then(|f| f.description.text.text())
            .map(Text::from)
    });

    // Results of one rule often say the same thing: one copy per run.
    let title = run.titles.share(&title);
    Some(Finding {
        fingerprint: fp.finish(),
        scanner: ctx.scanner.clone(),
        kind,
        rule_id,
        vuln_ids: vuln_ids.into(),
        title,
        description,
        severity,
        severity_source,
        confidence,
        location,
        fix: solution.map(|s| Fix {
            fixed_version: None,
            solution: Some(s),
        }),
        references: Default::default(),
        cwes,
        suppression: suppression_of(&raw.suppressions.0).map(Box::new),
        extra: Extra {
            rare: RareExtra {
                baseline_state: raw.baseline_state.text().map(str::to_owned),
                ..RareExtra::default()
            }
            .boxed(),
            tool_fingerprints: ToolFingerprints::new(tool_fingerprints),
            tags: match (&tag_refs, rule) {
                (Cow::Borrowed(_), Some(r)) => r.shared_tags.clone(),
                _ => tag_refs.iter().map(|t| (*t).to_owned()).collect(),
            },
            rule_name: text_rule.and_then(|r| r.name.clone()),
            help_uri: text_rule.and_then(|r| r.help_uri.clone()),
        },
        input: input.clone(),
    })
}

/// The driver rule whose id starts the message, followed by a space (longest id wins).
fn rule_named_in<'c, 'r>(ctx: &'c RunCtx<'r>, message: &str) -> Option<&'c RuleCtx<'r>> {
    let driver = ctx.components.first()?;
    driver
        .rules
        .iter()
        .filter(|r| {
            r.raw.id.text().is_some_and(|id| {
                message
                    .strip_prefix(id)
                    .is_some_and(|rest| rest.starts_with(' '))
            })
        })
        .max_by_key(|r| r.raw.id.text().map_or(0, str::len))
}

fn logical_name<'a>(
    logical: Option<&'a LogicalLocation<'a>>,
    ctx: &'a RunCtx<'_>,
) -> Option<&'a str> {
    let l = logical?;
    l.fqn.text().or(l.name.text()).or_else(|| {
        let run_level = ctx.logical.get(l.index.index()?)?;
        run_level.fqn.text().or(run_level.name.text())
    })
}

/// The message text: `text`, else the rule's `messageStrings[id]` (then the component's, then
/// the driver's `globalMessageStrings[id]`) with arguments filled, else `markdown`.
fn message_text<'m>(
    msg: &'m Message<'_>,
    rule: Option<&RuleCtx<'_>>,
    component: Option<&ComponentCtx<'_>>,
    driver: Option<&ComponentCtx<'_>>,
) -> Option<Cow<'m, str>> {
    if let Some(text) = msg.text.get().filter(|t| !crate::text::trim(t).is_empty()) {
        return Some(Cow::Borrowed(text));
    }
    if let Some(id) = msg.id.text() {
        let template = rule
            .and_then(|r| r.raw.messages.get(id))
            .or_else(|| component.and_then(|c| c.global_messages.get(id)))
            // Lenient: the driver's strings also serve rules of extensions.
            .or_else(|| driver.and_then(|c| c.global_messages.get(id)))
            .and_then(|m| m.text.get().or(m.markdown.get()));
        if let Some(template) = template {
            return Some(Cow::Owned(fill_arguments(template, &msg.arguments.0)));
        }
    }
    msg.markdown
        .get()
        .filter(|t| !crate::text::trim(t).is_empty())
        .map(Cow::Borrowed)
}

/// Fills `{n}` placeholders (SARIF §3.11.5); `{{` and `}}` are literal braces; a placeholder
/// without an argument is kept as written.
fn fill_arguments(template: &str, args: &[LStr<'_>]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let closed = digits > 0 && after[digits..].starts_with('}');
            if closed {
                let arg = after[..digits]
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| args.get(n))
                    .and_then(LStr::get);
                match arg {
                    Some(a) => out.push_str(a),
                    None => out.push_str(&tail[..digits + 2]),
                }
                rest = &after[digits + 1..];
            } else {
                out.push('{');
                rest = after;
            }
        } else {
            out.push('}');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Appends `tags` trimmed, skipping blanks and tags already in `out`.
fn push_tags<'a>(tags: &'a [Cow<'_, str>], out: &mut Vec<&'a str>) {
    for tag in tags {
        let tag = crate::text::trim(tag);
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines()
        .map(crate::text::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// Severity and the field that decided it (see the module doc).
fn severity_of(
    raw: &RawResult<'_>,
    rule: Option<&RuleCtx<'_>>,
    run: &mut RunAcc,
) -> (Severity, SeveritySource) {
    let scores = std::iter::once((
        &raw.properties.security_severity,
        "sarif security-severity on result",
    ))
    .chain(rule.map(|r| {
        (
            &r.raw.properties.security_severity,
            "sarif security-severity on rule",
        )
    }));
    let mut bad_seen = false;
    for (score, field) in scores {
        let Some(raw_text) = &score.raw else { continue };
        match score.value.and_then(Severity::from_score) {
            Some(sev) => return (sev, SeveritySource::new(field, raw_text)),
            None if !bad_seen => {
                run.bad_scores.add(raw_text);
                bad_seen = true;
            }
            None => {}
        }
    }
    let (level, field) = if let Some(level) = raw.level.text() {
        (level, "sarif level on result")
    } else if let Some(level) = rule.and_then(|r| r.raw.config.level.text()) {
        (level, "sarif defaultConfiguration.level on rule")
    } else {
        ("warning", "sarif default level")
    };
    let severity = level_severity(level);
    if severity == Severity::Unknown {
        run.odd_levels.add(level);
    }
    (
        severity,
        SeveritySource::new(field, &crate::text::truncate(level, 40)),
    )
}

fn level_severity(level: &str) -> Severity {
    let is = |name: &str| level.eq_ignore_ascii_case(name);
    if is("error") {
        Severity::High
    } else if is("warning") {
        Severity::Medium
    } else if is("note") {
        Severity::Low
    } else if is("none") {
        Severity::Info
    } else {
        Severity::Unknown
    }
}

fn confidence_of(precision: &str) -> Option<Confidence> {
    let is = |name: &str| precision.eq_ignore_ascii_case(name);
    if is("very-high") {
        Some(Confidence::Confirmed)
    } else if is("high") {
        Some(Confidence::High)
    } else if is("medium") {
        Some(Confidence::Medium)
    } else if is("low") {
        Some(Confidence::Low)
    } else {
        None
    }
}

fn suppression_of(suppressions: &[Suppression<'_>]) -> Option<ToolSuppression> {
    let first = suppressions.first()?;
    let accepted = suppressions
        .iter()
        .all(|s| s.status.get().is_none_or(|st| st == "accepted"));
    if !accepted {
        return None;
    }
    Some(ToolSuppression {
        kind: format!(
            "sarif suppression ({}, {})",
            first.kind.text().unwrap_or("unspecified"),
            first.status.text().unwrap_or("accepted")
        ),
        justification: suppressions
            .iter()
            .find_map(|s| s.justification.text())
            .map(str::to_owned),
    })
}

/// CWE numbers from tags that name a CWE (`external/cwe/cwe-079`, `CWE-79: …`); bare numbers
/// are not taken from tags.
fn cwes_from_tags(tags: &[Cow<'_, str>], out: &mut Vec<u32>) {
    for tag in tags {
        if tag
            .as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"cwe"))
            && let Some(n) = parse_cwe(tag)
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
}

/// A CWE from a taxonomy reference whose component is named `CWE`.
fn cwe_from_taxon(target: &DescriptorRef<'_>, out: &mut Vec<u32>) {
    if target
        .component
        .name
        .text()
        .is_some_and(|n| n.eq_ignore_ascii_case("cwe"))
        && let Some(n) = target.id.text().and_then(parse_cwe)
        && !out.contains(&n)
    {
        out.push(n);
    }
}

/// Advisory ids inside a rule id or tag: `CVE-YYYY-N…` and `GHSA-xxxx-xxxx-xxxx` wherever they
/// `(name, version, path)` of the package a dependency finding's message names, in Trivy's
/// shape (`Package: NAME` / `Installed Version: VERSION` lines) or Grype's (`The path PATH
/// reports NAME at version VERSION …`). `None` for any other message.
fn package_from_message(message: &str) -> Option<(String, String, Option<String>)> {
    let (mut name, mut version) = (None, None);
    for line in message.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Package:") {
            name = Some(v.trim());
        } else if let Some(v) = line.strip_prefix("Installed Version:") {
            version = Some(v.trim());
        }
    }
    if let (Some(n), Some(v)) = (name, version)
        && !n.is_empty()
        && !v.is_empty()
    {
        return Some((n.to_owned(), v.to_owned(), None));
    }
    let rest = message.trim().strip_prefix("The path ")?;
    let (path, rest) = rest.split_once(" reports ")?;
    let (name, rest) = rest.split_once(" at version ")?;
    let version = rest.split_whitespace().next()?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let path = path.trim();
    Some((
        name.to_owned(),
        version.to_owned(),
        (!path.is_empty()).then(|| path.to_owned()),
    ))
}

/// stand in a token (Grype appends the package: `CVE-2021-1234-log4j`), other advisory ids
/// (`GO-`, `RUSTSEC-`, distro ids, …) when a whole token is one and holds a digit (so a rule
/// named `temp-file-usage` is not a `TEMP-` advisory).
fn extract_vuln_ids(s: &str, out: &mut Vec<VulnId>) {
    let separators = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | ',' | ';' | '|' | '"' | '\'' | '/'
            )
    };
    for token in s.split(separators).filter(|t| !t.is_empty()) {
        let upper = token.to_ascii_uppercase();
        let id = embedded_id(&upper).or_else(|| {
            // A malformed CVE/GHSA id is no id at all.
            let other = !upper.contains("CVE-")
                && !upper.contains("GHSA-")
                && upper.bytes().any(|b| b.is_ascii_digit());
            other.then(|| VulnId::parse(token)).flatten()
        });
        if let Some(id) = id
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
}

/// `upper` is the token upper-cased.
fn embedded_id(upper: &str) -> Option<VulnId> {
    if let Some(pos) = upper.find("CVE-") {
        let rest = &upper[pos + 4..];
        let year: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if year.len() == 4 && rest[4..].starts_with('-') {
            let num: String = rest[5..].chars().take_while(char::is_ascii_digit).collect();
            if num.len() >= 4 {
                return VulnId::parse(&format!("CVE-{year}-{num}"));
            }
        }
    }
    if let Some(pos) = upper.find("GHSA-") {
        let rest = &upper[pos + 5..];
        let groups: Vec<&str> = rest.splitn(4, '-').take(3).collect();
        if groups.len() == 3
            && groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return VulnId::parse(&format!("GHSA-{}", groups.join("-")));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// URIs
// ---------------------------------------------------------------------------------------------

/// True for `scheme:` with a scheme of two or more characters (`C:` is a drive, not a scheme).
fn has_scheme(s: &str) -> bool {
    // Read up to the first byte a scheme cannot hold: a path stops at its first `/`, not at
    // its end (this runs for every result's location).
    let bytes = s.as_bytes();
    let scheme = bytes
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        .count();
    scheme >= 2 && bytes[0].is_ascii_alphabetic() && bytes.get(scheme) == Some(&b':')
}

/// A base URI paths are not resolved against (see [`resolve_uri`]).
fn is_absolute_base(base_uri: &str) -> bool {
    has_scheme(base_uri) || base_uri.starts_with('/')
}

/// Resolves `uri` against its `uriBaseId` through `originalUriBaseIds`, then shows it as a
/// path when it is a file; `None` when no base applies (the path is then `display_uri(uri)`).
fn resolve_uri(
    uri: &str,
    base_id: Option<&str>,
    bases: &LMap<'_, ArtifactLocation<'_>>,
) -> Option<String> {
    let uri = crate::text::trim(uri);
    if has_scheme(uri) || uri.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut next = base_id;
    for _ in 0..MAX_BASE_DEPTH {
        let Some(base) = next.and_then(|id| bases.get(id)) else {
            break;
        };
        let Some(base_uri) = base.uri.text() else {
            break;
        };
        if is_absolute_base(base_uri) {
            // An absolute root (`file:///home/runner/work/repo/`) is one machine's checkout:
            // keep the path relative to it, which is what code scanning, annotations and
            // baselines need, and what stays the same across runners.
            break;
        }
        parts.push(base_uri);
        next = base.base_id.text();
    }
    if parts.is_empty() {
        return None;
    }
    let mut joined = String::new();
    for part in parts.iter().rev() {
        joined.push_str(part);
        if !joined.ends_with('/') {
            joined.push('/');
        }
    }
    joined.push_str(uri);
    Some(display_uri(&joined).into_owned())
}

/// `file:` URIs as paths, other absolute URIs as they are, relative references decoded.
fn display_uri(uri: &str) -> Cow<'_, str> {
    let uri = crate::text::trim(uri);
    match uri.get(..5) {
        Some(scheme) if scheme.eq_ignore_ascii_case("file:") => {
            Cow::Owned(file_uri_to_path(&uri[5..]))
        }
        _ if has_scheme(uri) => Cow::Borrowed(uri),
        _ => percent_decode(uri),
    }
}

fn file_uri_to_path(rest: &str) -> String {
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        },
        None => ("", rest),
    };
    let path = percent_decode(path);
    if authority.is_empty() || authority.eq_ignore_ascii_case("localhost") {
        let bare = path.trim_start_matches('/');
        let b = bare.as_bytes();
        let drive = b.len() >= 2
            && b[0].is_ascii_alphabetic()
            && (b[1] == b':' || b[1] == b'|')
            && (b.len() == 2 || b[2] == b'/' || b[2] == b'\\');
        if drive {
            bare.to_owned()
        } else if path.starts_with('/') {
            format!("/{bare}")
        } else {
            bare.to_owned()
        }
    } else {
        format!("//{}{}", percent_decode(authority), path)
    }
}

/// Decodes `%XX` escapes; keeps the input when there are none or the result is not UTF-8.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(_) => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/sarif/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn ctx(name: &str) -> ParseContext {
        ParseContext {
            input: Text::from(name),
            release: Default::default(),
            cores_busy: false,
        }
    }

    fn parse_fixture(name: &str) -> ParsedReport {
        parse(&fixture(name), &ctx(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn parse_str(doc: &str) -> Result<ParsedReport, IngestError> {
        parse(doc.as_bytes(), &ctx("inline.sarif"))
    }

    /// The findings of `multi_run.sarif`, in file order.
    fn multi_run() -> ParsedReport {
        parse_fixture("multi_run.sarif")
    }

    fn source(f: &Finding) -> (&'static str, &str) {
        (f.severity_source.field(), f.severity_source.raw())
    }

    fn path(f: &Finding) -> &str {
        f.location
            .file
            .as_ref()
            .map_or("", |file| file.path.as_str())
    }

    #[test]
    fn multi_run_counts_findings_runs_and_non_fail_results() {
        let report = multi_run();
        assert_eq!(report.findings.len(), 11);
        assert_eq!(report.stats.non_fail_results, 4);
        assert_eq!(report.stats.runs, Some(2));
        let scanners: Vec<(&str, Option<&str>)> = report
            .scanners
            .iter()
            .map(|s| (&*s.name, s.version.as_deref()))
            .collect();
        assert_eq!(
            scanners,
            [("CodeScanner", Some("4.2.1")), ("Grype", Some("0.74.0"))]
        );
        assert!(
            report.findings[..9]
                .iter()
                .all(|f| &*f.scanner.name == "CodeScanner")
        );
        assert!(
            report.findings[9..]
                .iter()
                .all(|f| &*f.scanner.name == "Grype")
        );
        assert!(
            report
                .findings
                .iter()
                .all(|f| &*f.input == "multi_run.sarif")
        );
        let notes = report.stats.notes.join("\n");
        assert!(
            notes.contains("4 result(s) with a `kind` other than `fail`"),
            "{notes}"
        );
    }

    #[test]
    fn rules_resolve_by_index_id_extension_name_and_hierarchy() {
        let f = multi_run().findings;
        let rule_names: Vec<Option<&str>> =
            f.iter().map(|x| x.extra.rule_name.as_deref()).collect();
        assert_eq!(
            rule_names[..9],
            [
                Some("TaintedSqlQuery"),    // ruleIndex
                Some("UnusedVariable"),     // ruleId
                Some("HardcodedCryptoKey"), // rule.index in extension 0
                Some("WeakHash"),           // `CS3000/md5` falls back to `CS3000`
                None,                       // dangling `NOPE999`
                Some("InsecureRandom"),     // toolComponent by name, rule by id
                Some("TaintedSqlQuery"),
                Some("UnusedVariable"),
                Some("UnusedVariable"),
            ]
        );
        assert_eq!(
            &*f[2].rule_id, "SEC100",
            "rule.id stands in for a missing ruleId"
        );
        assert_eq!(&*f[3].rule_id, "CS3000/md5", "the result's own id is kept");
        assert_eq!(*f[3].cwes, [328], "CWE from the rule's relationships");
        assert_eq!(&*f[4].rule_id, "NOPE999");
        assert_eq!(
            &*f[4].title, "NOPE999",
            "no message, no rule: the id is the title"
        );
        assert_eq!(source(&f[4]), ("sarif default level", "warning"));
        let notes = multi_run().stats.notes.join("\n");
        assert!(
            notes.contains("1 result(s) reference a rule the run does not define"),
            "{notes}"
        );
    }

    #[test]
    fn severity_follows_security_severity_then_levels() {
        let f = multi_run().findings;
        let got: Vec<(Severity, &'static str, &str)> = f
            .iter()
            .map(|x| {
                (
                    x.severity,
                    x.severity_source.field(),
                    x.severity_source.raw(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Severity::High, "sarif security-severity on rule", "8.1"),
                (Severity::Info, "sarif level on result", "none"),
                // The result's score wins over the rule's 9.5.
                (Severity::Low, "sarif security-severity on result", "3.2"),
                (
                    Severity::Low,
                    "sarif defaultConfiguration.level on rule",
                    "note"
                ),
                (Severity::Medium, "sarif default level", "warning"),
                // A non-standard level is unknown, never info.
                (Severity::Unknown, "sarif level on result", "critical"),
                // "11" is out of range: the rule's score decides.
                (Severity::High, "sarif security-severity on rule", "8.1"),
                (Severity::Critical, "sarif security-severity on result", "9"),
                // "high" is not a number: the level decides.
                (Severity::Medium, "sarif level on result", "warning"),
                (
                    Severity::Critical,
                    "sarif security-severity on rule",
                    "10.0"
                ),
                (
                    Severity::Critical,
                    "sarif security-severity on rule",
                    "10.0"
                ),
            ]
        );
        let notes = multi_run().stats.notes.join("\n");
        assert!(notes.contains("2 result(s) carry a `security-severity` that is not a score"));
        assert!(notes.contains("`11`, `high`"), "{notes}");
        assert!(notes.contains("1 result(s) have a non-standard `level` (e.g. `critical`)"));
    }

    #[test]
    fn level_names_map_to_the_scale() {
        assert_eq!(level_severity("error"), Severity::High);
        assert_eq!(level_severity("Warning"), Severity::Medium);
        assert_eq!(level_severity("note"), Severity::Low);
        assert_eq!(level_severity("none"), Severity::Info);
        assert_eq!(level_severity("fatal"), Severity::Unknown);
        assert_eq!(level_severity(""), Severity::Unknown);
    }

    #[test]
    fn messages_titles_and_descriptions() {
        let f = multi_run().findings;
        assert_eq!(
            &*f[0].title,
            "Tainted value `user_id` reaches query at line 42."
        );
        assert_eq!(
            f[0].description.as_deref(),
            Some("Building SQL from user-controlled data allows SQL injection.")
        );
        assert_eq!(
            f[0].fix.as_ref().and_then(|x| x.solution.as_deref()),
            Some("Use parameterised queries.")
        );
        assert_eq!(
            f[0].extra.help_uri.as_deref(),
            Some("https://example.test/rules/CS1001")
        );
        // Multi-line message: first line is the title, the whole text the description.
        assert_eq!(&*f[1].title, "Variable 'tmp' is never used.");
        assert_eq!(
            f[1].description.as_deref(),
            Some("Variable 'tmp' is never used.\nRemove it or prefix it with an underscore.")
        );
        // Rule without full description, one-line message: the short description.
        assert_eq!(
            f[2].description.as_deref(),
            Some("Hard-coded cryptographic key")
        );
        // globalMessageStrings with `{{`/`}}` escapes and a missing argument.
        assert_eq!(
            &*f[5].title,
            "Rule SEC101 matched in tokens.py; {literal braces} and a missing {7}."
        );
        // Rule descriptions are shared, not copied, between findings of one rule.
        let (a, b) = (f[0].description.as_ref(), f[6].description.as_ref());
        assert!(Arc::ptr_eq(a.expect("desc"), b.expect("desc")));
    }

    #[test]
    fn fill_arguments_follows_the_spec() {
        let args = [LStr(Some("x".into())), LStr(None), LStr(Some("z".into()))];
        assert_eq!(fill_arguments("{0}-{2}", &args), "x-z");
        assert_eq!(fill_arguments("{1}{3}{}{a}", &args), "{1}{3}{}{a}");
        assert_eq!(fill_arguments("{{0}} }} {", &args), "{0} } {");
        assert_eq!(fill_arguments("é{0}é", &args), "éxé");
    }

    #[test]
    fn locations_resolve_bases_indexes_and_odd_numbers() {
        let f = multi_run().findings;
        assert_eq!(path(&f[0]), "src/app/db.py");
        let file = f[0].location.file.as_ref().expect("file");
        assert_eq!(
            file.region,
            Some(Region {
                start_line: Some(42),
                start_column: Some(9),
                end_line: Some(42),
                end_column: Some(61)
            })
        );
        assert!(
            file.snippet
                .as_deref()
                .is_some_and(|s| s.starts_with("cursor.execute"))
        );
        // artifactLocation by index into run.artifacts.
        assert_eq!(path(&f[1]), "src/app/db.py");
        assert_eq!(path(&f[3]), "lib/auth utils/hash.py", "percent-decoded");
        assert_eq!(
            f[4].location.target.as_deref(),
            Some("shop.billing.Invoice.total")
        );
        assert!(f[4].location.file.is_none());
        // Integers beyond 2^53 kept exactly; negative and non-integer values dropped.
        assert_eq!(
            f[6].location.file.as_ref().and_then(|x| x.region),
            Some(Region {
                start_line: Some(u64::MAX),
                start_column: None,
                end_line: None,
                end_column: Some(9_007_199_254_740_993)
            })
        );
        assert_eq!(
            path(&f[7]),
            "app/models.py",
            "undefined base: kept relative"
        );
        assert_eq!(path(&f[9]), "C:/build/my app/lib/log4j-core-2.14.1.jar");
    }

    #[test]
    fn uri_display_forms() {
        assert_eq!(display_uri("file:///home/a%20b/x.c"), "/home/a b/x.c");
        assert_eq!(display_uri("file:///C:/code/file1.c"), "C:/code/file1.c");
        assert_eq!(display_uri("file:////src/.venv/a.js"), "/src/.venv/a.js");
        assert_eq!(display_uri("file://localhost/etc/x"), "/etc/x");
        assert_eq!(
            display_uri("file://build.example.com/work/a.h"),
            "//build.example.com/work/a.h"
        );
        assert_eq!(display_uri("file:/opt/x"), "/opt/x");
        assert_eq!(display_uri("https://x.test/a%20b"), "https://x.test/a%20b");
        assert_eq!(display_uri("C:/x/y.c"), "C:/x/y.c");
        assert_eq!(display_uri("src/%E2%82%AC.py"), "src/€.py");
        assert_eq!(
            display_uri("src/%FF%zz.py"),
            "src/%FF%zz.py",
            "not UTF-8: kept"
        );
        let mut bases = LMap::default();
        let base = |uri: &'static str, id: Option<&'static str>| ArtifactLocation {
            uri: LStr(Some(uri.into())),
            base_id: LStr(id.map(Into::into)),
            index: LU64(None),
        };
        bases.0.push(("ROOT".into(), base("file:///w/", None)));
        bases.0.push(("SRC".into(), base(" src", Some("ROOT"))));
        bases.0.push(("LOOP".into(), base("a/", Some("LOOP"))));
        let resolve_uri = |uri: &str, id: Option<&str>, bases: &LMap<'_, ArtifactLocation<'_>>| {
            resolve_uri(uri, id, bases).unwrap_or_else(|| display_uri(uri).into_owned())
        };
        // The absolute root is one machine's checkout: paths stay relative to it.
        assert_eq!(resolve_uri("m.c", Some("SRC"), &bases), "src/m.c");
        assert_eq!(resolve_uri("m.c", Some("ROOT"), &bases), "m.c");
        assert_eq!(resolve_uri("/abs/m.c", Some("SRC"), &bases), "/abs/m.c");
        assert_eq!(resolve_uri("m.c", Some("NONE"), &bases), "m.c");
        // A cycle stops after MAX_BASE_DEPTH hops instead of looping.
        assert!(resolve_uri("m.c", Some("LOOP"), &bases).ends_with("a/m.c"));
    }

    /// A result box emptied for reuse reads the next result's fingerprints alone, into the
    /// buffers the last one left (small ones only).
    #[test]
    fn fingerprint_buffers_are_reused_without_their_entries() {
        let read_into = |list: &mut FpList, json: &str| {
            let mut de = serde_json::Deserializer::from_str(json);
            FpList::deserialize_in_place(&mut de, list).unwrap();
        };
        let mut list = FpList::default();
        let huge = "h".repeat(FP_BUFFER_KEPT + 1);
        read_into(
            &mut list,
            &format!(r#"{{"a": "1", "b": {{"c": "2"}}, "d": "{huge}"}}"#),
        );
        assert_eq!(list.entries(), ["a=1", "b.c=2", &format!("d={huge}")]);
        let small = list.buffers[0].as_ptr();
        let mut raw = RawResult {
            partial_fingerprints: list,
            ..RawResult::default()
        };
        raw.empty();
        let list = &mut raw.partial_fingerprints;
        assert!(list.entries().is_empty() && list.prefix.is_empty());
        assert_eq!(list.buffers.len(), 3, "kept for the next result");
        assert_eq!(list.buffers[2].capacity(), 0, "the huge one is not kept");
        read_into(list, r#"{"x": "9"}"#);
        assert_eq!(list.entries(), ["x=9"]);
        assert_eq!(list.buffers[0].as_ptr(), small, "its buffer reused");
    }

    #[test]
    fn tool_fingerprints_are_flattened_and_sorted() {
        let f = multi_run().findings;
        assert_eq!(
            f[0].extra.tool_fingerprints.iter().collect::<Vec<_>>(),
            [
                "context.hash=abc123",
                "context.lines[0]=41",
                "context.lines[1]=43",
                "context.window=3",
                "primaryLocationLineHash=39fa2ee980eb94b0:1",
            ]
        );
        assert_eq!(
            f[6].extra.tool_fingerprints.iter().collect::<Vec<_>>(),
            [
                "extra[0]=a",
                "extra[1].b=true",
                "primaryLocationLineHash=12345"
            ]
        );
        assert_eq!(
            f[3].extra.tool_fingerprints.iter().collect::<Vec<_>>(),
            ["contextHash/v1=5f1c0ffee"]
        );
    }

    #[test]
    fn fingerprints_use_tool_fingerprint_then_snippet_then_message() {
        let f = multi_run().findings;
        let expected = Fingerprint::builder("code")
            .field("codescanner")
            .field("CS1001")
            .field("app/db.py")
            .field("tool")
            .field("context.hash=abc123")
            .finish();
        assert_eq!(
            f[0].fingerprint, expected,
            "relative URI, first sorted tool fingerprint"
        );
        let snippet = Fingerprint::builder("code")
            .field("codescanner")
            .field("SEC100")
            .field("src/crypto/keys.py")
            .field("snippet")
            .text("KEY = b'0123456789abcdef'")
            .finish();
        assert_eq!(f[2].fingerprint, snippet);
        let message = Fingerprint::builder("code")
            .field("grype")
            .field("CVE-2021-44228-log4j-core")
            .field("C:/build/my app/lib/log4j-core-2.14.1.jar")
            .field("message")
            .text("The path /app/lib/log4j-core-2.14.1.jar reports log4j-core at version 2.14.1 which would result in a vulnerable (java-archive) package installed")
            .finish();
        assert_eq!(f[9].fingerprint, message);
        assert_ne!(f[9].fingerprint, f[10].fingerprint);
        let unique: std::collections::HashSet<_> = f.iter().map(|x| x.fingerprint).collect();
        assert_eq!(unique.len(), f.len());
    }

    #[test]
    fn fingerprint_ignores_checkout_directory_line_and_severity() {
        let original = String::from_utf8(fixture("multi_run.sarif")).expect("utf-8");
        let moved = original
            .replace(
                "file:///home/ci/work/shop/",
                "file:///builds/runner-7/shop/",
            )
            .replace(
                "\"startLine\": 42, \"startColumn\": 9",
                "\"startLine\": 57, \"startColumn\": 9",
            )
            .replace(
                "\"security-severity\": \"8.1\"",
                "\"security-severity\": \"5.0\"",
            );
        let a = multi_run().findings;
        let b = parse_str(&moved).expect("moved parses").findings;
        assert_eq!(path(&b[0]), "src/app/db.py");
        assert_eq!(b[0].severity, Severity::Medium);
        assert_eq!(a[0].fingerprint, b[0].fingerprint);
    }

    #[test]
    fn suppressions_follow_status() {
        let f = multi_run().findings;
        let sup: Vec<Option<(&str, Option<&str>)>> = f[..5]
            .iter()
            .map(|x| {
                x.suppression
                    .as_ref()
                    .map(|s| (s.kind.as_str(), s.justification.as_deref()))
            })
            .collect();
        assert_eq!(
            sup,
            [
                Some(("sarif suppression (inSource, accepted)", None)), // no status
                None,                                                   // accepted + underReview
                Some((
                    "sarif suppression (external, accepted)",
                    Some("test fixture key, not deployed")
                )),
                None, // rejected
                None, // empty array
            ]
        );
    }

    #[test]
    fn kinds_ids_cwes_tags_and_confidence() {
        let f = multi_run().findings;
        assert!(f[..9].iter().all(|x| x.kind == FindingKind::Code));
        assert!(f[9..].iter().all(|x| x.kind == FindingKind::Vulnerability));
        let ids: Vec<String> = f[9..]
            .iter()
            .flat_map(|x| x.vuln_ids.iter().map(|v| v.id.clone()))
            .collect();
        assert_eq!(ids, ["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"]);
        assert_eq!(f[9].extra.baseline_state(), Some("new"));
        assert_eq!(*f[0].cwes, [89]);
        assert_eq!(*f[0].extra.tags, ["security", "external/cwe/cwe-089"]);
        assert_eq!(*f[2].cwes, [321]);
        assert_eq!(*f[5].cwes, [338]);
        let conf: Vec<Option<Confidence>> = f[..6].iter().map(|x| x.confidence).collect();
        assert_eq!(
            conf,
            [
                Some(Confidence::High),
                Some(Confidence::Confirmed),
                None,
                None,
                None,
                Some(Confidence::Medium), // the result's precision beats the rule's `low`
            ]
        );
    }

    #[test]
    fn results_share_their_rules_cwes_unless_they_name_more() {
        let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t","rules":[
            {"id":"r","properties":{"tags":["external/cwe/cwe-89","external/cwe/cwe-79","x"]}},
            {"id":"plain"}]}},
          "results":[
            {"ruleId":"r","message":{"text":"a"}},
            {"ruleId":"r","message":{"text":"b"},"properties":{"tags":["external/cwe/cwe-79"]}},
            {"ruleId":"r","message":{"text":"c"},"properties":{"tags":["external/cwe/cwe-20"]}},
            {"ruleId":"plain","message":{"text":"d"}},
            {"ruleId":"none","message":{"text":"e"},"properties":{"tags":["external/cwe/cwe-1"]}}
          ]}]}"#;
        let f = parse_str(doc).unwrap().findings;
        let cwes: Vec<&[u32]> = f.iter().map(|x| &*x.cwes).collect();
        assert_eq!(cwes, [&[79, 89][..], &[79, 89], &[20, 79, 89], &[], &[1]]);
        // One allocation for the rule's findings that add nothing new, not one each.
        assert!(Arc::ptr_eq(&f[0].cwes, &f[1].cwes));
        assert!(!Arc::ptr_eq(&f[0].cwes, &f[2].cwes));
    }

    #[test]
    fn trivy_and_grype_messages_name_the_package() {
        assert_eq!(
            package_from_message(
                "Package: org.apache.logging.log4j:log4j-core\nInstalled Version: 2.14.1\n\
                 Vulnerability CVE-2021-44228\nSeverity: CRITICAL\nFixed Version: 2.15.0\n\
                 Link: [CVE-2021-44228](https://avd.aquasec.com/nvd/cve-2021-44228)"
            ),
            Some((
                "org.apache.logging.log4j:log4j-core".into(),
                "2.14.1".into(),
                None
            ))
        );
        assert_eq!(
            package_from_message(
                "The path /app/lib/log4j-core-2.14.1.jar reports log4j-core at version 2.14.1  \
                 which is a vulnerable (java-archive) package installed in the container"
            ),
            Some((
                "log4j-core".into(),
                "2.14.1".into(),
                Some("/app/lib/log4j-core-2.14.1.jar".into())
            ))
        );
        assert_eq!(package_from_message("Package: x"), None);
        assert_eq!(package_from_message("SQL injection in query"), None);
        let f = multi_run().findings;
        let pkg = f[9].location.package.as_ref().expect("Grype package");
        assert_eq!(
            (pkg.name.as_str(), pkg.version.as_deref()),
            ("log4j-core", Some("2.14.1"))
        );
        assert!(f[..9].iter().all(|x| x.location.package.is_none()));
    }

    #[test]
    fn vuln_ids_are_found_inside_rule_ids_and_tags() {
        let ids = |s: &str| {
            let mut out = Vec::new();
            extract_vuln_ids(s, &mut out);
            out.into_iter().map(|v| v.id).collect::<Vec<_>>()
        };
        assert_eq!(ids("CVE-2008-0732-geronimo-j2ee"), ["CVE-2008-0732"]);
        assert_eq!(ids("[HIGH] cve-2021-44228"), ["CVE-2021-44228"]);
        assert_eq!(ids("BDSA-2020-1001 (CVE-2020-11022)"), ["CVE-2020-11022"]);
        assert_eq!(ids("GHSA-JFH8-C2JP-5V3Q-log4j"), ["GHSA-jfh8-c2jp-5v3q"]);
        assert_eq!(ids("GO-2026-4864"), ["GO-2026-4864"]);
        assert!(ids("py/sql-injection").is_empty());
        assert!(ids("temp-file-usage").is_empty());
        assert!(ids("CVE-20-1").is_empty());
        assert!(ids("AWS Access Key").is_empty());
    }

    #[test]
    fn gitleaks_8_secrets_never_carry_the_secret() {
        let report = parse_fixture("gitleaks_8.sarif");
        let f = &report.findings;
        assert_eq!(f.len(), 3);
        assert!(f.iter().all(|x| x.kind == FindingKind::Secret));
        assert!(f.iter().all(|x| {
            x.location
                .file
                .as_ref()
                .is_some_and(|l| l.snippet.is_none())
        }));
        assert_eq!(
            &*f[0].title,
            "Identified a pattern that may indicate AWS credentials, risking unauthorized cloud \
             resource access and data breaches on AWS platforms."
        );
        let json = serde_json::to_string(&report.findings).expect("serialises");
        for secret in ["AKIAZQ3DT5VEXAMPLE7Q", "sk_live_51Hx", "sk_test_51Hx"] {
            assert!(!json.contains(secret), "{secret} leaked");
        }
        // Tool fingerprints are not kept for secrets: gitleaks writes the commit message there
        // (free text that can quote the secret), ggshield a hash of the secret.
        assert!(f.iter().all(|x| x.extra.tool_fingerprints.is_empty()));
        assert_ne!(
            f[1].fingerprint, f[2].fingerprint,
            "two secrets, one file, one rule"
        );
    }

    #[test]
    fn gitleaks_7_rule_is_recovered_from_the_message() {
        let report = parse_fixture("gitleaks_7.sarif");
        let f = &report.findings[0];
        assert_eq!(f.kind, FindingKind::Secret);
        assert_eq!(
            &*f.rule_id, "AWS Access Key",
            "longest rule id prefix, not `AWS`"
        );
        assert_eq!(&*f.title, "AWS Access Key");
        assert_eq!(source(f), ("sarif default level", "warning"));
        let json = serde_json::to_string(&report.findings).expect("serialises");
        assert!(!json.contains("AKIAZQ3DT5VEXAMPLE7Q"));
    }

    #[test]
    fn empty_runs_is_valid_but_says_so() {
        let report = parse_fixture("empty_runs.sarif");
        assert!(report.findings.is_empty());
        assert!(report.scanners.is_empty());
        assert_eq!(report.stats.runs, Some(0));
        assert!(report.stats.notes.iter().any(|n| n.contains("no tool run")));
    }

    #[test]
    fn runs_without_results_add_nothing_and_are_noted() {
        let report = parse_fixture("runs_without_results.sarif");
        assert!(report.findings.is_empty());
        assert_eq!(report.stats.runs, Some(3));
        assert_eq!(report.scanners.len(), 3);
        let notes = report.stats.notes.join("\n");
        assert!(
            notes.contains("run #1 (CrashedScanner): no `results` array"),
            "{notes}"
        );
        assert!(
            notes.contains("run #2 (NullResults): `results` is null"),
            "{notes}"
        );
        assert!(!notes.contains("CleanScanner"), "{notes}");
    }

    #[test]
    fn other_versions_are_rejected_by_name() {
        for (file, version) in [
            ("version_1_0_0.sarif", "1.0.0"),
            ("version_2_0_0.sarif", "2.0.0"),
            ("version_2_2.sarif", "2.2"),
        ] {
            let err = parse(&fixture(file), &ctx(file)).expect_err(file);
            assert!(
                matches!(&err, IngestError::UnsupportedVersion { version: v, .. } if v == version),
                "{file}: {err:?}"
            );
            assert!(err.to_string().contains(&format!("`{version}`")), "{err}");
        }
        // A version that is not a string is still named.
        let err = parse_str(r#"{"version": 2, "runs": []}"#).expect_err("number");
        assert!(err.to_string().contains("`2`"), "{err}");
    }

    #[test]
    fn non_sarif_json_is_an_error_with_a_path() {
        let err = parse(&fixture("runs_not_array.json"), &ctx("x")).expect_err("runs object");
        match &err {
            IngestError::Json { path, line, .. } => {
                assert_eq!(path.as_deref(), Some("$.runs"));
                assert_eq!(*line, 3);
            }
            other => panic!("{other:?}"),
        }
        let err = parse_str(r#"{"version": "2.1.0"}"#).expect_err("no runs");
        assert!(err.to_string().contains("no `runs` array"), "{err}");
        let err = parse_str(r#"{"SchemaVersion": 2, "Results": []}"#).expect_err("trivy");
        assert!(err.to_string().contains("no `runs` array"), "{err}");
        let err = parse_str(r#"{"version": "2.1.0", "runs": null}"#).expect_err("null runs");
        assert!(err.to_string().contains("null"), "{err}");
        let err = parse_str(r#"{"runs": []}"#).expect_err("no version");
        assert!(err.to_string().contains("no `version`"), "{err}");
        let err = parse_str(r#"{"version": "2.1.0", "runs": [7]}"#).expect_err("run not object");
        assert!(err.to_string().contains("$.runs[0]"), "{err}");
        let err = parse_str(r#"[1, 2]"#).expect_err("array");
        assert!(matches!(err, IngestError::Json { .. }), "{err:?}");
    }

    #[test]
    fn results_errors_name_the_run_and_result() {
        let err = parse(&fixture("results_not_array.sarif"), &ctx("x")).expect_err("object");
        match &err {
            IngestError::Json { path, line, .. } => {
                assert_eq!(path.as_deref(), Some("$.runs[1].results"));
                assert_eq!(*line, 12);
            }
            other => panic!("{other:?}"),
        }
        let doc = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
            "results": [{"ruleId": "a"}, "not an object"]}]}"#;
        let err = parse_str(doc).expect_err("string result");
        assert!(err.to_string().contains("$.runs[0].results[1]"), "{err}");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn truncated_log_is_an_error_with_position() {
        let err = parse(&fixture("truncated.sarif"), &ctx("x")).expect_err("truncated");
        match &err {
            IngestError::Json { line, message, .. } => {
                assert!(*line > 90, "{err}");
                assert!(message.contains("truncated"), "{err}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn repeated_deciding_keys_are_refused_other_keys_keep_the_last_value() {
        // The fixture repeats `name`, `results` and `level`: the first repeat is the error.
        let err = parse(&fixture("duplicate_keys.sarif"), &ctx("x")).expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("duplicate key `name`"), "{text}");
        assert!(text.contains("line 5"), "{text}");
        assert!(text.contains("$.runs[0].tool.driver"), "{text}");
        let doc = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "D"}},
            "results": [{"level": "error", "message": {"text": "first"},
                         "message": {"text": "last message wins"}}]}]}"#;
        let report = parse_str(doc).expect("a repeated message is not deciding");
        assert_eq!(&*report.findings[0].title, "last message wins");
        let err = parse_str(&doc.replace(
            r#""level": "error","#,
            r#""level": "error", "level": "note","#,
        ))
        .expect_err("a repeated level is refused");
        assert!(err.to_string().contains("duplicate key `level`"), "{err}");
    }

    /// Objects are read in place (`InPlace`): a repeated key still reads as its last value
    /// alone, never merged with the one before, however deep.
    #[test]
    fn repeated_nested_objects_keep_only_the_last() {
        let doc = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "D"}},
            "results": [{"level": "error", "message": {"text": "m"},
              "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"},
                                                  "region": {"startLine": 3, "endLine": 4}}}],
              "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b.py"},
                                                  "region": {"startLine": 7},
                                                  "region": {"startColumn": 2}}}]},
              {"level": "error", "message": {"text": "n"},
               "locations": [{"physicalLocation": {"artifactLocation": {"uri": "c.py"}}}],
               "locations": []}]}]}"#;
        let f = parse_str(doc).unwrap().findings;
        let file = f[0].location.file.as_ref().expect("a file");
        assert_eq!(file.path, "b.py");
        let region = file.region.as_ref().expect("a region");
        assert_eq!(
            (region.start_line, region.start_column, region.end_line),
            (None, Some(2), None)
        );
        assert!(f[1].location.file.is_none(), "{:?}", f[1].location);
    }

    #[test]
    fn missing_version_is_read_when_the_schema_names_2_1_0() {
        let report = parse_fixture("no_version.sarif");
        assert_eq!(report.findings.len(), 1);
        assert!(
            report
                .stats
                .notes
                .iter()
                .any(|n| n.contains("no `version`"))
        );
    }

    #[test]
    fn hostile_field_types_never_fail_the_report() {
        let doc = r#"{"version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": ["x"], "rules": {"a": 1}}, "extensions": 3},
            "originalUriBaseIds": [1],
            "artifacts": {"x": 1},
            "results": [
              {"ruleId": 17, "ruleIndex": -1, "level": 3, "message": 7,
               "rule": {"index": 18446744073709551615,
                        "toolComponent": {"index": 18446744073709551615}},
               "locations": "here", "properties": [], "suppressions": {"kind": "x"},
               "partialFingerprints": "s", "fingerprints": [1, {"a": {"b": [null, 2.5]}}],
               "baselineState": {}, "taxa": 1, "fixes": {}, "kind": null},
              {"locations": [{"physicalLocation": {"artifactLocation": {"uri": 5, "index": 99},
               "region": {"startLine": "12", "endLine": 1.5, "snippet": 4}}},
               {"ignored": true}], "message": {"text": null, "id": "missing"}},
              null
            ]}]}"#;
        let err = parse_str(doc).expect_err("a null result is not a result");
        assert!(err.to_string().contains("$.runs[0].results[2]"), "{err}");
        let report = parse_str(&doc.replace(",\n              null", "")).expect("lenient");
        let f = &report.findings;
        assert_eq!(f.len(), 2);
        assert_eq!(report.scanners[0].name.as_ref(), "unnamed SARIF tool");
        assert_eq!(&*f[0].rule_id, "17");
        assert_eq!(f[0].severity, Severity::Unknown);
        assert_eq!(
            f[0].extra.tool_fingerprints.iter().collect::<Vec<_>>(),
            ["[0]=1", "[1].a.b[1]=2.5"]
        );
        assert!(f[0].suppression.is_none());
        assert_eq!(path(&f[1]), "5");
        assert_eq!(
            f[1].location.file.as_ref().and_then(|x| x.region),
            Some(Region {
                start_line: Some(12),
                ..Region::default()
            })
        );
        assert_eq!(&*f[1].title, "result of unnamed SARIF tool");
    }

    #[test]
    fn hierarchical_ids_try_each_parent() {
        let ids: Vec<&str> = id_candidates("A/B/C").collect();
        assert_eq!(ids, ["A/B/C", "A/B", "A"]);
        assert_eq!(id_candidates("/x").collect::<Vec<_>>(), ["/x"]);
    }

    fn same_report(a: &ParsedReport, b: &ParsedReport, what: &str) {
        assert_eq!(a.findings, b.findings, "{what}");
        assert_eq!(a.scanners, b.scanners, "{what}");
        assert_eq!(a.stats, b.stats, "{what}");
    }

    #[test]
    fn a_scheme_is_read_up_to_its_colon() {
        // The earlier reading: everything before the first `:`.
        let reference = |s: &str| {
            s.find(':').is_some_and(|colon| {
                let scheme = &s[..colon];
                scheme.len() >= 2
                    && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            })
        };
        let parts = [
            "", "a", "ab", "1", "+", ".", "-", ":", "/", "é", "C", "http", "s3",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let s = format!("{a}{b}{c}");
                    assert_eq!(has_scheme(&s), reference(&s), "{s:?}");
                }
            }
        }
        assert!(has_scheme("https://x.test/a"));
        assert!(!has_scheme("src/a:b.c"));
        assert!(!has_scheme("C:\\src"));
    }

    #[test]
    fn results_the_reading_thread_converts_make_the_same_report() {
        // The single pass's shape (each run's tool before its results), several batches per
        // run, non-fail kinds, a dangling rule, odd levels (one longer than a note shows, and
        // repeated), scores that are not scores, titles repeated across batches.
        let long_level = "x".repeat(60);
        let result = |i: usize| {
            let kind = if i.is_multiple_of(7) { "pass" } else { "fail" };
            let level = ["error", "warning", "bogus", "note", &long_level][i % 5];
            let score = if i.is_multiple_of(11) { "HIGH" } else { "7.5" };
            let rule = if i.is_multiple_of(13) { 9 } else { i % 3 };
            format!(
                r#"{{"ruleId": "R{rule}", "kind": "{kind}", "level": "{level}",
                    "message": {{"text": "m{}"}},
                    "properties": {{"security-severity": "{score}"}},
                    "locations": [{{"physicalLocation": {{"artifactLocation":
                        {{"uri": "src/f{i}.c", "uriBaseId": "SRC"}}}}}}],
                    "partialFingerprints": {{"h": "{i}"}}}}"#,
                i % 4
            )
        };
        let results =
            |range: std::ops::Range<usize>| range.map(result).collect::<Vec<_>>().join(",");
        let doc = format!(
            r#"{{"version": "2.1.0", "runs": [
              {{"tool": {{"driver": {{"name": "A", "rules": [{{"id": "R0",
                  "shortDescription": {{"text": "zero"}}}}, {{"id": "R1"}}]}}}},
               "originalUriBaseIds": {{"SRC": {{"uri": "src/"}}}},
               "results": [{}]}},
              {{"tool": {{"driver": {{"name": "B"}}}}, "results": [{}]}},
              {{"tool": {{"driver": {{"name": "C"}}}}}}]}}"#,
            results(0..5000),
            results(5000..8200)
        );
        let bytes = doc.as_bytes();
        let one = parse_with(bytes, &ctx("generated"), false).expect("one thread");
        let (helped, batches) =
            read_single_pass_with(bytes, &ctx("generated"), true).expect("single pass");
        assert!(
            batches >= 4,
            "the reading thread converted {batches} batches"
        );
        same_report(&one, &helped, "the reading thread helping");
        assert!(
            one.stats
                .notes
                .iter()
                .any(|n| n.contains("non-standard `level`")),
            "{:?}",
            one.stats.notes
        );
        let (unhelped, _) =
            read_single_pass_with(bytes, &ctx("generated"), false).expect("single pass");
        same_report(&one, &unhelped, "the reading thread helping when behind");
    }

    #[test]
    fn one_thread_and_two_read_the_same() {
        let dir = format!("{}/tests/fixtures/sarif", env!("CARGO_MANIFEST_DIR"));
        let mut docs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .map(|e| {
                let path = e.expect("entry").path();
                let bytes = std::fs::read(&path).expect("fixture");
                (path.display().to_string(), bytes)
            })
            .collect();
        // Several batches, two runs, non-fail kinds, a dangling rule and odd levels.
        let result = |i: usize| {
            let kind = if i.is_multiple_of(7) { "pass" } else { "fail" };
            let level = ["error", "warning", "bogus", "note"][i % 4];
            format!(
                r#"{{"ruleId": "R{}", "kind": "{kind}", "level": "{level}",
                    "message": {{"text": "m{i}"}},
                    "locations": [{{"physicalLocation": {{"artifactLocation":
                        {{"uri": "src/f{i}.c", "uriBaseId": "SRC"}}}}}}],
                    "partialFingerprints": {{"h": "{i}"}}}}"#,
                i % 5
            )
        };
        let results =
            |range: std::ops::Range<usize>| range.map(result).collect::<Vec<_>>().join(",");
        let doc = format!(
            r#"{{"version": "2.1.0", "runs": [
              {{"tool": {{"driver": {{"name": "A", "rules": [{{"id": "R0"}}, {{"id": "R1"}}]}}}},
               "originalUriBaseIds": {{"SRC": {{"uri": "src/"}}}},
               "results": [{}]}},
              {{"results": [{}], "tool": {{"driver": {{"name": "B"}}}}}},
              {{"tool": {{"driver": {{"name": "C"}}}}}}]}}"#,
            results(0..2500),
            results(2500..4100)
        );
        docs.push(("generated".into(), doc.into_bytes()));
        for (name, bytes) in &docs {
            let one = parse_with(bytes, &ctx(name), false);
            let two = parse_with(bytes, &ctx(name), true);
            match (one, two) {
                (Ok(a), Ok(b)) => same_report(&a, &b, name),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                (a, b) => panic!("{name}: {:?} vs {:?}", a.err(), b.err()),
            }
        }
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        let words: Vec<&[u8]> = vec![
            b"",
            b"a",
            b"b",
            b"ruleId",
            b"ruleIdx",
            b"partialFingerprints",
            b"partialFingerprintz",
            b"12345678",
            b"12345679",
            b"123456781",
        ];
        for a in &words {
            for b in &words {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn result_boxes_come_back_to_the_reader_emptied() {
        use std::sync::mpsc;
        let text = r#"{"ruleId": "R\"1", "message": {"text": "a\nb"},
            "partialFingerprints": {"h": "1"}, "suppressions": [{"kind": "inSource"}]}"#;
        let filled = || {
            let mut de = serde_json::Deserializer::from_str(text);
            BoxedResult(None).deserialize(&mut de).expect("a result")
        };
        let empty = format!("{:?}", RawResult::default());
        assert_ne!(format!("{:?}", filled()), empty);

        let (tx, _rx) = mpsc::sync_channel(1);
        let (_spare_tx, spare) = mpsc::channel();
        let (back, returned) = mpsc::channel();
        let mut reader = Batcher {
            batch: Vec::new(),
            tx,
            spare,
            returned: Some(returned),
            pool: Vec::new(),
            helper: None,
        };
        assert!(reader.recycled().is_none(), "nothing given back yet");
        let mut done = ResultBoxes::new(back);
        for _ in 0..BATCH - 1 {
            done.give_back(filled());
        }
        assert!(
            reader.recycled().is_none(),
            "boxes go back a batch at a time"
        );
        done.give_back(filled());
        for _ in 0..BATCH {
            let raw = reader.recycled().expect("a box given back");
            assert_eq!(format!("{raw:?}"), empty);
        }
        assert!(reader.recycled().is_none());
    }

    #[test]
    fn the_single_pass_reads_what_the_two_passes_read_or_gives_up() {
        let result = |i: usize| {
            format!(
                r#"{{"ruleId": "R{}", "level": "{}", "message": {{"text": "m{i}"}},
                    "locations": [{{"physicalLocation": {{"artifactLocation":
                        {{"uri": "f{i}.c", "uriBaseId": "SRC"}}}}}}]}}"#,
                i % 3,
                ["error", "warning", "odd"][i % 3]
            )
        };
        let results = |n: usize| (0..n).map(result).collect::<Vec<_>>().join(",");
        let tool = r#""tool": {"driver": {"name": "T", "rules": [{"id": "R0"}, {"id": "R1"}]}}"#;
        let log = |runs: String| format!(r#"{{"version": "2.1.0", "runs": [{runs}]}}"#);
        let single = [
            // Tool first, bases before the results; several runs, one without results, one
            // with null results; a bare `$schema` instead of `version`.
            log(format!(
                r#"{{{tool}, "originalUriBaseIds": {{"SRC": {{"uri": "src/"}}}},
                    "results": [{}], "columnKind": "utf16CodeUnits"}},
                   {{{tool}}}, {{{tool}, "results": null}}"#,
                results(1500)
            )),
            // Trivy's order: the absolute root after the results changes no path.
            log(format!(
                r#"{{{tool}, "results": [{}], "columnKind": "utf16CodeUnits",
                    "originalUriBaseIds": {{"SRC": {{"uri": "file:///"}}}}}}"#,
                results(40)
            )),
            format!(
                r#"{{"$schema": "https://x/sarif-schema-2.1.0.json", "runs": [{{{tool},
                    "results": [{}]}}]}}"#,
                results(3)
            ),
            log(String::new()),
        ];
        let two_passes = [
            // Semgrep's order (results before the tool).
            log(format!(r#"{{"results": [{}], {tool}}}"#, results(5))),
            // A relative base after the results would have changed the paths.
            log(format!(
                r#"{{{tool}, "results": [{}], "originalUriBaseIds": {{"SRC": {{"uri": "s/"}}}}}}"#,
                results(5)
            )),
            log(format!(
                r#"{{{tool}, "results": [{}], "artifacts": [{{"location": {{"uri": "a"}}}}]}}"#,
                results(5)
            )),
            // Repeated keys, another version, errors: the two passes say what is wrong.
            log(format!(
                r#"{{{tool}, "results": [], "results": [{}]}}"#,
                results(2)
            )),
            format!(r#"{{"runs": [], "runs": [{{{tool}, "results": []}}], "version": "2.1.0"}}"#),
            format!(r#"{{"version": "2.0.0", "runs": [{{{tool}, "results": []}}]}}"#),
            r#"{"version": "2.1.0", "runs": null}"#.to_owned(),
            r#"{"version": "2.1.0"}"#.to_owned(),
            log(format!(r#"{{{tool}, "results": [{}]}}"#, results(2))) + " x",
            log(format!(r#"{{{tool}, "results": [{{"ruleId": }}]}}"#)),
        ];
        for (i, doc) in single.iter().chain(&two_passes).enumerate() {
            let name = format!("doc {i}");
            let got = read_single_pass(doc.as_bytes(), &ctx(&name));
            assert_eq!(got.is_some(), i < single.len(), "{name}: {doc}");
            let classic = parse_with(doc.as_bytes(), &ctx(&name), false);
            let piped = parse_with(doc.as_bytes(), &ctx(&name), true);
            match (&classic, &piped) {
                (Ok(a), Ok(b)) => same_report(a, b, &name),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                (a, b) => panic!("{name}: {:?} vs {:?}", a.as_ref().err(), b.as_ref().err()),
            }
            if let Some(got) = got {
                same_report(&classic.expect("parses"), &got, &name);
            }
        }
        // The fixtures written by real tools in tool-first order go through the single pass.
        let dir = format!("{}/tests/fixtures/sarif", env!("CARGO_MANIFEST_DIR"));
        let mut read_once = 0;
        for entry in std::fs::read_dir(&dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("fixture");
            let name = path.display().to_string();
            if let Some(got) = read_single_pass(&bytes, &ctx(&name)) {
                read_once += 1;
                let classic = parse_with(&bytes, &ctx(&name), false).expect("parses");
                same_report(&classic, &got, &name);
            }
        }
        assert!(read_once >= 3, "{read_once} fixtures read in one pass");

        // The single pass checks the whole log is UTF-8; invalid bytes in a value scangate
        // skips make it give way, and the two passes read the log as they always did.
        let doc: Vec<u8> = log(format!(
            r#"{{{tool}, "x": "~", "results": [{}]}}"#,
            results(3)
        ))
        .bytes()
        .map(|b| if b == b'~' { 0xFF } else { b })
        .collect();
        assert!(read_single_pass(&doc, &ctx("latin-1")).is_none());
        let classic = parse_with(&doc, &ctx("latin-1"), false).expect("skipped value");
        let piped = parse_with(&doc, &ctx("latin-1"), true).expect("skipped value");
        assert_eq!(classic.findings.len(), 3);
        same_report(&classic, &piped, "latin-1");
    }

    #[test]
    fn snapshots() {
        for name in ["multi_run", "gitleaks_8"] {
            let report = parse_fixture(&format!("{name}.sarif"));
            insta::with_settings!({snapshot_path => "../../snapshots"}, {
                insta::assert_yaml_snapshot!(name, &report.findings);
            });
        }
    }
}
