//! Trivy JSON (`trivy image --format json`, SchemaVersion 2) for a large container image: an
//! OS-packages result, language-package results (jars, node modules, Python, Go binaries), a
//! Dockerfile misconfiguration result and a secret result. Vulnerabilities carry everything
//! Trivy 0.5x writes (package identifiers, layers, data source, CVSS per vendor, references,
//! dates), with advisories shared across packages and targets as in real images.
//!
//! Written as Go's `encoding/json` with `MarshalIndent("", "  ")` writes it: 2-space indent,
//! `<`, `>` and `&` escaped as `\u003c`, `\u003e`, `\u0026`.
//! Reference: Trivy `pkg/types/report.go`, `pkg/types/vulnerability.go`.

use std::io;

use crate::json::{Escape, Json};
use crate::rng::Rng;
use crate::text::{self, Flavour};
use crate::{Budget, Sink};

const OS_PKGS: &[&str] = &[
    "linux-libc-dev",
    "libc6",
    "libssl3",
    "openssl",
    "libxml2",
    "zlib1g",
    "curl",
    "libcurl4",
    "libsqlite3-0",
    "libtiff6",
    "libpng16-16",
    "libjpeg62-turbo",
    "libgnutls30",
    "libkrb5-3",
    "libgssapi-krb5-2",
    "perl-base",
    "bash",
    "coreutils",
    "tar",
    "gzip",
    "libsystemd0",
    "libudev1",
    "libexpat1",
    "libxslt1.1",
    "git",
    "git-man",
    "imagemagick",
    "libmagickcore-6.q16-6",
    "python3.11",
    "libpython3.11-stdlib",
    "libldap-2.5-0",
    "libsasl2-2",
    "libpam0g",
    "login",
    "passwd",
    "apt",
    "libapt-pkg6.0",
    "libgcrypt20",
    "libtasn1-6",
    "libnghttp2-14",
];
const LANG: &[(&str, &str, &str, &[&str])] = &[
    (
        "Java",
        "jar",
        "maven",
        &[
            "org.apache.logging.log4j:log4j-core",
            "com.fasterxml.jackson.core:jackson-databind",
            "org.springframework:spring-web",
            "org.yaml:snakeyaml",
            "io.netty:netty-codec-http",
            "org.apache.tomcat.embed:tomcat-embed-core",
            "com.google.guava:guava",
            "commons-io:commons-io",
            "org.apache.commons:commons-text",
            "ch.qos.logback:logback-core",
        ],
    ),
    (
        "Node.js",
        "node-pkg",
        "npm",
        &[
            "lodash",
            "minimist",
            "axios",
            "express",
            "jsonwebtoken",
            "semver",
            "tough-cookie",
            "word-wrap",
            "follow-redirects",
            "ws",
            "xml2js",
            "qs",
            "path-to-regexp",
            "cookie",
        ],
    ),
    (
        "Python",
        "python-pkg",
        "pypi",
        &[
            "urllib3",
            "requests",
            "Django",
            "Flask",
            "Jinja2",
            "cryptography",
            "PyYAML",
            "Pillow",
            "setuptools",
            "certifi",
            "idna",
            "Werkzeug",
            "aiohttp",
            "sqlparse",
        ],
    ),
    (
        "usr/local/bin/app",
        "gobinary",
        "golang",
        &[
            "golang.org/x/net",
            "golang.org/x/crypto",
            "google.golang.org/grpc",
            "stdlib",
            "github.com/docker/docker",
            "golang.org/x/text",
            "google.golang.org/protobuf",
        ],
    ),
];
const SEVERITIES: &[&str] = &["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];
const SEVERITY_WEIGHTS: &[u32] = &[5, 20, 40, 32, 3];
const STATUSES: &[&str] = &[
    "fixed",
    "affected",
    "will_not_fix",
    "fix_deferred",
    "end_of_life",
];

struct Layer {
    digest: String,
    diff_id: String,
}

/// Writes one advisory's shared fields (title through dates) for advisory `a`.
fn advisory(j: &mut Json, seed: u64, a: u64, os: bool) -> String {
    let mut rng = Rng::derive(seed, 0xADF, a);
    let year = rng.range(2015, 2025);
    let id = format!("CVE-{year}-{}", 10_000 + a);
    let sev_i = rng.weighted(SEVERITY_WEIGHTS);
    let severity = SEVERITIES[sev_i];
    let source = if os { "debian" } else { "ghsa" };
    let url = format!("https://avd.aquasec.com/nvd/{}", id.to_ascii_lowercase());
    j.kv("SeveritySource", source).kv("PrimaryURL", &url);
    j.key("DataSource").obj();
    if os {
        j.kv("ID", "debian").kv("Name", "Debian Security Tracker");
        j.kv(
            "URL",
            "https://salsa.debian.org/security-tracker-team/security-tracker",
        );
    } else {
        j.kv("ID", "ghsa")
            .kv("Name", "GitHub Security Advisory Maven");
        j.kv(
            "URL",
            "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Amaven",
        );
    }
    j.end_obj();
    // Trivy cuts long titles with " ...".
    let mut title = text::title(&mut rng, Flavour::Json);
    if rng.chance(0.4) {
        title.push_str(" ...");
    }
    j.kv("Title", &title);
    let desc_len = rng.range(100, 900) as usize;
    j.kv(
        "Description",
        &text::prose(&mut rng, desc_len, Flavour::Json),
    );
    j.kv("Severity", severity);
    let cwes: Vec<String> = (0..rng.below(3))
        .map(|_| format!("CWE-{}", rng.range(20, 1333)))
        .collect();
    if !cwes.is_empty() {
        j.str_list("CweIDs", &cwes);
    }
    let score = |rng: &mut Rng, sev: usize| -> f64 {
        let (lo, hi) = [(90, 100), (70, 89), (40, 69), (1, 39), (0, 0)][sev];
        rng.range(lo, hi) as f64 / 10.0
    };
    j.key("VendorSeverity").obj();
    for vendor in ["amazon", "debian", "ghsa", "nvd", "redhat", "ubuntu"] {
        if rng.chance(0.6) {
            j.kn(vendor, rng.range(1, 4));
        }
    }
    j.end_obj();
    // UNKNOWN advisories sometimes carry a score Trivy did not turn into a severity.
    let scored = sev_i < 4 || rng.chance(0.5);
    if scored {
        let base = if sev_i < 4 {
            sev_i
        } else {
            rng.below(4) as usize
        };
        j.key("CVSS").obj();
        j.key("nvd").obj();
        j.kv("V2Vector", "AV:N/AC:L/Au:N/C:P/I:P/A:P");
        j.kv("V3Vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        j.kn("V2Score", score(&mut rng, base.min(2) + 1));
        j.kn("V3Score", score(&mut rng, base));
        j.end_obj();
        if rng.chance(0.5) {
            j.key("redhat").obj();
            j.kv("V3Vector", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N");
            j.kn("V3Score", score(&mut rng, (base + 1).min(3)));
            j.end_obj();
        }
        if rng.chance(0.15) {
            j.key("ghsa").obj();
            j.kv(
                "V40Vector",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            );
            j.kn("V40Score", score(&mut rng, base));
            j.end_obj();
        }
        j.end_obj();
    }
    let n_refs = rng.range(2, 18);
    let refs: Vec<String> = (0..n_refs)
        .map(|i| match i % 6 {
            0 => format!(
                "https://access.redhat.com/security/cve/{}",
                id.to_ascii_lowercase()
            ),
            1 => format!("https://nvd.nist.gov/vuln/detail/{id}"),
            2 => format!(
                "https://github.com/advisories/GHSA-{}-{}-{}",
                rng.hex(4),
                rng.hex(4),
                rng.hex(4)
            ),
            3 => format!(
                "https://lists.debian.org/debian-lts-announce/{year}/{:02}/msg000{:02}.html",
                rng.range(1, 12),
                rng.range(1, 99)
            ),
            4 => format!(
                "https://security.netapp.com/advisory/ntap-{year}{:04}-{:04}/",
                rng.range(101, 1231),
                rng.range(1, 20)
            ),
            _ => format!("https://www.cve.org/CVERecord?id={id}&source=nvd"),
        })
        .collect();
    j.str_list("References", &refs);
    j.kv("PublishedDate", &text::timestamp(&mut rng));
    j.kv("LastModifiedDate", &text::timestamp(&mut rng));
    id
}

fn vulnerability(
    j: &mut Json,
    rng: &mut Rng,
    seed: u64,
    n_adv: u64,
    layers: &[Layer],
    lang: Option<usize>,
) {
    let os = lang.is_none();
    let a = rng.skewed(n_adv);
    // The package follows the advisory (one advisory, a few packages), with some spread.
    let mut prng = Rng::derive(seed, 0xBA6, a * 8 + rng.below(3));
    let (name, eco) = match lang {
        None => (
            if prng.chance(0.7) {
                (prng.pick(OS_PKGS)).to_owned()
            } else {
                format!("lib{}{}", prng.hex(6), prng.range(0, 9))
            },
            "deb",
        ),
        Some(l) => ((prng.pick(LANG[l].3)).to_owned(), LANG[l].2),
    };
    let installed = text::version(&mut prng);
    let id = {
        let mut arng = Rng::derive(seed, 0xADF, a);
        format!("CVE-{}-{}", arng.range(2015, 2025), 10_000 + a)
    };
    j.obj();
    j.kv("VulnerabilityID", &id);
    if os && rng.chance(0.2) {
        j.str_list("VendorIDs", &[format!("DLA-{}-1", rng.range(1000, 4000))]);
    }
    j.kv("PkgID", &format!("{name}@{installed}"));
    j.kv("PkgName", &name);
    if let Some(l) = lang
        && l < 2
    {
        j.kv(
            "PkgPath",
            &format!(
                "app/{}/{}-{installed}",
                ["lib", "node_modules"][l],
                name.replace(':', "-")
            ),
        );
    }
    j.key("PkgIdentifier").obj();
    j.kv(
        "PURL",
        &format!("pkg:{eco}/{}@{installed}", name.replace(':', "/")),
    );
    j.kv("UID", &rng.hex(16)).end_obj();
    j.kv("InstalledVersion", &installed);
    let status_i = rng.weighted(&[55, 35, 5, 3, 2]);
    if status_i == 0 {
        let fixed = text::version(rng);
        let fixed = if rng.chance(0.2) {
            format!("{fixed}, {}", text::version(rng))
        } else {
            fixed
        };
        j.kv("FixedVersion", &fixed);
    }
    j.kv("Status", STATUSES[status_i]);
    let layer = &layers[rng.skewed(layers.len() as u64) as usize];
    j.key("Layer")
        .obj()
        .kv("Digest", &layer.digest)
        .kv("DiffID", &layer.diff_id)
        .end_obj();
    advisory(j, seed, a, os);
    j.end_obj();
}

fn misconfiguration(j: &mut Json, rng: &mut Rng, k: u64) {
    let id = format!("DS{:03}", 1 + k % 30);
    j.obj();
    j.kv("Type", "Dockerfile Security Check")
        .kv("ID", &id)
        .kv("AVDID", &format!("AVD-{id}"));
    j.kv("Title", &text::title(rng, Flavour::Json));
    j.kv("Description", &text::prose(rng, 200, Flavour::Json));
    j.kv("Message", &format!("Specify at least 1 USER command in Dockerfile with non-root user as argument (line {k})"));
    j.kv("Namespace", "builtin.dockerfile.DS002")
        .kv("Query", "data.builtin.dockerfile.DS002.deny");
    j.kv(
        "Resolution",
        "Add 'USER <non root user name>' line to the Dockerfile",
    );
    j.kv("Severity", SEVERITIES[rng.weighted(&[5, 30, 40, 25, 0])]);
    j.kv(
        "PrimaryURL",
        &format!(
            "https://avd.aquasec.com/misconfig/{}",
            id.to_ascii_lowercase()
        ),
    );
    j.str_list(
        "References",
        &[format!(
            "https://avd.aquasec.com/misconfig/{}",
            id.to_ascii_lowercase()
        )],
    );
    j.kv("Status", if k.is_multiple_of(5) { "PASS" } else { "FAIL" });
    j.key("Layer").obj().end_obj();
    j.key("CauseMetadata")
        .obj()
        .kv("Provider", "Dockerfile")
        .kv("Service", "general");
    j.kn("StartLine", k + 1).kn("EndLine", k + 1);
    j.key("Code")
        .obj()
        .key("Lines")
        .arr()
        .obj()
        .kn("Number", k + 1);
    j.kv("Content", "FROM alpine:3.13")
        .kn("IsCause", true)
        .kv("Annotation", "");
    j.kn("Truncated", false)
        .kn("FirstCause", true)
        .kn("LastCause", true)
        .end_obj()
        .end_arr()
        .end_obj();
    j.end_obj();
    j.end_obj();
}

fn secret(j: &mut Json, rng: &mut Rng, k: u64) {
    j.obj();
    j.kv(
        "RuleID",
        [
            "aws-access-key-id",
            "github-pat",
            "private-key",
            "slack-web-hook",
        ][k as usize % 4],
    );
    j.kv(
        "Category",
        ["AWS", "GitHub", "AsymmetricPrivateKey", "Slack"][k as usize % 4],
    );
    j.kv(
        "Severity",
        ["CRITICAL", "CRITICAL", "HIGH", "MEDIUM"][k as usize % 4],
    );
    j.kv(
        "Title",
        [
            "AWS Access Key ID",
            "GitHub Personal Access Token",
            "Asymmetric Private Key",
            "Slack Webhook",
        ][k as usize % 4],
    );
    let line = rng.range(1, 400);
    j.kn("StartLine", line).kn("EndLine", line);
    j.key("Code")
        .obj()
        .key("Lines")
        .arr()
        .obj()
        .kn("Number", line);
    j.kv("Content", "AWS_ACCESS_KEY_ID=********************")
        .kn("IsCause", true)
        .end_obj()
        .end_arr()
        .end_obj();
    j.kv("Match", "AWS_ACCESS_KEY_ID=********************");
    j.key("Layer")
        .obj()
        .kv("DiffID", &format!("sha256:{}", rng.hex(64)))
        .end_obj();
    j.end_obj();
}

/// Writes a Trivy report into `sink` until `budget` (vulnerabilities or bytes) is spent.
pub fn generate(sink: &mut Sink, seed: u64, budget: Budget) -> io::Result<u64> {
    let mut rng = Rng::derive(seed, 0x7217, 0);
    let mut j = Json::new(Some(2), Escape::Go);
    let expected = budget
        .count
        .unwrap_or_else(|| budget.bytes.unwrap_or(0) / 2900)
        .max(1);
    // About 2.5 findings per distinct advisory, as in large images.
    let n_adv = (expected * 2 / 5).max(20);
    let layers: Vec<Layer> = (0..12)
        .map(|_| Layer {
            digest: format!("sha256:{}", rng.hex(64)),
            diff_id: format!("sha256:{}", rng.hex(64)),
        })
        .collect();
    let image = "registry.example.com/shop/monolith:2025.06.1";
    j.obj()
        .kn("SchemaVersion", 2)
        .kv("CreatedAt", "2025-06-22T04:04:14.123456789Z");
    j.kv("ArtifactName", image)
        .kv("ArtifactType", "container_image");
    j.key("Metadata").obj().kn("Size", 1_843_204_096u64);
    j.key("OS")
        .obj()
        .kv("Family", "debian")
        .kv("Name", "12.5")
        .end_obj();
    j.kv("ImageID", &format!("sha256:{}", rng.hex(64)));
    j.str_list(
        "DiffIDs",
        &layers
            .iter()
            .map(|l| l.diff_id.as_str())
            .collect::<Vec<_>>(),
    );
    j.str_list("RepoTags", &[image]);
    j.str_list(
        "RepoDigests",
        &[format!(
            "registry.example.com/shop/monolith@sha256:{}",
            rng.hex(64)
        )],
    );
    j.key("ImageConfig")
        .obj()
        .kv("architecture", "amd64")
        .kv("created", "2025-06-20T11:02:03Z");
    j.key("history").arr();
    for _ in 0..12 {
        j.obj().kv("created", &text::timestamp(&mut rng));
        j.kv("created_by", "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/* # buildkit");
        j.end_obj();
    }
    j.end_arr().kv("os", "linux");
    j.key("rootfs")
        .obj()
        .kv("type", "layers")
        .key("diff_ids")
        .arr();
    for l in &layers {
        j.str(&l.diff_id);
    }
    j.end_arr().end_obj();
    j.key("config")
        .obj()
        .str_list("Cmd", &["java", "-jar", "/app/app.jar"]);
    j.str_list(
        "Env",
        &[
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "JAVA_HOME=/opt/java/openjdk",
            "LANG=C.UTF-8",
        ],
    );
    j.key("Labels")
        .obj()
        .kv(
            "org.opencontainers.image.title",
            "shop — monolith “café” edition",
        )
        .end_obj();
    j.end_obj().end_obj().end_obj();

    j.key("Results").arr();
    let mut findings = 0u64;
    // Secrets and misconfigurations first (a few), then vulnerabilities until the budget.
    j.obj()
        .kv("Target", "Dockerfile")
        .kv("Class", "config")
        .kv("Type", "dockerfile");
    j.key("MisconfSummary")
        .obj()
        .kn("Successes", 24)
        .kn("Failures", 8)
        .end_obj();
    j.key("Misconfigurations").arr();
    for k in 0..10 {
        misconfiguration(&mut j, &mut rng, k);
        findings += u64::from(!k.is_multiple_of(5));
    }
    j.end_arr().end_obj();
    j.obj()
        .kv("Target", "/app/.env")
        .kv("Class", "secret")
        .key("Secrets")
        .arr();
    for k in 0..4 {
        secret(&mut j, &mut rng, k);
        findings += 1;
    }
    j.end_arr().end_obj();

    let mut part = 0u64;
    while !budget.done(findings, sink.bytes(&j)) {
        // The OS packages first, then language packages in results of varying size.
        let (target, class, kind, lang) = if part == 0 {
            (format!("{image} (debian 12.5)"), "os-pkgs", "debian", None)
        } else {
            let l = rng.below(LANG.len() as u64) as usize;
            let target = if l == 3 {
                format!("usr/local/bin/svc-{part}")
            } else {
                LANG[l].0.to_owned()
            };
            (target, "lang-pkgs", LANG[l].1, Some(l))
        };
        let size = if part == 0 {
            expected * 2 / 5
        } else {
            rng.range(20, 3000)
        };
        j.obj()
            .kv("Target", &target)
            .kv("Class", class)
            .kv("Type", kind);
        j.key("Vulnerabilities").arr();
        for _ in 0..size.max(1) {
            vulnerability(&mut j, &mut rng, seed, n_adv, &layers, lang);
            findings += 1;
            sink.drain(&mut j)?;
            if budget.done(findings, sink.bytes(&j)) {
                break;
            }
        }
        j.end_arr().end_obj();
        part += 1;
    }
    j.end_arr().end_obj();
    j.buf.push(b'\n');
    sink.finish(&mut j)?;
    Ok(findings)
}
