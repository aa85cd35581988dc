//! Correlation: the same vulnerability reported by several reports (Trivy JSON and Grype's or
//! Trivy's SARIF, say) is recognised as one problem.
//!
//! Nothing is merged or dropped: every finding stays in the verdict and in every output. A
//! correlated finding only learns its group (`correlation_id`, `reported_by`), and the gate
//! counts the group once at its highest severity (see `policy::evaluate`).
//!
//! # What is correlated
//! Findings of kind `vulnerability` that know their package and installed version. Each gets one
//! key per vulnerability id it carries (the CVE and its aliases: GHSA, GO, RUSTSEC, OSV, … —
//! distribution advisories such as `DSA-…` are left out, since one advisory covers many CVEs):
//! `(id, package, version)` with
//! - the package name lower-cased, runs of `-`, `_` and `.` folded to one `-` (PEP 503, and
//!   harmless elsewhere since both sides are folded alike), and a Maven `group:artifact` reduced
//!   to its artifact (Trivy names `org.apache.logging.log4j:log4j-core`, Grype `log4j-core`);
//! - the version trimmed, with a `v` before a digit dropped (`v1.2.3` = `1.2.3`).
//!
//! Findings from **different reports** (input files) that share a key are one group; keys chain
//! (a CVE key on one pair, its GHSA alias on another), so a group is a connected component.
//!
//! # What is not
//! - Findings without a package name or installed version (SARIF producers other than Grype and
//!   Trivy, whose messages scangate reads the package from; see `ingest/sarif.rs`).
//! - Findings of one report with each other: a key that one report lists more than once (the same
//!   package version in several targets, workloads or jar paths) is ambiguous — scangate cannot
//!   tell which entry of the other report is the same one — so that key correlates nothing, and
//!   each finding is counted on its own (never fewer problems than there are).
//! - Code, secret, misconfiguration, license and web findings: scanners locate those too
//!   differently to match safely.

use std::collections::{BTreeMap, HashMap};

use crate::model::{Finding, FindingKind, Fingerprint, VulnIdKind};

/// The correlation of a set of findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correlation {
    /// Group index of each finding (by its index in the input), `None` when not correlated.
    pub group_of: Vec<Option<usize>>,
    /// Groups of two or more findings, ordered by their first member.
    pub groups: Vec<Group>,
}

/// Findings recognised as one problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Stable across runs: a hash of the group's smallest key.
    pub id: String,
    /// The smallest key, for people: `CVE-2021-44228 log4j-core@2.14.1`.
    pub key: String,
    /// Indices of the member findings, ascending.
    pub members: Vec<usize>,
}

/// One correlation key: (vulnerability id, normalised package, normalised version).
type Key = (String, String, String);

/// Correlates `findings`; `report_of(i)` names the report finding `i` came from.
pub fn correlate<'a>(
    findings: &[&'a Finding],
    report_of: impl Fn(usize) -> &'a str,
) -> Correlation {
    // Only findings of different reports correlate: with one report among the candidates
    // there is nothing to do (the common single-report run skips building 10^5 keys).
    let mut candidates = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FindingKind::Vulnerability && f.location.package.is_some())
        .map(|(i, _)| report_of(i));
    // No candidate at all (a SARIF log of code findings) is the same case.
    if candidates
        .next()
        .is_none_or(|first| candidates.all(|r| r == first))
    {
        return Correlation {
            group_of: vec![None; findings.len()],
            groups: Vec::new(),
        };
    }
    // key -> (report, finding) pairs.
    let mut by_key: BTreeMap<Key, Vec<(&str, usize)>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        for key in keys(f) {
            by_key.entry(key).or_default().push((report_of(i), i));
        }
    }
    let mut sets = DisjointSets::new(findings.len());
    // For each component root, its smallest usable key (the group's name).
    let mut usable: Vec<(&Key, &Vec<(&str, usize)>)> = Vec::new();
    for (key, hits) in &by_key {
        let mut reports: Vec<&str> = hits.iter().map(|(r, _)| *r).collect();
        reports.sort_unstable();
        let distinct = {
            let mut d = reports.clone();
            d.dedup();
            d.len()
        };
        // Two or more reports, each listing the key once.
        if distinct < 2 || distinct != reports.len() {
            continue;
        }
        let first = hits[0].1;
        for (_, i) in &hits[1..] {
            sets.union(first, *i);
        }
        usable.push((key, hits));
    }

    let mut names: HashMap<usize, &Key> = HashMap::new();
    for (key, hits) in &usable {
        // `usable` is in key order: the first key seen for a component is its smallest.
        names.entry(sets.find(hits[0].1)).or_insert(key);
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..findings.len() {
        let root = sets.find(i);
        if names.contains_key(&root) {
            members.entry(root).or_default().push(i);
        }
    }
    let mut ordered: Vec<(usize, Vec<usize>)> = members.into_iter().collect();
    ordered.sort_by_key(|(_, m)| m[0]);
    let mut group_of = vec![None; findings.len()];
    let mut groups = Vec::with_capacity(ordered.len());
    for (root, m) in ordered {
        let Some((id, package, version)) = names.get(&root).copied() else {
            continue;
        };
        for &i in &m {
            group_of[i] = Some(groups.len());
        }
        groups.push(Group {
            id: Fingerprint::builder("correlation")
                .field(id)
                .field(package)
                .field(version)
                .finish()
                .to_hex()[..16]
                .to_owned(),
            key: format!("{id} {package}@{version}"),
            members: m,
        });
    }
    Correlation { group_of, groups }
}

/// The correlation keys of one finding (none for findings that cannot be correlated).
fn keys(f: &Finding) -> Vec<Key> {
    if f.kind != FindingKind::Vulnerability {
        return Vec::new();
    }
    let Some(pkg) = &f.location.package else {
        return Vec::new();
    };
    let name = normalize_package(&pkg.name);
    let version = pkg
        .version
        .as_deref()
        .map(normalize_version)
        .unwrap_or_default();
    if name.is_empty() || version.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Key> = f
        .vuln_ids
        .iter()
        .filter(|v| v.kind != VulnIdKind::Distro)
        .map(|v| (v.id.clone(), name.clone(), version.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Package names as the key compares them (see the module docs).
pub fn normalize_package(name: &str) -> String {
    let name = name.trim();
    // Maven `group:artifact` (a dotted group id): the artifact is what other scanners call it.
    let name = match name.split_once(':') {
        Some((group, artifact))
            if group.contains('.') && !artifact.is_empty() && !artifact.contains(':') =>
        {
            artifact
        }
        _ => name,
    };
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                out.push('-');
            }
            in_separator = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator = false;
        }
    }
    out
}

/// Versions as the key compares them: trimmed, `v1.2.3` read as `1.2.3`.
pub fn normalize_version(version: &str) -> String {
    let v = version.trim();
    match v.strip_prefix('v') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_owned(),
        _ => v.to_owned(),
    }
}

/// Union-find with path halving.
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        DisjointSets {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index is the root, so roots are deterministic.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Extra, Location, PackageLocation, Scanner, Severity, SeveritySource, VulnId,
    };
    use std::sync::Arc;

    fn vuln(scanner: &str, ids: &[&str], package: &str, version: &str) -> Finding {
        Finding {
            fingerprint: Fingerprint::builder("t")
                .field(scanner)
                .field(ids[0])
                .field(package)
                .field(version)
                .finish(),
            scanner: Arc::new(Scanner {
                name: scanner.into(),
                version: None,
            }),
            kind: FindingKind::Vulnerability,
            rule_id: ids[0].into(),
            vuln_ids: ids.iter().filter_map(|i| VulnId::parse(i)).collect(),
            title: "t".into(),
            description: None,
            severity: Severity::High,
            severity_source: SeveritySource::new("test", ""),
            confidence: None,
            location: Location {
                package: Some(Box::new(PackageLocation {
                    name: package.into(),
                    version: Some(version.into()),
                    ..Default::default()
                })),
                ..Default::default()
            },
            fix: None,
            references: Default::default(),
            cwes: Arc::default(),
            suppression: None,
            extra: Extra::default(),
            input: format!("{scanner}.report").into(),
        }
    }

    fn run(findings: &[Finding]) -> Correlation {
        let refs: Vec<&Finding> = findings.iter().collect();
        correlate(&refs, |i| &refs[i].input)
    }

    #[test]
    fn same_cve_package_and_version_from_two_reports_is_one_group() {
        let f = [
            vuln(
                "Trivy",
                &["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"],
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
            ),
            vuln("Grype", &["CVE-2021-44228"], "log4j-core", "2.14.1"),
            vuln("Grype", &["GHSA-jfh8-c2jp-5v3q"], "log4j-core", "v2.14.1"),
            vuln("Trivy", &["CVE-2024-4067"], "micromatch", "4.0.5"),
        ];
        let c = run(&f);
        assert_eq!(c.group_of, [Some(0), Some(0), Some(0), None]);
        assert_eq!(c.groups.len(), 1);
        assert_eq!(c.groups[0].members, [0, 1, 2]);
        assert_eq!(c.groups[0].key, "CVE-2021-44228 log4j-core@2.14.1");
        assert_eq!(c.groups[0].id.len(), 16);
        // Stable: the id depends on the key only.
        assert_eq!(run(&f[..2]).groups[0].id, c.groups[0].id);
    }

    #[test]
    fn different_versions_or_packages_are_not_correlated() {
        let c = run(&[
            vuln("Trivy", &["CVE-2021-44228"], "log4j-core", "2.14.1"),
            vuln("Grype", &["CVE-2021-44228"], "log4j-core", "2.14.0"),
            vuln("Grype", &["CVE-2021-44228"], "log4j-api", "2.14.1"),
        ]);
        assert!(c.groups.is_empty());
        assert_eq!(c.group_of, [None, None, None]);
    }

    #[test]
    fn one_report_never_correlates_with_itself_and_ambiguous_keys_are_left_alone() {
        // Two workloads of one Trivy report with the same package version: two problems.
        let mut a = vuln("Trivy", &["CVE-2023-1"], "openssl", "3.0.1");
        let mut b = a.clone();
        a.fingerprint = Fingerprint::builder("t").field("a").finish();
        b.fingerprint = Fingerprint::builder("t").field("b").finish();
        assert!(run(&[a.clone(), b.clone()]).groups.is_empty());
        // Grype also reports it once: which Trivy entry is "the same"? None is assumed.
        let g = vuln("Grype", &["CVE-2023-1"], "openssl", "3.0.1");
        assert!(run(&[a, b, g]).groups.is_empty());
    }

    #[test]
    fn distro_advisories_do_not_join_different_cves() {
        let c = run(&[
            vuln(
                "Trivy",
                &["CVE-2024-1", "DSA-5724-1"],
                "openssh",
                "1:9.2p1-2",
            ),
            vuln(
                "Grype",
                &["CVE-2024-2", "DSA-5724-1"],
                "openssh",
                "1:9.2p1-2",
            ),
        ]);
        assert!(c.groups.is_empty());
    }

    #[test]
    fn findings_without_package_or_version_and_non_vulnerabilities_are_skipped() {
        let mut no_version = vuln("Grype", &["CVE-2021-44228"], "log4j-core", "2.14.1");
        if let Some(p) = &mut no_version.location.package {
            p.version = None;
        }
        let mut code = vuln("Semgrep", &["CVE-2021-44228"], "log4j-core", "2.14.1");
        code.kind = FindingKind::Code;
        let c = run(&[
            vuln("Trivy", &["CVE-2021-44228"], "log4j-core", "2.14.1"),
            no_version,
            code,
        ]);
        assert!(c.groups.is_empty());
    }

    #[test]
    fn names_and_versions_normalise() {
        assert_eq!(
            normalize_package("Django_REST.framework"),
            "django-rest-framework"
        );
        assert_eq!(
            normalize_package("org.apache.logging.log4j:log4j-core"),
            "log4j-core"
        );
        assert_eq!(normalize_package("libc6:amd64"), "libc6:amd64");
        assert_eq!(normalize_package("@babel/core"), "@babel/core");
        assert_eq!(normalize_version(" v1.2.3 "), "1.2.3");
        assert_eq!(normalize_version("vendor-1"), "vendor-1");
        assert_eq!(normalize_version("1:9.2p1-2"), "1:9.2p1-2");
    }
}
