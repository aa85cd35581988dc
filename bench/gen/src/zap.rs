//! OWASP ZAP XML (`traditional-xml` report with requests and responses, ZAP 2.16): sites,
//! alert items per plugin with their instances, each carrying the request and response as
//! ZAP records them. HTML in descriptions and bodies is entity-escaped as ZAP writes it; text
//! is UTF-8 with the occasional character reference.
//!
//! Reference: ZAP's `traditional-xml-plus` report template and the reports in DefectDojo's
//! test data.

use std::io::{self, Write};

use crate::rng::Rng;
use crate::text::{self, Flavour};
use crate::{Budget, Sink};

/// plugin id, alert name, risk code, CWE, WASC.
const PLUGINS: &[(u32, &str, u8, i32, i32)] = &[
    (10202, "Absence of Anti-CSRF Tokens", 1, 352, 9),
    (
        10038,
        "Content Security Policy (CSP) Header Not Set",
        2,
        693,
        15,
    ),
    (10020, "Missing Anti-clickjacking Header", 2, 1021, 15),
    (10021, "X-Content-Type-Options Header Missing", 1, 693, 15),
    (
        10035,
        "Strict-Transport-Security Header Not Set",
        1,
        319,
        15,
    ),
    (
        10036,
        "Server Leaks Version Information via \"Server\" HTTP Response Header Field",
        1,
        497,
        13,
    ),
    (
        10037,
        "Server Leaks Information via \"X-Powered-By\" HTTP Response Header Field(s)",
        1,
        497,
        13,
    ),
    (10054, "Cookie without SameSite Attribute", 1, 1275, 13),
    (10010, "Cookie No HttpOnly Flag", 1, 1004, 13),
    (10011, "Cookie Without Secure Flag", 1, 614, 13),
    (10096, "Timestamp Disclosure - Unix", 0, 497, 13),
    (
        10027,
        "Information Disclosure - Suspicious Comments",
        0,
        615,
        13,
    ),
    (10015, "Re-examine Cache-control Directives", 0, 525, 13),
    (10109, "Modern Web Application", 0, -1, -1),
    (10111, "Authentication Request Identified", 0, -1, -1),
    (40012, "Cross Site Scripting (Reflected)", 3, 79, 8),
    (40014, "Cross Site Scripting (Persistent)", 3, 79, 8),
    (40018, "SQL Injection", 3, 89, 19),
    (40019, "SQL Injection - MySQL", 3, 89, 19),
    (90020, "Remote OS Command Injection", 3, 78, 31),
    (6, "Path Traversal", 3, 22, 33),
    (7, "Remote File Inclusion", 3, 98, 5),
    (40003, "CRLF Injection", 2, 113, 25),
    (10098, "Cross-Domain Misconfiguration", 2, 264, 14),
    (
        10017,
        "Cross-Domain JavaScript Source File Inclusion",
        1,
        829,
        15,
    ),
    (10063, "Permissions Policy Header Not Set", 1, 693, 15),
    (90022, "Application Error Disclosure", 1, 550, 13),
    (10049, "Storable and Cacheable Content", 0, 524, 13),
    (10055, "CSP: Wildcard Directive", 2, 693, 15),
    (90033, "Loosely Scoped Cookie", 0, 565, 15),
];
const RISK: [&str; 4] = ["Informational", "Low", "Medium", "High"];
const CONFIDENCE: [&str; 5] = ["False Positive", "Low", "Medium", "High", "Confirmed"];
const ATTACKS: &[&str] = &[
    "",
    "' OR '1'='1",
    "<scrIpt>alert(1);</scRipt>",
    "../../../../etc/passwd",
    ";cat /etc/passwd;",
    "\"><img src=x onerror=prompt()>",
    "http://www.google.com/",
    "ZAP%0d%0aSet-cookie:Tamper=5b0ed6c6",
];

/// XML text with `&`, `<`, `>`, `"` and `'` escaped; now and then a non-ASCII character as a
/// numeric character reference, as some ZAP versions write them.
fn esc(out: &mut Vec<u8>, s: &str, rng: &mut Rng) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\'' => out.extend_from_slice(b"&apos;"),
            c if !c.is_ascii() && rng.chance(0.2) => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

fn el(out: &mut Vec<u8>, indent: usize, name: &str, value: &str, rng: &mut Rng) {
    out.extend(std::iter::repeat_n(b' ', indent * 4));
    if value.is_empty() {
        let _ = writeln!(out, "<{name}/>");
        return;
    }
    let _ = write!(out, "<{name}>");
    esc(out, value, rng);
    let _ = writeln!(out, "</{name}>");
}

fn open(out: &mut Vec<u8>, indent: usize, tag: &str) {
    out.extend(std::iter::repeat_n(b' ', indent * 4));
    let _ = writeln!(out, "<{tag}>");
}

/// `<p>…</p>` paragraphs, as ZAP's descriptions and solutions are written (before escaping).
fn html_paragraphs(rng: &mut Rng, n: u64, len: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str("<p>");
        s.push_str(&text::prose(rng, len, Flavour::Xml));
        s.push_str("</p>");
    }
    s
}

fn response_body(rng: &mut Rng) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Shop — Übersicht</title>\n",
    );
    s.push_str(
        "<script src=\"https://cdn.example.net/js/app.min.js\"></script>\n</head>\n<body>\n",
    );
    for _ in 0..rng.range(1, 12) {
        s.push_str("<div class=\"item\"><a href=\"/products?id=");
        s.push_str(&rng.range(1, 99_999).to_string());
        s.push_str("&amp;ref=home\">");
        s.push_str(&text::title(rng, Flavour::Xml));
        s.push_str("</a><!-- TODO: remove debug id ");
        s.push_str(&rng.hex(8));
        s.push_str(" --></div>\n");
    }
    s.push_str("<form action=\"/login\" method=\"post\"><input name=\"user\"><input type=\"password\" name=\"pass\"></form>\n</body>\n</html>\n");
    s
}

/// Writes a ZAP XML report into `sink` until `budget` (alert instances or bytes) is spent.
pub fn generate(sink: &mut Sink, seed: u64, budget: Budget) -> io::Result<u64> {
    let mut rng = Rng::derive(seed, 0x2A9, 0);
    let mut out: Vec<u8> = Vec::with_capacity(8 << 20);
    out.extend_from_slice(
        b"<?xml version=\"1.0\"?>\n<!-- generated by scangate-bench-gen: synthetic data -->\n",
    );
    out.extend_from_slice(b"<OWASPZAPReport programName=\"ZAP\" version=\"2.16.1\" generated=\"Sun, 22 Jun 2025 04:04:14\">\n");
    let mut instances = 0u64;
    let mut site = 0u64;
    while !budget.done(instances, sink.bytes_raw(&out)) {
        let host = format!("app{site}.shop.example.com");
        let _ = writeln!(
            out,
            "    <site name=\"https://{host}\" host=\"{host}\" port=\"443\" ssl=\"true\">"
        );
        open(&mut out, 2, "alerts");
        let n_alerts = rng.range(8, PLUGINS.len() as u64);
        let start = rng.below(PLUGINS.len() as u64);
        for k in 0..n_alerts {
            if budget.done(instances, sink.bytes_raw(&out)) {
                break;
            }
            let p = &PLUGINS[((start + k) % PLUGINS.len() as u64) as usize];
            let (id, name, risk, cwe, wasc) = *p;
            // Plugin text is the same on every site: derive it from the plugin id.
            let mut prng = Rng::derive(seed, 0x9106, u64::from(id));
            let paragraphs = prng.range(1, 3);
            let desc = html_paragraphs(&mut prng, paragraphs, 200);
            let solution = html_paragraphs(&mut prng, 4 - paragraphs, 150);
            let confidence = rng.range(1, 3) as usize;
            open(&mut out, 3, "alertitem");
            el(&mut out, 4, "pluginid", &id.to_string(), &mut rng);
            let alert_ref = if rng.chance(0.2) {
                format!("{id}-{}", rng.range(1, 5))
            } else {
                id.to_string()
            };
            el(&mut out, 4, "alertRef", &alert_ref, &mut rng);
            el(&mut out, 4, "alert", name, &mut rng);
            el(&mut out, 4, "name", name, &mut rng);
            el(&mut out, 4, "riskcode", &risk.to_string(), &mut rng);
            el(&mut out, 4, "confidence", &confidence.to_string(), &mut rng);
            el(
                &mut out,
                4,
                "riskdesc",
                &format!("{} ({})", RISK[risk as usize], CONFIDENCE[confidence]),
                &mut rng,
            );
            el(
                &mut out,
                4,
                "confidencedesc",
                CONFIDENCE[confidence],
                &mut rng,
            );
            el(&mut out, 4, "desc", &desc, &mut rng);
            open(&mut out, 4, "instances");
            let listed = 1 + rng.skewed(40);
            for _ in 0..listed {
                let method = if rng.chance(0.7) { "GET" } else { "POST" };
                let path = format!(
                    "/{}/{}",
                    text::source_path(seed, rng.below(500), &["php", "html", "json"])
                        .replace('/', "-"),
                    rng.hex(6)
                );
                let uri = format!(
                    "https://{host}{path}?id={}&q=caf%C3%A9&lang=de",
                    rng.range(1, 9999)
                );
                let attack = rng.pick(ATTACKS);
                open(&mut out, 5, "instance");
                el(&mut out, 6, "uri", &uri, &mut rng);
                el(&mut out, 6, "method", method, &mut rng);
                el(
                    &mut out,
                    6,
                    "param",
                    if attack.is_empty() { "" } else { "id" },
                    &mut rng,
                );
                el(&mut out, 6, "attack", attack, &mut rng);
                el(
                    &mut out,
                    6,
                    "evidence",
                    &text::code_line(&mut rng),
                    &mut rng,
                );
                let other_len = rng.range(0, 160) as usize;
                el(
                    &mut out,
                    6,
                    "otherinfo",
                    &text::prose(&mut rng, other_len, Flavour::Xml),
                    &mut rng,
                );
                let req = format!(
                    "{method} {uri} HTTP/1.1\nhost: {host}\nuser-agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\npragma: no-cache\ncache-control: no-cache\ncookie: session={}\n\n",
                    rng.hex(32)
                );
                el(&mut out, 6, "requestheader", &req, &mut rng);
                let body = if method == "POST" {
                    format!("user=admin&pass={attack}&csrf={}", rng.hex(16))
                } else {
                    String::new()
                };
                el(&mut out, 6, "requestbody", &body, &mut rng);
                let resp = format!(
                    "HTTP/1.1 200 OK\nDate: Sun, 22 Jun 2025 04:0{}:14 GMT\nContent-Type: text/html; charset=UTF-8\nServer: nginx/1.25.3\nX-Powered-By: PHP/8.2.12\nSet-Cookie: PHPSESSID={}; path=/\n\n",
                    rng.below(10),
                    rng.hex(26)
                );
                el(&mut out, 6, "responseheader", &resp, &mut rng);
                el(
                    &mut out,
                    6,
                    "responsebody",
                    &response_body(&mut rng),
                    &mut rng,
                );
                open(&mut out, 5, "/instance");
                instances += 1;
            }
            open(&mut out, 4, "/instances");
            let count = listed
                + if rng.chance(0.1) {
                    rng.range(1, 200)
                } else {
                    0
                };
            el(&mut out, 4, "count", &count.to_string(), &mut rng);
            el(&mut out, 4, "solution", &solution, &mut rng);
            el(
                &mut out,
                4,
                "otherinfo",
                &text::prose(&mut prng, 80, Flavour::Xml),
                &mut rng,
            );
            el(
                &mut out,
                4,
                "reference",
                &format!(
                    "<p>https://owasp.org/www-community/attacks/{}</p><p>https://cwe.mitre.org/data/definitions/{cwe}.html</p>",
                    name.replace(' ', "_")
                ),
                &mut rng,
            );
            el(&mut out, 4, "cweid", &cwe.to_string(), &mut rng);
            el(&mut out, 4, "wascid", &wasc.to_string(), &mut rng);
            el(
                &mut out,
                4,
                "sourceid",
                &rng.range(1, 40).to_string(),
                &mut rng,
            );
            open(&mut out, 3, "/alertitem");
            sink.drain_raw(&mut out)?;
        }
        open(&mut out, 2, "/alerts");
        out.extend_from_slice(b"    </site>\n");
        site += 1;
    }
    out.extend_from_slice(b"</OWASPZAPReport>\n");
    sink.finish_raw(&mut out)?;
    Ok(instances)
}
