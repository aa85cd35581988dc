//! Loading a policy: find the file, parse it, and validate it in two phases, collecting every
//! problem with its `file:line:column` before failing.
//!
//! Phase one deserializes the [`RawPolicy`] types with serde. Serde stops at the first error,
//! so after each error the offending entry is cut out of the parsed TOML tree (toml's errors
//! carry the byte span of the key or value at fault) and deserialization is retried; each
//! round removes one bad entry, so every unknown key and wrong type is found. Phase two checks
//! what types cannot say (globs compile, waivers have reasons and dates, dates within the
//! allowed lifetime) and builds the [`Policy`]. Both phases report by position.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::matcher::{Conditions, Patterns};
use super::raw::{OneOrMany, RawPolicy, RawRule, RawWaiver};
use super::waiver::Waiver;
use super::{DEFAULT_FILE_NAME, Gate, Origin, Policy, PolicySource, Rule, zap_rules};
use crate::ingest::line_col;
use crate::model::Severity;

/// What loading needs besides the text.
#[derive(Debug, Clone)]
pub struct LoadOptions<'a> {
    /// Today's date, for `max_waiver_days`. Injected (never read from the clock here) so
    /// loading is deterministic in tests.
    pub today: Date,
    /// Directory that relative paths in the policy (`zap_rules`) are resolved against; `None`
    /// is the working directory.
    pub base_dir: Option<&'a Path>,
}

/// One problem in a policy (or a file it names), with its position (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Every problem found in a policy, sorted by file and position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {origin}: {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" })]
pub struct PolicyError {
    pub origin: PolicySource,
    pub problems: Vec<Problem>,
}

/// Why a policy file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// An explicitly named policy file does not exist. Never a reason to fall back to the
    /// default: a typo in `--policy` must not silently loosen the gate.
    #[error(
        "policy file {0} does not exist (a policy named with --policy is never replaced by the default)"
    )]
    NotFound(String),
    #[error("cannot read policy file {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Invalid(#[from] PolicyError),
}

/// Which policy a run uses: the explicit path, else `scangate.toml` in `dir` if it exists,
/// else `None` (the embedded default).
pub fn resolve(explicit: Option<&Path>, dir: &Path) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_owned()),
        None => {
            let candidate = dir.join(DEFAULT_FILE_NAME);
            // Only a real file counts; `metadata` follows symlinks like opening would.
            std::fs::metadata(&candidate)
                .is_ok_and(|m| m.is_file())
                .then(|| PathBuf::from(DEFAULT_FILE_NAME))
        }
    }
}

/// Reads and validates a policy file; `zap_rules` resolves relative to the file's directory.
pub fn load_file(path: &Path, today: Date) -> Result<Policy, LoadError> {
    let display = path.display().to_string();
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| PolicyError {
            origin: PolicySource::File(display.clone()),
            problems: vec![Problem {
                file: display.clone(),
                line: 1,
                column: 1,
                message: "the file is not UTF-8 (TOML must be)".into(),
            }],
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::NotFound(display));
        }
        Err(source) => {
            return Err(LoadError::Io {
                path: display,
                source,
            });
        }
    };
    let base = path.parent().filter(|p| !p.as_os_str().is_empty());
    let options = LoadOptions {
        today,
        base_dir: base,
    };
    Ok(parse(&text, PolicySource::File(display), &options)?)
}

/// Parses and validates policy text.
pub(super) fn parse(
    text: &str,
    source: PolicySource,
    options: &LoadOptions<'_>,
) -> Result<Policy, PolicyError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut ctx = Ctx {
        text,
        file: source.file_name().to_owned(),
        problems: Vec::new(),
    };
    let raw = phase_one(&mut ctx);
    let policy =
        raw.and_then(|(raw, keys)| phase_two(&mut ctx, raw, &keys, source.clone(), options));
    let mut problems = ctx.problems;
    if let (Some(policy), true) = (policy, problems.is_empty()) {
        return Ok(policy);
    }
    problems.sort_by(|a, b| {
        (a.file != ctx.file, &a.file, a.line, a.column).cmp(&(
            b.file != ctx.file,
            &b.file,
            b.line,
            b.column,
        ))
    });
    problems.dedup();
    Err(PolicyError {
        origin: source,
        problems,
    })
}

/// Problem collector for one policy text.
struct Ctx<'t> {
    text: &'t str,
    file: String,
    problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn at(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text.as_bytes(), span.start as u64);
        self.problems.push(Problem {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        });
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        line_col(self.text.as_bytes(), span.start as u64).0
    }
}

/// Keys each table in the original document had, by the table's span start: phase two uses it
/// to tell "`reason` is missing" from "`reason` was there but had the wrong type" (already
/// reported, and cut out by phase one).
type KeysByTable = HashMap<usize, HashSet<String>>;

/// Most problems reported from one file; past this the file is probably not a policy at all.
const MAX_PROBLEMS: usize = 100;

fn phase_one(ctx: &mut Ctx<'_>) -> Option<(RawPolicy, KeysByTable)> {
    let (mut doc, syntax_errors) = DeTable::parse_recoverable(ctx.text);
    let mut syntax_spans = Vec::new();
    for e in &syntax_errors {
        let span = e.span().unwrap_or(0..0);
        ctx.at(&span, e.message().trim().to_owned());
        syntax_spans.push(span);
    }
    let mut keys = KeysByTable::new();
    collect_keys(
        &DeValue::Table(doc.get_ref().clone()),
        doc.span(),
        &mut keys,
    );
    for _ in 0..MAX_PROBLEMS {
        let de = toml::de::Deserializer::from(doc.clone());
        match RawPolicy::deserialize(de) {
            Ok(raw) => return Some((raw, keys)),
            Err(e) => {
                let Some(span) = e.span() else {
                    ctx.at(&(0..0), e.message().trim().to_owned());
                    return None;
                };
                // The recovered tree of a syntax error can fail again at the same place; the
                // syntax message is the useful one.
                if !syntax_spans.iter().any(|s| overlaps(s, &span)) {
                    // serde's word for a TOML array is "sequence".
                    let message = e.message().trim().replace("a sequence", "an array");
                    ctx.at(&span, message);
                }
                if !prune_table(doc.get_mut(), &span) {
                    return None;
                }
            }
        }
    }
    None
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start <= b.end && b.start <= a.end
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer != &(0..0)
}

fn collect_keys(value: &DeValue<'_>, span: Range<usize>, keys: &mut KeysByTable) {
    match value {
        DeValue::Table(t) => {
            keys.insert(
                span.start,
                t.iter().map(|(k, _)| k.get_ref().to_string()).collect(),
            );
            for (_, v) in t.iter() {
                collect_keys(v.get_ref(), v.span(), keys);
            }
        }
        DeValue::Array(a) => {
            for item in a.iter() {
                collect_keys(item.get_ref(), item.span(), keys);
            }
        }
        _ => {}
    }
}

/// Removes the entry the error at `span` is about: the deepest key (unknown field) or value
/// (wrong type) containing it. Returns false when nothing could be removed.
fn prune_table(table: &mut DeTable<'_>, span: &Range<usize>) -> bool {
    let mut doomed = None;
    for (k, v) in table.iter_mut() {
        if contains(&k.span(), span) {
            doomed = Some(k.clone());
            break;
        }
        if contains(&v.span(), span) {
            if prune_value(v.get_mut(), span) {
                return true;
            }
            doomed = Some(k.clone());
            break;
        }
    }
    if let Some(k) = doomed {
        table.remove(&k);
        return true;
    }
    // An array of tables' own span is its first header, which need not contain the entries.
    table
        .iter_mut()
        .any(|(_, v)| prune_value(v.get_mut(), span))
}

fn prune_value(value: &mut DeValue<'_>, span: &Range<usize>) -> bool {
    match value {
        DeValue::Table(t) => prune_table(t, span),
        DeValue::Array(items) => {
            let hit = items.iter().position(|i| contains(&i.span(), span));
            if let Some(idx) = hit {
                if let Some(item) = items.get_mut(idx)
                    && prune_value(item.get_mut(), span)
                {
                    return true;
                }
                let mut kept = DeArray::new();
                for (i, item) in items.iter().enumerate() {
                    if i != idx {
                        kept.push(item.clone());
                    }
                }
                *items = kept;
                return true;
            }
            items.iter_mut().any(|i| prune_value(i.get_mut(), span))
        }
        _ => false,
    }
}

fn phase_two(
    ctx: &mut Ctx<'_>,
    raw: RawPolicy,
    keys: &KeysByTable,
    source: PolicySource,
    options: &LoadOptions<'_>,
) -> Option<Policy> {
    let sev = |s: Option<Spanned<super::raw::SeverityName>>, default: Severity| {
        s.map_or(default, |s| Severity::from(*s.get_ref()))
    };
    let fail_on = sev(raw.fail_on, Severity::High);
    let unknown_severity = sev(raw.unknown_severity, Severity::Medium);
    let max: BTreeMap<Severity, u64> = raw
        .max
        .unwrap_or_default()
        .entries()
        .into_iter()
        .filter_map(|(s, n)| n.map(|n| (s, n)))
        .collect();

    let mut require = Vec::new();
    for name in raw.require.unwrap_or_default() {
        let value = name.get_ref().trim();
        if value.is_empty() {
            ctx.at(&name.span(), "an empty scanner name in `require`");
        } else {
            require.push(value.to_ascii_lowercase());
        }
    }

    let ignore_statuses = match raw.ignore_statuses {
        Some(list) => list
            .iter()
            .map(|s| s.get_ref().as_str().to_owned())
            .collect(),
        None => vec!["not_affected".to_owned()],
    };

    let allow_permanent_waivers = raw.allow_permanent_waivers.unwrap_or(false);
    let max_waiver_days = match raw.max_waiver_days {
        Some(d) if *d.get_ref() == 0 => {
            ctx.at(&d.span(), "`max_waiver_days` must be at least 1");
            None
        }
        Some(d) if allow_permanent_waivers => {
            ctx.at(
                &d.span(),
                "`max_waiver_days` limits waiver lifetimes, `allow_permanent_waivers = true` \
                 removes the limit: choose one",
            );
            None
        }
        Some(d) => Some(*d.get_ref()),
        None => None,
    };

    let gate = match raw.gate.map(|g| *g.get_ref()) {
        Some(super::raw::GateName::New) => Gate::New,
        Some(super::raw::GateName::All) | None => Gate::All,
    };
    let mut sla = BTreeMap::new();
    for (severity, value) in raw.sla.unwrap_or_default().entries() {
        let Some(value) = value else { continue };
        match super::raw::parse_days(value.get_ref().trim()) {
            Ok(days) => {
                sla.insert(severity, days);
            }
            Err(e) => ctx.at(&value.span(), format!("`sla.{severity}`: {e}")),
        }
    }

    let mut rules = Vec::new();
    for (i, r) in raw.rule.unwrap_or_default().into_iter().enumerate() {
        if let Some(rule) = rule(ctx, i + 1, r) {
            rules.push(rule);
        }
    }

    let zap_rules = raw.zap_rules.map(|path| {
        let name = path.get_ref().clone();
        let resolved = match options.base_dir {
            Some(dir) => dir.join(&name),
            None => PathBuf::from(&name),
        };
        let shown = resolved.display().to_string();
        match std::fs::read_to_string(&resolved) {
            Ok(text) => {
                let (zap, problems) = zap_rules::parse(&text, &shown);
                ctx.problems.extend(problems);
                rules.extend(zap);
            }
            Err(e) => ctx.at(
                &path.span(),
                format!("cannot read the ZAP rules file `{name}` ({shown}): {e}"),
            ),
        }
        name
    });

    let mut waivers = Vec::new();
    for (i, w) in raw.waiver.unwrap_or_default().into_iter().enumerate() {
        let table_keys = keys.get(&w.span().start);
        if let Some(waiver) = waiver(
            ctx,
            i + 1,
            w,
            table_keys,
            allow_permanent_waivers,
            max_waiver_days,
            options.today,
        ) {
            waivers.push(waiver);
        }
    }

    let github_span = raw.github.as_ref().map(|g| g.span());
    let tickets_span = raw.tickets.as_ref().map(|t| t.span());
    let publish = match crate::publish::PublishConfig::from_raw(
        raw.github.map(Spanned::into_inner),
        raw.tickets.map(Spanned::into_inner),
    ) {
        Ok(p) => p,
        Err(e) => {
            for problem in e.problems {
                let span = if problem.starts_with("[tickets]") {
                    tickets_span.clone()
                } else {
                    github_span.clone()
                };
                ctx.at(&span.unwrap_or(0..0), problem);
            }
            crate::publish::PublishConfig::default()
        }
    };

    Some(Policy {
        source,
        fail_on,
        unknown_severity,
        max,
        require,
        ignore_unfixed: raw.ignore_unfixed.unwrap_or(false),
        ignore_statuses,
        trust_tool_suppressions: raw.trust_tool_suppressions.unwrap_or(true),
        allow_permanent_waivers,
        max_waiver_days,
        zap_rules,
        gate,
        sla,
        rules,
        waivers,
        publish,
    })
}

/// Compiles an optional list of globs, reporting each bad one at the value's position.
fn globs(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: Option<Spanned<OneOrMany<String>>>,
    case_insensitive: bool,
) -> Option<Patterns> {
    let value = value?;
    match Patterns::new(&value.get_ref().0, case_insensitive) {
        Ok(p) => Some(p),
        Err(errors) => {
            for e in errors {
                ctx.at(&value.span(), format!("`{key}`: {e}"));
            }
            None
        }
    }
}

fn one_glob(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: Option<Spanned<String>>,
    case_insensitive: bool,
) -> Option<Patterns> {
    let value = value?;
    let span = value.span();
    globs(
        ctx,
        key,
        Some(Spanned::new(span, OneOrMany(vec![value.into_inner()]))),
        case_insensitive,
    )
}

fn rule(ctx: &mut Ctx<'_>, number: usize, raw: Spanned<RawRule>) -> Option<Rule> {
    let span = raw.span();
    let r = raw.into_inner();
    let before = ctx.problems.len();
    let conditions = Conditions {
        scanner: globs(ctx, "scanner", r.scanner, true),
        kind: r
            .kind
            .map(|k| k.into_inner().0.into_iter().map(Into::into).collect())
            .unwrap_or_default(),
        id: globs(ctx, "id", r.id, true),
        fingerprint: None,
        path: globs(ctx, "path", r.path, false),
        target: globs(ctx, "target", r.target, false),
        package: globs(ctx, "package", r.package, false),
        url: globs(ctx, "url", r.url, false),
        url_regex: None,
    };
    if ctx.problems.len() > before {
        return None;
    }
    if conditions.is_empty() {
        ctx.at(
            &span,
            format!(
                "rule #{number} has no condition (scanner, kind, id, path, target, package or \
                 url) and would apply to every finding"
            ),
        );
        return None;
    }
    if r.action.is_none() && r.severity.is_none() {
        ctx.at(
            &span,
            format!("rule #{number} sets neither `action` nor `severity`, so it does nothing"),
        );
        return None;
    }
    let origin = Origin {
        file: ctx.file.clone(),
        line: ctx.line_of(&span),
    };
    Some(Rule {
        label: format!("rule #{number} ({origin})"),
        origin,
        conditions,
        action: r.action.map(|a| *a.get_ref()),
        severity: r.severity.map(|s| Severity::from(*s.get_ref())),
        reason: r.reason.filter(|s| !s.trim().is_empty()),
    })
}

fn waiver(
    ctx: &mut Ctx<'_>,
    number: usize,
    raw: Spanned<RawWaiver>,
    keys: Option<&HashSet<String>>,
    allow_permanent: bool,
    max_days: Option<u64>,
    today: Date,
) -> Option<Waiver> {
    let span = raw.span();
    let w = raw.into_inner();
    let had = |key: &str| keys.is_some_and(|k| k.contains(key));
    let before = ctx.problems.len();

    let id_text = w.id.as_ref().map(|s| s.get_ref().clone());
    let id = one_glob(ctx, "id", w.id, true);
    let fingerprint = w.fingerprint.and_then(|fp| {
        let hex = fp.get_ref().trim().to_ascii_lowercase();
        if hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Some(hex)
        } else {
            ctx.at(
                &fp.span(),
                format!(
                    "invalid fingerprint `{}`: expected 32 hex characters, as in the JSON report",
                    fp.get_ref()
                ),
            );
            None
        }
    });
    if id_text.is_none() && fingerprint.is_none() && !had("id") && !had("fingerprint") {
        ctx.at(
            &span,
            format!("waiver #{number} needs `id` or `fingerprint` to say what it waives"),
        );
    }
    let package = one_glob(ctx, "package", w.package, false);
    let path = one_glob(ctx, "path", w.path, false);
    let target = one_glob(ctx, "target", w.target, false);

    let reason = match w.reason {
        Some(r) if r.get_ref().trim().is_empty() => {
            ctx.at(&r.span(), "`reason` is empty: say why the risk is accepted");
            None
        }
        Some(r) => Some(r.into_inner()),
        None => {
            if !had("reason") {
                ctx.at(
                    &span,
                    format!("waiver #{number} has no `reason`: every waiver must say why"),
                );
            }
            None
        }
    };

    let expires = match w.expires {
        Some(e) => {
            let date = e.get_ref().0;
            if let Some(days) = max_days {
                let limit = i64::try_from(days)
                    .ok()
                    .and_then(|d| today.checked_add(d.days()).ok());
                if let Some(limit) = limit.filter(|l| date > *l) {
                    ctx.at(
                        &e.span(),
                        format!(
                            "expires {date} is more than max_waiver_days = {days} days after \
                             today ({today}); the latest allowed date is {limit}"
                        ),
                    );
                }
            }
            Some(date)
        }
        None => {
            if !allow_permanent && !had("expires") {
                ctx.at(
                    &span,
                    format!(
                        "waiver #{number} has no `expires` date (e.g. expires = {}); set \
                         allow_permanent_waivers = true to allow waivers that never expire",
                        today.checked_add(90.days()).unwrap_or(today)
                    ),
                );
            }
            None
        }
    };

    if ctx.problems.len() > before {
        return None;
    }
    let reason = reason?;
    let origin = Origin {
        file: ctx.file.clone(),
        line: ctx.line_of(&span),
    };
    Some(Waiver {
        number,
        origin,
        id: id_text,
        conditions: Conditions {
            id,
            fingerprint,
            package,
            path,
            target,
            ..Default::default()
        },
        reason,
        expires,
        owner: w.owner.filter(|o| !o.trim().is_empty()),
    })
}
