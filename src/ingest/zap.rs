//! OWASP ZAP reports: the XML report (`<OWASPZAPReport>`, "traditional-xml" and its `-plus`
//! variant, every layout back to the 1.x/2.x one with `<uri>` directly in `<alertitem>`) and the
//! JSON report ("traditional-json", `@version` / `site[]`), normalised into [`Finding`]s.
//!
//! One finding per `alertitem` per `site`; the alert's instances are its locations and ZAP's own
//! `count` is kept (ZAP caps the instances it lists). Report templates:
//! <https://github.com/zaproxy/zap-extensions/tree/main/addOns/reports/src/main/zapHomeFiles/reports>.
//!
//! The XML side is a hand-written quick-xml event loop over the input slice (no serde layer,
//! no DOM): only the text of fields we keep is decoded. It is hardened for hostile input:
//! entities are never expanded (a DOCTYPE declaring entities is refused outright, only the five
//! predefined entities and character references are decoded, anything else is an error),
//! nesting depth is bounded, and truncation, stray content after the root and mismatched tags
//! are errors with line/column.
//!
//! Text decisions (documented in the tests):
//! - ZAP wraps `desc`, `solution` and `otherinfo` in `<p>`…`</p>` and turns each newline into
//!   `</p><p>` (`legacyEscapeParagraph`). We undo exactly that: strip the outer wrapper and turn
//!   paragraph breaks back into `\n`. Any other HTML in the text is kept verbatim as text.
//! - `reference` is split into one reference per `<p>` paragraph or line; URLs that older
//!   reports glued together (`…/CSP2/http://…`) are split at each `http://` / `https://` that
//!   follows a non-separator character.
//! - Identity fields (`uri`, `method`, `param`, ids, numbers) and texts are trimmed; `attack`
//!   and `evidence` are kept verbatim (leading/trailing blanks can be part of a payload).
//! - Title: `alert`, else `name` (ZAP writes the same value to both; hand-edited reports in the
//!   wild put a prefixed variant in `alert`, which is what ZAP's own HTML report shows).
//! - XML: when a single-valued element appears twice, the first one wins. JSON: duplicate keys
//!   follow the usual JSON reading (the last one wins). Except for what decides an alert's
//!   existence, severity, suppression or rule id (`pluginid`, `alertRef`, `riskcode`,
//!   `confidence`, `reliability`; in JSON also `site`, `alerts`, `instances`): repeated in one
//!   alert (object), they make the report invalid, with the position of the repeat.
//! - Alert-level `otherinfo` is the otherinfo of the first instance (ZAP copies it up); it fills
//!   the first instance's `other_info` when that instance has none.
//! - HTTP request/response headers and bodies (`-plus` reports) are not kept: the model has no
//!   place for them and they carry credentials (cookies, `Authorization`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json::{self, lenient_string};
use super::{Format, IngestError, ParseContext, ParsedReport, ReportStats};
use crate::model::{
    Confidence, Extra, Finding, FindingKind, Fingerprint, Fix, Location, Scanner, Severity,
    SeveritySource, Text, ToolSuppression, WebInstance, WebLocation, parse_cwe,
};

/// Deepest element nesting accepted. Real reports nest 7 levels; the bound only exists so a
/// hostile file cannot make the context stack grow without limit.
const MAX_DEPTH: usize = 256;

const SEVERITY_FIELD: &str = "zap riskcode";

pub fn parse(bytes: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    // `ingest::parse_bytes` strips a BOM already; direct callers may not have.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => parse_xml(bytes, ctx),
        Some(b'{') | Some(b'[') => parse_json(bytes, ctx),
        Some(_) => Err(IngestError::WrongFormat {
            expected: Format::Zap,
            reason: "the file is neither XML nor JSON; scangate reads ZAP's XML report \
                     (`-x report.xml`) or JSON report (`-J report.json`)"
                .into(),
        }),
        None => Err(IngestError::Blank),
    }
}

// ---------------------------------------------------------------------------------------------
// Shared normalisation (XML and JSON both produce `RawAlert`s).
// ---------------------------------------------------------------------------------------------

/// A `<site>` / `site[]` entry.
#[derive(Debug, Default)]
struct SiteInfo {
    name: Option<String>,
    host: Option<String>,
    port: Option<String>,
    ssl: Option<String>,
}

/// Site as resolved once per site: what findings show and what fingerprints use.
struct ResolvedSite {
    /// `@name` as ZAP wrote it (else the origin).
    display: String,
    /// `scheme://host:port`, lower-cased.
    origin: String,
}

impl SiteInfo {
    fn resolve(&self) -> ResolvedSite {
        let origin = site_origin(
            self.name.as_deref(),
            self.host.as_deref(),
            self.port.as_deref(),
            self.ssl.as_deref(),
        );
        let display = match self.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => origin.clone(),
        };
        ResolvedSite { display, origin }
    }
}

/// A field's text as read: borrowed from the input when it was one plain text run (no copy
/// for fields that are only looked at, like `riskcode` or `desc` before interning).
type Raw<'a> = Option<Cow<'a, str>>;

/// One alert as read from either format, fields still raw (but entity-decoded).
#[derive(Debug, Default)]
struct RawAlert<'a> {
    pluginid: Raw<'a>,
    alert_ref: Raw<'a>,
    alert: Raw<'a>,
    name: Raw<'a>,
    riskcode: Raw<'a>,
    confidence: Raw<'a>,
    /// ZAP 1.x name of `confidence` (same 0-4 scale start).
    reliability: Raw<'a>,
    desc: Raw<'a>,
    count: Raw<'a>,
    solution: Raw<'a>,
    otherinfo: Raw<'a>,
    reference: Raw<'a>,
    cweid: Raw<'a>,
    wascid: Raw<'a>,
    /// Old layout: the one instance written directly into the alertitem.
    direct: RawInstance<'a>,
    /// Whether an `<instances>` element / `instances` key was present.
    has_instances: bool,
    instances: Vec<WebInstance>,
    /// Newer reports: `<tags><tag><tag>OWASP_2021_A01</tag>…`.
    tags: Vec<String>,
}

#[derive(Debug, Default)]
struct RawInstance<'a> {
    uri: Raw<'a>,
    method: Raw<'a>,
    param: Raw<'a>,
    attack: Raw<'a>,
    evidence: Raw<'a>,
    otherinfo: Raw<'a>,
}

impl RawInstance<'_> {
    /// No location field with content (empty elements like `<param/>` do not count).
    fn is_empty(&self) -> bool {
        [
            &self.uri,
            &self.method,
            &self.param,
            &self.attack,
            &self.evidence,
        ]
        .into_iter()
        .all(|f| f.as_deref().is_none_or(|v| v.trim().is_empty()))
    }

    fn into_instance(self) -> WebInstance {
        WebInstance {
            uri: trimmed(self.uri).unwrap_or_default(),
            method: trimmed(self.method),
            param: trimmed(self.param),
            attack: verbatim(self.attack),
            evidence: verbatim(self.evidence),
            other_info: self.otherinfo.map(unwrap_cow).filter(|s| !s.is_empty()),
        }
    }
}

/// Counters behind the report notes.
#[derive(Debug, Default)]
struct Tally {
    capped: u64,
    old_layout: u64,
    both_layouts: u64,
    nonstandard_risk: u64,
    false_positive: u64,
    bad_count: u64,
    no_pluginid: u64,
    orphan_otherinfo: u64,
    http_data: u64,
}

/// FNV-style hash over 8-byte words: interning hashes long descriptions, where SipHash showed
/// up in profiles.
#[derive(Default)]
struct TextHasher(u64);

impl Hasher for TextHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0 ^ 0xcbf2_9ce4_8422_2325;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h ^ u64::from_le_bytes(w))
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(29);
        }
        for &b in chunks.remainder() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Turns raw alerts into findings; owns the text interner so repeated descriptions share one
/// allocation.
struct Normaliser<'c> {
    ctx: &'c ParseContext,
    scanner: Arc<Scanner>,
    /// Interned rule texts, keyed by themselves (a cheap hash: the keys are this report's
    /// rule texts and the table lives for one parse).
    texts: HashMap<Text, Text, BuildHasherDefault<TextHasher>>,
    findings: Vec<Box<Finding>>,
    tally: Tally,
}

impl<'c> Normaliser<'c> {
    fn new(ctx: &'c ParseContext) -> Self {
        Normaliser {
            ctx,
            scanner: Arc::new(Scanner {
                name: "ZAP".into(),
                version: None,
            }),
            texts: HashMap::default(),
            findings: Vec::new(),
            tally: Tally::default(),
        }
    }

    fn set_scanner(&mut self, program: Option<&str>, version: Option<&str>) {
        let scanner = Arc::make_mut(&mut self.scanner);
        if let Some(p) = program.map(str::trim).filter(|p| !p.is_empty()) {
            scanner.name = p.into();
        }
        scanner.version = version
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(Text::from);
    }

    fn intern(&mut self, s: &str) -> Text {
        if let Some(t) = self.texts.get(s) {
            return t.clone();
        }
        let t: Text = Text::from(s);
        self.texts.insert(t.clone(), t.clone());
        t
    }

    fn push(&mut self, site: &ResolvedSite, mut raw: RawAlert<'_>) {
        let pluginid = trimmed(raw.pluginid.take());
        let alert_ref = trimmed(raw.alert_ref.take());
        let title = trimmed(raw.alert.take()).or_else(|| trimmed(raw.name.take()));
        if pluginid.is_none() {
            self.tally.no_pluginid += 1;
        }
        let rule_id = pluginid
            .clone()
            .or_else(|| alert_ref.clone())
            .unwrap_or_default();
        let title = title.unwrap_or_else(|| format!("ZAP alert {rule_id}").trim().to_owned());
        // alertRef equals pluginid unless the rule raises several alert variants (`10020-1`);
        // ZAP < 2.10 did not write it at all. Only a distinct alertRef is identity, so a
        // baseline survives a ZAP upgrade.
        let distinct_ref = alert_ref.filter(|r| Some(r) != pluginid.as_ref());

        // Severity: riskcode 0-3; anything else is Unknown, never Info.
        let risk_raw = raw.riskcode.as_deref().map(str::trim).unwrap_or("");
        let severity = match risk_raw.parse::<i64>() {
            Ok(0) => Severity::Info,
            Ok(1) => Severity::Low,
            Ok(2) => Severity::Medium,
            Ok(3) => Severity::High,
            _ => {
                self.tally.nonstandard_risk += 1;
                Severity::Unknown
            }
        };
        let severity_source = SeveritySource::new(SEVERITY_FIELD, risk_raw);

        let confidence = raw
            .confidence
            .as_deref()
            .or(raw.reliability.as_deref())
            .and_then(|c| match c.trim().parse::<i64>() {
                Ok(0) => Some(Confidence::FalsePositive),
                Ok(1) => Some(Confidence::Low),
                Ok(2) => Some(Confidence::Medium),
                Ok(3) => Some(Confidence::High),
                Ok(4) => Some(Confidence::Confirmed),
                _ => None,
            });
        let suppression = (confidence == Some(Confidence::FalsePositive)).then(|| {
            self.tally.false_positive += 1;
            Box::new(ToolSuppression {
                kind: "zap confidence 0 (false positive)".into(),
                justification: None,
            })
        });

        // Instances: the `<instances>` list, else the old layout's direct fields.
        let mut instances = std::mem::take(&mut raw.instances);
        let direct = std::mem::take(&mut raw.direct);
        if raw.has_instances {
            if !direct.is_empty() {
                self.tally.both_layouts += 1;
            }
        } else if !direct.is_empty() {
            self.tally.old_layout += 1;
            let mut inst = direct;
            if inst.otherinfo.is_none() {
                inst.otherinfo = raw.otherinfo.take();
            }
            instances.push(inst.into_instance());
        }
        if let Some(other) = raw.otherinfo.take() {
            let other = unwrap_cow(other);
            if !other.is_empty() {
                match instances.first_mut() {
                    Some(first) if first.other_info.is_none() => first.other_info = Some(other),
                    Some(_) => {}
                    None => self.tally.orphan_otherinfo += 1,
                }
            }
        }
        let count = match raw.count.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => match c.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    self.tally.bad_count += 1;
                    None
                }
            },
        };
        if count.is_some_and(|c| c > instances.len() as u64) {
            self.tally.capped += 1;
        }

        let description = raw
            .desc
            .as_deref()
            .map(unwrap_paragraphs)
            .filter(|s| !s.is_empty())
            .map(|s| self.intern(&s));
        let solution = raw
            .solution
            .as_deref()
            .map(unwrap_paragraphs)
            .filter(|s| !s.is_empty())
            .map(|s| self.intern(&s));
        let references = raw
            .reference
            .as_deref()
            .map(split_references)
            .unwrap_or_default();
        let cwes: Vec<u32> = raw
            .cweid
            .as_deref()
            .and_then(parse_cwe)
            .into_iter()
            .collect();
        let mut tags = Vec::new();
        if let Some(w) = raw
            .wascid
            .as_deref()
            .and_then(|w| w.trim().parse::<i64>().ok())
            .filter(|w| *w > 0)
        {
            tags.push(format!("wasc-{w}"));
        }
        for t in std::mem::take(&mut raw.tags) {
            if !t.is_empty() && !tags.contains(&t) {
                tags.push(t);
            }
        }

        let mut fp = Fingerprint::builder("web")
            .field(&rule_id)
            .opt(distinct_ref.as_deref())
            .field(&site.origin);
        if pluginid.is_none() {
            // Without a plugin id every alert of a site would share one identity.
            fp = fp.text(&title);
        }

        let finding = Finding {
            fingerprint: fp.finish(),
            scanner: self.scanner.clone(),
            kind: FindingKind::Web,
            rule_id: rule_id.into(),
            vuln_ids: Box::default(),
            title: title.into(),
            description,
            severity,
            severity_source,
            confidence,
            location: Location {
                target: Some(site.display.as_str().into()),
                web: Some(Box::new(WebLocation {
                    site: site.display.clone(),
                    instances,
                    count,
                })),
                ..Default::default()
            },
            fix: solution.map(|s| Fix {
                fixed_version: None,
                solution: Some(s),
            }),
            references: references.into(),
            cwes: crate::model::cwe_list(cwes),
            suppression,
            extra: Extra {
                tags: tags.into(),
                rule_name: distinct_ref.map(Text::from),
                ..Default::default()
            },
            input: self.ctx.input.clone(),
        };
        self.findings.push(Box::new(finding));
    }

    fn finish(self, mut notes: Vec<String>) -> ParsedReport {
        let t = &self.tally;
        let mut note = |n: u64, text: &str| {
            if n > 0 {
                notes.push(format!("{n} alert(s) {text}"));
            }
        };
        note(t.capped, "list fewer instances than their count");
        note(
            t.old_layout,
            "use the old layout (URI directly in the alertitem, no <instances>)",
        );
        note(
            t.both_layouts,
            "carry both a direct URI and <instances>; the instances were used",
        );
        note(
            t.nonstandard_risk,
            "have a missing or non-standard riskcode (severity unknown)",
        );
        note(
            t.false_positive,
            "are marked false positive by ZAP (confidence 0); kept as suppressed by the tool",
        );
        note(t.bad_count, "have a non-numeric count (ignored)");
        note(t.no_pluginid, "have no pluginid");
        note(
            t.orphan_otherinfo,
            "have alert-level otherinfo but no instance to attach it to (dropped)",
        );
        if t.http_data > 0 {
            notes.push(format!(
                "{} instance(s) carry HTTP request/response data, which is not kept",
                t.http_data
            ));
        }
        ParsedReport {
            scanners: vec![Arc::unwrap_or_clone(self.scanner)],
            findings: self.findings,
            stats: ReportStats {
                notes,
                ..Default::default()
            },
        }
    }
}

/// Note describing the report and its version (weekly/dev builds are named as such).
fn version_note(version: Option<&str>, kind: &str) -> String {
    match version.map(str::trim).filter(|v| !v.is_empty()) {
        None => format!("ZAP {kind} report without a version"),
        Some(v) if v.starts_with("D-") => format!("ZAP {kind} report, weekly build {v}"),
        Some(v) if !v.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("ZAP {kind} report, non-release version `{v}` (development build?)")
        }
        Some(v) => format!("ZAP {v} {kind} report"),
    }
}

fn trimmed(s: Raw<'_>) -> Option<String> {
    let s = s?;
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s.into_owned())
    } else {
        Some(t.to_owned())
    }
}

fn verbatim(s: Raw<'_>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(Cow::into_owned)
}

/// Undoes ZAP's `legacyEscapeParagraph`: `<p>a</p><p>b</p>` → `a\nb`. Text that is not wrapped
/// in `<p>`…`</p>` is only trimmed. Other markup stays as literal text.
fn unwrap_paragraphs(s: &str) -> Cow<'_, str> {
    let t = s.trim();
    let Some(inner) = t.strip_prefix("<p>").and_then(|x| x.strip_suffix("</p>")) else {
        return Cow::Borrowed(t);
    };
    let Some(first) = find_tag(inner, "</p>") else {
        return Cow::Borrowed(inner.trim());
    };
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    let mut at = Some(first);
    while let Some(i) = at {
        let after = &rest[i + 4..];
        match after.trim_start().strip_prefix("<p>") {
            Some(next) => {
                out.push_str(&rest[..i]);
                out.push('\n');
                rest = next;
            }
            None => {
                out.push_str(&rest[..i + 4]);
                rest = after;
            }
        }
        at = find_tag(rest, "</p>");
    }
    out.push_str(rest);
    match out.trim() {
        t if t.len() == out.len() => Cow::Owned(out),
        t => Cow::Owned(t.to_owned()),
    }
}

/// [`unwrap_paragraphs`] to an owned string, reusing the allocation when nothing changes.
fn unwrap_cow(s: Cow<'_, str>) -> String {
    let r = unwrap_paragraphs(&s);
    let unchanged = matches!(&r, Cow::Borrowed(b) if b.len() == s.len());
    if unchanged {
        return s.into_owned();
    }
    r.into_owned()
}

/// Byte offset of `tag` (which starts with `<`) in `s`. Looking for the `<` first is much
/// faster than a general substring search on long texts with few tags.
fn find_tag(s: &str, tag: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find('<') {
        let at = from + i;
        if s.as_bytes()[at..].starts_with(tag.as_bytes()) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `<p>url</p><p>url</p>` (or one URL per line, or URLs glued together) → one entry per URL.
fn split_references(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pieces = Vec::new();
    for line in raw.split(['\n', '\r']) {
        // Split at `<p>` and `</p>`.
        let mut rest = line;
        loop {
            let cut = match (find_tag(rest, "<p>"), find_tag(rest, "</p>")) {
                (Some(a), Some(b)) if b < a => (b, 4),
                (Some(a), _) => (a, 3),
                (None, Some(b)) => (b, 4),
                (None, None) => break,
            };
            pieces.push(&rest[..cut.0]);
            rest = &rest[cut.0 + cut.1..];
        }
        pieces.push(rest);
    }
    for piece in pieces {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        for url in split_glued_urls(piece) {
            let url = url.trim();
            if !url.is_empty() && !out.iter().any(|u| u == url) {
                out.push(url.to_owned());
            }
        }
    }
    out
}

/// Splits `http://a/http://b` at each scheme that directly follows a character a URL would
/// not put before an embedded URL (`=`, `?`, `&`, `(`, quotes, whitespace… keep it whole).
fn split_glued_urls(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let mut cuts = Vec::new();
    let mut i = 1;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"http://") || rest.starts_with(b"https://") {
            let prev = bytes[i - 1];
            if !prev.is_ascii_whitespace()
                && !matches!(
                    prev,
                    b'=' | b'?' | b'&' | b'#' | b'(' | b'%' | b':' | b'"' | b'\'' | b'<' | b'['
                )
            {
                cuts.push(i);
            }
        }
        i += 1;
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for c in cuts {
        out.push(&s[start..c]);
        start = c;
    }
    out.push(&s[start..]);
    out
}

/// `scheme://host:port`, lower-cased, from the site name; falls back to host/port/ssl.
fn site_origin(
    name: Option<&str>,
    host: Option<&str>,
    port: Option<&str>,
    ssl: Option<&str>,
) -> String {
    fn nonempty(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    if let Some((scheme, rest)) = nonempty(name).and_then(|n| n.split_once("://")) {
        let scheme = scheme.to_ascii_lowercase();
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (h, p) = split_host_port(authority);
        let port = p
            .map(str::to_owned)
            .or_else(|| nonempty(port).map(str::to_owned))
            .or_else(|| default_port(&scheme).map(str::to_owned));
        return match port {
            Some(p) => format!("{scheme}://{}:{p}", h.to_ascii_lowercase()),
            None => format!("{scheme}://{}", h.to_ascii_lowercase()),
        };
    }
    if let Some(h) = nonempty(host) {
        let scheme = if nonempty(ssl).is_some_and(|s| s.eq_ignore_ascii_case("true")) {
            "https"
        } else {
            "http"
        };
        let port = nonempty(port)
            .or_else(|| default_port(scheme))
            .unwrap_or("");
        return format!("{scheme}://{}:{port}", h.to_ascii_lowercase());
    }
    nonempty(name).unwrap_or("").to_ascii_lowercase()
}

fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        // IPv6 literal: `[::1]:8080`.
        return match authority.find(']') {
            Some(end) => {
                let port = authority[end + 1..]
                    .strip_prefix(':')
                    .filter(|p| !p.is_empty());
                (&authority[..=end], port)
            }
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        Some((h, "")) => (h, None),
        _ => (authority, None),
    }
}

fn default_port(scheme: &str) -> Option<&'static str> {
    match scheme {
        "http" | "ws" => Some("80"),
        "https" | "wss" => Some("443"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

/// Where in the report an open element is. Elements we do not read are `Skip` (as is anything
/// below them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Root,
    Site,
    Alerts,
    Item,
    ItemField(ItemField),
    Instances,
    Instance,
    InstField(InstField),
    Tags,
    Tag,
    TagName,
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemField {
    PluginId,
    AlertRef,
    Alert,
    Name,
    RiskCode,
    Confidence,
    Reliability,
    Desc,
    Count,
    Solution,
    OtherInfo,
    Reference,
    CweId,
    WascId,
    Uri,
    Method,
    Param,
    Attack,
    Evidence,
}

impl ItemField {
    /// The element name of a field that decides the alert's severity, suppression or rule id:
    /// such an element may appear only once per alert (the others keep their first copy).
    fn deciding_element(self) -> Option<&'static str> {
        match self {
            ItemField::PluginId => Some("pluginid"),
            ItemField::AlertRef => Some("alertRef"),
            ItemField::RiskCode => Some("riskcode"),
            ItemField::Confidence => Some("confidence"),
            ItemField::Reliability => Some("reliability"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InstField {
    Uri,
    Method,
    Param,
    Attack,
    Evidence,
    OtherInfo,
}

fn child_of(parent: Node, name: &str) -> Node {
    match parent {
        Node::Root if name == "site" => Node::Site,
        Node::Site if name == "alerts" => Node::Alerts,
        Node::Alerts if name == "alertitem" => Node::Item,
        Node::Item => match name {
            "pluginid" => Node::ItemField(ItemField::PluginId),
            "alertRef" => Node::ItemField(ItemField::AlertRef),
            "alert" => Node::ItemField(ItemField::Alert),
            "name" => Node::ItemField(ItemField::Name),
            "riskcode" => Node::ItemField(ItemField::RiskCode),
            "confidence" => Node::ItemField(ItemField::Confidence),
            "reliability" => Node::ItemField(ItemField::Reliability),
            "desc" => Node::ItemField(ItemField::Desc),
            "count" => Node::ItemField(ItemField::Count),
            "solution" => Node::ItemField(ItemField::Solution),
            "otherinfo" => Node::ItemField(ItemField::OtherInfo),
            "reference" => Node::ItemField(ItemField::Reference),
            "cweid" => Node::ItemField(ItemField::CweId),
            "wascid" => Node::ItemField(ItemField::WascId),
            "uri" => Node::ItemField(ItemField::Uri),
            "method" => Node::ItemField(ItemField::Method),
            "param" => Node::ItemField(ItemField::Param),
            "attack" => Node::ItemField(ItemField::Attack),
            "evidence" => Node::ItemField(ItemField::Evidence),
            "instances" => Node::Instances,
            "tags" => Node::Tags,
            _ => Node::Skip,
        },
        Node::Instances if name == "instance" => Node::Instance,
        Node::Instance => match name {
            "uri" => Node::InstField(InstField::Uri),
            "method" => Node::InstField(InstField::Method),
            "param" => Node::InstField(InstField::Param),
            "attack" => Node::InstField(InstField::Attack),
            "evidence" => Node::InstField(InstField::Evidence),
            "otherinfo" => Node::InstField(InstField::OtherInfo),
            _ => Node::Skip,
        },
        Node::Tags if name == "tag" => Node::Tag,
        Node::Tag if name == "tag" => Node::TagName,
        _ => Node::Skip,
    }
}

/// Stores a field's text; the first occurrence wins. Trimming happens before the copy, so a
/// pretty-printed field costs one allocation like any other.
fn set_once<'a>(slot: &mut Raw<'a>, text: Cow<'a, str>) {
    if slot.is_none() {
        *slot = Some(text);
    }
}

/// `haystack.contains(&needle)`, written so the compiler vectorises it: a whole-input scan
/// that costs a fraction of the parse.
fn contains_byte(haystack: &[u8], needle: u8) -> bool {
    let mut chunks = haystack.chunks_exact(64);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |acc, b| acc | (*b == needle)) {
            return true;
        }
    }
    chunks.remainder().contains(&needle)
}

/// Appends `piece` with XML end-of-line handling: `\r\n` and a lone `\r` read as `\n`.
fn push_normalised(out: &mut String, piece: &str) {
    let mut rest = piece;
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('\n') {
            rest = after;
        }
    }
    out.push_str(rest);
}

/// The captured text of the field that just closed, trimmed if asked: borrowed from the input
/// when it was one text run, else copied out of the scratch buffer.
fn captured<'a>(capture: Capture<'a>, scratch: &str, has_cr: bool, trim: bool) -> Cow<'a, str> {
    match capture {
        Capture::Empty => Cow::Borrowed(""),
        Capture::One(s) if has_cr && s.contains('\r') => {
            let mut out = String::with_capacity(s.len());
            push_normalised(&mut out, s);
            Cow::Owned(if trim { out.trim().to_owned() } else { out })
        }
        Capture::One(s) => Cow::Borrowed(if trim { s.trim() } else { s }),
        Capture::Scratch => Cow::Owned(if trim { scratch.trim() } else { scratch }.to_owned()),
    }
}

/// Text of the field element being read. Most fields are one text event: that slice is kept
/// borrowed from the input; text split by references or CDATA is assembled in a scratch
/// buffer reused for the whole document.
#[derive(Debug, Clone, Copy)]
enum Capture<'a> {
    Empty,
    One(&'a str),
    Scratch,
}

/// Resolves `&name;` (without `&`/`;`): the five predefined entities and character
/// references. Everything else is refused: entities are never expanded.
fn resolve_reference(name: &str) -> Result<char, String> {
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => {
            if let Some(num) = name.strip_prefix('#') {
                let code = match num.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => num.parse::<u32>(),
                };
                match code.ok().and_then(char::from_u32) {
                    Some(c) if c != '\0' => Ok(c),
                    _ => Err(format!("invalid character reference `&{name};`")),
                }
            } else {
                Err(format!(
                    "unknown entity `&{}`; scangate decodes only the predefined XML entities \
                     and character references (entities are never expanded)",
                    crate::text::truncate(&format!("{name};"), 60)
                ))
            }
        }
    }
}

/// The input as UTF-8 bytes: as is for UTF-8 (quick-xml validates every event, so there is no
/// separate validation pass), transcoded for an ISO-8859-1 / windows-1252 declaration.
fn decode_input(bytes: &[u8]) -> Result<Cow<'_, [u8]>, IngestError> {
    let declared = declared_encoding(bytes);
    let lower = declared.map(str::to_ascii_lowercase);
    let transcode = |f: fn(u8) -> char| -> Cow<'_, [u8]> {
        Cow::Owned(bytes.iter().map(|&b| f(b)).collect::<String>().into_bytes())
    };
    match lower.as_deref() {
        None | Some("utf-8" | "utf8" | "us-ascii" | "ascii") => Ok(Cow::Borrowed(bytes)),
        Some("iso-8859-1" | "latin1" | "latin-1" | "iso8859-1" | "l1") => Ok(transcode(char::from)),
        Some("windows-1252" | "cp1252") => Ok(transcode(cp1252)),
        Some(_) => Err(IngestError::xml_at(
            bytes,
            0,
            format!(
                "unsupported XML encoding `{}`; convert the report to UTF-8",
                crate::text::truncate(declared.unwrap_or_default(), 40)
            ),
        )),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The `encoding` pseudo-attribute of the XML declaration, if the declaration is found near
/// the start (possibly after a comment).
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(4096)];
    let start = head
        .windows(6)
        .position(|w| w.starts_with(b"<?xml") && w[5].is_ascii_whitespace())?;
    let end = start + head[start..].windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[start..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + 8..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    Some(rest[..rest.find(quote)?].trim())
}

fn parse_xml(bytes: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let input = decode_input(bytes)?;
    XmlParser::new(&input, ctx).run()
}

struct XmlParser<'a, 'c> {
    src: &'a [u8],
    reader: Reader<&'a [u8]>,
    stack: Vec<Node>,
    capture: Capture<'a>,
    scratch: String,
    /// Whether the input has a `\r` at all; when not (the usual case), captured text needs no
    /// end-of-line handling.
    has_cr: bool,
    root_seen: bool,
    root_closed: bool,
    decl_seen: bool,
    comment_before_decl: bool,
    seen_anything: bool,
    site: SiteInfo,
    resolved: Option<ResolvedSite>,
    alert: RawAlert<'a>,
    instance: RawInstance<'a>,
    instance_has_http: bool,
    version: Option<String>,
    norm: Normaliser<'c>,
}

impl<'a, 'c> XmlParser<'a, 'c> {
    fn new(src: &'a [u8], ctx: &'c ParseContext) -> Self {
        let mut reader = Reader::from_reader(src);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
        XmlParser {
            src,
            reader,
            stack: Vec::with_capacity(16),
            capture: Capture::Empty,
            scratch: String::new(),
            has_cr: contains_byte(src, b'\r'),
            root_seen: false,
            root_closed: false,
            decl_seen: false,
            comment_before_decl: false,
            seen_anything: false,
            site: SiteInfo::default(),
            resolved: None,
            alert: RawAlert::default(),
            instance: RawInstance::default(),
            instance_has_http: false,
            version: None,
            norm: Normaliser::new(ctx),
        }
    }

    fn err(&self, offset: u64, message: impl Into<String>) -> IngestError {
        IngestError::xml_at(self.src, offset, message)
    }

    fn run(mut self) -> Result<ParsedReport, IngestError> {
        loop {
            let start = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(quick_xml::Error::Encoding(_)) => {
                    // Point at the first invalid byte, not just the event holding it.
                    let from = usize::try_from(self.reader.error_position()).unwrap_or(0);
                    let rest = self.src.get(from..).unwrap_or_default();
                    let at = std::str::from_utf8(rest)
                        .err()
                        .map_or(0, |e| e.valid_up_to());
                    return Err(self.err(
                        (from + at) as u64,
                        "the file is not valid UTF-8 (and declares no other encoding)",
                    ));
                }
                Err(e) => {
                    let pos = self.reader.error_position();
                    let mut msg = e.to_string();
                    if matches!(e, quick_xml::Error::Syntax(_)) && msg.contains("end of input") {
                        msg.push_str(" (the file looks truncated)");
                    }
                    return Err(self.err(pos, msg));
                }
            };
            match event {
                Event::Start(e) => self.open(&e, start, false)?,
                Event::Empty(e) => self.open(&e, start, true)?,
                Event::End(_) => self.close()?,
                Event::Text(t) => {
                    if self.is_capturing() {
                        match t.into_inner() {
                            Cow::Borrowed(b) => self.append(b),
                            Cow::Owned(o) => self.append_owned(&o),
                        }
                    } else if self.stack.is_empty() && !t.trim_ascii().is_empty() {
                        return Err(self.err(start, self.outside_root_msg("text")));
                    }
                }
                Event::CData(t) => {
                    if self.is_capturing() {
                        match t.into_inner() {
                            Cow::Borrowed(b) => self.append(b),
                            Cow::Owned(o) => self.append_owned(&o),
                        }
                    } else if self.stack.is_empty() {
                        return Err(self.err(start, self.outside_root_msg("a CDATA section")));
                    }
                }
                Event::GeneralRef(r) => {
                    let c = resolve_reference(&r).map_err(|m| self.err(start, m))?;
                    if self.stack.is_empty() {
                        return Err(self.err(start, self.outside_root_msg("text")));
                    }
                    if self.is_capturing() {
                        self.scratch_mut().push(c);
                    }
                }
                Event::Comment(_) => {
                    if !self.decl_seen && !self.root_seen {
                        self.seen_anything = true;
                    }
                }
                Event::Decl(_) => {
                    if self.decl_seen || self.root_seen {
                        return Err(self.err(
                            start,
                            "an XML declaration may only appear once, before the root element",
                        ));
                    }
                    self.decl_seen = true;
                    self.comment_before_decl = self.seen_anything;
                }
                Event::PI(_) => {}
                Event::DocType(d) => {
                    if self.root_seen {
                        return Err(self.err(start, "a DOCTYPE after the root element started"));
                    }
                    if d.to_ascii_uppercase().contains("<!ENTITY") {
                        return Err(self.err(
                            start,
                            "the DOCTYPE declares entities; entity declarations are not allowed \
                             (they enable entity-expansion and external-entity attacks) and a \
                             ZAP report never has them",
                        ));
                    }
                    self.seen_anything = true;
                }
                Event::Eof => break,
            }
        }
        if !self.root_seen {
            return Err(self.err(
                self.src.len() as u64,
                "the file has no root element (expected <OWASPZAPReport>)",
            ));
        }
        if !self.root_closed {
            return Err(self.err(
                self.src.len() as u64,
                "the file ends before </OWASPZAPReport> (the file looks truncated)",
            ));
        }
        let mut notes = vec![version_note(self.version.as_deref(), "XML")];
        if self.comment_before_decl {
            notes.push("a comment precedes the XML declaration (tolerated)".into());
        }
        Ok(self.norm.finish(notes))
    }

    fn outside_root_msg(&self, what: &str) -> String {
        if self.root_closed {
            format!("{what} after the end of the root element </OWASPZAPReport>")
        } else {
            format!("{what} before the root element")
        }
    }

    fn is_capturing(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Node::ItemField(_) | Node::InstField(_) | Node::TagName)
        )
    }

    /// Adds literal text (not a reference) to the capture. A lone piece stays borrowed and is
    /// EOL-normalised when the field closes; pieces joined in the scratch buffer are
    /// normalised here, so a `&#13;` reference is never mistaken for a line end.
    fn append(&mut self, piece: &'a str) {
        match self.capture {
            Capture::Empty => self.capture = Capture::One(piece),
            Capture::One(_) | Capture::Scratch => self.append_owned(piece),
        }
    }

    /// Like [`Self::append`] for text that does not borrow from the input.
    fn append_owned(&mut self, piece: &str) {
        let has_cr = self.has_cr;
        let scratch = self.scratch_mut();
        if has_cr {
            push_normalised(scratch, piece);
        } else {
            scratch.push_str(piece);
        }
    }

    /// Moves the capture into the scratch buffer (if it is not there yet) for appending.
    fn scratch_mut(&mut self) -> &mut String {
        match self.capture {
            Capture::Scratch => {}
            Capture::Empty => {
                self.scratch.clear();
                self.capture = Capture::Scratch;
            }
            Capture::One(first) => {
                self.scratch.clear();
                if self.has_cr {
                    push_normalised(&mut self.scratch, first);
                } else {
                    self.scratch.push_str(first);
                }
                self.capture = Capture::Scratch;
            }
        }
        &mut self.scratch
    }

    /// Reads the attributes named in `keys` in one pass (decoding predefined entities and
    /// character references; any other reference is an error).
    fn attrs<const N: usize>(
        &self,
        e: &BytesStart<'_>,
        start: u64,
        keys: [&str; N],
    ) -> Result<[Option<String>; N], IngestError> {
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        for attr in e.attributes() {
            let attr = attr.map_err(|err| self.err(start, format!("bad attribute: {err}")))?;
            let key = attr.key.as_ref();
            if let Some(i) = keys.iter().position(|k| *k == key) {
                let v = quick_xml::escape::unescape(&attr.value).map_err(|err| {
                    self.err(
                        start,
                        format!(
                            "attribute `{}`: {err} (only predefined XML entities and character \
                             references are decoded)",
                            crate::text::truncate(key, 40)
                        ),
                    )
                })?;
                if out[i].is_none() {
                    out[i] = Some(v.into_owned());
                }
            }
        }
        Ok(out)
    }

    fn open(&mut self, e: &BytesStart<'_>, start: u64, empty: bool) -> Result<(), IngestError> {
        let name = e.name();
        let name = name.as_ref();
        let node = match self.stack.last() {
            None => {
                if self.root_closed {
                    return Err(self.err(
                        start,
                        format!(
                            "a second root element <{}> after </OWASPZAPReport>",
                            crate::text::truncate(name, 60)
                        ),
                    ));
                }
                self.check_root(name, start)?;
                self.root_seen = true;
                let [version, program] = self.attrs(e, start, ["version", "programName"])?;
                self.version = version;
                self.norm
                    .set_scanner(program.as_deref(), self.version.as_deref());
                Node::Root
            }
            Some(parent) => child_of(*parent, name),
        };
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.err(
                start,
                format!("elements are nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        // Any attribute value anywhere must only use the entities we decode.
        if e.attributes_raw().bytes().any(|b| b == b'&') {
            for attr in e.attributes() {
                let attr = attr.map_err(|err| self.err(start, format!("bad attribute: {err}")))?;
                quick_xml::escape::unescape(&attr.value)
                    .map_err(|err| self.err(start, format!("attribute value: {err}")))?;
            }
        }
        match node {
            Node::Site => {
                let [name, host, port, ssl] =
                    self.attrs(e, start, ["name", "host", "port", "ssl"])?;
                self.site = SiteInfo {
                    name,
                    host,
                    port,
                    ssl,
                };
                self.resolved = Some(self.site.resolve());
            }
            Node::Item => self.alert = RawAlert::default(),
            Node::Instances => self.alert.has_instances = true,
            Node::Instance => {
                self.instance = RawInstance::default();
                self.instance_has_http = false;
            }
            Node::ItemField(_) | Node::InstField(_) | Node::TagName => {
                self.capture = Capture::Empty;
            }
            Node::Skip
                if self.stack.last() == Some(&Node::Instance)
                    && (name.starts_with("request") || name.starts_with("response")) =>
            {
                self.instance_has_http = true;
            }
            _ => {}
        }
        self.stack.push(node);
        if empty {
            self.close()?;
        }
        Ok(())
    }

    fn check_root(&self, name: &str, start: u64) -> Result<(), IngestError> {
        if name == "OWASPZAPReport" {
            return Ok(());
        }
        let reason = if name.eq_ignore_ascii_case("html") {
            "this is an HTML file (a ZAP HTML report?); scangate reads ZAP's XML report \
             (`-x report.xml`) or JSON report (`-J report.json`)"
                .to_owned()
        } else {
            let (line, column) = super::line_col(self.src, start);
            format!(
                "the XML root element is <{}> at line {line}, column {column}; a ZAP XML report's \
                 root is <OWASPZAPReport>",
                crate::text::truncate(name, 60)
            )
        };
        Err(IngestError::WrongFormat {
            expected: Format::Zap,
            reason,
        })
    }

    fn close(&mut self) -> Result<(), IngestError> {
        let Some(node) = self.stack.pop() else {
            // quick-xml already rejects unmatched end tags; keep a clear error regardless.
            let pos = self.reader.buffer_position();
            return Err(self.err(pos, "closing tag without a matching opening tag"));
        };
        match node {
            Node::Root => self.root_closed = true,
            Node::Site => self.resolved = None,
            Node::Item => {
                let alert = std::mem::take(&mut self.alert);
                let site = match self.resolved.take() {
                    Some(s) => s,
                    None => self.site.resolve(),
                };
                self.norm.push(&site, alert);
                self.resolved = Some(site);
            }
            Node::Instance => {
                let inst = std::mem::take(&mut self.instance);
                if self.instance_has_http {
                    self.norm.tally.http_data += 1;
                }
                self.alert.instances.push(inst.into_instance());
            }
            Node::ItemField(f) => {
                let trim = !matches!(f, ItemField::Attack | ItemField::Evidence);
                let text = captured(self.capture, &self.scratch, self.has_cr, trim);
                let a = &mut self.alert;
                let slot = match f {
                    ItemField::PluginId => &mut a.pluginid,
                    ItemField::AlertRef => &mut a.alert_ref,
                    ItemField::Alert => &mut a.alert,
                    ItemField::Name => &mut a.name,
                    ItemField::RiskCode => &mut a.riskcode,
                    ItemField::Confidence => &mut a.confidence,
                    ItemField::Reliability => &mut a.reliability,
                    ItemField::Desc => &mut a.desc,
                    ItemField::Count => &mut a.count,
                    ItemField::Solution => &mut a.solution,
                    ItemField::OtherInfo => &mut a.otherinfo,
                    ItemField::Reference => &mut a.reference,
                    ItemField::CweId => &mut a.cweid,
                    ItemField::WascId => &mut a.wascid,
                    ItemField::Uri => &mut a.direct.uri,
                    ItemField::Method => &mut a.direct.method,
                    ItemField::Param => &mut a.direct.param,
                    ItemField::Attack => &mut a.direct.attack,
                    ItemField::Evidence => &mut a.direct.evidence,
                };
                if slot.is_some()
                    && let Some(element) = f.deciding_element()
                {
                    let pos = self.reader.buffer_position();
                    return Err(self.err(
                        pos,
                        format!(
                            "<{element}> appears twice in one <alertitem>: an element that decides \
                             an alert's severity, suppression or rule id must appear once"
                        ),
                    ));
                }
                set_once(slot, text);
                self.capture = Capture::Empty;
            }
            Node::InstField(f) => {
                let trim = !matches!(f, InstField::Attack | InstField::Evidence);
                let text = captured(self.capture, &self.scratch, self.has_cr, trim);
                let i = &mut self.instance;
                let slot = match f {
                    InstField::Uri => &mut i.uri,
                    InstField::Method => &mut i.method,
                    InstField::Param => &mut i.param,
                    InstField::Attack => &mut i.attack,
                    InstField::Evidence => &mut i.evidence,
                    InstField::OtherInfo => &mut i.otherinfo,
                };
                set_once(slot, text);
                self.capture = Capture::Empty;
            }
            Node::TagName => {
                let text = captured(self.capture, &self.scratch, self.has_cr, true);
                if !text.is_empty() {
                    self.alert.tags.push(text.into_owned());
                }
                self.capture = Capture::Empty;
            }
            Node::Alerts | Node::Instances | Node::Tags | Node::Tag | Node::Skip => {}
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

fn parse_json(bytes: &[u8], ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let report: JsonReport = json::from_slice(bytes)?;
    let Some(sites) = report.site else {
        let reason = if report.has_alerts {
            "this is the ZAP API alerts JSON (`/JSON/core/view/alerts` or `zap-cli alerts`), \
             not a ZAP report; generate a report with `-J report.json` (or `-x report.xml`)"
                .to_owned()
        } else {
            "the JSON document has no `site` array (a ZAP JSON report has `@version` and `site`)"
                .to_owned()
        };
        return Err(IngestError::WrongFormat {
            expected: Format::Zap,
            reason,
        });
    };
    let mut norm = Normaliser::new(ctx);
    norm.set_scanner(report.program_name.as_deref(), report.version.as_deref());
    for site in sites {
        let resolved = site.info.resolve();
        for alert in site.alerts {
            norm.push(&resolved, alert.0);
        }
    }
    Ok(norm.finish(vec![version_note(report.version.as_deref(), "JSON")]))
}

/// The top level of a ZAP JSON report. Duplicate keys: the last one wins (deciding keys: an
/// error).
struct JsonReport {
    program_name: Option<String>,
    version: Option<String>,
    site: Option<Vec<JsonSite>>,
    has_alerts: bool,
}

struct JsonSite {
    info: SiteInfo,
    alerts: Vec<JsonAlert>,
}

struct JsonAlert(RawAlert<'static>);

struct JsonInstance(RawInstance<'static>);

/// A kept-only string field: strings, numbers and booleans become text; anything else `None`.
struct Lenient(Option<String>);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_string(d).map(Lenient)
    }
}

/// A list that older producers write as a single object, an empty string (XML-to-JSON
/// conversion of an empty element) or `null`.
struct OneOrMany<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(OneOrMany(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let one = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().is_empty() {
                    Ok(OneOrMany(Vec::new()))
                } else {
                    Err(E::invalid_type(de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// JSON keys that decide an alert's existence, severity, suppression or rule id: repeated in
/// one object they make the report invalid (see [`json::decision_bit`]).
const JSON_DECIDING_KEYS: &[&str] = &[
    "site",
    "alerts",
    "instances",
    "pluginid",
    "alertRef",
    "riskcode",
    "confidence",
    "reliability",
];

/// Reads a JSON object key by key with a per-struct field handler (so unknown keys are
/// skipped and duplicate keys overwrite instead of failing, except [`JSON_DECIDING_KEYS`]).
macro_rules! object_visitor {
    ($ty:ty, $expecting:literal, |$map:ident, $out:ident, $key:ident| $body:block) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut $map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut $out = <$ty>::empty();
                        let mut seen = 0u64;
                        while let Some($key) = $map.next_key::<Cow<'de, str>>()? {
                            json::refuse_repeat::<A::Error>(
                                &mut seen,
                                json::decision_bit(JSON_DECIDING_KEYS, &$key),
                                &$key,
                                $expecting,
                            )?;
                            $body
                        }
                        Ok($out)
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

impl JsonReport {
    fn empty() -> Self {
        JsonReport {
            program_name: None,
            version: None,
            site: None,
            has_alerts: false,
        }
    }
}

impl JsonSite {
    fn empty() -> Self {
        JsonSite {
            info: SiteInfo::default(),
            alerts: Vec::new(),
        }
    }
}

impl JsonAlert {
    fn empty() -> Self {
        JsonAlert(RawAlert::default())
    }
}

impl JsonInstance {
    fn empty() -> Self {
        JsonInstance(RawInstance::default())
    }
}

object_visitor!(JsonReport, "a ZAP JSON report object", |map, out, key| {
    match key.as_ref() {
        "@programName" => out.program_name = map.next_value::<Lenient>()?.0,
        "@version" => out.version = map.next_value::<Lenient>()?.0,
        "site" => out.site = Some(map.next_value::<OneOrMany<JsonSite>>()?.0),
        "alerts" => {
            map.next_value::<IgnoredAny>()?;
            out.has_alerts = true;
        }
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

object_visitor!(JsonSite, "a ZAP site object", |map, out, key| {
    match key.as_ref() {
        "@name" => out.info.name = map.next_value::<Lenient>()?.0,
        "@host" => out.info.host = map.next_value::<Lenient>()?.0,
        "@port" => out.info.port = map.next_value::<Lenient>()?.0,
        "@ssl" => out.info.ssl = map.next_value::<Lenient>()?.0,
        "alerts" => out.alerts = map.next_value::<OneOrMany<JsonAlert>>()?.0,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

object_visitor!(JsonAlert, "a ZAP alert object", |map, out, key| {
    let a = &mut out.0;
    let slot = match key.as_ref() {
        "pluginid" => &mut a.pluginid,
        "alertRef" => &mut a.alert_ref,
        "alert" => &mut a.alert,
        "name" => &mut a.name,
        "riskcode" => &mut a.riskcode,
        "confidence" => &mut a.confidence,
        "reliability" => &mut a.reliability,
        "desc" => &mut a.desc,
        "count" => &mut a.count,
        "solution" => &mut a.solution,
        "otherinfo" => &mut a.otherinfo,
        "reference" => &mut a.reference,
        "cweid" => &mut a.cweid,
        "wascid" => &mut a.wascid,
        "uri" => &mut a.direct.uri,
        "method" => &mut a.direct.method,
        "param" => &mut a.direct.param,
        "attack" => &mut a.direct.attack,
        "evidence" => &mut a.direct.evidence,
        "instances" => {
            let list = map.next_value::<OneOrMany<JsonInstance>>()?.0;
            a.has_instances = true;
            a.instances = list.into_iter().map(|i| i.0.into_instance()).collect();
            continue;
        }
        _ => {
            map.next_value::<IgnoredAny>()?;
            continue;
        }
    };
    *slot = map.next_value::<Lenient>()?.0.map(Cow::Owned);
});

object_visitor!(
    JsonInstance,
    "a ZAP alert instance object",
    |map, out, key| {
        let i = &mut out.0;
        let slot = match key.as_ref() {
            "uri" => &mut i.uri,
            "method" => &mut i.method,
            "param" => &mut i.param,
            "attack" => &mut i.attack,
            "evidence" => &mut i.evidence,
            "otherinfo" => &mut i.otherinfo,
            _ => {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
        };
        *slot = map.next_value::<Lenient>()?.0.map(Cow::Owned);
    }
);

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/zap/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn ctx() -> ParseContext {
        ParseContext {
            input: Arc::from("report.xml"),
            release: Default::default(),
            cores_busy: false,
        }
    }

    fn parse_ok(bytes: &[u8]) -> ParsedReport {
        parse(bytes, &ctx()).unwrap_or_else(|e| panic!("parse failed: {e}"))
    }

    fn parse_err(bytes: &[u8]) -> IngestError {
        match parse(bytes, &ctx()) {
            Ok(r) => panic!("expected an error, got {} findings", r.findings.len()),
            Err(e) => e,
        }
    }

    fn web(f: &Finding) -> &WebLocation {
        f.location.web.as_ref().expect("web location")
    }

    fn xml_pos(err: &IngestError) -> (usize, usize, &str) {
        match err {
            IngestError::Xml {
                line,
                column,
                message,
            } => (*line, *column, message.as_str()),
            other => panic!("expected an XML error, got {other:?}"),
        }
    }

    fn fp(rule: &str, alert_ref: Option<&str>, origin: &str) -> Fingerprint {
        Fingerprint::builder("web")
            .field(rule)
            .opt(alert_ref)
            .field(origin)
            .finish()
    }

    #[test]
    fn current_layout_with_several_sites() {
        let report = parse_ok(&fixture("current_multi_site.xml"));
        assert_eq!(
            report.scanners,
            vec![Scanner {
                name: "ZAP".into(),
                version: Some("2.11.1".into())
            }]
        );
        let f = &report.findings;
        // 3 alertitems on the first site, 2 on the second, none on the third; the alertitem
        // inside the comment is not a finding.
        let titles: Vec<&str> = f.iter().map(|f| &*f.title).collect();
        assert_eq!(
            titles,
            [
                "Cross Site Scripting (Reflected)",
                "Missing Anti-clickjacking Header",
                "Timestamp Disclosure - Unix",
                "X-Content-Type-Options Header Missing",
                "Missing Anti-clickjacking Header",
            ]
        );
        assert!(
            f.iter().all(|f| f.rule_id.as_ref() != "40018"),
            "commented-out alertitem"
        );
        let sevs: Vec<Severity> = f.iter().map(|f| f.severity).collect();
        assert_eq!(
            sevs,
            [
                Severity::High,
                Severity::Medium,
                Severity::Info,
                Severity::Low,
                Severity::Medium
            ]
        );
        assert!(
            f.iter()
                .all(|f| f.kind == FindingKind::Web && f.severity_source.field() == "zap riskcode")
        );
        assert_eq!(f[0].severity_source.raw(), "3");
        assert_eq!(f[0].severity_source.to_string(), "zap riskcode = 3");
        assert_eq!(&*f[0].rule_id, "40012");
        assert_eq!(
            f[0].extra.rule_name, None,
            "alertRef equal to pluginid is not repeated"
        );
        assert_eq!(&*f[1].rule_id, "10020");
        assert_eq!(f[1].extra.rule_name.as_deref(), Some("10020-1"));

        // Confidence scale, and confidence 0 = suppressed by the tool, still a finding.
        let conf: Vec<Option<Confidence>> = f.iter().map(|f| f.confidence).collect();
        assert_eq!(
            conf,
            [
                Some(Confidence::Medium),
                Some(Confidence::Medium),
                Some(Confidence::FalsePositive),
                Some(Confidence::Medium),
                Some(Confidence::Confirmed)
            ]
        );
        assert_eq!(
            f[2].suppression.as_deref(),
            Some(&ToolSuppression {
                kind: "zap confidence 0 (false positive)".into(),
                justification: None
            })
        );
        assert!(
            f.iter()
                .enumerate()
                .all(|(i, f)| f.is_tool_suppressed() == (i == 2))
        );

        // Locations: site name as target, instances, ZAP's count kept even above the list.
        let xfo = web(&f[1]);
        assert_eq!(
            f[1].location.target.as_deref(),
            Some("https://shop.example.test")
        );
        assert_eq!(xfo.site, "https://shop.example.test");
        assert_eq!(xfo.instances.len(), 2);
        assert_eq!(xfo.count, Some(14));
        assert_eq!(xfo.instances[1].uri, "https://shop.example.test/cart");
        assert_eq!(xfo.instances[1].param.as_deref(), Some("x-frame-options"));
        assert_eq!(xfo.instances[1].attack, None, "empty elements are absent");

        // Escaped HTML and CDATA are text, kept verbatim in attack/evidence.
        let xss = web(&f[0]);
        assert_eq!(
            xss.instances[0].attack.as_deref(),
            Some("</p><scrIpt>alert(1);</scRipt><p>")
        );
        assert_eq!(
            xss.instances[1].attack.as_deref(),
            Some("\" onmouseover=\"alert(1)")
        );
        assert_eq!(
            xss.instances[1].evidence.as_deref(),
            Some("value=\"\" onmouseover=\"alert(1)\"")
        );
        assert_eq!(
            xss.instances[1].other_info.as_deref(),
            Some("Reflected in the ATTRIBUTE value <input>"),
            "character references are decoded"
        );
        assert_eq!(xss.instances[1].method.as_deref(), Some("POST"));

        // ZAP's <p> wrappers: removed, paragraph breaks become newlines (an empty paragraph
        // is an empty line).
        assert_eq!(
            f[0].description.as_deref(),
            Some(
                "Cross-site Scripting (XSS) is an attack technique that involves echoing \
                 attacker-supplied code into a user's browser instance.\n\nWhen an attacker gets \
                 a user's browser to execute his code, the code will run within the security \
                 context (or zone) of the hosting web site."
            )
        );
        assert_eq!(
            f[0].fix.as_ref().and_then(|x| x.solution.as_deref()),
            Some(
                "Phase: Architecture and Design\nUse a vetted library or framework that does not \
                 allow this weakness to occur."
            )
        );
        assert_eq!(
            *f[0].references,
            [
                "http://projects.webappsec.org/Cross-Site-Scripting",
                "http://cwe.mitre.org/data/definitions/79.html"
            ]
        );
        assert_eq!(*f[0].cwes, [79]);
        assert_eq!(*f[0].extra.tags, ["wasc-8"]);
        assert_eq!(*f[1].extra.tags, ["wasc-15", "OWASP_2021_A05"]);
        assert_eq!(*f[1].cwes, [1021]);

        // The same rule text is one shared allocation.
        let (a, b) = (f[1].description.as_ref(), f[4].description.as_ref());
        assert!(Arc::ptr_eq(a.expect("desc"), b.expect("desc")));

        // Instance otherinfo wins over the alert-level copy.
        assert_eq!(
            web(&f[2]).instances[0].other_info.as_deref(),
            Some("1650000000, which evaluates to: 2022-04-15 05:20:00")
        );

        // Fingerprints: rule + distinct alertRef + origin (scheme://host:port, port defaulted).
        assert_eq!(
            f[0].fingerprint,
            fp("40012", None, "https://shop.example.test:443")
        );
        assert_eq!(
            f[1].fingerprint,
            fp("10020", Some("10020-1"), "https://shop.example.test:443")
        );
        assert_eq!(
            f[4].fingerprint,
            fp("10020", Some("10020-1"), "http://api.example.test:8080")
        );
        assert_ne!(f[1].fingerprint, f[4].fingerprint, "same rule, other site");

        // HTTP messages (with their cookies) never reach the model.
        let all = serde_json::to_string(&report.findings).expect("serialises");
        assert!(!all.contains("abc123") && !all.contains("Cookie"), "{all}");

        assert_eq!(
            report.stats.notes,
            [
                "ZAP 2.11.1 XML report",
                "a comment precedes the XML declaration (tolerated)",
                "1 alert(s) list fewer instances than their count",
                "1 alert(s) are marked false positive by ZAP (confidence 0); kept as suppressed by the tool",
                "1 instance(s) carry HTTP request/response data, which is not kept",
            ]
        );
        assert!(f.iter().all(|f| &*f.input == "report.xml"));

        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_yaml_snapshot!("current_multi_site", &report.findings);
        });
    }

    #[test]
    fn old_layout_with_uri_directly_in_alertitem() {
        let report = parse_ok(&fixture("old_layout_2.7.xml"));
        let f = &report.findings;
        assert_eq!(f.len(), 3);
        assert_eq!(report.scanners[0].version.as_deref(), Some("2.7.0"));
        for finding in f {
            let w = web(finding);
            assert_eq!(
                w.instances.len(),
                1,
                "one instance per old-layout alertitem"
            );
            assert_eq!(w.count, None, "no <count> in the old layout");
        }
        let first = &web(&f[0]).instances[0];
        assert_eq!(first.uri, "http://legacy.example.test/");
        assert_eq!(first.param.as_deref(), Some("X-XSS-Protection"));
        assert_eq!(first.method, None);
        assert_eq!(
            first.other_info.as_deref(),
            Some(
                "The X-XSS-Protection HTTP response header allows the web server to enable or \
                 disable the web browser's XSS protection mechanism.\nX-XSS-Protection: 1; mode=block"
            )
        );
        let xss = &web(&f[2]).instances[0];
        assert_eq!(xss.method.as_deref(), Some("POST"));
        assert_eq!(
            xss.attack.as_deref(),
            Some(" <script>alert(1);</script>"),
            "payloads keep their blanks"
        );
        // Two alertitems of one rule on one site: same identity, both kept.
        assert_eq!(f[0].fingerprint, f[1].fingerprint);
        assert_eq!(
            f[0].fingerprint,
            fp("10016", None, "http://legacy.example.test:80")
        );
        assert_eq!(f[2].severity, Severity::High);
        assert_eq!(*f[0].cwes, [933]);
        assert_eq!(
            report.stats.notes,
            [
                "ZAP 2.7.0 XML report",
                "3 alert(s) use the old layout (URI directly in the alertitem, no <instances>)"
            ]
        );
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_yaml_snapshot!("old_layout_2_7", &report.findings);
        });
    }

    #[test]
    fn weekly_build_version_parses() {
        let report = parse_ok(&fixture("weekly_build.xml"));
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.scanners[0].version.as_deref(), Some("D-2021-03-29"));
        assert_eq!(
            report.stats.notes,
            ["ZAP XML report, weekly build D-2021-03-29"]
        );
        let f = &report.findings[0];
        assert_eq!(f.confidence, Some(Confidence::High));
        assert_eq!(web(f).count, Some(2));
        assert_eq!(f.references.len(), 2);
        assert_eq!(f.fingerprint, fp("10038", None, "http://172.17.0.2:80"));
    }

    #[test]
    fn json_report() {
        let report = parse_ok(&fixture("report.json"));
        assert_eq!(
            report.scanners,
            vec![Scanner {
                name: "ZAP".into(),
                version: Some("2.14.0".into())
            }]
        );
        let f = &report.findings;
        assert_eq!(f.len(), 3);
        let sevs: Vec<Severity> = f.iter().map(|f| f.severity).collect();
        assert_eq!(sevs, [Severity::Medium, Severity::Info, Severity::Low]);
        // Numbers written as numbers instead of strings are read the same.
        assert_eq!(f[1].severity_source.raw(), "0");
        assert_eq!(f[1].confidence, Some(Confidence::FalsePositive));
        assert!(f[1].is_tool_suppressed());
        assert_eq!(web(&f[1]).count, Some(1));

        let csrf = &f[0];
        assert_eq!(csrf.confidence, Some(Confidence::Low));
        assert_eq!(web(csrf).count, Some(5));
        assert_eq!(web(csrf).instances.len(), 2);
        assert_eq!(
            web(csrf).instances[0].evidence.as_deref(),
            Some("<form action=\"/account/profile\" method=\"post\">")
        );
        assert_eq!(
            csrf.description.as_deref(),
            Some(
                "No Anti-CSRF tokens were found in a HTML submission form.\nA cross-site request \
                 forgery is an attack that involves forcing a victim to send an HTTP request to a \
                 target destination without their knowledge or intent."
            )
        );
        assert_eq!(
            *csrf.references,
            [
                "http://projects.webappsec.org/Cross-Site-Request-Forgery",
                "https://cwe.mitre.org/data/definitions/352.html"
            ]
        );
        assert_eq!(*csrf.cwes, [352]);
        assert_eq!(*csrf.extra.tags, ["wasc-9"]);
        assert!(f[1].references.is_empty());
        assert_eq!(
            f[2].fingerprint,
            fp("90022", None, "http://internal.example.test:8081")
        );
        assert_eq!(
            f[2].location.target.as_deref(),
            Some("http://internal.example.test:8081")
        );
        assert_eq!(
            report.stats.notes,
            [
                "ZAP 2.14.0 JSON report",
                "1 alert(s) list fewer instances than their count",
                "1 alert(s) are marked false positive by ZAP (confidence 0); kept as suppressed by the tool",
            ]
        );
        insta::with_settings!({snapshot_path => "../../snapshots"}, {
            insta::assert_yaml_snapshot!("report_json", &report.findings);
        });
    }

    #[test]
    fn json_and_xml_of_one_alert_normalise_identically() {
        let xml = br#"<?xml version="1.0"?><OWASPZAPReport programName="ZAP" version="2.12.0">
<site name="https://a.test" host="a.test" port="443" ssl="true"><alerts><alertitem>
<pluginid>10010</pluginid><alertRef>10010</alertRef><alert>Cookie No HttpOnly Flag</alert>
<name>Cookie No HttpOnly Flag</name><riskcode>1</riskcode><confidence>2</confidence>
<desc>&lt;p&gt;A cookie has been set without the HttpOnly flag.&lt;/p&gt;</desc>
<instances><instance><uri>https://a.test/</uri><method>GET</method><param>sid</param>
<attack></attack><evidence>Set-Cookie: sid</evidence><otherinfo></otherinfo></instance></instances>
<count>3</count><solution>&lt;p&gt;Set HttpOnly.&lt;/p&gt;</solution>
<reference>&lt;p&gt;https://owasp.org/www-community/HttpOnly&lt;/p&gt;</reference>
<cweid>1004</cweid><wascid>13</wascid><sourceid>3</sourceid></alertitem></alerts></site>
</OWASPZAPReport>"#;
        let json = br#"{"@programName":"ZAP","@version":"2.12.0","site":[{"@name":"https://a.test",
"@host":"a.test","@port":"443","@ssl":"true","alerts":[{"pluginid":"10010","alertRef":"10010",
"alert":"Cookie No HttpOnly Flag","name":"Cookie No HttpOnly Flag","riskcode":"1",
"confidence":"2","desc":"<p>A cookie has been set without the HttpOnly flag.</p>",
"instances":[{"uri":"https://a.test/","method":"GET","param":"sid","attack":"",
"evidence":"Set-Cookie: sid","otherinfo":""}],"count":"3","solution":"<p>Set HttpOnly.</p>",
"reference":"<p>https://owasp.org/www-community/HttpOnly</p>","cweid":"1004","wascid":"13",
"sourceid":"3"}]}]}"#;
        let a = parse_ok(xml);
        let b = parse_ok(json);
        assert_eq!(a.findings, b.findings);
        assert_eq!(a.scanners, b.scanners);
    }

    #[test]
    fn empty_report_is_a_valid_pass() {
        let report = parse_ok(&fixture("empty_report.xml"));
        assert!(report.findings.is_empty());
        assert_eq!(report.scanners[0].version.as_deref(), Some("2.12.0"));
        let bare = parse_ok(b"<OWASPZAPReport version=\"2.9.0\"/>");
        assert!(bare.findings.is_empty());
    }

    #[test]
    fn html_and_other_xml_are_errors_not_empty_passes() {
        let err = parse_err(&fixture("report.html")).to_string();
        assert!(
            err.contains("HTML") && err.contains("not a zap report"),
            "{err}"
        );
        let err = parse_err(&fixture("other_root.xml")).to_string();
        assert!(
            err.contains("<testsuites>") && err.contains("line 2"),
            "{err}"
        );
        let err = parse_err(b"plain text").to_string();
        assert!(err.contains("neither XML nor JSON"), "{err}");
    }

    #[test]
    fn truncated_report_is_an_error_with_position() {
        let bytes = fixture("truncated.xml");
        let err = parse_err(&bytes);
        let (line, column, message) = xml_pos(&err);
        assert!(message.contains("truncated"), "{message}");
        assert_eq!((line, column), (17, 1), "{err}");
    }

    /// Cutting a valid report anywhere gives an error, or a success only when the cut lands
    /// after the root element's end; never a panic.
    #[test]
    fn every_cut_of_a_valid_report_is_an_error() {
        for name in [
            "current_multi_site.xml",
            "old_layout_2.7.xml",
            "report.json",
        ] {
            let bytes = fixture(name);
            let full = parse_ok(&bytes).findings.len();
            let end = if name.ends_with(".json") {
                bytes.iter().rposition(|b| *b == b'}').map_or(0, |p| p + 1)
            } else {
                let tag = b"</OWASPZAPReport>";
                bytes
                    .windows(tag.len())
                    .rposition(|w| w == tag)
                    .map_or(0, |p| p + tag.len())
            };
            assert!(end > 0);
            for cut in 0..bytes.len() {
                let r = std::panic::catch_unwind(|| parse(&bytes[..cut], &ctx()));
                let r = r.unwrap_or_else(|_| panic!("{name}: panic at cut {cut}"));
                match r {
                    Ok(rep) => {
                        assert!(
                            cut >= end,
                            "{name}: cut at {cut} (root ends at {end}) parsed"
                        );
                        assert_eq!(rep.findings.len(), full);
                    }
                    Err(e) => assert!(cut < end, "{name}: cut at {cut} after the end failed: {e}"),
                }
            }
        }
    }

    #[test]
    fn entity_declarations_are_rejected() {
        for name in ["billion_laughs.xml", "xxe.xml"] {
            let started = std::time::Instant::now();
            let err = parse_err(&fixture(name));
            assert!(started.elapsed().as_secs() < 1);
            let (line, _, message) = xml_pos(&err);
            assert_eq!(line, 2, "{name}: {err}");
            assert!(
                message.contains("entity declarations are not allowed"),
                "{name}: {message}"
            );
        }
        // A plain DOCTYPE (no entities) is tolerated.
        let ok = parse_ok(
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE OWASPZAPReport SYSTEM \"zap.dtd\">\n<OWASPZAPReport version=\"2.9.0\"></OWASPZAPReport>",
        );
        assert!(ok.findings.is_empty());
    }

    #[test]
    fn unknown_entity_is_an_error_with_position() {
        let err = parse_err(&fixture("unknown_entity.xml"));
        let (line, column, message) = xml_pos(&err);
        assert_eq!((line, column), (6, 15), "{err}");
        assert!(
            message.contains("&nbsp;") && message.contains("never expanded"),
            "{message}"
        );
        // In an attribute too.
        let err = parse_err(b"<OWASPZAPReport version=\"&ver;\"/>");
        assert!(xml_pos(&err).2.contains("ver"), "{err}");
        // The predefined ones and character references are decoded, in text and attributes.
        let r = parse_ok(
            b"<OWASPZAPReport version=\"2&#46;9 &amp; more\"><site name=\"https://a.test\"><alerts>\
              <alertitem><pluginid>1</pluginid><alert>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;</alert>\
              <riskcode>1</riskcode></alertitem></alerts></site></OWASPZAPReport>",
        );
        assert_eq!(&*r.findings[0].title, "<>&'\"AB");
        assert_eq!(r.scanners[0].version.as_deref(), Some("2.9 & more"));
        assert!(parse(b"<OWASPZAPReport>&#0;</OWASPZAPReport>", &ctx()).is_err());
        assert!(parse(b"<OWASPZAPReport>&#xD800;</OWASPZAPReport>", &ctx()).is_err());
    }

    #[test]
    fn nonstandard_riskcode_is_unknown_never_info() {
        let report = parse_ok(&fixture("nonstandard_riskcode.xml"));
        let got: Vec<(Severity, &str)> = report
            .findings
            .iter()
            .map(|f| (f.severity, f.severity_source.raw()))
            .collect();
        assert_eq!(
            got,
            [
                (Severity::Unknown, "7"),
                (Severity::Unknown, ""),
                (Severity::Unknown, "High"),
                (Severity::Unknown, "-1")
            ]
        );
        assert!(report.stats.notes.contains(
            &"4 alert(s) have a missing or non-standard riskcode (severity unknown)".into()
        ));
    }

    #[test]
    fn api_alerts_json_is_not_a_report() {
        let err = parse_err(&fixture("api_alerts.json"));
        assert!(matches!(err, IngestError::WrongFormat { .. }), "{err:?}");
        assert!(err.to_string().contains("API alerts JSON"), "{err}");
        let err = parse_err(br#"{"@programName":"ZAP","@version":"2.11.1"}"#).to_string();
        assert!(err.contains("no `site` array"), "{err}");
        let err = parse_err(b"[1, 2]").to_string();
        assert!(
            err.contains("invalid JSON") || err.contains("ZAP JSON report"),
            "{err}"
        );
    }

    #[test]
    fn json_is_lenient_about_old_shapes_and_types() {
        // A single site written as an object, an empty alerts element converted to "", numbers
        // as numbers, a single instance as an object, duplicate keys (last wins, except the
        // deciding ones: see below).
        let r = parse_ok(
            br#"{"@version":"2.8.0","site":{"@name":"http://b.test","alerts":[
                {"pluginid":10202,"riskcode":2,"confidence":"2","count":1,"count":2,
                 "instances":{"uri":"http://b.test/x","method":"GET"},"cweid":-1,"wascid":0}]}}"#,
        );
        assert_eq!(r.findings.len(), 1);
        let f = &r.findings[0];
        assert_eq!(
            (f.severity, f.rule_id.as_ref()),
            (Severity::Medium, "10202")
        );
        assert_eq!(web(f).instances[0].uri, "http://b.test/x");
        assert!(
            f.cwes.is_empty() && f.extra.tags.is_empty(),
            "-1 / 0 ids are ignored"
        );
        // A repeated riskcode could downgrade the alert: refused, wherever the copies stand.
        let err = parse_err(
            br#"{"site":[{"@name":"http://b.test","alerts":[{"pluginid":"1","riskcode":3,"riskcode":2}]}]}"#,
        );
        assert!(
            err.to_string().contains("duplicate key `riskcode`"),
            "{err}"
        );
        let r = parse_ok(br#"{"@version":"2.8.0","site":[{"@name":"http://b.test","alerts":""}]}"#);
        assert!(r.findings.is_empty());
        // Truncated JSON: a JSON error with its position.
        let err = parse_err(br#"{"@version":"2.8.0","site":[{"@name":"http://b.test","#);
        assert!(matches!(err, IngestError::Json { line: 1, .. }), "{err:?}");
        // A wrong type where a kept-only field is expected does not fail the report.
        let r = parse_ok(br#"{"site":[{"@name":"http://b.test","alerts":[{"pluginid":"1","riskcode":"1","desc":{"x":1},"reference":[1]}]}]}"#);
        assert_eq!(r.findings[0].description, None);
    }

    #[test]
    fn structural_errors_name_line_and_column() {
        // Stray content after the root.
        let err = parse_err(b"<OWASPZAPReport/>\n<OWASPZAPReport/>");
        let (line, column, message) = xml_pos(&err);
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("second root"), "{message}");
        let err = parse_err(b"<OWASPZAPReport></OWASPZAPReport>\ntrailing");
        assert!(
            xml_pos(&err).2.contains("after the end of the root"),
            "{err}"
        );
        // Whitespace, comments and PIs after the root are fine.
        parse_ok(b"<OWASPZAPReport></OWASPZAPReport>\n<!-- done -->\n<?pi x?>\n");
        // Mismatched and unmatched tags.
        let err = parse_err(b"<OWASPZAPReport>\n<site><alerts></site>\n</OWASPZAPReport>");
        let (line, _, message) = xml_pos(&err);
        assert_eq!(line, 2);
        assert!(message.contains("</alerts>"), "{message}");
        // Text before the root, declaration in the middle, doctype after root start.
        assert!(parse(b"junk<OWASPZAPReport/>", &ctx()).is_err());
        assert!(
            parse(
                b"<OWASPZAPReport><?xml version=\"1.0\"?></OWASPZAPReport>",
                &ctx()
            )
            .is_err()
        );
        assert!(parse(b"<OWASPZAPReport><!DOCTYPE x></OWASPZAPReport>", &ctx()).is_err());
        // A BOM is skipped even when the caller did not strip it.
        assert!(
            parse_ok(b"\xEF\xBB\xBF<OWASPZAPReport/>")
                .findings
                .is_empty()
        );
        // Only comments: no root.
        let err = parse_err(b"<?xml version=\"1.0\"?><!-- nothing -->");
        assert!(xml_pos(&err).2.contains("no root element"), "{err}");
        // Invalid XML inside a tag.
        let err = parse_err(b"<OWASPZAPReport>\n  <site name=\"a></site></OWASPZAPReport>");
        assert_eq!(xml_pos(&err).0, 2, "{err}");
    }

    #[test]
    fn nesting_depth_is_bounded() {
        let mut doc = String::from("<OWASPZAPReport>");
        for _ in 0..300 {
            doc.push_str("<x>");
        }
        let err = parse_err(doc.as_bytes());
        assert!(xml_pos(&err).2.contains("nested deeper than 256"), "{err}");
        // A million levels: still an error, no stack overflow.
        let deep = format!("<OWASPZAPReport>{}", "<a>".repeat(1_000_000));
        assert!(parse(deep.as_bytes(), &ctx()).is_err());
    }

    #[test]
    fn crlf_and_latin1_inputs() {
        let lf = fixture("current_multi_site.xml");
        let crlf = String::from_utf8(lf.clone())
            .expect("utf-8")
            .replace('\n', "\r\n");
        assert_eq!(parse_ok(&lf).findings, parse_ok(crlf.as_bytes()).findings);

        let mut latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><OWASPZAPReport><site name=\"https://a.test\"><alerts><alertitem><pluginid>1</pluginid><alert>Caf\xe9</alert><riskcode>1</riskcode></alertitem></alerts></site></OWASPZAPReport>".to_vec();
        assert_eq!(&*parse_ok(&latin1).findings[0].title, "Café");
        // Without the declaration those bytes are not UTF-8: an error, with its position.
        let root = latin1
            .windows(6)
            .position(|w| w == b"<OWASP")
            .expect("root");
        latin1.drain(..root);
        let err = parse_err(&latin1);
        assert!(xml_pos(&err).2.contains("not valid UTF-8"), "{err}");
        let err = parse_err(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><OWASPZAPReport/>");
        assert!(xml_pos(&err).2.contains("Shift_JIS"), "{err}");
    }

    #[test]
    fn zap_1x_reliability_is_read_as_confidence() {
        let r = parse_ok(
            b"<OWASPZAPReport version=\"1.4.0.1\"><site host=\"10.2.100.1\" name=\"http://10.2.100.1\" port=\"80\" ssl=\"false\"><alerts><alertitem>\
              <pluginid>40004</pluginid><alert>SQL Injection Fingerprinting</alert><riskcode>3</riskcode>\
              <reliability>1</reliability><uri>http://10.2.100.1/demo/SQLI2.php</uri><param>username</param>\
              <attack>1'INJECTED_PARAM</attack><otherinfo>SQL</otherinfo><otherinfo>second copy</otherinfo>\
              </alertitem></alerts></site></OWASPZAPReport>",
        );
        let f = &r.findings[0];
        assert_eq!(f.confidence, Some(Confidence::Low));
        assert_eq!(f.severity, Severity::High);
        let i = &web(f).instances[0];
        assert_eq!(
            i.other_info.as_deref(),
            Some("SQL"),
            "the first of duplicate elements wins"
        );
        assert_eq!(i.attack.as_deref(), Some("1'INJECTED_PARAM"));
        assert_eq!(r.stats.notes[0], "ZAP 1.4.0.1 XML report",);
    }

    #[test]
    fn paragraphs_are_unwrapped_not_interpreted() {
        assert_eq!(unwrap_paragraphs("<p>a</p><p>b</p>"), "a\nb");
        assert_eq!(unwrap_paragraphs("  <p>a</p>\n<p>b</p>  "), "a\nb");
        assert_eq!(unwrap_paragraphs("<p>a <b>bold</b></p>"), "a <b>bold</b>");
        assert_eq!(
            unwrap_paragraphs("no wrapper <p>x</p>"),
            "no wrapper <p>x</p>"
        );
        assert_eq!(unwrap_paragraphs("<p>x</p> tail"), "<p>x</p> tail");
        assert_eq!(unwrap_paragraphs("<p></p>"), "");
        assert_eq!(unwrap_paragraphs("<p>a</p>b</p>"), "a</p>b");
    }

    #[test]
    fn references_split_per_url() {
        assert_eq!(
            split_references("<p>https://a.test/x</p><p>http://b.test/</p><p>https://a.test/x</p>"),
            ["https://a.test/x", "http://b.test/"]
        );
        // ZAP 2.9 reports glued the URLs together.
        assert_eq!(
            split_references(
                "http://www.w3.org/TR/CSP2/http://www.w3.org/TR/CSP/http://caniuse.com/#search=content+security+policyhttp://content-security-policy.com/"
            ),
            [
                "http://www.w3.org/TR/CSP2/",
                "http://www.w3.org/TR/CSP/",
                "http://caniuse.com/#search=content+security+policy",
                "http://content-security-policy.com/"
            ]
        );
        // Embedded URLs in a query stay whole; one URL per line.
        assert_eq!(
            split_references("https://a.test/?next=https://b.test/\n\thttps://c.test"),
            ["https://a.test/?next=https://b.test/", "https://c.test"]
        );
        assert!(split_references("  <p></p> ").is_empty());
    }

    #[test]
    fn site_origins() {
        let o = |n: Option<&str>, h: Option<&str>, p: Option<&str>, s: Option<&str>| {
            site_origin(n, h, p, s)
        };
        assert_eq!(
            o(Some("https://Mainsite.com"), None, None, None),
            "https://mainsite.com:443"
        );
        assert_eq!(
            o(Some("http://172.17.0.2"), None, Some("80"), None),
            "http://172.17.0.2:80"
        );
        assert_eq!(
            o(Some("http://a.test:8080/app?x"), None, None, None),
            "http://a.test:8080"
        );
        assert_eq!(
            o(Some("HTTPS://[::1]:8443"), None, None, None),
            "https://[::1]:8443"
        );
        assert_eq!(
            o(Some("https://u:p@a.test"), None, None, None),
            "https://a.test:443"
        );
        assert_eq!(
            o(None, Some("a.test"), Some("8443"), Some("true")),
            "https://a.test:8443"
        );
        assert_eq!(
            o(Some("a.test"), Some("A.test"), None, Some("false")),
            "http://a.test:80"
        );
        assert_eq!(o(None, None, None, None), "");
    }
}
