//! SARIF 2.1.0 as CodeQL and Semgrep write it: two runs, each a `tool.driver` with rules
//! (descriptions, markdown help, tags, `security-severity`) and results with messages,
//! physical locations, regions, snippets and partial fingerprints.
//!
//! References: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>; CodeQL's
//! and Semgrep's SARIF output (field names and nesting as they write them).

use std::io;

use crate::json::{Escape, Json};
use crate::rng::Rng;
use crate::text::{self, Flavour};
use crate::{Budget, Sink};

/// Real query ids, names, CWE, `security-severity` and default level.
const CODEQL_RULES: &[(&str, &str, u32, &str, &str)] = &[
    (
        "js/sql-injection",
        "Database query built from user-controlled sources",
        89,
        "8.8",
        "error",
    ),
    (
        "js/xss",
        "Client-side cross-site scripting",
        79,
        "6.1",
        "error",
    ),
    (
        "js/reflected-xss",
        "Reflected cross-site scripting",
        79,
        "6.1",
        "error",
    ),
    (
        "js/path-injection",
        "Uncontrolled data used in path expression",
        22,
        "7.5",
        "error",
    ),
    (
        "js/command-line-injection",
        "Uncontrolled command line",
        78,
        "9.8",
        "error",
    ),
    ("js/code-injection", "Code injection", 94, "9.3", "error"),
    (
        "js/prototype-pollution-utility",
        "Prototype-polluting function",
        1321,
        "6.1",
        "warning",
    ),
    (
        "js/regex/missing-regexp-anchor",
        "Missing regular expression anchor",
        20,
        "7.8",
        "warning",
    ),
    (
        "js/insecure-randomness",
        "Insecure randomness",
        338,
        "7.8",
        "warning",
    ),
    (
        "js/clear-text-logging",
        "Clear-text logging of sensitive information",
        312,
        "7.5",
        "error",
    ),
    (
        "js/unused-local-variable",
        "Unused variable, import, function or class",
        0,
        "",
        "note",
    ),
    (
        "js/useless-assignment-to-local",
        "Useless assignment to local variable",
        563,
        "",
        "warning",
    ),
    (
        "py/sql-injection",
        "SQL query built from user-controlled sources",
        89,
        "8.8",
        "error",
    ),
    ("py/empty-except", "Empty except", 390, "", "note"),
    (
        "py/weak-cryptographic-algorithm",
        "Use of a broken or weak cryptographic algorithm",
        327,
        "7.5",
        "warning",
    ),
    (
        "py/flask-debug",
        "Flask app is run in debug mode",
        215,
        "7.5",
        "error",
    ),
    (
        "java/sql-injection",
        "Query built from user-controlled sources",
        89,
        "8.8",
        "error",
    ),
    (
        "java/ssrf",
        "Server-side request forgery",
        918,
        "9.1",
        "error",
    ),
    (
        "java/unsafe-deserialization",
        "Deserialization of user-controlled data",
        502,
        "9.8",
        "error",
    ),
    (
        "java/xxe",
        "Resolving XML external entity in user-controlled data",
        611,
        "9.1",
        "error",
    ),
    ("java/log-injection", "Log Injection", 117, "7.8", "error"),
    (
        "go/path-injection",
        "Uncontrolled data used in path expression",
        22,
        "7.5",
        "error",
    ),
    (
        "go/incorrect-integer-conversion",
        "Incorrect conversion between integer types",
        681,
        "8.1",
        "error",
    ),
];
const CODEQL_EXTS: &[&str] = &["js", "ts", "tsx", "py", "java", "go"];
const SEMGREP_EXTS: &[&str] = &["py", "js", "java", "go", "rb", "php", "yaml", "tf"];
const LEVELS: &[&str] = &["error", "warning", "note"];
const TAG_WORDS: &[&str] = &[
    "security",
    "correctness",
    "maintainability",
    "reliability",
    "external/cwe/cwe-079",
    "external/cwe/cwe-116",
    "external/cwe/cwe-089",
    "external/cwe/cwe-022",
    "OWASP-A03:2021 - Injection",
    "OWASP-A01:2021 - Broken Access Control",
    "audit",
    "experimental",
];

struct Rule {
    id: String,
    name: String,
    short: String,
    full: String,
    help: String,
    level: &'static str,
    security_severity: Option<String>,
    cwe: u32,
    tags: Vec<String>,
    precision: &'static str,
}

fn codeql_rule(seed: u64, i: u64) -> Rule {
    let mut rng = Rng::derive(seed, 0xC0DE, i);
    let (id, name, cwe, sev, level) = match CODEQL_RULES.get(i as usize) {
        Some(&(id, name, cwe, sev, level)) => (
            id.to_owned(),
            name.to_owned(),
            cwe,
            (!sev.is_empty()).then(|| sev.to_owned()),
            level,
        ),
        None => {
            let lang = rng.pick(&["js", "py", "java", "go", "cpp", "rb"]);
            let id = format!(
                "{lang}/{}-{i}",
                text::title(&mut rng, Flavour::Json)
                    .split(' ')
                    .take(3)
                    .map(|w| w
                        .to_ascii_lowercase()
                        .replace(|c: char| !c.is_ascii_alphanumeric(), ""))
                    .collect::<Vec<_>>()
                    .join("-")
            );
            let sev = rng
                .chance(0.6)
                .then(|| format!("{}.{}", rng.range(2, 9), rng.range(0, 9)));
            (
                id,
                text::title(&mut rng, Flavour::Json),
                rng.range(20, 1333) as u32,
                sev,
                rng.pick(LEVELS),
            )
        }
    };
    let full = text::prose_between(&mut rng, 120, 400, Flavour::Json);
    let mut help = format!("# {name}\n");
    for _ in 0..rng.range(2, 5) {
        help.push('\n');
        help.push_str(&text::prose_between(&mut rng, 150, 450, Flavour::Json));
        help.push('\n');
    }
    help.push_str("\n## Example\n```\n");
    help.push_str(&text::code_line(&mut rng));
    help.push_str("\n```\n\n## References\n* OWASP: [Injection](https://owasp.org/Top10/A03_2021-Injection/).\n");
    help.push_str(&format!(
        "* Common Weakness Enumeration: [CWE-{cwe}](https://cwe.mitre.org/data/definitions/{cwe}.html).\n"
    ));
    let mut tags = vec!["security".to_owned()];
    if cwe > 0 {
        tags.push(format!("external/cwe/cwe-{cwe:03}"));
    }
    for _ in 0..rng.below(3) {
        tags.push((rng.pick(TAG_WORDS)).to_owned());
    }
    Rule {
        short: name.clone(),
        id,
        name,
        full,
        help,
        level,
        security_severity: sev,
        cwe,
        tags,
        precision: rng.pick(&["very-high", "high", "medium", "low"]),
    }
}

fn semgrep_rule(seed: u64, i: u64) -> Rule {
    let mut rng = Rng::derive(seed, 0x5E3, i);
    let lang = rng.pick(&[
        "python",
        "javascript",
        "java",
        "go",
        "ruby",
        "php",
        "terraform",
    ]);
    let framework = rng.pick(&[
        "django", "flask", "express", "spring", "lang", "gorilla", "rails", "aws",
    ]);
    let category = rng.pick(&[
        "injection",
        "audit",
        "crypto",
        "xss",
        "secrets",
        "ssrf",
        "deserialization",
    ]);
    let leaf = format!(
        "{category}-{}-{i}",
        rng.pick(&[
            "raw-query",
            "tainted-input",
            "weak-hash",
            "open-redirect",
            "unsafe-load"
        ])
    );
    let id = format!("{lang}.{framework}.security.{category}.{leaf}.{leaf}");
    let message = text::prose_between(&mut rng, 60, 220, Flavour::Json);
    let cwe = rng.range(20, 1333) as u32;
    let help = format!(
        "{message}\n\n<b>References:</b>\n - [Semgrep Rule](https://semgrep.dev/r/{id})\n - [https://owasp.org/Top10/A03_2021-Injection](https://owasp.org/Top10/A03_2021-Injection)\n"
    );
    let tags = vec![
        format!("CWE-{cwe}: {}", text::title(&mut rng, Flavour::Json)),
        "OWASP-A03:2021 - Injection".to_owned(),
        (rng.pick(&["HIGH CONFIDENCE", "MEDIUM CONFIDENCE", "LOW CONFIDENCE"])).to_owned(),
        "security".to_owned(),
    ];
    Rule {
        name: id.clone(),
        short: format!("Semgrep Finding: {id}"),
        full: message,
        help,
        level: rng.pick(LEVELS),
        security_severity: rng
            .chance(0.3)
            .then(|| format!("{}.{}", rng.range(1, 9), rng.range(0, 9))),
        cwe,
        tags,
        precision: "very-high",
        id,
    }
}

fn write_rule(j: &mut Json, r: &Rule, codeql: bool) {
    j.obj().kv("id", &r.id).kv("name", &r.name);
    j.text_obj("shortDescription", &r.short);
    j.text_obj("fullDescription", &r.full);
    j.key("defaultConfiguration").obj();
    if codeql {
        j.kn("enabled", true);
    }
    j.kv("level", r.level).end_obj();
    j.key("help")
        .obj()
        .kv("text", &r.help)
        .kv("markdown", &r.help)
        .end_obj();
    if !codeql {
        j.kv("helpUri", &format!("https://semgrep.dev/r/{}", r.id));
    }
    j.key("properties").obj();
    j.str_list("tags", &r.tags);
    if codeql {
        j.kv("description", &r.full)
            .kv("id", &r.id)
            .kv("kind", "path-problem");
        j.kv("name", &r.short).kv("precision", r.precision);
        j.kv("problem.severity", r.level);
    } else {
        j.kv("precision", r.precision);
    }
    if let Some(s) = &r.security_severity {
        j.kv("security-severity", s);
    }
    if r.cwe > 0 && !codeql {
        j.str_list("cwe", &[format!("CWE-{}", r.cwe)]);
    }
    j.end_obj().end_obj();
}

fn physical(j: &mut Json, uri: &str, index: Option<u64>, rng: &mut Rng, snippet: Option<&str>) {
    j.key("physicalLocation").obj();
    j.key("artifactLocation")
        .obj()
        .kv("uri", uri)
        .kv("uriBaseId", "%SRCROOT%");
    if let Some(i) = index {
        j.kn("index", i);
    }
    j.end_obj();
    let line = rng.range(1, 2400);
    let col = rng.range(1, 60);
    j.key("region")
        .obj()
        .kn("startLine", line)
        .kn("startColumn", col);
    if rng.chance(0.3) {
        j.kn("endLine", line + rng.range(0, 6));
    }
    j.kn("endColumn", col + rng.range(1, 70));
    if let Some(s) = snippet {
        j.key("snippet").obj().kv("text", s).end_obj();
    }
    j.end_obj().end_obj();
}

/// Writes a SARIF log into `sink` until `budget` (results or bytes) is spent.
pub fn generate(sink: &mut Sink, seed: u64, budget: Budget) -> io::Result<u64> {
    let mut j = Json::new(Some(2), Escape::Minimal);
    // One result per line: pretty at the top, compact inside (as many SARIF post-processors
    // write it).
    j.max_pretty_depth = 4;
    j.obj();
    j.kv("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    j.kv("version", "2.1.0");
    j.key("runs").arr();
    let mut results = 0u64;
    // CodeQL first (60% of the budget), then Semgrep (the rest).
    for (run, share) in [(0u64, 0.6), (1, 1.0)] {
        let codeql = run == 0;
        let run_budget = budget.share(share);
        let mut rng = Rng::derive(seed, 0x5A21F, run);
        let n_rules: u64 = if codeql { 160 } else { 240 };
        let rules: Vec<Rule> = (0..n_rules)
            .map(|i| {
                if codeql {
                    codeql_rule(seed, i)
                } else {
                    semgrep_rule(seed, i)
                }
            })
            .collect();
        // Files: about one per 25 results, at least 10.
        let expected = run_budget
            .count
            .unwrap_or_else(|| run_budget.bytes.unwrap_or(0) / 650)
            .saturating_sub(results);
        let n_files = (expected / 25).clamp(10, 40_000);
        let exts = if codeql { CODEQL_EXTS } else { SEMGREP_EXTS };
        // Semgrep (Python's json.dumps) escapes every non-ASCII character.
        j.escape = if codeql {
            Escape::Minimal
        } else {
            Escape::Ascii
        };

        j.obj().key("tool").obj().key("driver").obj();
        if codeql {
            j.kv("name", "CodeQL")
                .kv("organization", "GitHub")
                .kv("semanticVersion", "2.19.3");
            j.kv(
                "informationUri",
                "https://github.com/github/codeql-cli-binaries",
            );
        } else {
            j.kv("name", "Semgrep OSS").kv("semanticVersion", "1.95.0");
            j.kv("informationUri", "https://semgrep.dev");
        }
        j.key("rules").arr();
        for r in &rules {
            write_rule(&mut j, r, codeql);
        }
        j.end_arr().end_obj().end_obj();
        j.key("invocations")
            .arr()
            .obj()
            .kn("executionSuccessful", true);
        j.key("toolExecutionNotifications")
            .arr()
            .end_arr()
            .end_obj()
            .end_arr();
        if codeql {
            j.key("artifacts").arr();
            for f in 0..n_files {
                j.obj().key("location").obj();
                j.kv("uri", &text::source_path(seed ^ run, f, exts));
                j.kv("uriBaseId", "%SRCROOT%")
                    .kn("index", f)
                    .end_obj()
                    .end_obj();
            }
            j.end_arr();
        }
        j.key("results").arr();
        while !run_budget.done(results, sink.bytes(&j)) {
            let rule_i = rng.skewed(n_rules);
            let rule = &rules[rule_i as usize];
            let file = rng.skewed(n_files);
            let uri = text::source_path(seed ^ run, file, exts);
            j.obj().kv("ruleId", &rule.id);
            if codeql {
                j.kn("ruleIndex", rule_i);
                j.key("rule")
                    .obj()
                    .kv("id", &rule.id)
                    .kn("index", rule_i)
                    .end_obj();
                let related = if rng.chance(0.3) { rng.range(1, 2) } else { 0 };
                let msg = if related > 0 {
                    format!(
                        "This query depends on a [user-provided value](1). {}",
                        rule.short
                    )
                } else {
                    rule.short.clone()
                };
                j.text_obj("message", &msg);
                j.key("locations").arr().obj();
                physical(&mut j, &uri, Some(file), &mut rng, None);
                j.end_obj().end_arr();
                j.key("partialFingerprints").obj();
                j.kv(
                    "primaryLocationLineHash",
                    &format!("{}:{}", rng.hex(16), rng.range(1, 3)),
                );
                j.kv(
                    "primaryLocationStartColumnFingerprint",
                    &rng.range(0, 40).to_string(),
                );
                j.end_obj();
                if related > 0 {
                    j.key("relatedLocations").arr();
                    for id in 1..=related {
                        let other = rng.skewed(n_files);
                        j.obj().kn("id", id);
                        physical(
                            &mut j,
                            &text::source_path(seed ^ run, other, exts),
                            Some(other),
                            &mut rng,
                            None,
                        );
                        j.text_obj("message", "user-provided value").end_obj();
                    }
                    j.end_arr();
                }
                if rng.chance(0.005) {
                    j.key("suppressions")
                        .arr()
                        .obj()
                        .kv("kind", "inSource")
                        .end_obj()
                        .end_arr();
                }
            } else {
                // Semgrep: the message is the rule's, the snippet is the matched line; some
                // producers add the level on each result.
                if rng.chance(0.5) {
                    j.kv("level", rule.level);
                }
                j.text_obj("message", &rule.full);
                let snippet = text::code_line(&mut rng);
                j.key("locations").arr().obj();
                physical(&mut j, &uri, None, &mut rng, Some(&snippet));
                j.end_obj().end_arr();
                j.key("fingerprints")
                    .obj()
                    .kv("matchBasedId/v1", &rng.hex(128))
                    .end_obj();
                j.key("properties").obj().end_obj();
            }
            j.end_obj();
            results += 1;
            sink.drain(&mut j)?;
        }
        j.end_arr();
        j.kv(
            "columnKind",
            if codeql {
                "utf16CodeUnits"
            } else {
                "unicodeCodePoints"
            },
        );
        if codeql {
            j.key("properties")
                .obj()
                .kv("semmle.formatSpecifier", "sarif-latest")
                .end_obj();
        }
        j.end_obj();
    }
    j.end_arr().end_obj();
    j.buf.push(b'\n');
    sink.finish(&mut j)?;
    Ok(results)
}
