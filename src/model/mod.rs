//! The one findings model every scanner is normalised into.
//!
//! Ingest produces [`Finding`]s; the policy reads them and gives each an outcome; reporters and
//! publishers render them. Nothing downstream of ingest knows which report format a finding came
//! from except through the fields here.
//!
//! Text that many findings repeat (advisory descriptions, rule help) is held in [`Text`]
//! (`Arc<str>`) so a report with 10^5 findings of one rule shares one copy.

mod fingerprint;
mod id;
mod severity;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

pub use fingerprint::{Fingerprint, FingerprintBuilder};
pub use id::{VulnId, VulnIdKind, parse_cwe};
pub use severity::{ParseSeverityError, Severity, SeveritySource};

/// Shared, immutable text (descriptions, rule help, scanner names).
pub type Text = Arc<str>;

/// Which tool produced a finding. For SARIF this is the run's `tool.driver`, not "sarif".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scanner {
    /// Tool name as the report gives it (`Trivy`, `ZAP`, `CodeQL`, `Semgrep OSS`, ...).
    pub name: Text,
    pub version: Option<Text>,
}

/// What sort of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A known vulnerability in a package (Trivy vulnerabilities, Grype/dependency-check SARIF).
    Vulnerability,
    /// An infrastructure-as-code or configuration check that failed.
    Misconfiguration,
    /// A leaked credential.
    Secret,
    /// A package or file under a license the scanner flags.
    License,
    /// A static-analysis result on source code (SARIF).
    Code,
    /// A dynamic finding on a running web application (ZAP).
    Web,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Vulnerability => "vulnerability",
            FindingKind::Misconfiguration => "misconfiguration",
            FindingKind::Secret => "secret",
            FindingKind::License => "license",
            FindingKind::Code => "code",
            FindingKind::Web => "web",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the scanner is (ZAP `confidence`, SARIF `precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// The tool itself marked the finding a false positive (ZAP confidence 0).
    FalsePositive,
    Low,
    Medium,
    High,
    /// Confirmed by a user in the tool (ZAP confidence 4, SARIF precision very-high).
    Confirmed,
}

/// Where a finding is. Parts are optional and combine: a Trivy vulnerability in a Kubernetes
/// workload has a `package` and a `resource`; a misconfiguration has a `file` and maybe a
/// `resource`; a ZAP alert has `web`.
///
/// The parts are boxed: most findings have one or two of them, and a finding with all of them
/// inline was ~400 bytes of mostly `None`, moved and stored 10^6 times for a large report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Location {
    /// The scanned artifact or result target (image name, lock file, IaC file, site).
    /// Shared: every finding of one Trivy result has the same target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<Box<PackageLocation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Box<FileLocation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web: Option<Box<WebLocation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<Box<ResourceLocation>>,
}

impl Location {
    /// One short line for tables: `file.rs:12`, `openssl@1.1.1 (alpine:3.11)`, `GET https://…`.
    pub fn display_short(&self) -> String {
        let mut out = String::new();
        self.write_short(&mut out);
        out
    }

    /// [`Location::display_short`], appended to `out` (the verdict writes one per finding).
    pub fn write_short(&self, out: &mut String) {
        use fmt::Write as _;
        let base = out.len();
        if let Some(res) = &self.resource {
            res.write(out);
        }
        // A space between the resource and what follows it.
        let gap = |out: &mut String| {
            if out.len() > base {
                out.push(' ');
            }
        };
        // `write!` into a `String` cannot fail.
        if let Some(pkg) = &self.package {
            gap(out);
            out.push_str(&pkg.name);
            if let Some(v) = pkg.version.as_deref().filter(|v| !v.is_empty()) {
                out.push('@');
                out.push_str(v);
            }
            if let Some(t) = &self.target {
                let _ = write!(out, " ({t})");
            }
        } else if let Some(file) = &self.file {
            gap(out);
            out.push_str(&file.path);
            if let Some(line) = file.region.as_ref().and_then(|r| r.start_line) {
                // Not `write!`: the verdict writes this for each of 10^6 findings (issue 7).
                out.push(':');
                out.push_str(itoa::Buffer::new().format(line));
            }
        } else if let Some(web) = &self.web {
            gap(out);
            match web.instances.first() {
                Some(i) => {
                    out.push_str(i.method.as_deref().unwrap_or("GET"));
                    out.push(' ');
                    out.push_str(&i.uri);
                    if web.instances.len() > 1 {
                        let _ = write!(out, " (+{} more)", web.instances.len() - 1);
                    }
                }
                None => out.push_str(&web.site),
            }
        } else if let (Some(t), None) = (&self.target, &self.resource) {
            gap(out);
            out.push_str(t);
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackageLocation {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Path of the package inside the artifact (Trivy `PkgPath`, a jar inside an image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Image layer that introduced it (Trivy `Layer.DiffID`, else `Layer.Digest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileLocation {
    /// Relative or absolute path/URI as resolved from the report (SARIF `uriBaseId` applied).
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// Source text at the region when the report carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

/// 1-based lines and columns, as SARIF and Trivy use them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Region {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebLocation {
    /// The site as ZAP names it (`https://example.com:443`).
    pub site: String,
    /// Instances ZAP listed (it caps them; see `count`).
    pub instances: Vec<WebInstance>,
    /// ZAP's own `count` of instances, which can exceed `instances.len()`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebInstance {
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_info: Option<String>,
}

impl WebInstance {
    /// Identity of one instance for baselines: method + URL path without query or fragment +
    /// parameter name. Query values and attack payloads change between scans.
    pub fn fingerprint(&self) -> Fingerprint {
        let without_fragment = self.uri.split('#').next().unwrap_or("");
        let path = without_fragment.split('?').next().unwrap_or("");
        Fingerprint::builder("web-instance")
            .field(&self.method.as_deref().unwrap_or("GET").to_ascii_uppercase())
            .field(path.trim_end_matches('/'))
            .opt(self.param.as_deref())
            .finish()
    }
}

/// A Kubernetes (or other orchestrated) resource a finding belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourceLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub kind: String,
    pub name: String,
}

impl ResourceLocation {
    /// `namespace/Kind/name`, the qualification findings get in Kubernetes reports.
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// [`ResourceLocation::display`], appended to `out`.
    pub fn write(&self, out: &mut String) {
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            out.push_str(ns);
            out.push('/');
        }
        out.push_str(&self.kind);
        out.push('/');
        out.push_str(&self.name);
    }
}

/// How to fix a finding, when the report says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// Versions that fix a vulnerability (Trivy `FixedVersion`, may list several).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<Box<str>>,
    /// Free-text remediation (ZAP `solution`, Trivy `Resolution`, SARIF rule help).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solution: Option<Text>,
}

/// The scanner itself marked the finding as not to be acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolSuppression {
    /// What the tool said, e.g. `sarif suppression (inSource, accepted)`, `zap confidence 0
    /// (false positive)`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// A finding's tool-provided fingerprints, `name=value` each, in one allocation: a SARIF
/// result carries two or three, and a `String` each plus the list cost ~150 bytes per finding
/// held to the end of the run (issue 7). Serialized as an array of strings.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ToolFingerprints(Box<str>);

impl ToolFingerprints {
    /// Each entry as its length in decimal digits, `:`, and its text: held as a `str`, so
    /// reading an entry back needs no UTF-8 check (the JSON report reads every one).
    pub fn new<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> ToolFingerprints {
        use std::fmt::Write;
        let mut text = String::new();
        for entry in entries {
            let entry = entry.as_ref();
            let _ = write!(text, "{}:{entry}", entry.len());
        }
        ToolFingerprints(text.into_boxed_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut rest = &self.0[..];
        std::iter::from_fn(move || {
            // The length's digits, then `:` (read by hand: `split_once` and `parse` were most
            // of the JSON report's time on the fingerprints).
            let mut len = 0usize;
            let mut digits = 0;
            for &b in rest.as_bytes() {
                if !b.is_ascii_digit() {
                    break;
                }
                len = len.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
                digits += 1;
            }
            let tail = rest.get(digits..)?.strip_prefix(':')?;
            let (entry, tail) = tail.split_at_checked(len)?;
            rest = tail;
            Some(entry)
        })
    }

    pub fn first(&self) -> Option<&str> {
        self.iter().next()
    }

    /// The entries as they are held, for a renderer to prefetch.
    pub(crate) fn held(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ToolFingerprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for ToolFingerprints {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Fields that only some scanners fill but that policy and reports use.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extra {
    /// `status`, `cvss` and `baseline_state`: boxed, and `None` when all three are, so the
    /// findings that have none of them (all but Trivy vulnerabilities) pay one pointer. Read
    /// them through [`Extra::status`], [`Extra::cvss`], [`Extra::baseline_state`]; set them
    /// through [`Extra::rare_mut`]. Flattened: serialized as if the fields were inline here.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub rare: Option<Box<RareExtra>>,
    /// Tool-provided fingerprints (SARIF `partialFingerprints`/`fingerprints`, flattened to
    /// `name=value`), sorted.
    #[serde(skip_serializing_if = "ToolFingerprints::is_empty")]
    pub tool_fingerprints: ToolFingerprints,
    /// Rule or alert tags (SARIF `properties.tags`, ZAP WASC id as `wasc-N`, Trivy class/type).
    /// Shared: usually the rule's own list, the same for all its findings.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub tags: Arc<[String]>,
    /// Scanner-side rule reference: ZAP `alertRef`, Trivy misconfiguration `AVDID`, SARIF
    /// rule name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<Text>,
    /// Help URL for the rule or advisory (Trivy `PrimaryURL`, SARIF `helpUri`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<Text>,
}

impl Extra {
    /// Trivy vulnerability `Status`, lower-cased (see [`RareExtra::status`]).
    pub fn status(&self) -> Option<&str> {
        self.rare.as_ref()?.status.as_deref()
    }

    /// The CVSS score kept for the finding (see [`RareExtra::cvss`]).
    pub fn cvss(&self) -> Option<&CvssScore> {
        self.rare.as_ref()?.cvss.as_deref()
    }

    /// SARIF `baselineState` as the tool reported it.
    pub fn baseline_state(&self) -> Option<&str> {
        self.rare.as_ref()?.baseline_state.as_deref()
    }

    /// The rarely-set fields, allocated on first use. Call it only to set something, so that a
    /// finding without any of them keeps `rare: None`.
    pub fn rare_mut(&mut self) -> &mut RareExtra {
        self.rare.get_or_insert_with(Default::default)
    }
}

/// The [`Extra`] fields most findings leave empty (issue 7: each finding is held until the
/// end of the run, so its inline size counts 10^5 times).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RareExtra {
    /// Trivy vulnerability `Status` (`fixed`, `affected`, `will_not_fix`, `not_affected`,
    /// `end_of_life`, ...), lower-cased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Highest CVSS base score found in the report, with its source (`nvd`, `ghsa`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<Box<CvssScore>>,
    /// SARIF `baselineState` as the tool reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<String>,
}

impl RareExtra {
    /// `Some` only when a field is set: what [`Extra::rare`] holds.
    pub fn boxed(self) -> Option<Box<RareExtra>> {
        (self != RareExtra::default()).then(|| Box::new(self))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssScore {
    pub score: f64,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
}

/// One problem reported by one scanner, normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
///
/// Every finding is held until the end of the run, so its inline size is paid once per finding
/// (issue 7): parts most findings leave empty are boxed (`suppression`, `extra.rare`, the
/// location parts), and the scanner is shared.
pub struct Finding {
    pub fingerprint: Fingerprint,
    /// Shared by every finding of one run of the tool.
    pub scanner: Arc<Scanner>,
    pub kind: FindingKind,
    /// Rule or vulnerability id: `CVE-...`, a SARIF `ruleId`, a ZAP plugin id, a Trivy check id.
    pub rule_id: Text,
    /// Vulnerability ids this finding is known by (the CVE, its GHSA alias, ...).
    #[serde(skip_serializing_if = "<[VulnId]>::is_empty")]
    pub vuln_ids: Box<[VulnId]>,
    pub title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    pub severity: Severity,
    pub severity_source: SeveritySource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// Shared: an advisory's reference list is the same for every package it is found in.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub references: Arc<[String]>,
    /// Shared: usually the rule's own list, the same for all its findings (issue 7: one
    /// allocation per finding before, and each compared apart when the reports group rules).
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    pub cwes: Arc<[u32]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Box<ToolSuppression>>,
    pub extra: Extra,
    /// The report file this finding was read from, as given on the command line.
    pub input: Text,
}

impl Finding {
    pub fn is_tool_suppressed(&self) -> bool {
        self.suppression.is_some()
    }
}

/// A finding's CWE list from the ids a reader collected: an empty one is `Arc`'s static empty
/// slice (no allocation, which `Arc::from` of an empty `Vec` makes).
pub fn cwe_list(cwes: Vec<u32>) -> Arc<[u32]> {
    if cwes.is_empty() {
        Arc::default()
    } else {
        cwes.into()
    }
}

/// Placeholder shown instead of secret material. Secret values never enter the model.
pub const REDACTED: &str = "[REDACTED]";

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 7 (peak RSS within 1.5x the input size): the findings are held until the end of
    /// the run, so their inline size is paid 10^5-10^6 times. `Finding` was 560 bytes, mostly
    /// empty `Option`s, then 368; now 320, which is also an allocator size class (mimalloc:
    /// 321..=384 bytes take 384). A new field should go into a boxed part unless most
    /// findings set it.
    #[test]
    fn finding_stays_small() {
        assert!(
            std::mem::size_of::<Finding>() <= FINDING_SIZE_LIMIT,
            "size_of::<Finding>() = {}",
            std::mem::size_of::<Finding>()
        );
    }
    const FINDING_SIZE_LIMIT: usize = 320;

    #[test]
    fn tool_fingerprints_read_back_as_given() {
        let entries = ["a=1", "", "b=x\u{0}\ny", "ü=€", "12:3", ":"];
        let tf = ToolFingerprints::new(entries);
        assert_eq!(tf.iter().collect::<Vec<_>>(), entries);
        assert_eq!(tf.first(), Some("a=1"));
        assert_eq!(
            serde_json::to_string(&tf).unwrap(),
            r#"["a=1","","b=x\u0000\ny","ü=€","12:3",":"]"#
        );
        assert_eq!(format!("{tf:?}"), format!("{entries:?}"));
        let none = ToolFingerprints::new(Vec::<String>::new());
        assert!(none.is_empty() && none.first().is_none() && none == ToolFingerprints::default());
    }

    #[test]
    fn web_instance_identity_ignores_query_and_fragment() {
        let a = WebInstance {
            uri: "https://x.test/login?next=/a#top".into(),
            method: Some("post".into()),
            param: Some("user".into()),
            ..Default::default()
        };
        let b = WebInstance {
            uri: "https://x.test/login/".into(),
            method: Some("POST".into()),
            param: Some("user".into()),
            attack: Some("' OR 1=1".into()),
            ..Default::default()
        };
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = WebInstance {
            param: Some("pass".into()),
            ..b
        };
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn location_short_forms() {
        let pkg = Location {
            target: Some("alpine:3.11".into()),
            package: Some(Box::new(PackageLocation {
                name: "openssl".into(),
                version: Some("1.1.1".into()),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(pkg.display_short(), "openssl@1.1.1 (alpine:3.11)");
        let file = Location {
            file: Some(Box::new(FileLocation {
                path: "src/a.py".into(),
                region: Some(Region {
                    start_line: Some(12),
                    ..Default::default()
                }),
                snippet: None,
            })),
            ..Default::default()
        };
        assert_eq!(file.display_short(), "src/a.py:12");
        let k8s = Location {
            resource: Some(Box::new(ResourceLocation {
                namespace: Some("default".into()),
                kind: "Deployment".into(),
                name: "web".into(),
            })),
            target: Some("Deployment/web".into()),
            ..Default::default()
        };
        assert_eq!(k8s.display_short(), "default/Deployment/web");
    }
}
