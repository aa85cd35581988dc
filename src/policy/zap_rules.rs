//! ZAP baseline's rules file (`zap-baseline.py -c rules.tsv`), imported as policy rules.
//!
//! The format, as ZAP's `zap_common.py` reads it: one rule per line, TAB-separated,
//! `PLUGIN_IDS<TAB>LEVEL<TAB>REST`; `#` starts a comment line; `PLUGIN_IDS` is one plugin id or
//! several separated by commas. `LEVEL` is `IGNORE`, `INFO`, `WARN`, `FAIL` or `OUTOFSCOPE`;
//! for `OUTOFSCOPE`, `REST` is a URL regex (matched at the start of each alert URL, like
//! Python's `re.match`) and the id may be `*` (every plugin); otherwise `REST` is the rule name,
//! free text. A later line for the same plugin replaces an earlier one, as in ZAP.
//!
//! Mapping to scangate: `FAIL` → action `fail`, `WARN` and `INFO` → `warn` (scangate has no
//! separate informational outcome; both are reported and never block), `IGNORE` → `ignore`.
//! `OUTOFSCOPE` → action `ignore` for findings of that plugin whose instance URLs *all* match
//! the regex (a finding is one alert with many instances; it is never partly dropped).
//! Out-of-scope rules come before level rules, as ZAP applies scope before levels.

use regex::Regex;

use super::Problem;
use super::matcher::{Conditions, Patterns};
use super::raw::Action;
use super::{Origin, Rule};

/// A level as written in the rules file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZapLevel {
    Ignore,
    Info,
    Warn,
    Fail,
    OutOfScope,
}

impl ZapLevel {
    fn parse(s: &str) -> Option<ZapLevel> {
        // ZAP compares upper-case names; accepting any case costs nothing and is kinder.
        Some(match s.to_ascii_uppercase().as_str() {
            "IGNORE" => ZapLevel::Ignore,
            "INFO" => ZapLevel::Info,
            "WARN" => ZapLevel::Warn,
            "FAIL" => ZapLevel::Fail,
            "OUTOFSCOPE" => ZapLevel::OutOfScope,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            ZapLevel::Ignore => "IGNORE",
            ZapLevel::Info => "INFO",
            ZapLevel::Warn => "WARN",
            ZapLevel::Fail => "FAIL",
            ZapLevel::OutOfScope => "OUTOFSCOPE",
        }
    }

    fn action(self) -> Action {
        match self {
            ZapLevel::Ignore | ZapLevel::OutOfScope => Action::Ignore,
            ZapLevel::Info | ZapLevel::Warn => Action::Warn,
            ZapLevel::Fail => Action::Fail,
        }
    }
}

/// One meaningful line of the file.
#[derive(Debug, Clone)]
struct Line {
    line: usize,
    ids: Vec<String>,
    level: ZapLevel,
    rest: String,
    url_regex: Option<Regex>,
}

/// Parses a rules file into policy rules, collecting every problem (`file:line:column`).
pub fn parse(text: &str, file: &str) -> (Vec<Rule>, Vec<Problem>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut problem = |line: usize, column: usize, message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            line,
            column,
            message,
        })
    };
    for (idx, raw) in text.lines().enumerate() {
        let n = idx + 1;
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
        let content = raw.trim_end();
        if content.trim_start().is_empty() || content.trim_start().starts_with('#') {
            continue;
        }
        let mut fields = content.splitn(3, '\t');
        let ids_field = fields.next().unwrap_or("");
        let Some(level_field) = fields.next() else {
            let hint = if content.contains(' ') {
                " (the fields are separated by spaces; ZAP needs TAB characters)"
            } else {
                ""
            };
            problem(
                n,
                1,
                format!("expected `PLUGIN_ID<TAB>LEVEL<TAB>...`{hint}"),
            );
            continue;
        };
        let rest = fields.next().unwrap_or("").trim().to_owned();
        let level_col = ids_field.chars().count() + 2;
        let Some(level) = ZapLevel::parse(level_field.trim()) else {
            problem(
                n,
                level_col,
                format!(
                    "unknown level `{}` (expected IGNORE, INFO, WARN, FAIL or OUTOFSCOPE)",
                    level_field.trim()
                ),
            );
            continue;
        };
        let mut ids = Vec::new();
        let mut bad_id = false;
        for id in ids_field.split(',') {
            let id = id.trim();
            let ok = (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
                || (id == "*" && level == ZapLevel::OutOfScope);
            if ok {
                ids.push(id.to_owned());
            } else {
                bad_id = true;
                let why = if id == "*" {
                    "`*` (all plugins) is only allowed with OUTOFSCOPE"
                } else {
                    "a plugin id is a number"
                };
                problem(n, 1, format!("invalid plugin id `{id}`: {why}"));
            }
        }
        let rest_col = level_col + level_field.chars().count() + 1;
        let url_regex = if level == ZapLevel::OutOfScope {
            if rest.is_empty() {
                problem(
                    n,
                    rest_col,
                    "OUTOFSCOPE needs a URL regex in the third field".into(),
                );
                continue;
            }
            // `re.match` anchors at the start only.
            match Regex::new(&format!("^(?:{rest})")) {
                Ok(re) => Some(re),
                Err(e) => {
                    let detail = e.to_string();
                    let last = detail.lines().last().unwrap_or("").trim().to_owned();
                    problem(n, rest_col, format!("invalid URL regex `{rest}`: {last}"));
                    continue;
                }
            }
        } else {
            None
        };
        if bad_id {
            continue;
        }
        lines.push(Line {
            line: n,
            ids,
            level,
            rest,
            url_regex,
        });
    }
    (to_rules(&lines, file), problems)
}

fn to_rules(lines: &[Line], file: &str) -> Vec<Rule> {
    let zap = Patterns::new(&["zap".to_owned()], true).ok();
    let mut rules = Vec::new();
    // Scope first, in file order.
    for l in lines.iter().filter(|l| l.level == ZapLevel::OutOfScope) {
        for id in &l.ids {
            let id_pattern = if id == "*" {
                None
            } else {
                Patterns::new(std::slice::from_ref(id), false).ok()
            };
            rules.push(Rule {
                origin: Origin {
                    file: file.to_owned(),
                    line: l.line,
                },
                label: format!("ZAP rule {id} OUTOFSCOPE ({file}:{})", l.line),
                conditions: Conditions {
                    scanner: zap.clone(),
                    id: id_pattern,
                    url_regex: l.url_regex.clone(),
                    ..Default::default()
                },
                action: Some(Action::Ignore),
                severity: None,
                reason: Some(format!("out of scope: URL matches `{}`", l.rest)),
            });
        }
    }
    // Levels: the last line for a plugin wins, as in ZAP; rules keep that line's position.
    let mut last: Vec<(&str, &Line)> = Vec::new();
    for l in lines.iter().filter(|l| l.level != ZapLevel::OutOfScope) {
        for id in &l.ids {
            last.retain(|(seen, _)| *seen != id.as_str());
            last.push((id, l));
        }
    }
    last.sort_by_key(|(_, l)| l.line);
    for (id, l) in last {
        rules.push(Rule {
            origin: Origin {
                file: file.to_owned(),
                line: l.line,
            },
            label: format!("ZAP rule {id} {} ({file}:{})", l.level.as_str(), l.line),
            conditions: Conditions {
                scanner: zap.clone(),
                id: Patterns::new(&[id.to_owned()], false).ok(),
                ..Default::default()
            },
            action: Some(l.level.action()),
            severity: None,
            reason: (!l.rest.is_empty()).then(|| l.rest.clone()),
        });
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_zap_generated_files() {
        let text = "# zap-baseline rule configuration file\n\
                    # Only the rule identifiers are used - the names are just for info\n\
                    10016\tWARN\t(Web Browser XSS Protection Not Enabled)\n\
                    10020\tIGNORE\t(X-Frame-Options Header Not Set)\n\
                    10021,10038\tFAIL\t(two at once)\n\
                    10038\tINFO\t(Content Security Policy (CSP) Header Not Set)\n\
                    *\tOUTOFSCOPE\thttps://example.com/static/.*\n\
                    \n";
        let (rules, problems) = parse(text, "zap-rules.tsv");
        assert!(problems.is_empty(), "{problems:?}");
        let summary: Vec<_> = rules
            .iter()
            .map(|r| (r.label.clone(), r.action.map(Action::as_str)))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "ZAP rule * OUTOFSCOPE (zap-rules.tsv:7)".to_owned(),
                    Some("ignore")
                ),
                (
                    "ZAP rule 10016 WARN (zap-rules.tsv:3)".to_owned(),
                    Some("warn")
                ),
                (
                    "ZAP rule 10020 IGNORE (zap-rules.tsv:4)".to_owned(),
                    Some("ignore")
                ),
                (
                    "ZAP rule 10021 FAIL (zap-rules.tsv:5)".to_owned(),
                    Some("fail")
                ),
                // 10038 was FAIL on line 5, INFO on line 6: the later line wins.
                (
                    "ZAP rule 10038 INFO (zap-rules.tsv:6)".to_owned(),
                    Some("warn")
                ),
            ]
        );
        assert!(rules[0].conditions.id.is_none());
        assert_eq!(
            rules[1].reason.as_deref(),
            Some("(Web Browser XSS Protection Not Enabled)")
        );
    }

    #[test]
    fn every_bad_line_is_reported_with_its_position() {
        let text = "10016 WARN (spaces)\n\
                    10020\tBLOCK\t(x)\n\
                    abc\tWARN\t(x)\n\
                    *\tFAIL\t(x)\n\
                    10027\tOUTOFSCOPE\thttps://(unclosed\n\
                    10027\tOUTOFSCOPE\n";
        let (rules, problems) = parse(text, "r.tsv");
        assert!(rules.is_empty());
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown.len(), 6, "{shown:#?}");
        assert!(shown[0].starts_with("r.tsv:1:1: ") && shown[0].contains("TAB"));
        assert!(shown[1].starts_with("r.tsv:2:7: unknown level `BLOCK`"));
        assert!(shown[2].starts_with("r.tsv:3:1: invalid plugin id `abc`"));
        assert!(shown[3].contains("only allowed with OUTOFSCOPE"));
        assert!(shown[4].starts_with("r.tsv:5:18: invalid URL regex"));
        assert!(shown[5].starts_with("r.tsv:6:18: OUTOFSCOPE needs a URL regex"));
    }
}
