//! Tests of loading and evaluation together: each rule kind, waivers and their expiry, stale
//! waivers, required reports, thresholds, and the validation errors users see (snapshots).

use std::path::Path;
use std::sync::Arc;

use jiff::civil::{Date, date};

use super::*;
use crate::ingest::Format;
use crate::model::{
    Extra, FileLocation, Finding, FindingKind, Fingerprint, Fix, Location, PackageLocation,
    Scanner, SeveritySource, ToolSuppression, VulnId, WebInstance, WebLocation,
};

const TODAY: Date = date(2025, 6, 1);

fn options() -> LoadOptions<'static> {
    LoadOptions {
        today: TODAY,
        base_dir: None,
    }
}

fn policy(text: &str) -> Policy {
    match Policy::from_toml(text, PolicySource::File("p.toml".into()), &options()) {
        Ok(p) => p,
        Err(e) => panic!("policy should load: {e}\n{:#?}", e.problems),
    }
}

fn problems(text: &str) -> Vec<String> {
    Policy::from_toml(text, PolicySource::File("p.toml".into()), &options())
        .expect_err("policy should be invalid")
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A finding with just enough filled in; tests adjust the fields they care about.
fn finding(kind: FindingKind, rule_id: &str, severity: Severity) -> Finding {
    Finding {
        fingerprint: Fingerprint::builder("t").field(rule_id).finish(),
        scanner: Arc::new(Scanner {
            name: "Test".into(),
            version: None,
        }),
        kind,
        rule_id: rule_id.into(),
        vuln_ids: VulnId::parse(rule_id).into_iter().collect(),
        title: "t".into(),
        description: None,
        severity,
        severity_source: SeveritySource::new("test", ""),
        confidence: None,
        location: Location::default(),
        fix: None,
        references: Default::default(),
        cwes: Arc::default(),
        suppression: None,
        extra: Extra::default(),
        input: "t.json".into(),
    }
}

fn vuln(id: &str, severity: Severity, package: &str, fixed: Option<&str>) -> Finding {
    let mut f = finding(FindingKind::Vulnerability, id, severity);
    Arc::make_mut(&mut f.scanner).name = "Trivy".into();
    f.location = Location {
        target: Some("alpine:3.19 (alpine 3.19.1)".into()),
        package: Some(Box::new(PackageLocation {
            name: package.into(),
            version: Some("1.0.0".into()),
            ..Default::default()
        })),
        ..Default::default()
    };
    f.fix = fixed.map(|v| Fix {
        fixed_version: Some(v.into()),
        solution: None,
    });
    f.fingerprint = Fingerprint::builder("pkg")
        .field(id)
        .field(package)
        .finish();
    f
}

fn code(rule: &str, severity: Severity, path: &str) -> Finding {
    let mut f = finding(FindingKind::Code, rule, severity);
    Arc::make_mut(&mut f.scanner).name = "Semgrep OSS".into();
    f.location.file = Some(Box::new(FileLocation {
        path: path.into(),
        region: None,
        snippet: None,
    }));
    f.fingerprint = Fingerprint::builder("code")
        .field(rule)
        .field(path)
        .finish();
    f
}

fn web(plugin: &str, severity: Severity, urls: &[&str]) -> Finding {
    let mut f = finding(FindingKind::Web, plugin, severity);
    Arc::make_mut(&mut f.scanner).name = "ZAP".into();
    f.location.web = Some(Box::new(WebLocation {
        site: "https://app.test".into(),
        instances: urls
            .iter()
            .map(|u| WebInstance {
                uri: (*u).into(),
                ..Default::default()
            })
            .collect(),
        count: None,
    }));
    f
}

fn format_of(f: &Finding) -> Format {
    match &*f.scanner.name {
        "Trivy" => Format::Trivy,
        "ZAP" => Format::Zap,
        _ => Format::Sarif,
    }
}

/// Evaluates findings as if each came from a report of its scanner's format.
fn run(p: &Policy, findings: &[Finding]) -> Evaluation {
    run_on(p, findings, TODAY)
}

fn run_on(p: &Policy, findings: &[Finding], today: Date) -> Evaluation {
    let subjects: Vec<Subject<'_>> = findings
        .iter()
        .map(|finding| Subject {
            finding,
            format: format_of(finding),
        })
        .collect();
    let ctx = EvalContext::new(today, &[]);
    evaluate(p, &ctx, &subjects)
}

fn outcomes(p: &Policy, findings: &[Finding]) -> Vec<Outcome> {
    run(p, findings)
        .decisions
        .into_iter()
        .map(|d| d.outcome)
        .collect()
}

fn one(p: &Policy, f: &Finding) -> Decision {
    run(p, std::slice::from_ref(f))
        .decisions
        .pop()
        .expect("one decision")
}

// ---- defaults and thresholds ---------------------------------------------------------------

#[test]
fn embedded_default_loads_and_fails_on_high() {
    let p = Policy::from_toml(EMBEDDED_DEFAULT, PolicySource::Embedded, &options()).expect("loads");
    assert_eq!(p.fail_on, Severity::High);
    assert_eq!(p.unknown_severity, Severity::Medium);
    assert_eq!(p.ignore_statuses, ["not_affected"]);
    assert!(p.trust_tool_suppressions);
    let e = Policy::embedded();
    assert_eq!(e.source, PolicySource::Embedded);
    assert_eq!(
        (e.fail_on, e.unknown_severity, e.ignore_statuses),
        (p.fail_on, p.unknown_severity, p.ignore_statuses)
    );
    // An empty policy file means the same as the embedded default.
    let empty = policy("");
    assert_eq!(
        (empty.fail_on, empty.unknown_severity, empty.ignore_statuses),
        (
            Severity::High,
            Severity::Medium,
            vec!["not_affected".into()]
        )
    );
}

#[test]
fn default_outcomes_by_severity() {
    let p = Policy::embedded();
    let outcome = |s| one(&p, &finding(FindingKind::Code, "R1", s)).outcome;
    assert_eq!(outcome(Severity::Critical), Outcome::Fail);
    assert_eq!(outcome(Severity::High), Outcome::Fail);
    assert_eq!(outcome(Severity::Medium), Outcome::Warn);
    assert_eq!(outcome(Severity::Info), Outcome::Warn);
    assert_eq!(outcome(Severity::Unknown), Outcome::Warn);
    let d = one(&p, &finding(FindingKind::Code, "R1", Severity::Unknown));
    assert_eq!(d.effective_severity, Severity::Medium);
    assert!(
        d.reason.contains("unknown severity treated as medium"),
        "{}",
        d.reason
    );
}

#[test]
fn fail_on_and_unknown_severity_are_configurable() {
    let p = policy("fail_on = \"medium\"\nunknown_severity = \"critical\"");
    let f = |s| finding(FindingKind::Code, "R", s);
    assert_eq!(
        outcomes(
            &p,
            &[f(Severity::Medium), f(Severity::Low), f(Severity::Unknown)]
        ),
        [Outcome::Fail, Outcome::Warn, Outcome::Fail]
    );
}

#[test]
fn max_counts_are_budgets_that_override_fail_on() {
    let p = policy("max = { high = 1, medium = 2 }");
    let f = |s| finding(FindingKind::Code, "R", s);
    // One high is within budget (although fail_on = high), two mediums too.
    let within = run(
        &p,
        &[f(Severity::High), f(Severity::Medium), f(Severity::Medium)],
    );
    assert!(
        within.decisions.iter().all(|d| d.outcome == Outcome::Warn),
        "{:#?}",
        within.decisions
    );
    assert!(
        within.decisions[0]
            .reason
            .contains("1 high finding within max.high = 1"),
        "{}",
        within.decisions[0].reason
    );
    // A third medium breaks the budget: all mediums fail; critical still uses fail_on.
    let over = outcomes(
        &p,
        &[
            f(Severity::Medium),
            f(Severity::Medium),
            f(Severity::Medium),
            f(Severity::Critical),
            f(Severity::Low),
        ],
    );
    assert_eq!(
        over,
        [
            Outcome::Fail,
            Outcome::Fail,
            Outcome::Fail,
            Outcome::Fail,
            Outcome::Warn
        ]
    );
    let d = one(&policy("max = { high = 0 }"), &f(Severity::High));
    assert_eq!(d.outcome, Outcome::Fail);
    assert!(
        d.reason.contains("1 high finding exceed max.high = 0"),
        "{}",
        d.reason
    );
}

#[test]
fn budgets_count_only_findings_that_reach_the_thresholds() {
    // Waived, ignored and suppressed findings do not use up a budget.
    let p = policy(
        r#"
        max = { medium = 1 }
        [[rule]]
        id = "NOISY"
        action = "ignore"
        [[waiver]]
        id = "ACCEPTED"
        reason = "r"
        expires = 2025-12-31
        "#,
    );
    let mut suppressed = finding(FindingKind::Code, "S", Severity::Medium);
    suppressed.suppression = Some(Box::new(ToolSuppression {
        kind: "sarif suppression (inSource)".into(),
        justification: None,
    }));
    let out = outcomes(
        &p,
        &[
            finding(FindingKind::Code, "NOISY", Severity::Medium),
            finding(FindingKind::Code, "ACCEPTED", Severity::Medium),
            suppressed,
            finding(FindingKind::Code, "REAL", Severity::Medium),
        ],
    );
    assert_eq!(
        out,
        [
            Outcome::Ignored,
            Outcome::Waived,
            Outcome::Suppressed,
            Outcome::Warn
        ]
    );
}

// ---- rules -----------------------------------------------------------------------------------

#[test]
fn rule_conditions_scanner_kind_id_path_target_package_url() {
    let p = policy(
        r#"
        [[rule]]
        scanner = "semgrep*"
        path = "tests/**"
        action = "ignore"

        [[rule]]
        kind = "secret"
        action = "fail"

        [[rule]]
        id = ["cve-2023-*", "GHSA-*"]
        package = "openssl"
        action = "warn"

        [[rule]]
        target = "alpine:*"
        id = "CVE-2099-*"
        action = "ignore"

        [[rule]]
        url = "https://app.test/static/*"
        action = "ignore"
        "#,
    );
    let secret = finding(FindingKind::Secret, "aws-access-key-id", Severity::Low);
    let cases = [
        (
            code("R", Severity::High, "tests/unit/a.py"),
            Outcome::Ignored,
        ),
        (code("R", Severity::High, "src/a.py"), Outcome::Fail),
        (secret, Outcome::Fail),
        (
            vuln("CVE-2023-0001", Severity::Critical, "openssl", Some("3")),
            Outcome::Warn,
        ),
        (
            vuln("CVE-2023-0001", Severity::Critical, "zlib", Some("3")),
            Outcome::Fail,
        ),
        (
            vuln("CVE-2099-0001", Severity::Critical, "zlib", Some("3")),
            Outcome::Ignored,
        ),
        (
            web(
                "10038",
                Severity::High,
                &[
                    "https://app.test/static/a.js",
                    "https://app.test/static/b.css",
                ],
            ),
            Outcome::Ignored,
        ),
        // One instance outside the pattern: the finding is not hidden.
        (
            web(
                "10038",
                Severity::High,
                &["https://app.test/static/a.js", "https://app.test/login"],
            ),
            Outcome::Fail,
        ),
    ];
    for (f, want) in cases {
        let d = one(&p, &f);
        assert_eq!(
            d.outcome, want,
            "{} {:?}: {}",
            f.rule_id, f.location, d.reason
        );
    }
}

#[test]
fn rule_ids_match_vulnerability_aliases_and_scanner_matches_format_names() {
    let p = policy(
        r#"
        [[rule]]
        scanner = "sarif"
        id = "GHSA-jfh8-*"
        action = "ignore"
        "#,
    );
    let mut f = code("some-rule", Severity::High, "pom.xml");
    f.vuln_ids = vec![VulnId::parse("GHSA-jfh8-c2jp-5v3q").expect("id")].into();
    assert_eq!(one(&p, &f).outcome, Outcome::Ignored);
    // The same id from a Trivy report is not a SARIF finding.
    let mut t = vuln(
        "CVE-2021-44228",
        Severity::Critical,
        "log4j",
        Some("2.15.0"),
    );
    let mut ids = t.vuln_ids.into_vec();
    ids.push(VulnId::parse("GHSA-jfh8-c2jp-5v3q").expect("id"));
    t.vuln_ids = ids.into();
    assert_eq!(one(&p, &t).outcome, Outcome::Fail);
}

#[test]
fn first_matching_rule_wins_and_may_only_set_severity() {
    let p = policy(
        r#"
        [[rule]]
        scanner = "Semgrep OSS"
        id = "python.lang.security.*"
        severity = "medium"
        reason = "Semgrep rates every security rule as error"

        [[rule]]
        scanner = "semgrep oss"
        action = "fail"
        "#,
    );
    // The first rule matches and only re-rates: the thresholds decide (medium < high), and the
    // second rule is never consulted.
    let d = one(
        &p,
        &code("python.lang.security.audit.x", Severity::High, "a.py"),
    );
    assert_eq!(d.outcome, Outcome::Warn);
    assert_eq!(d.effective_severity, Severity::Medium);
    assert_eq!(d.rule, Some(0));
    assert!(
        d.reason.contains("set by rule #1 (p.toml:2)"),
        "{}",
        d.reason
    );
    // Not matched by the first: the second fails it whatever the severity.
    let d = one(&p, &code("python.other", Severity::Low, "a.py"));
    assert_eq!(d.outcome, Outcome::Fail);
    assert!(
        d.reason.starts_with("rule #2 (p.toml:8) says fail"),
        "{}",
        d.reason
    );
}

#[test]
fn rule_severity_override_can_raise_to_blocking() {
    let p = policy(
        r#"
        [[rule]]
        kind = "misconfiguration"
        severity = "critical"
        "#,
    );
    let d = one(
        &p,
        &finding(FindingKind::Misconfiguration, "AVD-KSV-0001", Severity::Low),
    );
    assert_eq!(
        (d.outcome, d.effective_severity),
        (Outcome::Fail, Severity::Critical)
    );
}

// ---- ZAP rules file ----------------------------------------------------------------------------

#[test]
fn zap_rules_file_is_imported_relative_to_the_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("zap-rules.tsv"),
        "# generated by zap-baseline.py -g\n\
         10038\tIGNORE\t(Content Security Policy (CSP) Header Not Set)\n\
         10021\tFAIL\t(X-Content-Type-Options Header Missing)\n\
         10027\tOUTOFSCOPE\thttps://app.test/docs/.*\n",
    )
    .expect("write");
    let policy_path = dir.path().join("scangate.toml");
    std::fs::write(
        &policy_path,
        "zap_rules = \"zap-rules.tsv\"\n[[rule]]\nid = \"10021\"\nseverity = \"low\"\n",
    )
    .expect("write");
    let p = load_file(&policy_path, TODAY).expect("loads");
    assert_eq!(p.rules.len(), 4);
    let csp = one(&p, &web("10038", Severity::Medium, &["https://app.test/"]));
    assert_eq!(csp.outcome, Outcome::Ignored);
    assert!(
        csp.reason.starts_with("ZAP rule 10038 IGNORE ("),
        "{}",
        csp.reason
    );
    // The policy's own [[rule]] comes first: it matches 10021 and only re-rates it, so the
    // ZAP file's FAIL is not consulted (first match wins).
    let xcto = one(&p, &web("10021", Severity::Low, &["https://app.test/"]));
    assert_eq!(xcto.outcome, Outcome::Warn);
    let docs = one(
        &p,
        &web(
            "10027",
            Severity::Info,
            &["https://app.test/docs/a", "https://app.test/docs/b"],
        ),
    );
    assert_eq!(docs.outcome, Outcome::Ignored);
    assert!(docs.reason.contains("out of scope"), "{}", docs.reason);
    // ZAP rules only concern ZAP findings.
    let not_zap = one(&p, &code("10038", Severity::High, "a.py"));
    assert_eq!(not_zap.outcome, Outcome::Fail);
}

#[test]
fn zap_rules_file_problems_carry_the_tsv_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("z.tsv"), "10038\tBLOCK\t(x)\n").expect("write");
    let opts = LoadOptions {
        today: TODAY,
        base_dir: Some(dir.path()),
    };
    let err = Policy::from_toml(
        "zap_rules = \"z.tsv\"\nfail_on = \"hgh\"",
        PolicySource::File("p.toml".into()),
        &opts,
    )
    .expect_err("invalid");
    let shown: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    // The policy's own problems first, then the rules file's.
    assert!(
        shown[0].starts_with("p.toml:2:11: unknown variant `hgh`"),
        "{shown:?}"
    );
    assert!(
        shown[1].ends_with(
            "z.tsv:1:7: unknown level `BLOCK` (expected IGNORE, INFO, WARN, FAIL or OUTOFSCOPE)"
        ),
        "{shown:?}"
    );
}

// ---- vulnerability status, unfixed, tool suppressions --------------------------------------------

#[test]
fn statuses_and_unfixed_vulnerabilities() {
    let mut not_affected = vuln("CVE-2024-1", Severity::Critical, "a", None);
    not_affected.extra.rare_mut().status = Some("not_affected".into());
    let mut wont_fix = vuln("CVE-2024-2", Severity::Critical, "b", None);
    wont_fix.extra.rare_mut().status = Some("will_not_fix".into());
    let unfixed = vuln("CVE-2024-3", Severity::Critical, "c", None);
    let fixed = vuln("CVE-2024-4", Severity::Critical, "d", Some("1.2.3"));
    let all = [not_affected, wont_fix, unfixed, fixed];

    // Default: only not_affected is ignored.
    assert_eq!(
        outcomes(&policy(""), &all),
        [
            Outcome::Ignored,
            Outcome::Fail,
            Outcome::Fail,
            Outcome::Fail
        ]
    );
    let p = policy("ignore_statuses = [\"not_affected\", \"will_not_fix\"]");
    assert_eq!(
        outcomes(&p, &all),
        [
            Outcome::Ignored,
            Outcome::Ignored,
            Outcome::Fail,
            Outcome::Fail
        ]
    );
    // An empty list ignores no status at all.
    assert_eq!(
        outcomes(&policy("ignore_statuses = []"), &all),
        [Outcome::Fail, Outcome::Fail, Outcome::Fail, Outcome::Fail]
    );
    let p = policy("ignore_unfixed = true\nignore_statuses = []");
    let decisions = run(&p, &all).decisions;
    let got: Vec<_> = decisions.iter().map(|d| d.outcome).collect();
    assert_eq!(
        got,
        [
            Outcome::Ignored,
            Outcome::Ignored,
            Outcome::Ignored,
            Outcome::Fail
        ]
    );
    assert!(decisions[2].reason.contains("ignore_unfixed"));
    // Not a vulnerability: never "unfixed".
    assert_eq!(
        one(&p, &finding(FindingKind::Code, "R", Severity::High)).outcome,
        Outcome::Fail
    );
}

#[test]
fn tool_suppressions_are_trusted_unless_turned_off() {
    let mut f = finding(FindingKind::Code, "R", Severity::Critical);
    f.suppression = Some(Box::new(ToolSuppression {
        kind: "sarif suppression (inSource, accepted)".into(),
        justification: None,
    }));
    let d = one(&Policy::embedded(), &f);
    assert_eq!(d.outcome, Outcome::Suppressed);
    assert!(d.reason.contains("inSource"));
    let d = one(&policy("trust_tool_suppressions = false"), &f);
    assert_eq!(d.outcome, Outcome::Fail);
    assert!(
        d.reason
            .contains("suppression (sarif suppression (inSource, accepted)) is not trusted"),
        "{}",
        d.reason
    );
}

// ---- waivers --------------------------------------------------------------------------------

const WAIVERS: &str = r#"
[[waiver]]
id = "CVE-2024-4067"
package = "micromatch"
reason = "build tooling only"
expires = 2025-06-30
owner = "platform"

[[waiver]]
fingerprint = "FINGERPRINT"
reason = "false positive, see ticket SEC-12"
expires = "2025-05-31"

[[waiver]]
id = "CVE-1999-*"
reason = "nothing has these"
expires = 2025-12-31
"#;

fn waiver_policy(fp: &Finding) -> Policy {
    policy(&WAIVERS.replace("FINGERPRINT", &fp.fingerprint.to_hex()))
}

#[test]
fn waivers_apply_with_reason_and_narrow_by_package() {
    let code_finding = code("R", Severity::High, "a.py");
    let p = waiver_policy(&code_finding);
    let waived = vuln("CVE-2024-4067", Severity::High, "micromatch", Some("4.0.8"));
    let other_pkg = vuln("CVE-2024-4067", Severity::High, "braces", Some("4.0.8"));
    let eval = run(&p, &[waived.clone(), other_pkg]);
    assert_eq!(eval.decisions[0].outcome, Outcome::Waived);
    assert_eq!(eval.decisions[0].waiver, Some(0));
    assert_eq!(
        &*eval.decisions[0].reason,
        "waived by waiver #1 (p.toml:2, CVE-2024-4067) until 2025-06-30, owner platform: build \
         tooling only"
    );
    assert_eq!(eval.decisions[1].outcome, Outcome::Fail);
    assert_eq!(eval.waivers[0].state, WaiverState::Used);
    assert_eq!((eval.waivers[0].matched, eval.waivers[0].applied), (1, 1));
}

#[test]
fn waivers_are_valid_through_their_expiry_date_and_then_stop() {
    let f = code("R", Severity::High, "a.py");
    let p = waiver_policy(&f);
    // Waiver #2 (by fingerprint) expires 2025-05-31; TODAY is 2025-06-01.
    let on_last_day = run_on(&p, std::slice::from_ref(&f), date(2025, 5, 31));
    assert_eq!(on_last_day.decisions[0].outcome, Outcome::Waived);
    let after = run_on(&p, std::slice::from_ref(&f), TODAY);
    assert_eq!(after.decisions[0].outcome, Outcome::Fail);
    assert_eq!(after.decisions[0].waiver, None);
    assert_eq!(after.waivers[1].state, WaiverState::Expired);
    assert_eq!((after.waivers[1].matched, after.waivers[1].applied), (1, 0));
}

#[test]
fn waivers_that_match_nothing_are_stale() {
    let f = code("R", Severity::High, "a.py");
    let p = waiver_policy(&f);
    let eval = run_on(&p, std::slice::from_ref(&f), date(2025, 5, 1));
    let states: Vec<_> = eval.waivers.iter().map(|w| w.state).collect();
    assert_eq!(
        states,
        [WaiverState::Stale, WaiverState::Used, WaiverState::Stale]
    );
}

#[test]
fn a_waiver_for_a_tool_suppressed_finding_is_not_stale() {
    let p = policy("[[waiver]]\nid = \"R\"\nreason = \"r\"\nexpires = 2025-12-31\n");
    let mut f = finding(FindingKind::Code, "R", Severity::High);
    f.suppression = Some(Box::new(ToolSuppression {
        kind: "zap confidence 0 (false positive)".into(),
        justification: None,
    }));
    let eval = run(&p, &[f]);
    assert_eq!(eval.decisions[0].outcome, Outcome::Suppressed);
    assert_eq!(eval.waivers[0].state, WaiverState::Used);
    assert_eq!((eval.waivers[0].matched, eval.waivers[0].applied), (1, 0));
}

#[test]
fn waivers_come_after_tool_suppressions_and_before_rules() {
    let p = policy(
        r#"
        [[rule]]
        kind = "secret"
        action = "fail"
        [[waiver]]
        id = "generic-api-key"
        path = "tests/fixtures/*"
        reason = "test fixture, not a real key"
        expires = 2025-07-01
        "#,
    );
    let mut s = finding(FindingKind::Secret, "generic-api-key", Severity::Low);
    s.location.file = Some(Box::new(FileLocation {
        path: "tests/fixtures/creds.json".into(),
        ..Default::default()
    }));
    assert_eq!(one(&p, &s).outcome, Outcome::Waived);
    s.location.file = Some(Box::new(FileLocation {
        path: "src/config.py".into(),
        ..Default::default()
    }));
    assert_eq!(one(&p, &s).outcome, Outcome::Fail);
}

#[test]
fn permanent_waivers_and_lifetime_limits() {
    let no_expiry = "[[waiver]]\nid = \"CVE-1\"\nreason = \"r\"\n";
    assert_eq!(
        problems(no_expiry),
        [
            "p.toml:1:1: waiver #1 has no `expires` date (e.g. expires = 2025-08-30); set \
          allow_permanent_waivers = true to allow waivers that never expire"
        ]
    );
    let p = policy(&format!("allow_permanent_waivers = true\n{no_expiry}"));
    assert_eq!(p.waivers[0].expires, None);
    let f = vuln("CVE-1", Severity::Critical, "x", None);
    let d = one(&p, &f);
    assert!(d.reason.contains("permanently"), "{}", d.reason);

    let limited = "max_waiver_days = 30\n[[waiver]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = \
                   DATE\n";
    policy(&limited.replace("DATE", "2025-07-01"));
    assert_eq!(
        problems(&limited.replace("DATE", "2025-07-02")),
        [
            "p.toml:5:11: expires 2025-07-02 is more than max_waiver_days = 30 days after today \
          (2025-06-01); the latest allowed date is 2025-07-01"
        ]
    );
}

// ---- required reports -------------------------------------------------------------------------

#[test]
fn required_reports_match_formats_and_tool_names() {
    let p = policy("require = [\"trivy\", \"ZAP\", \"sarif\", \"Semgrep OSS\", \"codeql\"]");
    let trivy = [Scanner {
        name: "Trivy".into(),
        version: None,
    }];
    let semgrep = [Scanner {
        name: "Semgrep OSS".into(),
        version: None,
    }];
    let reports = [
        ReportSeen {
            format: Format::Trivy,
            scanners: &trivy,
        },
        ReportSeen {
            format: Format::Sarif,
            scanners: &semgrep,
        },
    ];
    assert_eq!(unmet_requirements(&p, &reports), ["zap", "codeql"]);
    // A Trivy SARIF file satisfies `trivy` through its tool name.
    let trivy_sarif = [ReportSeen {
        format: Format::Sarif,
        scanners: &trivy,
    }];
    let p = policy("require = [\"trivy\"]");
    assert!(unmet_requirements(&p, &trivy_sarif).is_empty());
    let ctx = EvalContext::new(TODAY, &[]);
    assert_eq!(evaluate(&p, &ctx, &[]).missing_reports, ["trivy"]);
}

// ---- baseline, grace periods, correlation ------------------------------------------------------

/// A baseline holding `findings`, first seen on `day`.
fn baseline_of(findings: &[Finding], day: Date) -> crate::baseline::Baseline {
    use crate::ingest::{Input, ParsedReport, ReportStats};
    let inputs: Vec<Input> = findings
        .iter()
        .map(|f| Input {
            path: f.input.clone(),
            format: format_of(f),
            report: ParsedReport {
                scanners: vec![Scanner::clone(&f.scanner)],
                findings: vec![Box::new(f.clone())],
                stats: ReportStats::default(),
            },
        })
        .collect();
    let empty = crate::baseline::Baseline::empty("b.json", day);
    crate::baseline::Baseline::record(&empty, &inputs, day).0
}

fn run_with(
    p: &Policy,
    findings: &[Finding],
    today: Date,
    baseline: Option<&crate::baseline::Baseline>,
    groups: &[Option<usize>],
) -> Evaluation {
    let subjects: Vec<Subject<'_>> = findings
        .iter()
        .map(|finding| Subject {
            finding,
            format: format_of(finding),
        })
        .collect();
    let ctx = EvalContext {
        today,
        reports: &[],
        baseline,
        groups,
    };
    evaluate(p, &ctx, &subjects)
}

fn two_highs() -> (Finding, Finding) {
    let old = vuln("CVE-2024-1111", Severity::High, "openssl", Some("3.0.2"));
    let new = vuln("CVE-2024-2222", Severity::High, "zlib", Some("1.3"));
    (old, new)
}

#[test]
fn baseline_classifies_new_and_existing_and_gate_all_still_blocks_both() {
    use crate::baseline::BaselineStatus;
    let (old, new) = two_highs();
    let b = baseline_of(std::slice::from_ref(&old), date(2025, 5, 1));
    let e = run_with(&policy(""), &[old, new], TODAY, Some(&b), &[]);
    assert_eq!(
        e.baseline,
        [
            BaselineStatus::Existing {
                first_seen: date(2025, 5, 1)
            },
            BaselineStatus::New
        ]
    );
    let outcomes: Vec<Outcome> = e.decisions.iter().map(|d| d.outcome).collect();
    assert_eq!(outcomes, [Outcome::Fail, Outcome::Fail]);
    // Without a baseline nothing is classified.
    assert!(run(&policy(""), &two_highs_vec()).baseline.is_empty());
}

fn two_highs_vec() -> Vec<Finding> {
    let (a, b) = two_highs();
    vec![a, b]
}

#[test]
fn gate_new_lets_existing_findings_warn_and_new_ones_fail() {
    let (old, new) = two_highs();
    let b = baseline_of(std::slice::from_ref(&old), date(2025, 5, 1));
    let e = run_with(&policy("gate = \"new\""), &[old, new], TODAY, Some(&b), &[]);
    assert_eq!(e.decisions[0].outcome, Outcome::Warn);
    assert_eq!(
        &*e.decisions[0].reason,
        "severity high is at or above fail_on = high; not blocking: in the baseline since \
         2025-05-01 and gate = \"new\""
    );
    assert_eq!(e.decisions[1].outcome, Outcome::Fail);
    // A rule that says `fail` is held back the same way.
    let p = policy("gate = \"new\"\n[[rule]]\nid = \"CVE-2024-*\"\naction = \"fail\"");
    let (old, new) = two_highs();
    let e = run_with(&p, &[old, new], TODAY, Some(&b), &[]);
    assert_eq!(
        (e.decisions[0].outcome, e.decisions[1].outcome),
        (Outcome::Warn, Outcome::Fail)
    );
    // Waived and ignored findings stay what they are.
    let p = policy("gate = \"new\"\n[[rule]]\nid = \"CVE-2024-1111\"\naction = \"ignore\"");
    let (old, _) = two_highs();
    let e = run_with(&p, &[old], TODAY, Some(&b), &[]);
    assert_eq!(e.decisions[0].outcome, Outcome::Ignored);
}

#[test]
fn grace_periods_end_on_first_seen_plus_the_period() {
    let p = policy("gate = \"new\"\nsla = { critical = \"0d\", high = \"14d\" }");
    let first_seen = date(2025, 5, 20);
    let high = vuln("CVE-2024-1111", Severity::High, "openssl", Some("3.0.2"));
    let critical = vuln("CVE-2024-3333", Severity::Critical, "glibc", Some("2.39"));
    let b = baseline_of(&[high.clone(), critical.clone()], first_seen);
    let on = |today: Date| {
        run_with(&p, &[high.clone(), critical.clone()], today, Some(&b), &[]).decisions
    };
    // 12 days in: the high is within its 14 days, the critical has no grace at all.
    let d = on(date(2025, 6, 1));
    assert_eq!((d[0].outcome, d[1].outcome), (Outcome::Warn, Outcome::Fail));
    assert_eq!(
        &*d[0].reason,
        "severity high is at or above fail_on = high; not blocking until 2025-06-03: in the \
         baseline since 2025-05-20, within sla.high = 14d"
    );
    assert!(
        d[1].reason
            .ends_with("in the baseline since 2025-05-20, but its sla.critical = 0d grace period ended on 2025-05-20"),
        "{}",
        d[1].reason
    );
    // The last day of grace, and the day it blocks.
    assert_eq!(on(date(2025, 6, 2))[0].outcome, Outcome::Warn);
    let d = on(date(2025, 6, 3));
    assert_eq!(d[0].outcome, Outcome::Fail);
    assert!(
        d[0].reason.ends_with("grace period ended on 2025-06-03"),
        "{}",
        d[0].reason
    );
}

#[test]
fn sla_applies_with_gate_all_too_and_never_to_new_findings() {
    let p = policy("sla = { high = \"30d\" }");
    let (old, new) = two_highs();
    let b = baseline_of(std::slice::from_ref(&old), date(2025, 5, 20));
    let e = run_with(&p, &[old, new], TODAY, Some(&b), &[]);
    assert_eq!(
        (e.decisions[0].outcome, e.decisions[1].outcome),
        (Outcome::Warn, Outcome::Fail)
    );
    // Severities without a grace period block under gate = "all" even when existing.
    let medium_fails = policy("fail_on = \"medium\"\nsla = { high = \"30d\" }");
    let mut m = vuln("CVE-2024-4444", Severity::Medium, "curl", Some("8.0"));
    m.input = "m.json".into();
    let b = baseline_of(std::slice::from_ref(&m), date(2025, 5, 20));
    assert_eq!(
        run_with(&medium_fails, &[m], TODAY, Some(&b), &[]).decisions[0].outcome,
        Outcome::Fail
    );
}

#[test]
fn budgets_count_only_findings_that_can_block() {
    // Two existing highs and one new: with gate = "new" only the new one counts against max.
    let p = policy("gate = \"new\"\nmax = { high = 1 }");
    let a = vuln("CVE-2024-1111", Severity::High, "openssl", Some("3.0.2"));
    let b_ = vuln("CVE-2024-2222", Severity::High, "zlib", Some("1.3"));
    let c = vuln("CVE-2024-5555", Severity::High, "expat", Some("2.6"));
    let b = baseline_of(&[a.clone(), b_.clone()], date(2025, 5, 1));
    let e = run_with(
        &p,
        &[a.clone(), b_.clone(), c.clone()],
        TODAY,
        Some(&b),
        &[],
    );
    let outcomes: Vec<Outcome> = e.decisions.iter().map(|d| d.outcome).collect();
    assert_eq!(outcomes, [Outcome::Warn, Outcome::Warn, Outcome::Warn]);
    assert_eq!(
        &*e.decisions[2].reason,
        "1 high finding within max.high = 1"
    );
    // Two new highs exceed it; the existing ones still only warn.
    let mut d = c.clone();
    d.fingerprint = Fingerprint::builder("pkg").field("other").finish();
    let e = run_with(&p, &[a, b_, c, d], TODAY, Some(&b), &[]);
    let outcomes: Vec<Outcome> = e.decisions.iter().map(|d| d.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Warn, Outcome::Warn, Outcome::Fail, Outcome::Fail]
    );
}

#[test]
fn a_correlated_group_decides_at_its_highest_severity_and_counts_once() {
    let trivy = vuln(
        "CVE-2021-44228",
        Severity::Critical,
        "log4j-core",
        Some("2.15.0"),
    );
    let mut grype = vuln(
        "CVE-2021-44228",
        Severity::High,
        "log4j-core",
        Some("2.15.0"),
    );
    Arc::make_mut(&mut grype.scanner).name = "Grype".into();
    grype.input = "grype.sarif".into();
    grype.fingerprint = Fingerprint::builder("code").field("grype").finish();
    let findings = [trivy, grype];
    let groups = [Some(0), Some(0)];

    // Highest severity decides: fail_on critical fails both, each keeps its own severity.
    let p = policy("fail_on = \"critical\"");
    let e = run_with(&p, &findings, TODAY, None, &groups);
    assert!(e.decisions.iter().all(|d| d.outcome == Outcome::Fail));
    assert!(
        e.decisions
            .iter()
            .all(|d| d.effective_severity == Severity::Critical)
    );
    assert_eq!(
        &*e.decisions[1].reason,
        "severity critical (raised from high: the highest severity in its correlation group) \
         is at or above fail_on = critical"
    );
    assert_eq!(findings[1].severity, Severity::High);
    // Uncorrelated, the Grype finding alone would only warn.
    let e = run_with(&p, &findings, TODAY, None, &[]);
    assert_eq!(e.decisions[1].outcome, Outcome::Warn);

    // Counted once: one critical allowed, and the group (both at critical) is one.
    let p = policy("max = { critical = 1 }");
    let e = run_with(&p, &findings, TODAY, None, &groups);
    assert!(e.decisions.iter().all(|d| d.outcome == Outcome::Warn));
    assert_eq!(
        &*e.decisions[0].reason,
        "1 critical finding within max.critical = 1"
    );
    let mut both_critical = findings.clone();
    both_critical[1].severity = Severity::Critical;
    let e = run_with(&p, &both_critical, TODAY, None, &[]);
    assert!(e.decisions.iter().all(|d| d.outcome == Outcome::Fail));
    assert_eq!(
        &*e.decisions[0].reason,
        "2 critical findings exceed max.critical = 1"
    );
}

#[test]
fn gate_and_sla_are_validated_with_positions() {
    assert_eq!(
        problems(
            "gate = \"newest\"\nsla = { high = \"2w\", critical = \"0d\", severe = \"1d\" }\n"
        ),
        [
            "p.toml:1:8: unknown variant `newest`, expected `all` or `new`",
            "p.toml:2:16: `sla.high`: invalid grace period `2w`: expected a number of days such as \"14d\"",
            "p.toml:2:39: unknown field `severe`, expected one of `critical`, `high`, `medium`, `low`, `info`, `unknown`",
        ]
    );
    let p = policy("gate = \"new\"\nsla = { critical = \"0d\", high = \"14d\" }");
    assert_eq!(p.gate, Gate::New);
    assert_eq!(
        p.describe(),
        "fail on high or above; unknown severity counts as medium; gate new (baseline findings \
         do not block); sla critical = 0d, high = 14d"
    );
}

#[test]
fn a_finding_correlated_with_a_baseline_finding_is_existing() {
    use crate::baseline::BaselineStatus;
    let trivy = vuln(
        "CVE-2021-44228",
        Severity::Critical,
        "log4j-core",
        Some("2.15.0"),
    );
    let mut grype = trivy.clone();
    Arc::make_mut(&mut grype.scanner).name = "Grype".into();
    grype.input = "grype.sarif".into();
    grype.fingerprint = Fingerprint::builder("code").field("grype").finish();
    // The baseline was recorded before Grype was added to the pipeline.
    let b = baseline_of(std::slice::from_ref(&trivy), date(2025, 5, 1));
    let p = policy("gate = \"new\"");
    let e = run_with(&p, &[trivy, grype], TODAY, Some(&b), &[Some(0), Some(0)]);
    let existing = BaselineStatus::Existing {
        first_seen: date(2025, 5, 1),
    };
    assert_eq!(e.baseline, [existing, existing]);
    assert!(e.decisions.iter().all(|d| d.outcome == Outcome::Warn));
}

// ---- explain ----------------------------------------------------------------------------------

#[test]
fn explain_walks_the_same_steps() {
    let f = vuln("CVE-2024-4067", Severity::High, "micromatch", Some("4.0.8"));
    let p = policy(
        r#"
        [[rule]]
        kind = "code"
        action = "ignore"
        [[waiver]]
        id = "CVE-2024-4067"
        reason = "tooling only"
        expires = 2025-01-31
        "#,
    );
    let subject = Subject {
        finding: &f,
        format: Format::Trivy,
    };
    let ctx = EvalContext::new(TODAY, &[]);
    let eval = evaluate(&p, &ctx, &[subject]);
    let lines = explain(&p, &ctx, &subject, &eval.decisions[0]);
    assert_eq!(
        lines,
        [
            "finding: Trivy vulnerability `CVE-2024-4067` (trivy report), severity high (test)",
            "rule #1 (p.toml:2): does not match (kind)",
            "tool suppression: none",
            "waiver #1 (p.toml:5, CVE-2024-4067): matches, but expired on 2025-01-31 — no longer \
             applies",
            "status: none given; fixed version: available",
            "thresholds decide at severity high",
            "outcome: fail (severity high): severity high is at or above fail_on = high",
        ]
    );
}

// ---- validation: every problem, with positions --------------------------------------------------

fn snapshot(name: &str, text: &str) {
    let shown = problems(text).join("\n");
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, format!("{text}\n---\n{shown}"));
    });
}

#[test]
fn validation_reports_every_problem_with_positions() {
    snapshot(
        "policy_every_problem",
        r#"fail_on = "severe"
unknown_severity = 3
max = { high = -1, mediumm = 20 }
require = ["trivy", 3, ""]
ignore_statuses = ["not_affected", "wontfix"]
bogus = true

[[rule]]
id = "CVE-[abc"
action = "block"

[[rule]]
kind = ["vuln", "code"]
severity = "low"

[[rule]]
reason = "matches everything"
action = "warn"

[[rule]]
id = "x"

[[waiver]]
id = "CVE-2024-1"
expires = "2025-02-30"

[[waiver]]
fingerprint = "xyz"
reason = ""
expires = 2025-01-01T10:00:00Z

[[waiver]]
package = "openssl"
reason = 5
"#,
    );
}

#[test]
fn validation_reports_syntax_errors_and_what_follows() {
    snapshot(
        "policy_syntax_errors",
        r#"fail_on = "high
[[waiver]]
id = "CVE-1"
reason = "r"
expires = 2025-02-30
ownr = "me"
"#,
    );
}

#[test]
fn conflicting_waiver_settings_are_reported() {
    assert_eq!(
        problems("allow_permanent_waivers = true\nmax_waiver_days = 90"),
        [
            "p.toml:2:19: `max_waiver_days` limits waiver lifetimes, `allow_permanent_waivers = \
          true` removes the limit: choose one"
        ]
    );
    assert_eq!(
        problems("max_waiver_days = 0"),
        ["p.toml:1:19: `max_waiver_days` must be at least 1"]
    );
}

#[test]
fn missing_zap_rules_file_is_reported_at_the_key() {
    let shown = problems("\nzap_rules = \"no-such-rules.tsv\"");
    assert_eq!(shown.len(), 1);
    assert!(
        shown[0].starts_with("p.toml:2:13: cannot read the ZAP rules file `no-such-rules.tsv`"),
        "{shown:?}"
    );
}

// ---- shipped policies ---------------------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn starter_policy_loads_and_matches_the_default_behaviour() {
    let p = policy(STARTER);
    assert_eq!(
        (p.fail_on, p.unknown_severity),
        (Severity::High, Severity::Medium)
    );
    assert!(p.trust_tool_suppressions && !p.ignore_unfixed);
    assert_eq!(p.max_waiver_days, Some(180));
    // The commented-out examples in it are valid too once uncommented.
    let uncommented: String = STARTER
        .lines()
        .map(|l| {
            let t = l.trim_start_matches("# ");
            let is_toml = t.starts_with('[')
                || t.split_once(" = ").is_some_and(|(k, _)| {
                    !k.contains(' ') && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                });
            if is_toml && !t.starts_with("zap_rules") {
                format!("{t}\n")
            } else {
                String::new()
            }
        })
        .collect();
    let opts = LoadOptions {
        today: date(2026, 1, 1),
        base_dir: None,
    };
    let p = Policy::from_toml(&uncommented, PolicySource::File("starter".into()), &opts)
        .unwrap_or_else(|e| panic!("{uncommented}\n{:#?}", e.problems));
    assert_eq!((p.rules.len(), p.waivers.len()), (2, 1));
    assert_eq!(p.require, ["trivy", "zap"]);
    assert_eq!(p.gate, Gate::New);
    assert_eq!(p.sla.get(&Severity::High), Some(&14));
}

#[test]
fn example_policy_loads() {
    let p = load_file(&root().join("examples/scangate.toml"), date(2026, 1, 15))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!p.rules.is_empty() && !p.waivers.is_empty());
    assert!(
        p.rules
            .iter()
            .any(|r| r.origin.file.ends_with("zap-rules.tsv")),
        "the example imports the example ZAP rules file"
    );
}

#[test]
fn readme_policy_examples_load() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let mut blocks = 0;
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```toml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed block");
        let opts = LoadOptions {
            today: date(2026, 1, 15),
            base_dir: Some(&root().join("examples")),
        };
        if let Err(e) =
            Policy::from_toml(&body[..end], PolicySource::File("README.md".into()), &opts)
        {
            panic!(
                "README policy block {} is invalid: {:#?}",
                blocks + 1,
                e.problems
            );
        }
        blocks += 1;
        rest = &body[end..];
    }
    assert!(blocks >= 1, "the README shows a policy");
}

// ---- the JSON Schema ------------------------------------------------------------------------------

#[test]
fn policy_schema_is_current() {
    let generated = serde_json::to_string_pretty(&raw::json_schema()).expect("serializes") + "\n";
    let path = root().join("schemas/policy.schema.json");
    if std::env::var_os("SCANGATE_UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/policy.schema.json is stale: run `SCANGATE_UPDATE_SCHEMAS=1 cargo test \
         policy_schema` and commit the result"
    );
}

#[test]
fn policy_schema_knows_every_key_the_parser_accepts() {
    // Guards the direction a stale file cannot: a key added to the raw types but hidden from
    // the schema (e.g. by `#[schemars(skip)]`).
    let schema = raw::json_schema();
    let props = schema["properties"].as_object().expect("properties");
    let sample = STARTER.to_owned()
        + "\nzap_rules = \"x\"\nallow_permanent_waivers = false\ngate = \"new\"\nsla = {}\n";
    let table: toml::Table = toml::from_str(&sample).expect("toml");
    for key in table.keys() {
        assert!(props.contains_key(key), "{key} missing from the schema");
    }
    assert_eq!(schema["additionalProperties"], false);
    for key in [
        "fail_on",
        "unknown_severity",
        "max",
        "require",
        "ignore_unfixed",
        "ignore_statuses",
        "trust_tool_suppressions",
        "zap_rules",
        "allow_permanent_waivers",
        "max_waiver_days",
        "rule",
        "waiver",
    ] {
        assert!(props.contains_key(key), "{key}");
    }
}

/// TOML as the JSON a schema-aware editor checks (dates become `YYYY-MM-DD` strings).
fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => J::from(*f),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[test]
fn shipped_policies_validate_against_the_schema_and_broken_ones_do_not() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/policy.schema.json")).expect("schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let example = std::fs::read_to_string(root().join("examples/scangate.toml")).expect("example");
    for (name, text) in [
        ("starter", STARTER),
        ("default", EMBEDDED_DEFAULT),
        ("example", example.as_str()),
        ("waivers", &WAIVERS.replace("FINGERPRINT", &"ab".repeat(16))),
    ] {
        let doc = toml_to_json(&toml::Value::Table(toml::from_str(text).expect("TOML")));
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    for bad in [
        "fail_on = \"severe\"",
        "bogus = 1",
        "[[rule]]\nid = 3",
        "[[waiver]]\nidd = \"x\"",
        "max = { hgh = 1 }",
    ] {
        let doc = toml_to_json(&toml::Value::Table(toml::from_str(bad).expect("TOML")));
        assert!(!validator.is_valid(&doc), "schema accepts {bad}");
        assert!(
            Policy::from_toml(bad, PolicySource::Embedded, &options()).is_err(),
            "parser accepts {bad}"
        );
    }
}

#[test]
fn wrong_shapes_are_reported_in_the_policy_file_s_words() {
    for (text, want) in [
        (
            "rule = 3",
            "p.toml:1:8: invalid type: integer `3`, expected an array",
        ),
        (
            "waiver = [3]",
            "p.toml:1:11: invalid type: integer `3`, expected a [[waiver]] table",
        ),
        (
            "max = 5",
            "p.toml:1:7: invalid type: integer `5`, expected a table of severity = count, e.g. \
             { high = 0, medium = 20 }",
        ),
        (
            "[rule]\nid = \"x\"",
            "p.toml:1:1: invalid type: map, expected an array",
        ),
        (
            "fail_on = \"high\"\nfail_on = \"low\"",
            "p.toml:2:1: duplicate key",
        ),
    ] {
        assert_eq!(problems(text), [want], "{text}");
    }
}

#[test]
fn github_and_tickets_tables_load_into_the_publish_config() {
    let text = "[github]\ncomment = true\ncomment_key = \"api\"\n\n[tickets]\nopen_on = \"high\"\ngroup_by = \"package\"\nmax_new = 5\n";
    let options = LoadOptions {
        today: jiff::civil::date(2026, 1, 15),
        base_dir: None,
    };
    let policy =
        Policy::from_toml(text, PolicySource::File("p.toml".into()), &options).expect("valid");
    assert!(policy.publish.github.comment);
    assert_eq!(policy.publish.github.comment_key.as_str(), "api");
    assert!(policy.publish.tickets.enabled);
    assert_eq!(policy.publish.tickets.max_new, 5);

    let bad = "[github]\ncomment = true\n\n[tickets]\nopen_on = \"severe\"\n";
    let err = Policy::from_toml(bad, PolicySource::File("p.toml".into()), &options)
        .expect_err("bad severity");
    assert_eq!(err.problems.len(), 1, "{err}");
    assert_eq!((err.problems[0].line, err.problems[0].column), (4, 1));
    assert!(err.problems[0].message.contains("open_on"), "{err}");
}
