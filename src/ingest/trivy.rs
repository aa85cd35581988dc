//! Trivy JSON (`trivy … --format json`) into the findings model.
//!
//! Layouts read, all written by some Trivy release:
//! - the `SchemaVersion: 2` object (`Results[]`), Trivy 0.20 and later; newer releases add
//!   `"Trivy": {"Version": …}`, which becomes the scanner version;
//! - the same object without `SchemaVersion` (pre-0.20 objects);
//! - the legacy top-level array of results, and a JSON `null` (old Trivy, nothing found);
//! - Kubernetes reports: `Resources[]` (`trivy k8s --report all`), `Findings[]` (the
//!   consolidated `--report summary` JSON), and the classic `Vulnerabilities[]` /
//!   `Misconfigurations[]` resource lists (Trivy 0.2x–0.3x). Every finding of a resource is
//!   qualified by its namespace/kind/name.
//!
//! Findings are every vulnerability, every misconfiguration with `Status: FAIL`, every secret
//! and every license. `ExperimentalModifiedFindings` (Trivy's own VEX/ignore filtering) are not
//! findings; their number goes to `stats.upstream_suppressed`.
//!
//! Severity: `Severity` CRITICAL/HIGH/MEDIUM/LOW decides. When it is UNKNOWN, missing or not on
//! that scale, a vulnerability falls back to its `CVSS` block: the V3 score is preferred, then
//! V4.0, then V2; within a version the highest score over all sources (nvd, ghsa, redhat, …)
//! wins, a tie going to the `SeveritySource` vendor. Only scores in (0, 10] count (a 0 decides
//! nothing). The same pick is kept as `extra.cvss`. With no usable score the severity is an
//! explicit [`Severity::Unknown`] and the policy decides.
//!
//! Secrets: the `Match` text and `Code.Lines` are never read into the model; a secret's file
//! snippet is [`REDACTED`].
//!
//! Shape checks fail closed: a document that is not a Trivy report (an object with none of
//! Trivy's top-level keys, an array of non-results, a number, …) is a
//! [`IngestError::WrongFormat`]; broken JSON is an [`IngestError::Json`] with line and column.
//! Fields that are only kept (references, layers, CVSS vectors, line numbers, …) are lenient:
//! a wrong type there is dropped, not fatal. A repeated key keeps its last value, as Go's
//! `encoding/json` and Python's `json` do (serde's derive would reject the whole report),
//! except the keys that decide a finding's existence, severity, status or rule id
//! ([`DECIDING_KEYS`], and a repeated `CVSS` source): repeated, they make the report invalid.
//!
//! Reading is one streaming pass over the bytes: each entry is converted into its finding as
//! serde hands it over, and the report is never held as a tree next to its findings (large
//! reports are 10^5 entries). What a finding takes from enclosing objects (`Target`, a
//! resource's name, `ArtifactName`, `Trivy.Version`) is applied once known; a document whose
//! keys come in an order that cannot be streamed is read again holding findings back (see
//! [`Builder`]), with the same result. An advisory's description is shared by every finding
//! of that advisory. A report of 4 MB or more read on its own has its vulnerabilities
//! converted on a second thread, a batch at a time, while the next batch is read (see
//! [`read_with`]).
//!
//! Format references: Trivy `pkg/types/report.go`, `pkg/types/vulnerability.go`,
//! `pkg/types/misconfiguration.go`, `pkg/k8s/report/report.go`
//! (<https://github.com/aquasecurity/trivy>).

use foldhash::{HashMap, HashSet, HashSetExt};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::mpsc;

use serde::de::value::MapAccessDeserializer;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::{Format, IngestError, ParseContext, ParsedReport, Release, ReportStats, json};
use crate::model::{
    CvssScore, Extra, FileLocation, Finding, FindingKind, Fingerprint, FingerprintBuilder, Fix,
    Location, PackageLocation, REDACTED, RareExtra, Region, ResourceLocation, Scanner, Severity,
    SeveritySource, Text, VulnId, parse_cwe,
};

/// Parses one Trivy JSON report.
pub fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let (mut b, doc) = read(bytes, ctx)?;
    match doc {
        Doc::Null => {
            b.stats
                .notes
                .push("JSON null: a legacy Trivy report without results".into());
            Ok(b.finish(None, None))
        }
        Doc::Other(what) => Err(wrong_format(format!(
            "the document is {what}; a Trivy report is an object, an array of results or null"
        ))),
        Doc::Legacy { len, bad } => {
            // The whole shape is checked, not just the first element: an array of numbers or
            // of foreign objects is not a report, whatever its first element says.
            if let Some((i, what)) = bad {
                return Err(wrong_format(match what {
                    Some(what) => format!(
                        "element {i} of the top-level array is {what}, not a Trivy result object"
                    ),
                    None => format!(
                        "element {i} of the top-level array has none of the keys of a Trivy \
                         result (Target, Class, Type, Vulnerabilities, Misconfigurations, \
                         Secrets, Licenses)"
                    ),
                }));
            }
            b.stats.notes.push(format!(
                "legacy Trivy array layout (before SchemaVersion 2), {len} result{}",
                plural(len)
            ));
            Ok(b.finish(None, None))
        }
        Doc::Object(top) => finish_object(b, *top),
    }
}

/// Runs the streaming parse: fast (eager) first, and again in deferred mode when the eager
/// pass met keys in an order it cannot stream (see [`Builder::eager`]). On a JSON error the
/// document is parsed once more through `serde_path_to_error` for the error's JSON path, as
/// [`json::from_slice`] does for the other parsers.
fn read<'de>(
    bytes: &'de [u8],
    ctx: &ParseContext,
) -> Result<(Builder<'de>, Doc<'de>), IngestError> {
    let first = match read_with(bytes, ctx, true) {
        Ok(done) => return Ok(done),
        Err((_, true)) => match read_with(bytes, ctx, false) {
            Ok(done) => return Ok(done),
            Err((e, _)) => e,
        },
        Err((e, _)) => e,
    };
    ctx.release.restart();
    let mut b = Builder::new(ctx, false);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut track = serde_path_to_error::Track::new();
    let path = match DocSeed(&mut b)
        .deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track))
    {
        Err(_) => Some(json::json_path(&track.path())),
        Ok(_) => None,
    };
    Err(IngestError::json(&first, path))
}

/// One pass; the error comes with whether it was the eager pass giving up.
#[allow(clippy::type_complexity)]
fn read_with<'de>(
    bytes: &'de [u8],
    ctx: &ParseContext,
    eager: bool,
) -> Result<(Builder<'de>, Doc<'de>), (serde_json::Error, bool)> {
    if !eager {
        // The second pass: what the first one gave back is read again.
        ctx.release.restart();
    }
    let mut b = Builder::new(ctx, eager);
    if !ctx.second_thread(bytes.len()) {
        return read_doc(bytes, b);
    }
    // Vulnerabilities (nearly all of a large report) are converted on a second thread while
    // the next batch is read: deserialising and converting take about as long as each other.
    std::thread::scope(|scope| {
        let (to, batches) = mpsc::sync_channel::<Vec<Vulnerability<'de>>>(2);
        let (done, from) = mpsc::sync_channel::<Converted<'de>>(2);
        let template = b.template.clone();
        let converter = std::thread::Builder::new()
            .name("trivy-convert".into())
            .spawn_scoped(scope, move || {
                let mut advisories = Advisories::default();
                for batch in batches {
                    let pending = batch
                        .iter()
                        .map(|v| {
                            let mut pending = template.vulnerability(v);
                            advisories.share(&mut pending.finding, v);
                            pending
                        })
                        .collect();
                    if done.send((batch, pending)).is_err() {
                        break;
                    }
                }
            });
        let Ok(converter) = converter else {
            return read_doc(bytes, b);
        };
        b.pipe = Some(Pipe {
            to,
            from,
            in_flight: 0,
        });
        let read = read_doc(bytes, b);
        // Dropping the builder (on error) or its pipe closes the channels; the thread ends.
        let read = read.map(|(mut b, doc)| {
            b.pipe = None;
            (b, doc)
        });
        if let Err(panic) = converter.join() {
            std::panic::resume_unwind(panic);
        }
        read
    })
}

#[allow(clippy::type_complexity)]
fn read_doc<'de>(
    bytes: &'de [u8],
    b: Builder<'de>,
) -> Result<(Builder<'de>, Doc<'de>), (serde_json::Error, bool)> {
    // Reading bytes, serde_json checks that each borrowed string is UTF-8 (~5 % of the
    // reading thread, which sets the pace); reading a `str` it does not. Not UTF-8: bytes,
    // and serde_json says where.
    match b.release.utf8(bytes) {
        Some(text) => read_from(serde_json::Deserializer::from_str(text), b),
        None => read_from(serde_json::Deserializer::from_slice(bytes), b),
    }
}

#[allow(clippy::type_complexity)]
fn read_from<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    mut b: Builder<'de>,
) -> Result<(Builder<'de>, Doc<'de>), (serde_json::Error, bool)> {
    let doc = DocSeed(&mut b)
        .deserialize(&mut de)
        .and_then(|doc| de.end().map(|()| doc));
    match doc {
        Ok(doc) => Ok((b, doc)),
        Err(e) => Err((e, b.restart)),
    }
}

/// Vulnerabilities handed to the converting thread at a time.
const VULNERABILITY_BATCH: usize = 512;

/// A batch back from the converting thread: the entries (dropped here, where their input
/// pages are given back) and their findings, advisory texts shared.
type Converted<'de> = (Vec<Vulnerability<'de>>, Vec<Pending<'de>>);

/// The reader's end of the converting thread (see [`read_with`]).
struct Pipe<'de> {
    to: mpsc::SyncSender<Vec<Vulnerability<'de>>>,
    from: mpsc::Receiver<Converted<'de>>,
    /// Batches sent and not yet back.
    in_flight: usize,
}

fn wrong_format(reason: String) -> IngestError {
    IngestError::WrongFormat {
        expected: Format::Trivy,
        reason,
    }
}

fn finish_object(mut b: Builder<'_>, top: Top<'_>) -> Result<ParsedReport, IngestError> {
    if top.known == 0 {
        return Err(wrong_format(
            "the JSON object has none of Trivy's top-level keys (SchemaVersion, ArtifactName, \
             ArtifactType, Results, ClusterName, Resources)"
                .into(),
        ));
    }
    if let Some(v) = &top.schema_version {
        let text = v.get().unwrap_or("");
        if text.parse::<f64>().ok() != Some(2.0) {
            return Err(IngestError::UnsupportedVersion {
                format: Format::Trivy,
                version: if text.is_empty() {
                    "(not a number)".into()
                } else {
                    crate::text::truncate(text, 40)
                },
                hint: "scangate reads Trivy JSON with SchemaVersion 2 and the older layouts \
                       without SchemaVersion",
            });
        }
    }
    // Resource lists must hold resources: a single Trivy result object (whose
    // `Vulnerabilities` are vulnerabilities, not resources) would otherwise read as an empty
    // Kubernetes report.
    for (key, list) in RESOURCE_LISTS.iter().zip(&top.lists[1..]) {
        if let Some(i) = list.first_foreign {
            return Err(wrong_format(format!(
                "$.{key}[{i}] is not a Kubernetes resource (no Namespace, Kind, Name or \
                 Results); top-level `{key}` in a Trivy report lists Kubernetes resources"
            )));
        }
    }

    let version = top
        .trivy
        .0
        .as_ref()
        .and_then(|t| t.version.get())
        .map(Text::from);
    let artifact = top.artifact_name.owned();
    let layout = describe_layout(&top, artifact.as_deref());
    let n_results = top.lists[0].len;
    let n_resources: usize = top.lists[1..].iter().map(|l| l.len).sum();
    let counts = match (n_results, n_resources) {
        (r, 0) => format!("{r} result{}", plural(r)),
        (0, k) => format!("{k} resource{}", plural(k)),
        (r, k) => format!("{r} result{}, {k} resource{}", plural(r), plural(k)),
    };
    b.stats.notes.push(format!("{layout}, {counts}"));
    Ok(b.finish(version, artifact))
}

/// Top-level keys that list Kubernetes resources, in the order their findings are reported.
const RESOURCE_LISTS: [&str; 4] = [
    "Resources",
    "Findings",
    "Vulnerabilities",
    "Misconfigurations",
];

fn describe_layout(top: &Top<'_>, artifact: Option<&str>) -> String {
    let cluster = top
        .cluster_name
        .get()
        .map(|c| format!(" for cluster `{c}`"))
        .unwrap_or_default();
    let mut k8s = Vec::new();
    if top.lists[1].present {
        k8s.push("Resources");
    }
    if top.lists[2].present {
        k8s.push("Findings");
    }
    if top.lists[3].present || top.lists[4].present {
        k8s.push("classic Vulnerabilities/Misconfigurations resource lists");
    }
    if !k8s.is_empty() || top.cluster_name.0.is_some() {
        let lists = if k8s.is_empty() {
            "no resources".to_owned()
        } else {
            k8s.join(" + ")
        };
        return format!("Trivy Kubernetes report ({lists}){cluster}");
    }
    let what = match artifact {
        Some(a) => match top.artifact_type.get() {
            Some(t) => format!(" for `{a}` ({t})"),
            None => format!(" for `{a}`"),
        },
        None => String::new(),
    };
    if top.schema_version.is_some() {
        format!("Trivy SchemaVersion 2 report{what}")
    } else {
        format!("Trivy report object without SchemaVersion (before 0.20){what}")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

/// Severity field names (shown to users as "why this severity").
const FIELD_SEVERITY: &str = "trivy Severity";
/// CVSS fallback fields, in preference order (see the module doc).
const CVSS_FIELDS: [&str; 3] = [
    "trivy CVSS V3Score",
    "trivy CVSS V40Score",
    "trivy CVSS V2Score",
];

/// Number of finding lists: `Results` (or the legacy array) and the [`RESOURCE_LISTS`].
const LISTS: usize = 5;

/// Converts entries into findings while the document is read.
///
/// Entries are converted as serde hands them over, so the report is never held as a tree of
/// borrowed entries next to the findings (that tree cost as much memory as the findings). What
/// an entry's finding takes from its enclosing objects is applied when it is known:
/// - a result's `Target`, `Class`, `Type` and a resource's `Namespace`/`Kind`/`Name` (identity,
///   location, tags). In *eager* mode (the first pass) they are taken as seen before the entry
///   lists, which is the order Trivy writes; if such a key turns up after an entry list, or the
///   lists of a result come out of order, the pass gives up (`restart`) and the document is read
///   again in deferred mode, which holds each result's findings as [`Pending`] until its object
///   ends. Repeated keys keep their last value either way.
/// - `ArtifactName` (the location of results without a `Target`) and `Trivy.Version` (the
///   scanner) may come anywhere in the top-level object: they are patched in at the end.
struct Builder<'de> {
    template: Template,
    eager: bool,
    /// The eager pass met an order it cannot stream.
    restart: bool,
    /// Vulnerabilities are converted on a thread of their own while the next ones are read
    /// (see [`read_with`]); `None` converts them in line.
    pipe: Option<Pipe<'de>>,
    /// One shared copy per distinct text (resolutions, descriptions of checks): the same
    /// check repeats across resources.
    texts: HashSet<Text>,
    /// The advisory texts of the vulnerabilities converted on this thread (all of them when
    /// there is no converting thread; that thread has its own).
    advisories: Advisories,
    /// Gives back the input read so far (see [`ParseContext::release`]).
    release: Release,
    /// The input the entries handed to the builder borrow from.
    input_bytes: PhantomData<&'de [u8]>,
    /// Findings of `Results` and of each [`RESOURCE_LISTS`] entry, concatenated at the end:
    /// the lists may come in any order in the document.
    lists: [Vec<Box<Finding>>; LISTS],
    /// Indices into `lists` of findings of results without `Target`: located at the
    /// `ArtifactName`, known at the end.
    on_artifact: [Vec<usize>; LISTS],
    resource_errors: [Vec<String>; LISTS],
    stats: ReportStats,
    misconf_pass: u64,
    misconf_exception: u64,
    misconf_other: u64,
}

impl<'de> Builder<'de> {
    fn new(ctx: &ParseContext, eager: bool) -> Builder<'de> {
        Builder {
            template: Template {
                placeholder: Fingerprint::builder("").finish(),
                scanner: Arc::new(Scanner {
                    name: Text::from("Trivy"),
                    version: None,
                }),
                input: ctx.input.clone(),
            },
            eager,
            restart: false,
            pipe: None,
            texts: HashSet::new(),
            advisories: Advisories::default(),
            release: ctx.release.clone(),
            input_bytes: PhantomData,
            lists: Default::default(),
            on_artifact: Default::default(),
            resource_errors: Default::default(),
            stats: ReportStats::default(),
            misconf_pass: 0,
            misconf_exception: 0,
            misconf_other: 0,
        }
    }

    /// Gives up the eager pass (see [`Builder::eager`]).
    fn give_up<E: de::Error>(&mut self) -> E {
        self.restart = true;
        E::custom("key order not streamable; reading again")
    }

    fn finish(mut self, version: Option<Text>, artifact: Option<String>) -> ParsedReport {
        let target: Option<Text> = artifact.as_deref().map(Text::from);
        let (pass, exc, other) = (
            self.misconf_pass,
            self.misconf_exception,
            self.misconf_other,
        );
        if pass + exc + other > 0 {
            let mut parts = Vec::new();
            if pass > 0 {
                parts.push(format!("{pass} PASS"));
            }
            if exc > 0 {
                parts.push(format!("{exc} EXCEPTION"));
            }
            if other > 0 {
                parts.push(format!("{other} with a missing or unrecognised Status"));
            }
            self.stats.notes.push(format!(
                "misconfiguration checks that are not findings (only Status FAIL is): {}",
                parts.join(", ")
            ));
        }
        for errors in &mut self.resource_errors {
            self.stats.notes.append(errors);
        }
        for (list, indices) in self.lists.iter_mut().zip(&self.on_artifact) {
            for &i in indices {
                let Some(f) = list.get_mut(i) else { continue };
                f.location.target.clone_from(&target);
                // Misconfigurations and secrets are located in their target file.
                if matches!(f.kind, FindingKind::Misconfiguration | FindingKind::Secret) {
                    match &artifact {
                        Some(a) => {
                            if let Some(file) = &mut f.location.file {
                                file.path.clone_from(a);
                            }
                        }
                        None => f.location.file = None,
                    }
                }
            }
        }
        let scanner = Arc::new(Scanner {
            name: self.template.scanner.name.clone(),
            version,
        });
        let [mut findings, rest @ ..] = self.lists;
        for mut list in rest {
            findings.append(&mut list);
        }
        if scanner.version.is_some() {
            for f in &mut findings {
                f.scanner = Arc::clone(&scanner);
            }
        }
        ParsedReport {
            scanners: vec![Arc::unwrap_or_clone(scanner)],
            findings,
            stats: self.stats,
        }
    }

    fn intern(&mut self, s: &str) -> Text {
        if let Some(t) = self.texts.get(s) {
            return t.clone();
        }
        let t: Text = Arc::from(s);
        self.texts.insert(t.clone());
        t
    }

    /// Converts a vulnerability on this thread (see [`Entries`] for the converting thread).
    fn vulnerability(&mut self, v: Vulnerability<'de>) -> Pending<'de> {
        if let Some(at) = v.vulnerability_id.position() {
            self.release.consumed(at);
        }
        let mut pending = self.template.vulnerability(&v);
        self.advisories.share(&mut pending.finding, &v);
        pending
    }

    /// `None` for a check that did not fail (counted instead).
    fn misconfiguration(&mut self, m: Misconfiguration<'de>) -> Option<Pending<'de>> {
        match m.status.get() {
            Some(s) if s.eq_ignore_ascii_case("FAIL") => {}
            Some(s) if s.eq_ignore_ascii_case("PASS") => {
                self.misconf_pass += 1;
                return None;
            }
            Some(s) if s.eq_ignore_ascii_case("EXCEPTION") => {
                self.misconf_exception += 1;
                return None;
            }
            _ => {
                self.misconf_other += 1;
                return None;
            }
        }
        let id = m.id.get().or(m.avd_id.get()).unwrap_or("");
        let fp = Fingerprint::builder("config").field(id);
        let title = m.title.get().unwrap_or(id).to_owned();
        let severity = field_severity(&m.severity);
        let mut f = self.template.finding(
            FindingKind::Misconfiguration,
            Text::from(id),
            title,
            severity,
        );
        // The check's description is shared; the message says what failed where.
        f.description = match (m.description.get(), m.message.get()) {
            (Some(d), Some(msg)) if d != msg => Some(self.intern(&format!("{d}\n\n{msg}"))),
            (Some(d), _) => Some(self.intern(d)),
            (None, Some(msg)) => Some(self.intern(msg)),
            (None, None) => None,
        };
        let cause = m.cause.0;
        // In the result's target file; the path is set by `Pending::finish`.
        f.location.file = Some(Box::new(FileLocation {
            path: String::new(),
            region: region(
                cause.as_ref().and_then(|c| c.start_line.0),
                cause.as_ref().and_then(|c| c.end_line.0),
            ),
            snippet: None,
        }));
        if let Some(res) = m.resolution.get() {
            f.fix = Some(Fix {
                fixed_version: None,
                solution: Some(self.intern(res)),
            });
        }
        f.references = strings(&m.references).into();
        f.extra.rule_name = m.avd_id.get().map(|id| self.intern(id));
        f.extra.help_uri = m.primary_url.get().map(|u| self.intern(u));
        Some(Pending {
            finding: f,
            fp,
            mid: Some(cause.and_then(|c| c.resource.take()).unwrap_or_default()),
            category: None,
            file_at_target: true,
        })
    }

    fn secret(&mut self, s: Secret<'de>) -> Pending<'de> {
        let rule = s.rule_id.get().unwrap_or("");
        let start = s.start_line.0;
        let fp = Fingerprint::builder("secret").field(rule);
        let title = s.title.get().unwrap_or(rule).to_owned();
        let severity = field_severity(&s.severity);
        let mut f = self
            .template
            .finding(FindingKind::Secret, Text::from(rule), title, severity);
        f.location.file = Some(Box::new(FileLocation {
            path: String::new(),
            region: region(start, s.end_line.0),
            // The matched text is never read; say that there was one.
            snippet: s.has_match.0.then(|| REDACTED.to_owned()),
        }));
        Pending {
            finding: f,
            fp,
            mid: Some(Cow::Owned(start.map(|n| n.to_string()).unwrap_or_default())),
            category: s.category.take(),
            file_at_target: true,
        }
    }

    fn license(&mut self, l: License<'de>) -> Pending<'de> {
        let name = l.name.get().unwrap_or("");
        let pkg = l.pkg_name.get();
        let file = l.file_path.get();
        let fp = Fingerprint::builder("license").field(name).opt(pkg);
        let title = match l.category.get() {
            Some(c) => format!("License {name} ({c})"),
            None => format!("License {name}"),
        };
        let severity = field_severity(&l.severity);
        let mut f = self
            .template
            .finding(FindingKind::License, Text::from(name), title, severity);
        f.location.package = pkg.map(|p| {
            Box::new(PackageLocation {
                name: p.to_owned(),
                ..PackageLocation::default()
            })
        });
        f.location.file = file.map(|p| {
            Box::new(FileLocation {
                path: p.to_owned(),
                region: None,
                snippet: None,
            })
        });
        f.extra.help_uri = l.link.get().map(Text::from);
        Pending {
            finding: f,
            fp,
            mid: Some(l.file_path.take().unwrap_or_default()),
            category: l.category.take(),
            file_at_target: false,
        }
    }
}

/// The texts of advisories, shared by the findings of one advisory id: the same CVE repeats
/// across packages and targets, and its description and references are ~1-2 KB a finding
/// otherwise. Kept by the thread that converts vulnerabilities: the reading thread, or the
/// converting thread while there is one (sharing there takes ~10 % off the reading thread,
/// which sets the pace).
#[derive(Default)]
struct Advisories {
    /// Help URLs and descriptions without an advisory id, one copy each.
    texts: HashSet<Text>,
    /// The description last seen per advisory id: a hit costs hashing the short id and one
    /// comparison instead of hashing the whole description. The ids are copies, not borrowed:
    /// a lookup would otherwise read (and fault back in) input pages already given back.
    by_id: HashMap<Box<str>, Text>,
    /// Reference lists per advisory id, shared like the descriptions.
    refs_by_id: HashMap<Box<str>, Arc<[String]>>,
}

impl Advisories {
    /// The advisory's texts on `f`, shared with earlier findings of the same advisory id.
    fn share(&mut self, f: &mut Finding, v: &Vulnerability<'_>) {
        if let Some(d) = v.description.get() {
            f.description = Some(self.description(v.vulnerability_id.borrowed(), d));
        }
        f.references = self.references(v.vulnerability_id.borrowed(), &v.references);
        f.extra.help_uri = v.primary_url.get().map(|u| self.intern(u));
    }

    fn intern(&mut self, s: &str) -> Text {
        if let Some(t) = self.texts.get(s) {
            return t.clone();
        }
        let t: Text = Arc::from(s);
        self.texts.insert(t.clone());
        t
    }

    /// [`Advisories::intern`] for an advisory's description, remembered per advisory id.
    fn description(&mut self, id: Option<&str>, text: &str) -> Text {
        let Some(id) = id else {
            return self.intern(text);
        };
        if let Some(t) = self.by_id.get(id)
            && **t == *text
        {
            return t.clone();
        }
        // Not via `texts`: hashing every distinct description there cost more than the rare
        // description shared by two advisory ids saves.
        let t: Text = Arc::from(text);
        self.by_id.insert(id.into(), t.clone());
        t
    }

    /// The reference list of an advisory, shared by every finding of that advisory id that
    /// lists the same references (a list is ~1 KB per finding otherwise).
    fn references(&mut self, id: Option<&str>, list: &LStrs<'_>) -> Arc<[String]> {
        let Some(id) = id else {
            return strings(list).into();
        };
        if let Some(shared) = self.refs_by_id.get(id)
            && same_strings(shared, list)
        {
            return shared.clone();
        }
        let shared: Arc<[String]> = strings(list).into();
        self.refs_by_id.insert(id.into(), shared.clone());
        shared
    }
}

/// What every finding of the report starts from; shared with the converting thread.
#[derive(Clone)]
struct Template {
    /// Every finding's fingerprint until [`InResult::finish`] computes it.
    placeholder: Fingerprint,
    /// Version-less until the end, see [`Builder::finish`].
    scanner: Arc<Scanner>,
    input: Text,
}

impl Template {
    fn finding(
        &self,
        kind: FindingKind,
        rule_id: Text,
        title: String,
        (severity, severity_source): (Severity, SeveritySource),
    ) -> Finding {
        Finding {
            // Set when the finding's result (and resource) is known, see `InResult::finish`.
            fingerprint: self.placeholder,
            scanner: self.scanner.clone(),
            kind,
            rule_id,
            vuln_ids: Box::default(),
            title: title.into(),
            description: None,
            severity,
            severity_source,
            confidence: None,
            location: Location::default(),
            fix: None,
            references: Default::default(),
            cwes: Arc::default(),
            suppression: None,
            extra: Extra::default(),
            input: self.input.clone(),
        }
    }

    /// Everything of a vulnerability's finding but its advisory text (see
    /// [`Advisories::share`]).
    fn vulnerability<'de>(&self, v: &Vulnerability<'de>) -> Pending<'de> {
        let id = v.vulnerability_id.get().unwrap_or("");
        let pkg_name = v.pkg_name.get().unwrap_or("");
        let installed = v.installed_version.get();
        let pkg_path = v.pkg_path.get();

        // The rest (target, resource, `PkgPath`) in `Pending::finish`.
        let fp = Fingerprint::builder("pkg")
            .field(id)
            .field(pkg_name)
            .opt(installed);

        let cvss = pick_cvss(&v.cvss.0, v.severity_source.get());
        let severity = match trivy_severity(v.severity.get()) {
            Some(s) => (
                s,
                SeveritySource::new(FIELD_SEVERITY, v.severity.get().unwrap_or("")),
            ),
            None => match &cvss {
                Some(c) => match Severity::from_score(c.score) {
                    Some(s) => (
                        s,
                        SeveritySource::new(c.field, &format!("{} ({})", c.score, c.source)),
                    ),
                    None => unknown(&v.severity),
                },
                None => unknown(&v.severity),
            },
        };

        let title = match (v.title.get(), id) {
            (Some(t), _) => t.to_owned(),
            (None, id) if !id.is_empty() => id.to_owned(),
            _ if !pkg_name.is_empty() => {
                format!("Vulnerability without VulnerabilityID in {pkg_name}")
            }
            _ => "Vulnerability without VulnerabilityID".to_owned(),
        };
        let mut f = self.finding(FindingKind::Vulnerability, Text::from(id), title, severity);

        let mut ids: Vec<VulnId> = Vec::with_capacity(1 + v.vendor_ids.0.len());
        for raw in std::iter::once(id).chain(v.vendor_ids.0.iter().map(|s| s.as_ref())) {
            if let Some(vid) = VulnId::parse_or_other(raw)
                && !ids.contains(&vid)
            {
                ids.push(vid);
            }
        }
        f.vuln_ids = ids.into();

        let layer = v
            .layer
            .0
            .as_ref()
            .and_then(|l| l.diff_id.get().or(l.digest.get()));
        let purl = v
            .pkg_identifier
            .0
            .as_ref()
            .and_then(|p| p.purl.get())
            .or_else(|| {
                [v.pkg_ref.get(), v.r#ref.get()]
                    .into_iter()
                    .flatten()
                    .find(|r| r.starts_with("pkg:"))
            });
        if !pkg_name.is_empty() || installed.is_some() || pkg_path.is_some() || purl.is_some() {
            f.location.package = Some(Box::new(PackageLocation {
                name: pkg_name.to_owned(),
                version: installed.map(str::to_owned),
                path: pkg_path.map(str::to_owned),
                purl: purl.map(str::to_owned),
                layer: layer.map(str::to_owned),
            }));
        }
        if let Some(fixed) = v.fixed_version.get() {
            f.fix = Some(Fix {
                fixed_version: Some(fixed.into()),
                solution: None,
            });
        }
        f.cwes = cwes(&v.cwe_ids);
        f.extra.rare = RareExtra {
            status: v.status.get().map(str::to_ascii_lowercase),
            cvss: cvss.map(|c| {
                Box::new(CvssScore {
                    score: c.score,
                    source: c.source,
                    vector: c.vector,
                })
            }),
            baseline_state: None,
        }
        .boxed();
        Pending {
            finding: f,
            fp,
            mid: None,
            category: None,
            file_at_target: false,
        }
    }
}

/// A finding waiting for what its result and resource give it: the rest of its fingerprint,
/// its target, tags and resource.
struct Pending<'de> {
    finding: Finding,
    /// Fed up to the fields that come from the result.
    fp: FingerprintBuilder,
    /// The fingerprint field between the result's `Target` and the resource, for the kinds
    /// that have one (misconfiguration: cause resource; secret: start line; license: file).
    mid: Option<Cow<'de, str>>,
    /// `Category` of a secret or license (a tag).
    category: Option<Cow<'de, str>>,
    /// A misconfiguration or secret is located in its result's target file.
    file_at_target: bool,
}

/// What every finding of one `Result` shares.
struct ResultCtx<'x> {
    /// `Target` as written (fingerprints use it, not the ArtifactName fallback).
    raw_target: &'x str,
    /// `raw_target` as every finding of the result shares it, made on first use.
    target: OnceCell<Text>,
    class: Option<&'x str>,
    kind: Option<&'x str>,
}

impl ResultCtx<'_> {
    fn target(&self) -> Text {
        Text::clone(self.target.get_or_init(|| Text::from(self.raw_target)))
    }

    /// `Class`, `Type` and (secrets, licenses) the entry's `Category`, without repeats.
    fn tags(&self, category: Option<&str>) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for t in [self.class, self.kind, category].into_iter().flatten() {
            if !tags.iter().any(|x| x == t) {
                tags.push(t.to_owned());
            }
        }
        tags
    }
}

/// What every finding of one Kubernetes resource shares.
#[derive(Default)]
struct ResourceCtx {
    loc: Option<ResourceLocation>,
    display: Option<String>,
}

impl ResourceCtx {
    fn new(namespace: &LStr<'_>, kind: &LStr<'_>, name: &LStr<'_>) -> ResourceCtx {
        let loc = ResourceLocation {
            namespace: namespace.owned(),
            kind: kind.get().unwrap_or("").to_owned(),
            name: name.get().unwrap_or("").to_owned(),
        };
        let loc = (!loc.kind.is_empty() || !loc.name.is_empty() || loc.namespace.is_some())
            .then_some(loc);
        ResourceCtx {
            display: loc.as_ref().map(ResourceLocation::display),
            loc,
        }
    }
}

/// A finding that has its result applied, waiting for its resource.
struct InResult {
    finding: Finding,
    fp: FingerprintBuilder,
    /// The result had no `Target`: the finding is located at `ArtifactName`.
    on_artifact: bool,
}

impl<'de> Pending<'de> {
    /// Applies the result's part.
    fn in_result(self, ctx: &ResultCtx<'_>) -> InResult {
        let Pending {
            mut finding,
            mut fp,
            mid,
            category,
            file_at_target,
        } = self;
        fp = fp.field(ctx.raw_target);
        if let Some(mid) = mid {
            fp = fp.field(&mid);
        }
        let on_artifact = ctx.raw_target.is_empty();
        if !on_artifact {
            finding.location.target = Some(ctx.target());
            if file_at_target && let Some(file) = &mut finding.location.file {
                file.path = ctx.raw_target.to_owned();
            }
        }
        finding.extra.tags = ctx.tags(category.as_deref()).into();
        InResult {
            finding,
            fp,
            on_artifact,
        }
    }
}

impl InResult {
    /// Applies the resource's part and files the finding in list `list`.
    fn finish(self, res: &ResourceCtx, b: &mut Builder<'_>, list: usize) {
        let InResult {
            mut finding,
            mut fp,
            on_artifact,
        } = self;
        fp = fp.opt(res.display.as_deref());
        if finding.kind == FindingKind::Vulnerability
            && let Some(path) = finding
                .location
                .package
                .as_ref()
                .and_then(|p| p.path.as_deref())
        {
            // Two copies of one library (two jars in an image) are two findings.
            fp = fp.field(path);
        }
        finding.fingerprint = fp.finish();
        finding.location.resource = res.loc.clone().map(Box::new);
        let out = &mut b.lists[list];
        if on_artifact {
            b.on_artifact[list].push(out.len());
        }
        out.push(Box::new(finding));
    }
}

/// Trivy's own scale. Anything else (UNKNOWN, empty, a foreign word) is not a decision.
fn trivy_severity(raw: Option<&str>) -> Option<Severity> {
    let raw = raw?;
    [
        ("CRITICAL", Severity::Critical),
        ("HIGH", Severity::High),
        ("MEDIUM", Severity::Medium),
        ("LOW", Severity::Low),
    ]
    .into_iter()
    .find(|(name, _)| raw.eq_ignore_ascii_case(name))
    .map(|(_, s)| s)
}

fn unknown(raw: &LStr<'_>) -> (Severity, SeveritySource) {
    (
        Severity::Unknown,
        SeveritySource::new(FIELD_SEVERITY, raw.raw().unwrap_or("").trim()),
    )
}

/// Severity of a finding kind without a CVSS fallback (misconfigurations, secrets, licenses).
fn field_severity(raw: &LStr<'_>) -> (Severity, SeveritySource) {
    match trivy_severity(raw.get()) {
        Some(s) => (
            s,
            SeveritySource::new(FIELD_SEVERITY, raw.get().unwrap_or("")),
        ),
        None => unknown(raw),
    }
}

struct CvssPick {
    score: f64,
    source: String,
    vector: Option<String>,
    field: &'static str,
}

/// V3 before V4.0 before V2; within a version the highest score in (0, 10], a tie going to
/// the `SeveritySource` vendor, then to the first listed.
fn pick_cvss(cvss: &[(Cow<'_, str>, CvssEntry<'_>)], preferred: Option<&str>) -> Option<CvssPick> {
    for (version, field) in CVSS_FIELDS.into_iter().enumerate() {
        let mut best: Option<(f64, &str, Option<&str>)> = None;
        for (vendor, entry) in cvss {
            let (score, vector) = entry.version(version);
            let Some(score) = score.filter(|s| *s > 0.0 && *s <= 10.0) else {
                continue;
            };
            let better = match best {
                None => true,
                Some((b, bv, _)) => {
                    score > b
                        || (score == b
                            && preferred == Some(vendor.as_ref())
                            && preferred != Some(bv))
                }
            };
            if better {
                best = Some((score, vendor.as_ref(), vector));
            }
        }
        if let Some((score, source, vector)) = best {
            return Some(CvssPick {
                score,
                source: source.to_owned(),
                vector: vector.map(str::to_owned),
                field,
            });
        }
    }
    None
}

fn region(start: Option<u64>, end: Option<u64>) -> Option<Region> {
    let start = start.filter(|n| *n > 0);
    let end = end.filter(|n| *n > 0);
    (start.is_some() || end.is_some()).then_some(Region {
        start_line: start,
        end_line: end,
        ..Region::default()
    })
}

/// Whether `list` gives `shared` under [`strings`] (trimmed, blanks and repeats dropped).
fn same_strings(shared: &[String], list: &LStrs<'_>) -> bool {
    if list.0.len() > 64 {
        return kept_strings(list).eq(shared.iter().map(String::as_str));
    }
    // A short list is walked against `shared` (distinct strings, in first-seen order): each
    // string is either the next one expected or a repeat of one already matched. Most lists
    // are the advisory's list again, so this is one comparison per string.
    let mut matched = 0;
    for s in &list.0 {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        if shared.get(matched).is_some_and(|want| want == s) {
            matched += 1;
        } else if !shared[..matched].iter().any(|seen| seen == s) {
            return false;
        }
    }
    matched == shared.len()
}

/// The list's strings, trimmed, without blanks and repeats (first one kept). Linear: a list of
/// 10^5 references in a hostile report must not take quadratic time.
fn kept_strings<'a>(list: &'a LStrs<'_>) -> impl Iterator<Item = &'a str> {
    let mut seen: HashSet<&str> = HashSet::default();
    list.0
        .iter()
        .map(|s| s.trim())
        .filter(move |s| !s.is_empty() && seen.insert(*s))
}

fn strings(list: &LStrs<'_>) -> Vec<String> {
    kept_strings(list).map(str::to_owned).collect()
}

fn cwes(list: &LStrs<'_>) -> Arc<[u32]> {
    let mut seen: HashSet<u32> = HashSet::default();
    let cwes: Vec<u32> = list
        .0
        .iter()
        .filter_map(|s| parse_cwe(s))
        .filter(|c| seen.insert(*c))
        .collect();
    crate::model::cwe_list(cwes)
}

// ---------------------------------------------------------------------------------------------
// Input shapes
// ---------------------------------------------------------------------------------------------

/// Keys that decide a finding's existence, severity, status or rule id: repeated in one object,
/// they make the report invalid (see [`json::decision_bit`]). Every other key keeps its last
/// value.
const DECIDING_KEYS: &[&str] = &[
    "Results",
    "Resources",
    "Findings",
    "Vulnerabilities",
    "Misconfigurations",
    "Secrets",
    "Licenses",
    "Severity",
    "SeveritySource",
    "CVSS",
    "V2Score",
    "V3Score",
    "V40Score",
    "Status",
    "FixedVersion",
    "VulnerabilityID",
    "VendorIDs",
    "ID",
    "AVDID",
    "RuleID",
    "Name",
];

/// Declares a Trivy JSON object read by a hand-written `Deserialize`: unknown keys are skipped,
/// a repeated key keeps its last value (serde's derive would reject the document) unless it is
/// one of the [`DECIDING_KEYS`], which is an error, and `known` counts the recognised keys so
/// callers can tell a Trivy object from a foreign one.
macro_rules! trivy_object {
    ($(#[$meta:meta])* struct $name:ident as $label:literal {
        $( $key:literal => $field:ident : $ty:ty, )*
    }) => {
        $(#[$meta])*
        #[derive(Default)]
        struct $name<'a> {
            $( $field: $ty, )*
            /// Number of recognised keys seen.
            #[allow(dead_code)]
            known: usize,
            _borrows: PhantomData<&'a str>,
        }

        impl<'de> Deserialize<'de> for $name<'de> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name<'de>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("a Trivy ", $label, " object"))
                    }
                    // A string where an object belongs is reported without its text: it may
                    // be secret material (a bare string in `Secrets`).
                    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                        Err(E::invalid_type(de::Unexpected::Other("string"), &self))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                        let mut out = $name::default();
                        let mut seen = 0u64;
                        while let Some(key) = map.next_key::<Key<'de>>()? {
                            match key.0.as_ref() {
                                $( $key => {
                                    const BIT: u64 = json::decision_bit(DECIDING_KEYS, $key);
                                    json::refuse_repeat(
                                        &mut seen,
                                        BIT,
                                        $key,
                                        concat!("a Trivy ", $label, " object"),
                                    )?;
                                    out.$field = map.next_value()?;
                                    out.known += 1;
                                } )*
                                _ => {
                                    map.next_value::<IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(out)
                    }
                }
                // `deserialize_any`, not `deserialize_map`: serde_json's map path would quote a
                // mismatched string in its error before `visit_str` could withhold it.
                d.deserialize_any(V)
            }
        }
    };
}

trivy_object! {
    struct TrivyMeta as "`Trivy` metadata" {
        "Version" => version: LStr<'a>,
    }
}
trivy_object! {
    struct Vulnerability as "vulnerability" {
        "VulnerabilityID" => vulnerability_id: LStr<'a>,
        "VendorIDs" => vendor_ids: LStrs<'a>,
        "PkgName" => pkg_name: LStr<'a>,
        "PkgPath" => pkg_path: LStr<'a>,
        "PkgIdentifier" => pkg_identifier: Lenient<PkgIdentifier<'a>>,
        "PkgRef" => pkg_ref: LStr<'a>,
        "Ref" => r#ref: LStr<'a>,
        "InstalledVersion" => installed_version: LStr<'a>,
        "FixedVersion" => fixed_version: LStr<'a>,
        "Status" => status: LStr<'a>,
        "Layer" => layer: Lenient<Layer<'a>>,
        "SeveritySource" => severity_source: LStr<'a>,
        "PrimaryURL" => primary_url: LStr<'a>,
        "Title" => title: LStr<'a>,
        "Description" => description: LStr<'a>,
        "Severity" => severity: LStr<'a>,
        "CweIDs" => cwe_ids: LStrs<'a>,
        "CVSS" => cvss: Cvss<'a>,
        "References" => references: LStrs<'a>,
    }
}

trivy_object! {
    struct PkgIdentifier as "`PkgIdentifier`" {
        "PURL" => purl: LStr<'a>,
    }
}

trivy_object! {
    struct Layer as "`Layer`" {
        "Digest" => digest: LStr<'a>,
        "DiffID" => diff_id: LStr<'a>,
    }
}

trivy_object! {
    /// One source's scores in a vulnerability's `CVSS` map.
    struct CvssEntry as "CVSS" {
        "V2Score" => v2_score: LF64,
        "V2Vector" => v2_vector: LStr<'a>,
        "V3Score" => v3_score: LF64,
        "V3Vector" => v3_vector: LStr<'a>,
        "V40Score" => v40_score: LF64,
        "V40Vector" => v40_vector: LStr<'a>,
    }
}

impl CvssEntry<'_> {
    /// Score and vector of the CVSS version at `index` of [`CVSS_FIELDS`].
    fn version(&self, index: usize) -> (Option<f64>, Option<&str>) {
        match index {
            0 => (self.v3_score.0, self.v3_vector.get()),
            1 => (self.v40_score.0, self.v40_vector.get()),
            _ => (self.v2_score.0, self.v2_vector.get()),
        }
    }
}

trivy_object! {
    struct Misconfiguration as "misconfiguration" {
        "ID" => id: LStr<'a>,
        "AVDID" => avd_id: LStr<'a>,
        "Title" => title: LStr<'a>,
        "Description" => description: LStr<'a>,
        "Message" => message: LStr<'a>,
        "Resolution" => resolution: LStr<'a>,
        "Severity" => severity: LStr<'a>,
        "PrimaryURL" => primary_url: LStr<'a>,
        "References" => references: LStrs<'a>,
        "Status" => status: LStr<'a>,
        "CauseMetadata" => cause: Lenient<CauseMetadata<'a>>,
    }
}

trivy_object! {
    struct CauseMetadata as "`CauseMetadata`" {
        "Resource" => resource: LStr<'a>,
        "StartLine" => start_line: LU64,
        "EndLine" => end_line: LU64,
    }
}

trivy_object! {
    /// A detected secret. `Match` is only checked for presence and `Code` is not read at all:
    /// secret material never enters the model.
    struct Secret as "secret" {
        "RuleID" => rule_id: LStr<'a>,
        "Category" => category: LStr<'a>,
        "Severity" => severity: LStr<'a>,
        "Title" => title: LStr<'a>,
        "StartLine" => start_line: LU64,
        "EndLine" => end_line: LU64,
        "Match" => has_match: NonEmpty,
    }
}

trivy_object! {
    struct License as "license" {
        "Severity" => severity: LStr<'a>,
        "Category" => category: LStr<'a>,
        "PkgName" => pkg_name: LStr<'a>,
        "FilePath" => file_path: LStr<'a>,
        "Name" => name: LStr<'a>,
        "Link" => link: LStr<'a>,
    }
}

/// Records a recognised key of one of the streamed objects (report, resource, result): a
/// repeated [`DECIDING_KEYS`] entry is an error, as in [`trivy_object!`].
fn refuse_repeat<E: de::Error>(seen: &mut u64, key: &str, object: &str) -> Result<(), E> {
    json::refuse_repeat(seen, json::decision_bit(DECIDING_KEYS, key), key, object)
}

/// The whole document: `null`, a legacy array of results, an object, or a scalar.
enum Doc<'de> {
    Null,
    /// The legacy top-level array: its length and the first element that is not a result
    /// (its index and what it is; `None`: an object without any result key).
    Legacy {
        len: usize,
        bad: Option<(usize, Option<&'static str>)>,
    },
    Object(Box<Top<'de>>),
    /// A scalar: never a Trivy report.
    Other(&'static str),
}

/// The top-level object of every non-legacy layout, without its entries (converted as read).
#[derive(Default)]
struct Top<'de> {
    schema_version: Option<LStr<'de>>,
    trivy: Lenient<TrivyMeta<'de>>,
    artifact_name: LStr<'de>,
    artifact_type: LStr<'de>,
    cluster_name: LStr<'de>,
    /// `Results`, then the [`RESOURCE_LISTS`].
    lists: [ListInfo; LISTS],
    /// Number of recognised keys seen.
    known: usize,
}

/// What is left of a top-level list once its entries are findings.
#[derive(Default, Clone, Copy)]
struct ListInfo {
    /// An array (not absent, not `null`).
    present: bool,
    len: usize,
    /// The first element of a resource list that is not a resource.
    first_foreign: Option<usize>,
}

struct DocSeed<'b, 'de>(&'b mut Builder<'de>);

impl<'de> DeserializeSeed<'de> for DocSeed<'_, 'de> {
    type Value = Doc<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_, 'de> {
    type Value = Doc<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Trivy report (an object, an array of results or null)")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Doc::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Doc::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut len = 0;
        let mut bad = None;
        while let Some(e) = seq.next_element_seed(ElementSeed(&mut *self.0))? {
            let what = match e {
                Element::Result(0) => Some(None),
                Element::Result(_) => None,
                Element::NotObject(what) => Some(Some(what)),
            };
            if bad.is_none()
                && let Some(what) = what
            {
                bad = Some((len, what));
            }
            len += 1;
        }
        Ok(Doc::Legacy { len, bad })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const OBJECT: &str = "a Trivy report object";
        let b = self.0;
        let mut top = Top::default();
        let mut seen = 0u64;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.0.as_ref();
            let list = match key {
                "Results" => 0,
                "Resources" => 1,
                "Findings" => 2,
                "Vulnerabilities" => 3,
                "Misconfigurations" => 4,
                _ => LISTS,
            };
            if list < LISTS {
                refuse_repeat(&mut seen, key, OBJECT)?;
                let info = &mut top.lists[list];
                let no_resource = ResourceCtx::default();
                if list == 0 {
                    let results = Results {
                        b: &mut *b,
                        list,
                        res: &no_resource,
                        hold: None,
                        len: 0,
                    };
                    if let Some(r) = map.next_value_seed(ArrayOf(results))? {
                        (info.present, info.len) = (true, r.len);
                    }
                } else {
                    let resources = Resources {
                        b: &mut *b,
                        list,
                        len: 0,
                        first_foreign: None,
                    };
                    if let Some(r) = map.next_value_seed(ArrayOf(resources))? {
                        (info.present, info.len) = (true, r.len);
                        info.first_foreign = r.first_foreign;
                    }
                }
                top.known += 1;
                continue;
            }
            match key {
                "SchemaVersion" => top.schema_version = map.next_value()?,
                "Trivy" => top.trivy = map.next_value()?,
                "ArtifactName" => top.artifact_name = map.next_value()?,
                "ArtifactType" => top.artifact_type = map.next_value()?,
                "ClusterName" => top.cluster_name = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            }
            top.known += 1;
        }
        Ok(Doc::Object(Box::new(top)))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Doc::Other("a JSON boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Doc::Other("a JSON number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Doc::Other("a JSON number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Doc::Other("a JSON number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Doc::Other("a JSON string"))
    }
}

/// An element of the legacy top-level array.
enum Element {
    /// A result object, with its number of recognised keys.
    Result(usize),
    NotObject(&'static str),
}

struct ElementSeed<'b, 'de>(&'b mut Builder<'de>);

impl<'de> DeserializeSeed<'de> for ElementSeed<'_, 'de> {
    type Value = Element;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_, 'de> {
    type Value = Element;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Trivy result object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let seed = ResultSeed {
            b: self.0,
            list: 0,
            res: &ResourceCtx::default(),
            hold: None,
        };
        seed.visit_map(map).map(Element::Result)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Element::NotObject("an array"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Element::NotObject("null"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Element::NotObject("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Element::NotObject("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Element::NotObject("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Element::NotObject("a number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Element::NotObject("a string"))
    }
}

/// Reads one element of an array at a time (see [`ArrayOf`]).
trait PerElement<'de> {
    /// Reads the next element; `false` at the end of the array.
    fn next<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error>;
}

/// A list of Trivy objects, each handed to `P` as it is read; `null` is `None`. Any other
/// non-array is an error, and a string is reported without its text (it may be secret
/// material).
struct ArrayOf<P>(P);

impl<'de, P: PerElement<'de>> DeserializeSeed<'de> for ArrayOf<P> {
    type Value = Option<P>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, P: PerElement<'de>> Visitor<'de> for ArrayOf<P> {
    type Value = Option<P>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        while self.0.next(&mut seq)? {}
        Ok(Some(self.0))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::invalid_type(de::Unexpected::Other("string"), &self))
    }
}

/// The results of the report or of one resource.
struct Results<'b, 'de, 'r> {
    b: &'b mut Builder<'de>,
    list: usize,
    res: &'r ResourceCtx,
    hold: Option<&'r mut Vec<InResult>>,
    len: usize,
}

impl<'de> PerElement<'de> for Results<'_, 'de, '_> {
    fn next<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let seed = ResultSeed {
            b: &mut *self.b,
            list: self.list,
            res: self.res,
            hold: self.hold.as_deref_mut(),
        };
        let more = seq.next_element_seed(seed)?.is_some();
        self.len += usize::from(more);
        Ok(more)
    }
}

/// One scanned target (an OS, a lock file, an IaC file, a secret-scanned file); the value is
/// the number of recognised keys.
struct ResultSeed<'b, 'de, 'r> {
    b: &'b mut Builder<'de>,
    list: usize,
    /// The enclosing resource (eager mode: as known when its `Results` began).
    res: &'r ResourceCtx,
    /// Deferred mode in a resource: the findings wait there for the resource's end.
    hold: Option<&'r mut Vec<InResult>>,
}

impl<'de> DeserializeSeed<'de> for ResultSeed<'_, 'de, '_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        // `deserialize_any`, not `deserialize_map`: serde_json's map path would quote a
        // mismatched string in its error before `visit_str` could withhold it.
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_, 'de, '_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Trivy result object")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::invalid_type(de::Unexpected::Other("string"), &self))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const OBJECT: &str = "a Trivy result object";
        let ResultSeed { b, list, res, hold } = self;
        let mut seen = 0u64;
        let mut known = 0;
        let (mut target, mut class, mut kind) = (LStr::default(), LStr::default(), LStr::default());
        let mut modified = Count(0);
        // Highest entry list seen so far (1 + `EntryKind`), 0 before any.
        let mut rank = 0;
        // Deferred mode: per entry list, reported in `EntryKind` order.
        let mut pending: [Vec<Pending<'de>>; 4] = Default::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.0.as_ref();
            let entry = match key {
                "Vulnerabilities" => EntryKind::Vulnerability,
                "Misconfigurations" => EntryKind::Misconfiguration,
                "Secrets" => EntryKind::Secret,
                "Licenses" => EntryKind::License,
                "Target" | "Class" | "Type" => {
                    if rank > 0 && b.eager {
                        return Err(b.give_up());
                    }
                    let v = map.next_value()?;
                    match key {
                        "Target" => target = v,
                        "Class" => class = v,
                        _ => kind = v,
                    }
                    known += 1;
                    continue;
                }
                "ExperimentalModifiedFindings" => {
                    modified = map.next_value()?;
                    known += 1;
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            refuse_repeat(&mut seen, key, OBJECT)?;
            // A result's findings are vulnerabilities, then misconfigurations, secrets, licenses.
            let r = entry as u8 + 1;
            if b.eager && r < rank {
                return Err(b.give_up());
            }
            rank = rank.max(r);
            let ctx = ResultCtx {
                raw_target: target.get().unwrap_or(""),
                target: OnceCell::new(),
                class: class.get(),
                kind: kind.get(),
            };
            let sink = if b.eager {
                Sink::Now {
                    ctx: &ctx,
                    res,
                    list,
                }
            } else {
                Sink::Hold(&mut pending[entry as usize])
            };
            map.next_value_seed(ArrayOf(Entries::new(&mut *b, entry, sink)))?;
            known += 1;
        }
        b.stats.upstream_suppressed += modified.0;
        if pending.iter().any(|p| !p.is_empty()) {
            let pending = pending.into_iter().flatten();
            let ctx = ResultCtx {
                raw_target: target.get().unwrap_or(""),
                target: OnceCell::new(),
                class: class.get(),
                kind: kind.get(),
            };
            match hold {
                Some(hold) => hold.extend(pending.map(|p| p.in_result(&ctx))),
                None => {
                    for p in pending {
                        p.in_result(&ctx).finish(res, b, list);
                    }
                }
            }
        }
        Ok(known)
    }
}

#[derive(Clone, Copy)]
enum EntryKind {
    Vulnerability,
    Misconfiguration,
    Secret,
    License,
}

/// Where converted entries go.
enum Sink<'c, 'de> {
    /// Eager mode: finished at once, with the result and resource as known.
    Now {
        ctx: &'c ResultCtx<'c>,
        res: &'c ResourceCtx,
        list: usize,
    },
    /// Deferred mode: held until the result ends.
    Hold(&'c mut Vec<Pending<'de>>),
}

/// The entries of one list of a result, converted one by one (vulnerabilities a batch at a
/// time when there is a converting thread, all back before the list ends).
struct Entries<'b, 'de, 'c> {
    b: &'b mut Builder<'de>,
    kind: EntryKind,
    sink: Sink<'c, 'de>,
    batch: Vec<Vulnerability<'de>>,
}

impl<'b, 'de, 'c> Entries<'b, 'de, 'c> {
    fn new(b: &'b mut Builder<'de>, kind: EntryKind, sink: Sink<'c, 'de>) -> Self {
        Entries {
            b,
            kind,
            sink,
            batch: Vec::new(),
        }
    }

    fn file(&mut self, pending: Pending<'de>) {
        match &mut self.sink {
            Sink::Now { ctx, res, list } => pending.in_result(ctx).finish(res, self.b, *list),
            Sink::Hold(hold) => hold.push(pending),
        }
    }

    /// Hands the batch over; takes one back while two are out (the thread is never idle and
    /// never more than two batches ahead).
    fn send<E: de::Error>(&mut self) -> Result<(), E> {
        let Some(pipe) = &mut self.b.pipe else {
            return Ok(());
        };
        if !self.batch.is_empty() {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(VULNERABILITY_BATCH));
            pipe.to.send(batch).map_err(|_| converter_stopped())?;
            pipe.in_flight += 1;
        }
        while self.b.pipe.as_ref().is_some_and(|p| p.in_flight > 1) {
            self.take_back()?;
        }
        Ok(())
    }

    /// Everything out comes back, in order.
    fn drain<E: de::Error>(&mut self) -> Result<(), E> {
        self.send()?;
        while self.b.pipe.as_ref().is_some_and(|p| p.in_flight > 0) {
            self.take_back()?;
        }
        Ok(())
    }

    fn take_back<E: de::Error>(&mut self) -> Result<(), E> {
        let Some(pipe) = &mut self.b.pipe else {
            return Ok(());
        };
        let (entries, pending) = pipe.from.recv().map_err(|_| converter_stopped())?;
        pipe.in_flight -= 1;
        let last = entries.last().and_then(|v| v.vulnerability_id.position());
        for p in pending {
            self.file(p);
        }
        if let Some(at) = last {
            self.b.release.consumed(at);
        }
        Ok(())
    }
}

fn converter_stopped<E: de::Error>() -> E {
    E::custom("the thread converting vulnerabilities stopped")
}

impl<'de> PerElement<'de> for Entries<'_, 'de, '_> {
    fn next<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        if matches!(self.kind, EntryKind::Vulnerability) && self.b.pipe.is_some() {
            match seq.next_element()? {
                Some(v) => self.batch.push(v),
                None => {
                    self.drain()?;
                    return Ok(false);
                }
            }
            if self.batch.len() >= VULNERABILITY_BATCH {
                self.send()?;
            }
            return Ok(true);
        }
        let b = &mut *self.b;
        let pending = match self.kind {
            EntryKind::Vulnerability => match seq.next_element()? {
                Some(v) => Some(b.vulnerability(v)),
                None => return Ok(false),
            },
            EntryKind::Misconfiguration => match seq.next_element()? {
                Some(m) => b.misconfiguration(m),
                None => return Ok(false),
            },
            EntryKind::Secret => match seq.next_element()? {
                Some(s) => Some(b.secret(s)),
                None => return Ok(false),
            },
            EntryKind::License => match seq.next_element()? {
                Some(l) => Some(b.license(l)),
                None => return Ok(false),
            },
        };
        if let Some(p) = pending {
            self.file(p);
        }
        Ok(true)
    }
}

/// A top-level list of Kubernetes resources.
struct Resources<'b, 'de> {
    b: &'b mut Builder<'de>,
    list: usize,
    len: usize,
    first_foreign: Option<usize>,
}

impl<'de> PerElement<'de> for Resources<'_, 'de> {
    fn next<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let seed = ResourceSeed {
            b: &mut *self.b,
            list: self.list,
        };
        let Some(known) = seq.next_element_seed(seed)? else {
            return Ok(false);
        };
        if known == 0 && self.first_foreign.is_none() {
            self.first_foreign = Some(self.len);
        }
        self.len += 1;
        Ok(true)
    }
}

/// A Kubernetes resource and the results of scanning it; the value is the number of
/// recognised keys.
struct ResourceSeed<'b, 'de> {
    b: &'b mut Builder<'de>,
    list: usize,
}

impl<'de> DeserializeSeed<'de> for ResourceSeed<'_, 'de> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResourceSeed<'_, 'de> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Trivy Kubernetes resource object")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::invalid_type(de::Unexpected::Other("string"), &self))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const OBJECT: &str = "a Trivy Kubernetes resource object";
        let ResourceSeed { b, list } = self;
        let mut seen = 0u64;
        let mut known = 0;
        let [mut namespace, mut kind, mut name, mut error] = <[LStr<'de>; 4]>::default();
        let mut results_seen = false;
        let mut held: Vec<InResult> = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.0.as_ref();
            match key {
                "Namespace" | "Kind" | "Name" => {
                    refuse_repeat(&mut seen, key, OBJECT)?;
                    if results_seen && b.eager {
                        return Err(b.give_up());
                    }
                    let v = map.next_value()?;
                    match key {
                        "Namespace" => namespace = v,
                        "Kind" => kind = v,
                        _ => name = v,
                    }
                }
                "Results" => {
                    refuse_repeat(&mut seen, key, OBJECT)?;
                    results_seen = true;
                    let eager = ResourceCtx::new(&namespace, &kind, &name);
                    let hold = (!b.eager).then_some(&mut held);
                    let results = Results {
                        b: &mut *b,
                        list,
                        res: &eager,
                        hold,
                        len: 0,
                    };
                    map.next_value_seed(ArrayOf(results))?;
                }
                "Error" => error = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            }
            known += 1;
        }
        let res = ResourceCtx::new(&namespace, &kind, &name);
        if let Some(err) = error.get() {
            let loc = ResourceLocation {
                namespace: namespace.owned(),
                kind: kind.get().unwrap_or("").to_owned(),
                name: name.get().unwrap_or("").to_owned(),
            };
            // Trivy could not scan this resource: its findings are missing from the report.
            b.resource_errors[list].push(format!(
                "Trivy reported a scan error for {}: {}",
                loc.display(),
                crate::text::truncate(err, 300)
            ));
        }
        for r in held {
            r.finish(&res, b, list);
        }
        Ok(known)
    }
}

/// A map key, borrowed from the input when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A lenient string: text as given (borrowed when possible), numbers and booleans as their
/// text, anything else (null, arrays, objects) absent. Never fails.
#[derive(Default)]
struct LStr<'a>(Option<Cow<'a, str>>);

impl<'a> LStr<'a> {
    /// The value as written.
    fn raw(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Trimmed; empty counts as absent.
    fn get(&self) -> Option<&str> {
        self.raw().map(str::trim).filter(|s| !s.is_empty())
    }

    /// Where the value sits in the input, when it was borrowed from it (not unescaped).
    fn position(&self) -> Option<*const u8> {
        super::source::position(self.0.as_ref())
    }

    fn owned(&self) -> Option<String> {
        self.get().map(str::to_owned)
    }

    /// [`LStr::get`] when the text is borrowed from the input (it had no escapes).
    fn borrowed(&self) -> Option<&'a str> {
        match &self.0 {
            Some(Cow::Borrowed(s)) => Some(s.trim()).filter(|s| !s.is_empty()),
            _ => None,
        }
    }

    /// [`LStr::get`], by value.
    fn take(self) -> Option<Cow<'a, str>> {
        match self.0? {
            Cow::Borrowed(s) => Some(s.trim()).filter(|s| !s.is_empty()).map(Cow::Borrowed),
            Cow::Owned(s) => {
                let t = s.trim();
                if t.is_empty() {
                    None
                } else if t.len() == s.len() {
                    Some(Cow::Owned(s))
                } else {
                    Some(Cow::Owned(t.to_owned()))
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for LStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
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
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LStr(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A lenient list of strings: an array keeps its string (and number) elements; anything else
/// is an empty list.
#[derive(Default)]
struct LStrs<'a>(Vec<Cow<'a, str>>);

impl<'de> Deserialize<'de> for LStrs<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LStrs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(LStr(s)) = a.next_element::<LStr<'de>>()? {
                    out.extend(s);
                }
                Ok(LStrs(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LStrs::default())
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                // A single string where a list belongs: keep it.
                Ok(LStrs(vec![Cow::Borrowed(v)]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LStrs(vec![Cow::Owned(v.to_owned())]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LStrs::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LStrs::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LStrs::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LStrs::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LStrs::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// A lenient number (see [`json::lenient_f64`]).
#[derive(Default)]
struct LF64(Option<f64>);

impl<'de> Deserialize<'de> for LF64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        json::lenient_f64(d).map(LF64)
    }
}

/// A lenient non-negative integer (see [`json::lenient_u64`]).
#[derive(Default)]
struct LU64(Option<u64>);

impl<'de> Deserialize<'de> for LU64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        json::lenient_u64(d).map(LU64)
    }
}

/// An object we only keep things from: anything but an object is absent.
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| Lenient(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A vulnerability's `CVSS` map (source → scores), in document order; entries that are not
/// objects are dropped.
#[derive(Default)]
struct Cvss<'a>(Vec<(Cow<'a, str>, CvssEntry<'a>)>);

impl<'de> Deserialize<'de> for Cvss<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Cvss<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a CVSS object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(Cow<'de, str>, CvssEntry<'de>)> = Vec::new();
                while let Some(Key(vendor)) = map.next_key::<Key<'de>>()? {
                    if let Lenient(Some(entry)) = map.next_value::<Lenient<CvssEntry<'de>>>()? {
                        // A repeated source could lower the fallback score: refused, like the
                        // other deciding keys.
                        if out.iter().any(|(v, _)| *v == vendor) {
                            return Err(de::Error::custom(format_args!(
                                "duplicate CVSS source `{vendor}`: a key that decides a \
                                 finding's severity must appear once"
                            )));
                        }
                        out.push((vendor, entry));
                    }
                }
                Ok(Cvss(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Cvss::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Cvss::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Cvss::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Cvss::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Cvss::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Cvss::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Cvss::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// The number of elements of an array (`ExperimentalModifiedFindings`); anything else is 0.
#[derive(Default)]
struct Count(u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut n = 0;
                while a.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Count(0))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Count(0))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Count(0))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Count(0))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Count(0))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Count(0))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Count(0))
            }
        }
        d.deserialize_any(V)
    }
}

/// Whether a value is a non-empty string. The string itself is looked at only for its length
/// and then dropped (used for secret `Match`, which must never be stored).
#[derive(Default)]
struct NonEmpty(bool);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NonEmpty;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NonEmpty(!v.is_empty()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(NonEmpty(false))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(NonEmpty(false))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(NonEmpty(false))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(NonEmpty(false))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(NonEmpty(false))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(NonEmpty(false))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(NonEmpty(false))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VulnIdKind;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/trivy/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn parse_named(bytes: &[u8], name: &str) -> Result<ParsedReport, IngestError> {
        parse(
            bytes,
            &ParseContext {
                input: Text::from(name),
                release: Default::default(),
                cores_busy: false,
            },
        )
    }

    fn load(name: &str) -> ParsedReport {
        parse_named(&fixture(name), name).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn find<'r>(report: &'r ParsedReport, rule_id: &str, pkg: &str) -> &'r Finding {
        report
            .findings
            .iter()
            .find(|f| {
                *f.rule_id == *rule_id
                    && f.location.package.as_ref().map_or("", |p| p.name.as_str()) == pkg
            })
            .unwrap_or_else(|| panic!("no finding {rule_id} / {pkg}"))
    }

    fn count(report: &ParsedReport, kind: FindingKind) -> usize {
        report.findings.iter().filter(|f| f.kind == kind).count()
    }

    const IMAGE_TARGET: &str = "registry.example.com/shop/api:1.4.2 (debian 12.5)";

    #[test]
    fn schema2_image_counts_layout_and_scanner() {
        let r = load("schema2_image.json");
        assert_eq!(count(&r, FindingKind::Vulnerability), 10);
        // DS002, DS026 and the AVDID-only DS013 fail; DS001 passes, DS005 is an exception.
        assert_eq!(count(&r, FindingKind::Misconfiguration), 3);
        assert_eq!(count(&r, FindingKind::Secret), 2);
        assert_eq!(count(&r, FindingKind::License), 4);
        assert_eq!(r.findings.len(), 19);
        assert_eq!(r.stats.upstream_suppressed, 2);
        assert_eq!(r.scanners.len(), 1);
        assert_eq!(&*r.scanners[0].name, "Trivy");
        assert_eq!(r.scanners[0].version.as_deref(), Some("0.58.1"));
        assert!(r.findings.iter().all(|f| *f.scanner == r.scanners[0]));
        assert!(r.findings.iter().all(|f| &*f.input == "schema2_image.json"));
        assert!(
            r.findings
                .iter()
                .all(|f| f.suppression.is_none() && f.confidence.is_none())
        );
        assert_eq!(
            r.stats.notes[0],
            "Trivy SchemaVersion 2 report for `registry.example.com/shop/api:1.4.2` \
             (container_image), 6 results"
        );
        assert!(
            r.stats
                .notes
                .iter()
                .any(|n| n.contains("1 PASS, 1 EXCEPTION")),
            "{:?}",
            r.stats.notes
        );
    }

    #[test]
    fn severity_field_decides_and_cvss_is_the_fallback() {
        let r = load("schema2_image.json");
        let direct = find(&r, "CVE-2024-6387", "openssh-server");
        assert_eq!(direct.severity, Severity::High);
        assert_eq!(direct.severity_source.to_string(), "trivy Severity = HIGH");

        // UNKNOWN with scores: the highest V3 score over all sources (nvd 7.5 > redhat 3.7);
        // the nvd V2 10.0 is not consulted while a V3 score exists.
        let v3 = find(&r, "CVE-2024-2511", "libssl3");
        assert_eq!(v3.severity, Severity::High);
        assert_eq!(v3.severity_source.field(), "trivy CVSS V3Score");
        assert_eq!(v3.severity_source.raw(), "7.5 (nvd)");
        let cvss = v3.extra.cvss().expect("cvss kept");
        assert_eq!((cvss.score, cvss.source.as_str()), (7.5, "nvd"));
        assert_eq!(
            cvss.vector.as_deref(),
            Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")
        );

        // No Severity field at all, only a V2 score.
        let v2 = find(&r, "CVE-2023-31484", "perl-base");
        assert_eq!(v2.severity, Severity::Medium);
        assert_eq!(
            v2.severity_source.to_string(),
            "trivy CVSS V2Score = 6.8 (redhat)"
        );

        // UNKNOWN and no score: stays Unknown, naming the raw value.
        let none = find(&r, "TEMP-0841856-B18BAF", "bash");
        assert_eq!(none.severity, Severity::Unknown);
        assert_eq!(none.severity_source.to_string(), "trivy Severity = UNKNOWN");
        assert!(none.extra.cvss().is_none());

        // A score of 0 decides nothing.
        let zero = find(&r, "CVE-2022-0563", "util-linux");
        assert_eq!(zero.severity, Severity::Unknown);
        assert!(zero.extra.cvss().is_none());

        // The Severity field wins over a higher score.
        let low = find(&r, "CVE-2011-3374", "apt");
        assert_eq!(low.severity, Severity::Low);
        assert_eq!(low.extra.cvss().map(|c| c.score), Some(3.7));
    }

    #[test]
    fn cvss_pick_prefers_the_severity_source_vendor_on_ties() {
        let doc = br#"{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2024-1", "PkgName": "p", "SeveritySource": "redhat",
             "CVSS": {"nvd": {"V3Score": 8.1, "V3Vector": "N"},
                      "redhat": {"V3Score": 8.1, "V3Vector": "R"},
                      "ghsa": {"V40Score": 9.9}}}]}]}"#;
        let r = parse_named(doc, "x").expect("parses");
        let c = r.findings[0].extra.cvss().expect("cvss");
        assert_eq!(
            (c.source.as_str(), c.vector.as_deref()),
            ("redhat", Some("R"))
        );
        assert_eq!(r.findings[0].severity, Severity::High);
        // Only a V4.0 score: used when there is no V3 score.
        let doc = br#"{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2024-2", "PkgName": "p", "Severity": "UNKNOWN",
             "CVSS": {"ghsa": {"V40Score": 9.3, "V2Score": 5.0}}}]}]}"#;
        let r = parse_named(doc, "x").expect("parses");
        assert_eq!(r.findings[0].severity, Severity::Critical);
        assert_eq!(r.findings[0].severity_source.field(), "trivy CVSS V40Score");
    }

    #[test]
    fn vulnerability_fields_are_kept() {
        let r = load("schema2_image.json");
        let f = find(&r, "CVE-2024-6387", "openssh-server");
        assert_eq!(f.kind, FindingKind::Vulnerability);
        assert_eq!(
            &*f.title,
            "openssh: regreSSHion - RCE in OpenSSH's server, on glibc-based Linux systems"
        );
        let ids: Vec<(VulnIdKind, &str)> =
            f.vuln_ids.iter().map(|v| (v.kind, v.id.as_str())).collect();
        assert_eq!(
            ids,
            [
                (VulnIdKind::Cve, "CVE-2024-6387"),
                (VulnIdKind::Distro, "DSA-5724-1")
            ]
        );
        assert_eq!(f.location.target.as_deref(), Some(IMAGE_TARGET));
        let pkg = f.location.package.as_ref().expect("package");
        assert_eq!(pkg.version.as_deref(), Some("1:9.2p1-2"));
        assert_eq!(
            pkg.purl.as_deref(),
            Some("pkg:deb/debian/openssh-server@1:9.2p1-2?arch=amd64&distro=debian-12.5")
        );
        // DiffID is preferred over Digest.
        assert_eq!(
            pkg.layer.as_deref(),
            Some("sha256:9a8b7c6d5e4f30211203f4e5d6c7b8a9e0f1a2b3c4d5e6f708192a3b4c5d6e7f")
        );
        assert_eq!(
            f.fix.as_ref().and_then(|x| x.fixed_version.as_deref()),
            Some("1:9.2p1-2+deb12u3")
        );
        assert_eq!(*f.cwes, [364]);
        assert_eq!(f.references.len(), 2);
        assert_eq!(
            f.extra.help_uri.as_deref(),
            Some("https://avd.aquasec.com/nvd/cve-2024-6387")
        );
        assert_eq!(*f.extra.tags, ["os-pkgs", "debian"]);
        assert_eq!(
            f.location.display_short(),
            format!("openssh-server@1:9.2p1-2 ({IMAGE_TARGET})")
        );

        let statuses: Vec<Option<&str>> = r
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Vulnerability)
            .map(|f| f.extra.status())
            .collect();
        assert_eq!(
            statuses,
            [
                Some("fixed"),
                Some("fixed"),
                Some("will_not_fix"),
                Some("affected"),
                Some("affected"),
                Some("end_of_life"),
                Some("not_affected"),
                Some("fix_deferred"),
                Some("fixed"),
                Some("fixed"),
            ]
        );

        let jar = &r.findings[8];
        let pkg = jar.location.package.as_ref().expect("package");
        assert_eq!(
            pkg.path.as_deref(),
            Some("app/lib/jackson-databind-2.13.4.jar")
        );
        // Only a Digest: it is the layer.
        assert_eq!(
            pkg.layer.as_deref(),
            Some("sha256:0c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809")
        );
        assert_eq!(jar.vuln_ids[1].id, "GHSA-jjjh-jjxp-wpff");
        assert_eq!(jar.vuln_ids[1].kind, VulnIdKind::Ghsa);
    }

    #[test]
    fn descriptions_are_shared_not_copied() {
        let r = load("schema2_image.json");
        let a = find(&r, "CVE-2024-6387", "openssh-server")
            .description
            .clone();
        let b = find(&r, "CVE-2024-6387", "openssh-client")
            .description
            .clone();
        let (a, b) = (a.expect("description"), b.expect("description"));
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn reference_lists_are_shared_per_advisory_unless_they_differ() {
        let report = br#"{"SchemaVersion": 2, "ArtifactName": "a", "Results": [
            {"Target": "t", "Vulnerabilities": [
                {"VulnerabilityID": "CVE-2024-1", "PkgName": "a", "Severity": "HIGH",
                 "References": ["https://x/1", " https://x/2 ", "", "https://x/1"]},
                {"VulnerabilityID": "CVE-2024-1", "PkgName": "b", "Severity": "HIGH",
                 "References": ["https://x/1", "https://x/2"]},
                {"VulnerabilityID": "CVE-2024-1", "PkgName": "c", "Severity": "HIGH",
                 "References": ["https://x/1", "https://x/3"]},
                {"VulnerabilityID": "CVE-2024-1", "PkgName": "d", "Severity": "HIGH",
                 "References": ["https://x/1"]},
                {"VulnerabilityID": "CVE-2024-1", "PkgName": "e", "Severity": "HIGH",
                 "References": ["https://x/1", "", "https://x/1", "https://x/3 "]},
                {"VulnerabilityID": "CVE-2024-1", "PkgName": "f", "Severity": "HIGH",
                 "References": ["https://x/3", "https://x/1"]}]}]}"#;
        let r = parse_named(report, "x").expect("parses");
        let refs: Vec<&Arc<[String]>> = r.findings.iter().map(|f| &f.references).collect();
        assert_eq!(**refs[0], ["https://x/1", "https://x/2"]);
        // The same list after trimming and dropping blanks and repeats: one shared copy.
        assert!(Arc::ptr_eq(refs[0], refs[1]));
        // Another list under the same id is its own, never the first one's.
        assert_eq!(**refs[2], ["https://x/1", "https://x/3"]);
        assert_eq!(**refs[3], ["https://x/1"]);
        // Repeats and blanks around the same list still share it; another order does not.
        assert_eq!(**refs[4], ["https://x/1", "https://x/3"]);
        assert_eq!(**refs[5], ["https://x/3", "https://x/1"]);
    }

    #[test]
    fn long_reference_and_cwe_lists_are_deduplicated_in_linear_time() {
        // 10^5 distinct references, each listed twice: pairwise comparison would be 2 * 10^10
        // string comparisons (a hostile report must not stall the gate).
        const N: usize = 100_000;
        let refs: Vec<String> = (0..2 * N)
            .map(|i| format!("\"https://x/{}\"", i % N))
            .collect();
        let cwes: Vec<String> = (0..2 * N)
            .map(|i| format!("\"CWE-{}\"", i % N + 1))
            .collect();
        let report = format!(
            r#"{{"SchemaVersion": 2, "ArtifactName": "a", "Results": [{{"Target": "t",
               "Vulnerabilities": [
                 {{"VulnerabilityID": "CVE-2024-1", "PkgName": "a", "Severity": "HIGH",
                   "References": [{refs}], "CweIDs": [{cwes}]}},
                 {{"VulnerabilityID": "CVE-2024-1", "PkgName": "b", "Severity": "HIGH",
                   "References": [{refs}]}}]}}]}}"#,
            refs = refs.join(","),
            cwes = cwes.join(",")
        );
        let r = parse_named(report.as_bytes(), "x").expect("parses");
        let a = &r.findings[0];
        assert_eq!(a.references.len(), N);
        assert_eq!(a.references[N - 1], format!("https://x/{}", N - 1));
        assert_eq!(a.cwes.len(), N);
        assert!(Arc::ptr_eq(&a.references, &r.findings[1].references));
    }

    #[test]
    fn the_converting_thread_gives_the_findings_of_the_single_threaded_read() {
        // Several batches per list, three results, one written with its `Target` after its
        // list (read again in deferred mode), advisories repeating across batches; over the
        // size that gets the second thread.
        let filler = "x".repeat(2000);
        let vulns = |n: usize, salt: &str| -> String {
            (0..n)
                .map(|i| {
                    format!(
                        r#"{{"VulnerabilityID":"CVE-2024-{c}","PkgName":"{salt}{i}","InstalledVersion":"1","Severity":"{sev}","Description":"advisory {c} {filler}","References":["https://x.test/{c}","https://x.test/{c}"],"PrimaryURL":"https://x.test/{c}"}}"#,
                        c = i % 37,
                        sev = ["LOW", "HIGH", "CRITICAL"][i % 3]
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let eager = format!(
            r#"{{"SchemaVersion":2,"ArtifactName":"img","Results":[
              {{"Target":"a","Class":"os-pkgs","Vulnerabilities":[{}]}},
              {{"Target":"b","Vulnerabilities":[{}],"Secrets":[{{"RuleID":"s","Severity":"HIGH"}}]}},
              {{"Target":"c","Vulnerabilities":[{}]}}]}}"#,
            vulns(1300, "a"),
            vulns(3, "b"),
            vulns(700, "c")
        );
        let deferred = eager.replacen(r#"{"Target":"c","#, "{", 1).replacen(
            r#"]}]}"#,
            r#"],"Target":"c"}]}"#,
            1,
        );
        for report in [&eager, &deferred] {
            let ctx = |cores_busy: bool| ParseContext {
                input: Text::from("r"),
                release: Default::default(),
                cores_busy,
            };
            // (On a one-core machine both reads are single-threaded.)
            assert_eq!(
                ctx(false).second_thread(report.len()),
                rayon::current_num_threads() > 1
            );
            assert!(!ctx(true).second_thread(report.len()));
            let read =
                |cores_busy: bool| parse(report.as_bytes(), &ctx(cores_busy)).expect("parses");
            let (threaded, inline) = (read(false), read(true));
            assert_eq!(threaded.findings.len(), 1300 + 3 + 1 + 700);
            assert_eq!(threaded.findings, inline.findings);
            assert_eq!(threaded.stats, inline.stats);
            // Advisory text is still shared across batches and results.
            let (first, later) = (&threaded.findings[0], &threaded.findings[37 * 30]);
            assert_eq!(first.rule_id, later.rule_id);
            assert!(Arc::ptr_eq(
                first.description.as_ref().unwrap(),
                later.description.as_ref().unwrap()
            ));
            assert!(Arc::ptr_eq(&first.references, &later.references));
        }
    }

    #[test]
    fn key_order_does_not_change_findings() {
        // Trivy's own order: streamed in one (eager) pass.
        let written = br#"{"SchemaVersion": 2, "Trivy": {"Version": "0.50.1"},
            "ArtifactName": "shop:1", "ArtifactType": "container_image",
            "Results": [
              {"Target": "shop:1 (debian 12)", "Class": "os-pkgs", "Type": "debian",
               "Vulnerabilities": [
                 {"VulnerabilityID": "CVE-2024-1", "PkgName": "a", "InstalledVersion": "1",
                  "Severity": "HIGH", "Description": "shared"},
                 {"VulnerabilityID": "CVE-2024-1", "PkgName": "b", "PkgPath": "x/b.jar",
                  "Severity": "HIGH", "Description": "shared"}]},
              {"Target": "", "Class": "config", "Type": "dockerfile",
               "Misconfigurations": [{"ID": "DS001", "Status": "FAIL", "Severity": "LOW",
                 "CauseMetadata": {"Resource": "r", "StartLine": 3}}],
               "Secrets": [{"RuleID": "aws", "Severity": "CRITICAL", "StartLine": 2,
                 "Category": "AWS", "Match": "x"}],
               "Licenses": [{"Name": "GPL-3.0", "Severity": "HIGH", "FilePath": "LICENSE",
                 "Category": "restricted"}]}],
            "Resources": [{"Namespace": "ns", "Kind": "Deployment", "Name": "api",
              "Results": [{"Target": "img", "Class": "os-pkgs",
                "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-1", "PkgName": "a"}]}]}]}"#;
        // The same report with every key that a finding depends on after the entries, and
        // a result's lists out of order: read again in deferred mode, same findings.
        let shuffled = br#"{"Resources": [{"Results": [{
                "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-1", "PkgName": "a"}],
                "Class": "os-pkgs", "Target": "img"}],
              "Name": "api", "Kind": "Deployment", "Namespace": "ns"}],
            "Results": [
              {"Vulnerabilities": [
                 {"VulnerabilityID": "CVE-2024-1", "PkgName": "a", "InstalledVersion": "1",
                  "Severity": "HIGH", "Description": "shared"},
                 {"VulnerabilityID": "CVE-2024-1", "PkgName": "b", "PkgPath": "x/b.jar",
                  "Severity": "HIGH", "Description": "shared"}],
               "Target": "elsewhere", "Type": "debian", "Class": "os-pkgs",
               "Target": "shop:1 (debian 12)"},
              {"Licenses": [{"Name": "GPL-3.0", "Severity": "HIGH", "FilePath": "LICENSE",
                 "Category": "restricted"}],
               "Secrets": [{"RuleID": "aws", "Severity": "CRITICAL", "StartLine": 2,
                 "Category": "AWS", "Match": "x"}],
               "Misconfigurations": [{"ID": "DS001", "Status": "FAIL", "Severity": "LOW",
                 "CauseMetadata": {"Resource": "r", "StartLine": 3}}],
               "Type": "dockerfile", "Class": "config", "Target": ""}],
            "ArtifactName": "other", "ArtifactType": "container_image",
            "Trivy": {"Version": "0.50.1"}, "SchemaVersion": 2, "ArtifactName": "shop:1"}"#;
        let a = parse_named(written, "x").expect("written order");
        let b = parse_named(shuffled, "x").expect("shuffled order");
        assert_eq!(a.findings.len(), 6);
        assert_eq!(a.findings, b.findings);
        assert_eq!(a.scanners, b.scanners);
        assert_eq!(a.stats, b.stats);
        let v = &a.findings[0];
        assert_eq!(v.scanner.version.as_deref(), Some("0.50.1"));
        assert_eq!(*v.extra.tags, ["os-pkgs", "debian"]);
        let (d0, d1) = (&a.findings[0].description, &a.findings[1].description);
        assert!(Arc::ptr_eq(
            d0.as_ref().expect("d"),
            d1.as_ref().expect("d")
        ));
        // A result without Target is located at the ArtifactName (the last one given).
        let m = &a.findings[2];
        assert_eq!(m.kind, FindingKind::Misconfiguration);
        assert_eq!(m.location.target.as_deref(), Some("shop:1"));
        assert_eq!(
            m.location.file.as_ref().map(|f| f.path.as_str()),
            Some("shop:1")
        );
        assert_eq!(
            m.fingerprint,
            Fingerprint::builder("config")
                .field("DS001")
                .field("")
                .opt(Some("r"))
                .opt(None)
                .finish()
        );
        assert_eq!(resource(&a.findings[5]), "ns/Deployment/api");
        assert_eq!(
            a.findings[1].fingerprint,
            Fingerprint::builder("pkg")
                .field("CVE-2024-1")
                .field("b")
                .opt(None)
                .field("shop:1 (debian 12)")
                .opt(None)
                .field("x/b.jar")
                .finish()
        );
        // Without an ArtifactName, such a result has no target and no file.
        let no_artifact = parse_named(
            br#"{"Results": [{"Misconfigurations": [{"ID": "DS001", "Status": "FAIL"}]}]}"#,
            "x",
        )
        .expect("no artifact");
        let m = &no_artifact.findings[0];
        assert_eq!((&m.location.target, &m.location.file), (&None, &None));
    }

    #[test]
    fn vulnerability_fingerprints() {
        let r = load("schema2_image.json");
        let server = find(&r, "CVE-2024-6387", "openssh-server");
        let client = find(&r, "CVE-2024-6387", "openssh-client");
        assert_ne!(server.fingerprint, client.fingerprint);
        let expected = Fingerprint::builder("pkg")
            .field("CVE-2024-6387")
            .field("openssh-server")
            .opt(Some("1:9.2p1-2"))
            .field(IMAGE_TARGET)
            .opt(None)
            .finish();
        assert_eq!(server.fingerprint, expected);
        // The same library in two jars: two findings, two identities.
        let jars: Vec<&Finding> = r
            .findings
            .iter()
            .map(|f| &**f)
            .filter(|f| f.rule_id.as_ref() == "CVE-2022-42003")
            .collect();
        assert_eq!(jars.len(), 2);
        assert_ne!(jars[0].fingerprint, jars[1].fingerprint);
        // Identity does not depend on severity or description: a re-scored copy matches.
        let doc = fixture("schema2_image.json");
        let text = String::from_utf8(doc).expect("utf-8").replacen(
            "\"Severity\": \"HIGH\"",
            "\"Severity\": \"LOW\"",
            1,
        );
        let rescored = parse_named(text.as_bytes(), "x").expect("parses");
        assert_eq!(rescored.findings[0].severity, Severity::Low);
        assert_eq!(rescored.findings[0].fingerprint, server.fingerprint);
    }

    #[test]
    fn misconfigurations_fail_only_with_location_and_fix() {
        let r = load("schema2_image.json");
        let m: Vec<&Finding> = r
            .findings
            .iter()
            .map(|f| &**f)
            .filter(|f| f.kind == FindingKind::Misconfiguration)
            .collect();
        let ids: Vec<&str> = m.iter().map(|f| f.rule_id.as_ref()).collect();
        // DS013 has no ID: the AVDID stands in.
        assert_eq!(ids, ["DS002", "DS026", "AVD-DS-0013"]);
        let ds002 = m[0];
        assert_eq!(ds002.severity, Severity::High);
        assert_eq!(&*ds002.title, "Image user should not be 'root'");
        assert_eq!(ds002.extra.rule_name.as_deref(), Some("AVD-DS-0002"));
        assert_eq!(
            ds002.fix.as_ref().and_then(|f| f.solution.as_deref()),
            Some("Add 'USER <non root user name>' line to the Dockerfile")
        );
        let desc = ds002.description.as_deref().expect("description");
        assert!(
            desc.starts_with("Running containers with 'root' user"),
            "{desc}"
        );
        assert!(desc.ends_with("with non-root user as argument"), "{desc}");
        let file = ds002.location.file.as_ref().expect("file");
        assert_eq!((file.path.as_str(), file.region), ("Dockerfile", None));
        let ds013 = m[2];
        let region = ds013
            .location
            .file
            .as_ref()
            .and_then(|f| f.region)
            .expect("region");
        assert_eq!((region.start_line, region.end_line), (Some(12), Some(13)));
        assert!(
            ds013
                .location
                .file
                .as_ref()
                .is_some_and(|f| f.snippet.is_none())
        );
        assert_eq!(
            ds002.fingerprint,
            Fingerprint::builder("config")
                .field("DS002")
                .field("Dockerfile")
                .opt(None)
                .opt(None)
                .finish()
        );
    }

    #[test]
    fn secrets_never_enter_the_model() {
        let r = load("schema2_image.json");
        let json = serde_json::to_string(&r.findings).expect("serialises");
        let debug = format!("{:?} {:?}", r.findings, r.stats);
        for leaked in [
            "wJalrXUtnFEMI",
            "EXAMPLEKEY",
            "ghp_R2d2",
            "AWS_SECRET_ACCESS_KEY=",
            "GITHUB_TOKEN=",
        ] {
            assert!(!json.contains(leaked), "{leaked} in JSON");
            assert!(!debug.contains(leaked), "{leaked} in Debug");
        }
        let s: Vec<&Finding> = r
            .findings
            .iter()
            .map(|f| &**f)
            .filter(|f| f.kind == FindingKind::Secret)
            .collect();
        assert_eq!(&*s[0].rule_id, "aws-secret-access-key");
        assert_eq!(&*s[0].title, "AWS Secret Access Key");
        assert_eq!(s[0].severity, Severity::Critical);
        assert_eq!(*s[0].extra.tags, ["secret", "AWS"]);
        let file = s[0].location.file.as_ref().expect("file");
        assert_eq!(file.path, "app/.env.production");
        assert_eq!(file.snippet.as_deref(), Some(REDACTED));
        assert_eq!(file.region.and_then(|r| r.start_line), Some(3));
        assert_eq!(
            s[0].fingerprint,
            Fingerprint::builder("secret")
                .field("aws-secret-access-key")
                .field("app/.env.production")
                .field("3")
                .opt(None)
                .finish()
        );
        assert_ne!(s[0].fingerprint, s[1].fingerprint);
    }

    #[test]
    fn licenses() {
        let r = load("schema2_image.json");
        let l: Vec<&Finding> = r
            .findings
            .iter()
            .map(|f| &**f)
            .filter(|f| f.kind == FindingKind::License)
            .collect();
        let got: Vec<(&str, &str, Severity)> = l
            .iter()
            .map(|f| (f.rule_id.as_ref(), &*f.title, f.severity))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "GPL-3.0-or-later",
                    "License GPL-3.0-or-later (restricted)",
                    Severity::High
                ),
                ("Zlib", "License Zlib (notice)", Severity::Low),
                (
                    "LicenseRef-openssl-custom",
                    "License LicenseRef-openssl-custom (unknown)",
                    Severity::Unknown
                ),
                (
                    "AGPL-3.0",
                    "License AGPL-3.0 (forbidden)",
                    Severity::Critical
                ),
            ]
        );
        assert_eq!(l[2].severity_source.to_string(), "trivy Severity = UNKNOWN");
        assert_eq!(
            l[0].location.package.as_ref().map(|p| p.name.as_str()),
            Some("bash")
        );
        assert!(l[0].location.file.is_none());
        assert!(l[3].location.package.is_none());
        assert_eq!(
            l[3].location.file.as_ref().map(|f| f.path.as_str()),
            Some("app/vendor/pdfgen/LICENSE")
        );
        assert_eq!(
            l[3].extra.help_uri.as_deref(),
            Some("https://spdx.org/licenses/AGPL-3.0.html")
        );
        assert_eq!(*l[3].extra.tags, ["license-file", "forbidden"]);
    }

    #[test]
    fn legacy_array_layout() {
        let r = load("legacy_array.json");
        assert_eq!(r.findings.len(), 4);
        assert_eq!(r.scanners[0].version, None);
        assert_eq!(
            r.stats.notes,
            ["legacy Trivy array layout (before SchemaVersion 2), 3 results"]
        );
        assert_eq!(
            find(&r, "CVE-2021-36159", "apk-tools").severity,
            Severity::Critical
        );
        // An entry that is only a package name is still a finding, of unknown severity.
        let bare = find(&r, "", "minimist");
        assert_eq!(bare.severity, Severity::Unknown);
        assert_eq!(bare.severity_source.field(), "trivy Severity");
        assert_eq!(bare.severity_source.raw(), "");
        assert_eq!(
            &*bare.title,
            "Vulnerability without VulnerabilityID in minimist"
        );
        assert!(bare.vuln_ids.is_empty());
        assert_eq!(
            bare.location.target.as_deref(),
            Some("app/package-lock.json")
        );
        let nswg = find(&r, "NSWG-ECO-428", "base64url");
        assert_eq!(nswg.vuln_ids[0].kind, VulnIdKind::Other);
    }

    #[test]
    fn null_and_empty_array_are_reports_without_findings() {
        for name in ["null.json", "empty_array.json"] {
            let r = load(name);
            assert!(r.findings.is_empty(), "{name}");
            assert_eq!(r.scanners.len(), 1, "{name}");
            assert_eq!(r.stats.notes.len(), 1, "{name}");
        }
        assert!(load("null.json").stats.notes[0].contains("null"));
        assert!(parse_named(b" null \n", "x").is_ok());
    }

    #[test]
    fn object_without_schema_version() {
        let r = load("pre020_object.json");
        assert_eq!(r.findings.len(), 2);
        assert_eq!(
            r.stats.notes[0],
            "Trivy report object without SchemaVersion (before 0.20) for `shop-worker:0.9.1` \
             (container_image), 2 results"
        );
        // A result with an empty Target is located on the artifact.
        let go = find(&r, "CVE-2021-38297", "stdlib");
        assert_eq!(go.location.target.as_deref(), Some("shop-worker:0.9.1"));
        assert_eq!(go.severity, Severity::Critical);
        assert_eq!(
            go.severity_source.to_string(),
            "trivy CVSS V3Score = 9.8 (nvd)"
        );
    }

    fn resource(f: &Finding) -> String {
        f.location
            .resource
            .as_deref()
            .map(ResourceLocation::display)
            .unwrap_or_default()
    }

    #[test]
    fn kubernetes_resources_layout() {
        let r = load("k8s_resources.json");
        let got: Vec<(FindingKind, String, &str)> = r
            .findings
            .iter()
            .map(|f| (f.kind, resource(f), f.rule_id.as_ref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    FindingKind::Vulnerability,
                    "shop/Deployment/api".into(),
                    "CVE-2023-45853"
                ),
                (
                    FindingKind::Secret,
                    "shop/Deployment/api".into(),
                    "private-key"
                ),
                (
                    FindingKind::Vulnerability,
                    "shop/Deployment/worker".into(),
                    "CVE-2023-45853"
                ),
                (
                    FindingKind::Misconfiguration,
                    "shop/Deployment/api".into(),
                    "KSV001"
                ),
                (
                    FindingKind::Misconfiguration,
                    "ClusterRole/shop-admin".into(),
                    "KSV046"
                ),
            ]
        );
        // The same CVE in the same image, in two workloads: two identities.
        assert_ne!(r.findings[0].fingerprint, r.findings[2].fingerprint);
        let res = r.findings[4].location.resource.as_ref().expect("resource");
        assert_eq!(res.namespace, None);
        assert_eq!(
            r.findings[3]
                .location
                .file
                .as_ref()
                .map(|f| f.path.as_str()),
            Some("Deployment/api")
        );
        assert_eq!(
            r.stats.notes[0],
            "Trivy Kubernetes report (Resources) for cluster `kind-dev`, 5 resources"
        );
        assert!(r.stats.notes.iter().any(|n| n.contains("1 PASS")));
        assert!(
            r.stats.notes.iter().any(|n| n.starts_with(
                "Trivy reported a scan error for shop/CronJob/nightly-report: scan error"
            )),
            "{:?}",
            r.stats.notes
        );
        let json = serde_json::to_string(&r.findings).expect("serialises");
        assert!(!json.contains("FakeKeyMaterial") && !json.contains("BEGIN RSA"));
    }

    #[test]
    fn kubernetes_classic_layout() {
        let r = load("k8s_classic.json");
        assert_eq!(count(&r, FindingKind::Vulnerability), 3);
        assert_eq!(count(&r, FindingKind::Misconfiguration), 2);
        assert!(r.findings.iter().all(|f| f.location.resource.is_some()));
        assert_eq!(
            r.stats.notes[0],
            "Trivy Kubernetes report (classic Vulnerabilities/Misconfigurations resource lists) \
             for cluster `arn:aws:eks:eu-west-1:123456789012:cluster/shop-prod`, 4 resources"
        );
        let ksv003: Vec<&Finding> = r
            .findings
            .iter()
            .map(|f| &**f)
            .filter(|f| f.rule_id.as_ref() == "KSV003")
            .collect();
        assert_eq!(resource(ksv003[1]), "kube-system/DaemonSet/aws-node");
        assert_ne!(ksv003[0].fingerprint, ksv003[1].fingerprint);
        let apt: Vec<&Finding> = r
            .findings
            .iter()
            .map(|f| &**f)
            .filter(|f| f.rule_id.as_ref() == "CVE-2011-3374")
            .collect();
        assert_ne!(apt[0].fingerprint, apt[1].fingerprint);
        assert_eq!(
            apt[0].fingerprint,
            Fingerprint::builder("pkg")
                .field("CVE-2011-3374")
                .field("apt")
                .opt(Some("1.8.2.1"))
                .field("registry.example.com/shop/api:1.3.0 (debian 10.4)")
                .opt(Some("shop/Deployment/api"))
                .finish()
        );
        assert_eq!(
            apt[0].location.display_short(),
            "shop/Deployment/api apt@1.8.2.1 (registry.example.com/shop/api:1.3.0 (debian 10.4))"
        );
    }

    #[test]
    fn kubernetes_summary_findings_layout() {
        let r = load("k8s_summary_findings.json");
        assert_eq!(r.findings.len(), 2);
        assert!(
            r.findings
                .iter()
                .all(|f| resource(f) == "default/Deployment/nginx")
        );
        assert!(r.stats.notes[0].starts_with("Trivy Kubernetes report (Findings)"));
    }

    #[test]
    fn truncated_report_is_a_json_error_with_position() {
        let err = parse_named(&fixture("truncated.json"), "t").expect_err("must fail");
        match &err {
            IngestError::Json { line, message, .. } => {
                assert_eq!(*line, 66);
                assert!(message.contains("truncated"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn documents_that_are_not_trivy_reports_are_errors() {
        for name in ["wrong_shape_object.json", "wrong_shape_array.json"] {
            let err = parse_named(&fixture(name), name).expect_err(name);
            assert!(
                matches!(err, IngestError::WrongFormat { .. }),
                "{name}: {err:?}"
            );
        }
        let wrong: [&[u8]; 7] = [
            b"42",
            b"\"report\"",
            b"true",
            b"{}",
            br#"[{"name": "x"}]"#,
            br#"[{"Target": "a"}, 7]"#,
            // A single result object is not a report: its Vulnerabilities are not resources.
            br#"{"Target": "a", "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-1", "PkgName": "x"}]}"#,
        ];
        for doc in wrong {
            let err = parse_named(doc, "x").expect_err(&String::from_utf8_lossy(doc));
            assert!(matches!(err, IngestError::WrongFormat { .. }), "{err:?}");
        }
        let err = parse_named(br#"{"SchemaVersion": 3, "Results": []}"#, "x").expect_err("v3");
        assert!(
            matches!(&err, IngestError::UnsupportedVersion { version, .. } if version == "3"),
            "{err:?}"
        );
        // Structural type errors name the JSON path.
        let err = parse_named(
            b"{\"SchemaVersion\": 2,\n \"Results\": [{\"Target\": \"a\", \"Vulnerabilities\": [1]}]}",
            "x",
        )
        .expect_err("bad vuln");
        match err {
            IngestError::Json {
                line,
                path,
                message,
                ..
            } => {
                assert_eq!(line, 2);
                assert!(
                    message.contains("expected a Trivy vulnerability object"),
                    "{message}"
                );
                assert_eq!(path.as_deref(), Some("$.Results[0].Vulnerabilities[0]"));
            }
            other => panic!("unexpected {other:?}"),
        }
        // A bare string where a secret object belongs: the error does not repeat it.
        let err = parse_named(
            br#"{"SchemaVersion": 2, "Results": [{"Target": "a", "Secrets": ["AKIAIOSFODNN7EXAMPLE"]}]}"#,
            "x",
        )
        .expect_err("bad secret");
        assert!(!err.to_string().contains("AKIA"), "{err}");
        assert!(err.to_string().contains("$.Results[0].Secrets[0]"), "{err}");
        let err = parse_named(
            br#"{"SchemaVersion": 2, "Results": [{"Target": "a", "Secrets": "AKIAIOSFODNN7EXAMPLE"}]}"#,
            "x",
        )
        .expect_err("bad secrets");
        assert!(!err.to_string().contains("AKIA"), "{err}");
        let err = parse_named(br#"{"SchemaVersion": 2, "Results": {}}"#, "x").expect_err("obj");
        assert!(matches!(err, IngestError::Json { .. }), "{err:?}");
        assert!(parse_named(b"{\"SchemaVersion\": 2} trailing", "x").is_err());
        assert!(parse_named(b"{\"SchemaVersion\": NaN}", "x").is_err());
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_named(deep.as_bytes(), "x").is_err());
        let deep_obj = format!(
            "{{\"SchemaVersion\": 2, \"Metadata\": {}1{}}}",
            "{\"a\":".repeat(50_000),
            "}".repeat(50_000)
        );
        // Skipped values are skipped without recursion: deep nesting there is harmless.
        let r = parse_named(deep_obj.as_bytes(), "x").expect("ignored metadata");
        assert!(r.findings.is_empty());
        let deep_layer = format!(
            "{{\"SchemaVersion\": 2, \"Results\": [{{\"Target\": \"t\", \"Vulnerabilities\": \
             [{{\"VulnerabilityID\": \"CVE-1\", \"Layer\": {}1{}}}]}}]}}",
            "{\"a\":".repeat(50_000),
            "}".repeat(50_000)
        );
        let r = parse_named(deep_layer.as_bytes(), "x").expect("lenient layer");
        assert_eq!(r.findings.len(), 1);
    }

    #[test]
    fn kept_fields_are_lenient() {
        let r = load("lenient_types.json");
        assert_eq!(r.findings.len(), 2);
        let v = &r.findings[0];
        // "Severity" is "unknown", so the CVSS fallback decides;
        // redhat's out-of-range 99 and nvd's non-object entry are ignored, ghsa's "9.1" is used.
        assert_eq!(v.severity, Severity::Critical);
        assert_eq!(
            v.severity_source.to_string(),
            "trivy CVSS V3Score = 9.1 (ghsa)"
        );
        let pkg = v.location.package.as_ref().expect("package");
        assert_eq!(pkg.version.as_deref(), Some("2022"));
        assert_eq!((pkg.layer.as_deref(), pkg.purl.as_deref()), (None, None));
        assert!(v.cwes.is_empty());
        assert_eq!(v.references.len(), 1);
        assert_eq!(v.extra.status(), Some("fixed"));
        let m = &r.findings[1];
        assert_eq!(&*m.rule_id, "AVD-AWS-0086");
        let region = m
            .location
            .file
            .as_ref()
            .and_then(|f| f.region)
            .expect("region");
        assert_eq!((region.start_line, region.end_line), (Some(14), None));
        assert_eq!(
            *m.references,
            ["42", "https://avd.aquasec.com/misconfig/avd-aws-0086"]
        );
        assert_eq!(r.stats.upstream_suppressed, 0);
        assert!(
            r.stats
                .notes
                .iter()
                .any(|n| n.contains("1 with a missing or unrecognised Status")),
            "{:?}",
            r.stats.notes
        );
    }

    #[test]
    fn snapshots() {
        for name in [
            "schema2_image",
            "legacy_array",
            "pre020_object",
            "k8s_resources",
            "k8s_classic",
        ] {
            let r = load(&format!("{name}.json"));
            insta::with_settings!({snapshot_path => "../../snapshots"}, {
                insta::assert_yaml_snapshot!(name, &r.findings);
            });
        }
    }
}
