//! Shared verdicts every reporter is snapshot-tested from (test builds only).
//!
//! [`sample_verdict`] covers every finding kind and outcome; [`hostile_verdict`] fills every
//! text field with content that tries to break out of its output format: Markdown/HTML
//! injection, workflow commands, terminal escapes, XML/JSON breakers, and a 70,000-character
//! title. Versions, paths and times are fixed, so snapshots need no redaction.

use std::sync::Arc;

use crate::baseline::Baseline;
use crate::ingest::{Format, Input, ParsedReport, ReportStats};
use crate::model::{
    Confidence, CvssScore, Extra, FileLocation, Finding, FindingKind, Fingerprint, Fix, Location,
    PackageLocation, Region, ResourceLocation, Scanner, Severity, SeveritySource, ToolSuppression,
    VulnId, WebInstance, WebLocation,
};
use crate::policy::{Policy, PolicySource};
use crate::verdict::{RunSettings, Verdict};

fn scanner(name: &str, version: &str) -> Scanner {
    Scanner {
        name: name.into(),
        version: Some(version.into()),
    }
}

fn base(
    scanner: &Scanner,
    kind: FindingKind,
    rule_id: &str,
    title: &str,
    severity: Severity,
    source: SeveritySource,
    input: &str,
) -> Finding {
    Finding {
        fingerprint: Fingerprint::builder("fixture")
            .field(&scanner.name)
            .field(rule_id)
            .field(title)
            .finish(),
        scanner: Arc::new(scanner.clone()),
        kind,
        rule_id: rule_id.into(),
        vuln_ids: VulnId::parse(rule_id).into_iter().collect(),
        title: title.into(),
        description: None,
        severity,
        severity_source: source,
        confidence: None,
        location: Location::default(),
        fix: None,
        references: Default::default(),
        cwes: Arc::default(),
        suppression: None,
        extra: Extra::default(),
        input: input.into(),
    }
}

fn input(path: &str, format: Format, scanners: Vec<Scanner>, findings: Vec<Finding>) -> Input {
    Input {
        path: path.into(),
        format,
        report: ParsedReport {
            scanners,
            findings: findings.into_iter().map(Box::new).collect(),
            stats: ReportStats::default(),
        },
    }
}

/// The date fixture verdicts are evaluated on.
pub const TODAY: jiff::civil::Date = jiff::civil::date(2026, 6, 1);

/// Run settings for fixture verdicts: [`TODAY`], stale waivers not denied.
pub fn settings() -> RunSettings {
    RunSettings {
        today: TODAY,
        deny_stale_waivers: false,
    }
}

/// A verdict over three inputs with every kind and outcome: a critical CVE (fail), a high
/// secret (fail), a medium web alert with instances (warn), a high code finding suppressed by
/// the tool, a low misconfiguration in a Kubernetes resource (warn), an unknown-severity CVE
/// (warn as medium), and an info web alert that ZAP marked a false positive.
pub fn sample_verdict() -> Verdict {
    Verdict::build(Policy::embedded(), sample_inputs(), &[], settings())
}

/// The policy [`policy_verdict`] applies: an ignore rule, a waiver in force, a stale one, an
/// expired one, and a required scanner that has no report.
const SAMPLE_POLICY: &str = r#"
require = ["trivy", "zap", "sarif", "gitleaks"]

[[rule]]
kind = "misconfiguration"
action = "ignore"
reason = "cluster policies are enforced by the admission controller"

[[waiver]]
id = "TEMP-0841856-B18BAF"
package = "bash"
reason = "not reachable: no shell in the runtime image"
expires = 2026-12-31
owner = "platform"

[[waiver]]
id = "CVE-2099-*"
reason = "matches nothing: stale"
expires = 2026-12-31

[[waiver]]
id = "python.django.*"
reason = "expired: applies no more"
expires = 2026-01-31
"#;

/// The sample findings under [`SAMPLE_POLICY`]: waived, ignored, expired and stale waivers,
/// and an error for the missing required report.
pub fn policy_verdict() -> Verdict {
    let options = crate::policy::LoadOptions {
        today: TODAY,
        base_dir: None,
    };
    let policy = Policy::from_toml(
        SAMPLE_POLICY,
        PolicySource::File("scangate.toml".into()),
        &options,
    )
    .expect("the sample policy loads");
    Verdict::build(policy, sample_inputs(), &[], settings())
}

fn sample_inputs() -> Vec<Input> {
    let trivy = scanner("Trivy", "0.57.1");
    let zap = scanner("ZAP", "2.15.0");
    let semgrep = scanner("Semgrep OSS", "1.95.0");

    let mut log4j = base(
        &trivy,
        FindingKind::Vulnerability,
        "CVE-2021-44228",
        "log4j-core: Remote code execution in Log4j 2.x",
        Severity::Critical,
        SeveritySource::new("trivy Severity", "CRITICAL"),
        "reports/trivy.json",
    );
    let mut ids = std::mem::take(&mut log4j.vuln_ids).into_vec();
    ids.push(VulnId {
        kind: crate::model::VulnIdKind::Ghsa,
        id: "GHSA-jfh8-c2jp-5v3q".into(),
    });
    log4j.vuln_ids = ids.into();
    log4j.description = Some(Arc::from(
        "Apache Log4j2 JNDI features do not protect against attacker controlled LDAP endpoints.",
    ));
    log4j.location = Location {
        target: Some("app/lib/log4j-core-2.14.1.jar".into()),
        package: Some(Box::new(PackageLocation {
            name: "org.apache.logging.log4j:log4j-core".into(),
            version: Some("2.14.1".into()),
            path: None,
            purl: Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1".into()),
            layer: None,
        })),
        ..Location::default()
    };
    log4j.fix = Some(Fix {
        fixed_version: Some("2.15.0".into()),
        solution: None,
    });
    log4j.cwes = Arc::new([502]);
    log4j.references = vec!["https://nvd.nist.gov/vuln/detail/CVE-2021-44228".into()].into();
    log4j.extra.rare_mut().status = Some("fixed".into());
    log4j.extra.rare_mut().cvss = Some(Box::new(CvssScore {
        score: 10.0,
        source: "nvd".into(),
        vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H".into()),
    }));
    log4j.extra.help_uri = Some("https://avd.aquasec.com/nvd/cve-2021-44228".into());

    let mut secret = base(
        &trivy,
        FindingKind::Secret,
        "aws-access-key-id",
        "AWS Access Key ID",
        Severity::High,
        SeveritySource::new("trivy Severity", "HIGH"),
        "reports/trivy.json",
    );
    secret.vuln_ids = Box::default();
    secret.location = Location {
        target: Some("deploy/.env".into()),
        file: Some(Box::new(FileLocation {
            path: "deploy/.env".into(),
            region: Some(Region {
                start_line: Some(3),
                end_line: Some(3),
                ..Region::default()
            }),
            snippet: Some(crate::model::REDACTED.into()),
        })),
        ..Location::default()
    };

    let mut unknown = base(
        &trivy,
        FindingKind::Vulnerability,
        "TEMP-0841856-B18BAF",
        "TEMP-0841856-B18BAF",
        Severity::Unknown,
        SeveritySource::new("trivy Severity", "UNKNOWN"),
        "reports/trivy.json",
    );
    unknown.location = Location {
        target: Some("shop/web:1.9 (debian 12.7)".into()),
        package: Some(Box::new(PackageLocation {
            name: "bash".into(),
            version: Some("5.2.15-2+b7".into()),
            ..PackageLocation::default()
        })),
        ..Location::default()
    };

    let mut misconfig = base(
        &trivy,
        FindingKind::Misconfiguration,
        "KSV012",
        "Runs as root user",
        Severity::Low,
        SeveritySource::new("trivy Severity", "LOW"),
        "reports/trivy-k8s.json",
    );
    misconfig.location = Location {
        target: Some("Deployment/web".into()),
        resource: Some(Box::new(ResourceLocation {
            namespace: Some("shop".into()),
            kind: "Deployment".into(),
            name: "web".into(),
        })),
        ..Location::default()
    };
    misconfig.fix = Some(Fix {
        fixed_version: None,
        solution: Some(Arc::from(
            "Set 'containers[].securityContext.runAsNonRoot' to true.",
        )),
    });

    let mut csp = base(
        &zap,
        FindingKind::Web,
        "10038",
        "Content Security Policy (CSP) Header Not Set",
        Severity::Medium,
        SeveritySource::new("zap riskcode", "2"),
        "reports/zap.xml",
    );
    csp.confidence = Some(Confidence::High);
    csp.cwes = Arc::new([693]);
    csp.location = Location {
        target: Some("https://staging.shop.example.com".into()),
        web: Some(Box::new(WebLocation {
            site: "https://staging.shop.example.com".into(),
            instances: vec![
                WebInstance {
                    uri: "https://staging.shop.example.com/".into(),
                    method: Some("GET".into()),
                    ..WebInstance::default()
                },
                WebInstance {
                    uri: "https://staging.shop.example.com/cart?id=1".into(),
                    method: Some("GET".into()),
                    ..WebInstance::default()
                },
            ],
            count: Some(7),
        })),
        ..Location::default()
    };
    csp.extra.rule_name = Some("10038-1".into());

    let mut comments = base(
        &zap,
        FindingKind::Web,
        "10027",
        "Information Disclosure - Suspicious Comments",
        Severity::Info,
        SeveritySource::new("zap riskcode", "0"),
        "reports/zap.xml",
    );
    comments.confidence = Some(Confidence::FalsePositive);
    comments.suppression = Some(Box::new(ToolSuppression {
        kind: "zap confidence 0 (false positive)".into(),
        justification: None,
    }));
    comments.location = Location {
        target: Some("https://staging.shop.example.com".into()),
        web: Some(Box::new(WebLocation {
            site: "https://staging.shop.example.com".into(),
            instances: vec![WebInstance {
                uri: "https://staging.shop.example.com/static/vendor.js".into(),
                method: Some("GET".into()),
                evidence: Some("TODO".into()),
                ..WebInstance::default()
            }],
            count: None,
        })),
        ..Location::default()
    };

    let mut shell = base(
        &semgrep,
        FindingKind::Code,
        "python.lang.security.audit.subprocess-shell-true",
        "Found 'subprocess' function with 'shell=True'.",
        Severity::High,
        SeveritySource::new("sarif defaultConfiguration.level on rule", "error"),
        "reports/semgrep.sarif",
    );
    shell.cwes = Arc::new([78]);
    shell.location = Location {
        file: Some(Box::new(FileLocation {
            path: "tools/release.py".into(),
            region: Some(Region {
                start_line: Some(41),
                start_column: Some(5),
                end_line: Some(41),
                end_column: Some(58),
            }),
            snippet: Some("subprocess.run(\"git tag \" + VERSION, shell=True)".into()),
        })),
        ..Location::default()
    };
    shell.suppression = Some(Box::new(ToolSuppression {
        kind: "sarif suppression (inSource, accepted)".into(),
        justification: Some("VERSION comes from our own pyproject.toml".into()),
    }));
    shell.extra.help_uri =
        Some("https://semgrep.dev/r/python.lang.security.audit.subprocess-shell-true".into());

    let mut xss = base(
        &semgrep,
        FindingKind::Code,
        "python.django.security.audit.xss.template-autoescape-off",
        "Detected a template block where autoescaping is explicitly disabled.",
        Severity::Medium,
        SeveritySource::new("sarif security-severity on rule", "6.1"),
        "reports/semgrep.sarif",
    );
    xss.cwes = Arc::new([79]);
    xss.location = Location {
        file: Some(Box::new(FileLocation {
            path: "shop/templates/receipt.html".into(),
            region: Some(Region {
                start_line: Some(14),
                start_column: Some(1),
                end_line: Some(16),
                end_column: Some(3),
            }),
            snippet: Some("{% autoescape off %}".into()),
        })),
        ..Location::default()
    };

    vec![
        input(
            "reports/trivy.json",
            Format::Trivy,
            vec![trivy.clone()],
            vec![log4j, secret, unknown],
        ),
        input(
            "reports/trivy-k8s.json",
            Format::Trivy,
            vec![trivy],
            vec![misconfig],
        ),
        input(
            "reports/zap.xml",
            Format::Zap,
            vec![zap],
            vec![csp, comments],
        ),
        input(
            "reports/semgrep.sarif",
            Format::Sarif,
            vec![semgrep],
            vec![shell, xss],
        ),
    ]
}

/// The policy [`baseline_verdict`] applies: only new findings block, except criticals after 30
/// days in the baseline.
const BASELINE_POLICY: &str = r#"
gate = "new"
sla = { critical = "30d" }
"#;

/// The day [`baseline_verdict`]'s baseline was recorded.
pub const BASELINE_DAY: jiff::civil::Date = jiff::civil::date(2026, 5, 1);

/// The sample findings plus Grype's SARIF report of the same Log4Shell (correlated with
/// Trivy's), checked against a baseline recorded on [`BASELINE_DAY`] under
/// [`BASELINE_POLICY`]: the AWS key is new (fails), Log4Shell is existing but its 30-day
/// critical grace has ended (both entries fail, one problem), the other findings are existing
/// (they warn), a Semgrep finding of the baseline is fixed, and a Checkov entry is not called
/// fixed because no Checkov report is among the inputs.
pub fn baseline_verdict() -> Verdict {
    let semgrep = scanner("Semgrep OSS", "1.95.0");
    let checkov = scanner("Checkov", "3.2.0");
    // What the baseline saw: no AWS key yet, one Semgrep finding since fixed, a Checkov report.
    let mut then = sample_inputs();
    then[0]
        .report
        .findings
        .retain(|f| f.kind != FindingKind::Secret);
    let mut gone = base(
        &semgrep,
        FindingKind::Code,
        "python.flask.security.audit.debug-enabled",
        "Flask app with debug=True.",
        Severity::High,
        SeveritySource::new("sarif level on result", "error"),
        "reports/semgrep.sarif",
    );
    gone.location.file = Some(Box::new(FileLocation {
        path: "shop/app.py".into(),
        region: None,
        snippet: None,
    }));
    then[3].report.findings.push(Box::new(gone));
    let mut ckv = base(
        &checkov,
        FindingKind::Misconfiguration,
        "CKV_K8S_20",
        "Containers should not run with allowPrivilegeEscalation",
        Severity::Medium,
        SeveritySource::new("sarif level on result", "warning"),
        "reports/checkov.sarif",
    );
    ckv.location.file = Some(Box::new(FileLocation {
        path: "deploy/web.yaml".into(),
        region: None,
        snippet: None,
    }));
    then.push(input(
        "reports/checkov.sarif",
        Format::Sarif,
        vec![checkov],
        vec![ckv],
    ));
    let empty = Baseline::empty("scangate-baseline.json", BASELINE_DAY);
    let (baseline, _) = Baseline::record(&empty, &then, BASELINE_DAY);

    let grype = scanner("Grype", "0.74.0");
    let mut log4j = base(
        &grype,
        FindingKind::Vulnerability,
        "CVE-2021-44228-log4j-core",
        "The path /app/lib/log4j-core-2.14.1.jar reports log4j-core at version 2.14.1",
        Severity::High,
        SeveritySource::new("sarif level on result", "error"),
        "reports/grype.sarif",
    );
    log4j.vuln_ids = VulnId::parse("CVE-2021-44228").into_iter().collect();
    log4j.location = Location {
        package: Some(Box::new(PackageLocation {
            name: "log4j-core".into(),
            version: Some("2.14.1".into()),
            path: Some("/app/lib/log4j-core-2.14.1.jar".into()),
            ..PackageLocation::default()
        })),
        file: Some(Box::new(FileLocation {
            path: "app/lib/log4j-core-2.14.1.jar".into(),
            region: None,
            snippet: None,
        })),
        ..Location::default()
    };
    let mut inputs = sample_inputs();
    inputs.push(input(
        "reports/grype.sarif",
        Format::Sarif,
        vec![grype],
        vec![log4j],
    ));
    let options = crate::policy::LoadOptions {
        today: TODAY,
        base_dir: None,
    };
    let policy = Policy::from_toml(
        BASELINE_POLICY,
        PolicySource::File("scangate.toml".into()),
        &options,
    )
    .expect("the baseline policy loads");
    Verdict::build_with(policy, inputs, &[], settings(), Some(baseline))
}

/// Text that tries every injection scangate's outputs must neutralise.
pub const HOSTILE: &str = "</details><!-- scangate --> @everyone #1 <img src=x onerror=alert(1)> \
```js\nalert(1)\n``` \u{1b}[31mred\u{1b}[0m \u{1b}]8;;https://evil.example\u{7}link\u{1b}]8;;\u{7} \
\n::error file=x.py,line=1::injected\r\n%0A::warning::also injected ]]> \"quote' & `tick` | pipe \
*bold* _it_ [link](javascript:alert(1)) \u{202e}reversed\u{202c} \u{0}nul";

/// A verdict whose every text field is hostile, including a 70,000-character title.
pub fn hostile_verdict() -> Verdict {
    let tool = Scanner {
        name: format!("Evil{HOSTILE}").into(),
        version: Some(HOSTILE.into()),
    };
    let long_title = format!("{HOSTILE}{}", "A".repeat(70_000));
    let mut code = base(
        &tool,
        FindingKind::Code,
        &format!("rule{HOSTILE}"),
        &long_title,
        Severity::Critical,
        SeveritySource::new("sarif level on result", HOSTILE),
        "reports/evil,name:%0A.sarif",
    );
    code.description = Some(Arc::from(HOSTILE));
    code.location = Location {
        file: Some(Box::new(FileLocation {
            path: format!("src/{HOSTILE}.py"),
            region: Some(Region {
                start_line: Some(3),
                start_column: Some(1),
                end_line: Some(9),
                end_column: Some(2),
            }),
            snippet: Some(HOSTILE.into()),
        })),
        ..Location::default()
    };
    code.references = vec![format!("javascript:alert(1)//{HOSTILE}")].into();
    let mut web = base(
        &tool,
        FindingKind::Web,
        "40012",
        HOSTILE,
        Severity::High,
        SeveritySource::new("zap riskcode", "3"),
        "reports/evil,name:%0A.sarif",
    );
    web.location = Location {
        target: Some(HOSTILE.into()),
        web: Some(Box::new(WebLocation {
            site: format!("https://evil.example/{HOSTILE}"),
            instances: vec![WebInstance {
                uri: format!("https://evil.example/?q={HOSTILE}"),
                method: Some(HOSTILE.into()),
                param: Some(HOSTILE.into()),
                attack: Some(HOSTILE.into()),
                evidence: Some(HOSTILE.into()),
                other_info: Some(HOSTILE.into()),
            }],
            count: Some(1),
        })),
        ..Location::default()
    };
    web.suppression = Some(Box::new(ToolSuppression {
        kind: HOSTILE.into(),
        justification: Some(HOSTILE.into()),
    }));
    let inputs = vec![input(
        "reports/evil,name:%0A.sarif",
        Format::Sarif,
        vec![tool],
        vec![code, web],
    )];
    Verdict::build(Policy::embedded(), inputs, &[], settings())
}

/// [`hostile_verdict`] plus findings with every optional part a finding can have: SARIF's own
/// fingerprints and baseline state on the first; every part of a location at once and every
/// text a rule can have; an empty region; no location at all. For the tests that hold the
/// renderers written by hand to their derived serialization.
pub fn every_part_verdict() -> Verdict {
    // SARIF's own fingerprints and baseline state, with hostile text, on one finding.
    let mut sarif_fields = hostile_verdict();
    let extra = &mut sarif_fields.findings[0].finding.extra;
    extra.tool_fingerprints =
        crate::model::ToolFingerprints::new([format!("k{HOSTILE}=v"), "b=2".into()]);
    extra.rare_mut().baseline_state = Some(format!("new{HOSTILE}"));
    // Every part of a location at once, an empty region, and no location at all.
    let mut all_parts = sarif_fields.findings[0].clone();
    let text = |s: &str| format!("{s}{HOSTILE}");
    all_parts.finding.location = Location {
        target: Some(text("target").into()),
        package: Some(Box::new(crate::model::PackageLocation {
            name: text("name"),
            version: Some(text("1.0")),
            path: Some(text("path")),
            purl: Some(text("pkg:x/y")),
            layer: Some(text("sha256:0")),
        })),
        file: Some(Box::new(crate::model::FileLocation {
            path: text("a.rs"),
            region: Some(crate::model::Region {
                start_line: Some(1),
                start_column: Some(u64::MAX),
                end_line: Some(3),
                end_column: Some(0),
            }),
            snippet: Some(text("let x")),
        })),
        web: None,
        resource: Some(Box::new(crate::model::ResourceLocation {
            namespace: Some(text("ns")),
            kind: text("Pod"),
            name: text("p"),
        })),
    };
    // And every text a rule entry can have.
    let f = &mut all_parts.finding;
    f.rule_id = text("rule").into();
    f.extra.tags = Arc::from(vec![text("tag"), "security".to_owned()]);
    f.extra.rule_name = Some(text("name").into());
    f.extra.help_uri = Some(text("https://x.test/").into());
    f.references = Arc::from(vec![text("https://ref.test/")]);
    f.cwes = vec![79, 89].into();
    let mut empty_region = all_parts.clone();
    if let Some(file) = &mut empty_region.finding.location.file {
        file.region = Some(crate::model::Region::default());
    }
    let mut nowhere = all_parts.clone();
    nowhere.finding.location = Location::default();
    sarif_fields
        .findings
        .extend([all_parts, empty_region, nowhere]);
    sarif_fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Outcome;

    #[test]
    fn sample_covers_every_outcome_the_default_policy_gives() {
        let v = sample_verdict();
        assert_eq!(v.findings.len(), 8);
        assert_eq!(v.count(Outcome::Fail), 2);
        assert_eq!(v.count(Outcome::Suppressed), 2);
        assert_eq!(v.count(Outcome::Warn), 4);
        assert_eq!(&*v.findings[0].finding.rule_id, "CVE-2021-44228");
    }

    #[test]
    fn baseline_fixture_has_new_existing_fixed_and_a_correlated_group() {
        use crate::baseline::BaselineStatus;
        let v = baseline_verdict();
        assert_eq!(v.findings.len(), 9);
        assert_eq!(
            v.problems(),
            8,
            "Trivy's and Grype's Log4Shell are one problem"
        );
        assert_eq!(v.groups.len(), 1);
        let g = &v.groups[0];
        assert_eq!(g.key, "CVE-2021-44228 log4j-core@2.14.1");
        assert_eq!(g.reported_by, ["Grype", "Trivy"]);
        assert_eq!((g.severity, g.outcome), (Severity::Critical, Outcome::Fail));
        assert_eq!(v.baseline_counts(), (1, 8));
        let fixed: Vec<&str> = v
            .baseline
            .as_ref()
            .map(|b| b.fixed.iter().map(|e| e.rule_id.as_ref()).collect())
            .unwrap_or_default();
        assert_eq!(fixed, ["python.flask.security.audit.debug-enabled"]);
        // Blocking: the new secret, and Log4Shell (both entries) past its critical grace.
        assert_eq!(v.count(Outcome::Fail), 3);
        assert_eq!(v.blocking(), 2);
        let secret = v
            .findings
            .iter()
            .find(|f| f.finding.kind == FindingKind::Secret)
            .expect("secret");
        assert_eq!(secret.baseline, Some(BaselineStatus::New));
        assert_eq!(secret.decision.outcome, Outcome::Fail);
        // The Grype entry was not in the baseline, but its group was.
        let grype = v
            .findings
            .iter()
            .find(|f| &*f.finding.scanner.name == "Grype")
            .expect("grype");
        assert_eq!(
            grype.baseline,
            Some(BaselineStatus::Existing {
                first_seen: BASELINE_DAY
            })
        );
        assert_eq!(grype.decision.effective_severity, Severity::Critical);
        assert_eq!(grype.finding.severity, Severity::High);
        // --explain says both.
        let index = v
            .findings
            .iter()
            .position(|f| &*f.finding.scanner.name == "Grype")
            .expect("grype");
        let lines = v.explain(index);
        assert!(
            lines.contains(
                &"baseline: not in scangate-baseline.json itself, but existing since 2026-05-01 \
                  through its correlation group"
                    .to_owned()
            ),
            "{lines:#?}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("correlated: group ")
                && l.ends_with(
                    "decided at the group's highest severity, critical, and counted once"
                )),
            "{lines:#?}"
        );
        assert!(
            lines.last().is_some_and(|l| l.starts_with("outcome: fail")),
            "{lines:#?}"
        );
        let unknown = v
            .findings
            .iter()
            .find(|f| f.finding.rule_id.as_ref() == "TEMP-0841856-B18BAF")
            .expect("unknown");
        assert_eq!(unknown.decision.outcome, Outcome::Warn);
        assert_eq!(v.status, crate::verdict::Status::Fail);
    }

    #[test]
    fn hostile_title_is_long() {
        let v = hostile_verdict();
        assert!(v.findings.iter().any(|f| f.finding.title.len() > 70_000));
    }
}
