//! Neutralising scanner-controlled text for the places scangate prints it.
//!
//! Reports carry attacker-influenced strings (package descriptions, URLs, HTTP evidence).
//! Before any of it reaches a terminal it goes through [`for_terminal`], so escape sequences
//! cannot move the cursor, recolour the log or hide lines.

/// Replaces control characters (C0, DEL, C1, and bidi overrides that can reorder what a reader
/// sees) with visible escapes, folds newlines and tabs to spaces, and truncates to `max` chars.
pub fn for_terminal(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max.saturating_add(8)));
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&c.escape_unicode().to_string());
            }
            c => out.push(c),
        }
    }
    truncate(out.trim(), max)
}

/// Unicode bidirectional formatting characters ("Trojan Source", CVE-2021-42574).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// [`str::trim`], with a fast answer for the usual text that starts and ends with a visible
/// ASCII character (readers trim every field they keep: 10^6 results, a dozen fields each).
pub fn trim(s: &str) -> &str {
    // Everything `char::is_whitespace` calls whitespace is 0x09..=0x0D, 0x20 or not ASCII.
    let visible = |b: u8| b.is_ascii() && !matches!(b, 0x09..=0x0D | 0x20);
    match s.as_bytes() {
        [first, .., last] if visible(*first) && visible(*last) => s,
        [only] if visible(*only) => s,
        _ => s.trim(),
    }
}

/// Truncates to at most `max` characters, marking the cut with `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_is_str_trim() {
        let mut samples: Vec<String> = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{b}a\u{b}",
            "\u{a0}a",
            "a\u{3000}",
            "a b",
            "\n\ta\r\n",
            "\u{85}",
            "é",
            " é ",
            "x\u{2028}",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        // Every char at either end of a visible one.
        for c in (0..=0x3000u32).filter_map(char::from_u32) {
            samples.push(format!("{c}a"));
            samples.push(format!("a{c}"));
            samples.push(c.to_string());
        }
        for s in &samples {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn escapes_control_and_bidi_characters() {
        assert_eq!(
            for_terminal("a\u{1b}[31mred\u{7}", 100),
            "a\\u{1b}[31mred\\u{7}"
        );
        assert_eq!(for_terminal("x\u{202E}y", 100), "x\\u{202e}y");
        assert_eq!(for_terminal("line1\r\nline2\tz", 100), "line1 line2 z");
    }

    #[test]
    fn truncates_by_characters() {
        assert_eq!(truncate("ééééé", 3), "éé…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(for_terminal(&"x".repeat(50), 10).chars().count(), 10);
    }
}
