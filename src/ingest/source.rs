//! Where a report's bytes live while it is parsed, and giving back the part already read.
//!
//! A large report is memory-mapped rather than copied into a buffer: its pages come from the
//! page cache as the parser reaches them (no 1 GB anonymous buffer to fault in and fill), and
//! the parser can tell the kernel to drop the pages it has gone past ([`Release::consumed`]),
//! so the input and the findings made from it are never both wholly resident (issue 7: peak
//! memory within 1.5x the input). Findings never borrow from the input, so dropped pages are
//! only ever read again by a re-read on the error path, which faults them back in from the file.
//!
//! The cost of a mapping: a report truncated by another process *while* scangate reads it
//! kills the process with SIGBUS (as for any tool that maps files); the README says so.
//! Small reports, and anything that is not a plain file of known size, are read into memory.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use memmap2::{Mmap, UncheckedAdvice};

/// Reports at least this large are mapped; below it a read is as fast and needs no mapping.
pub const MAP_MIN_BYTES: u64 = 4 << 20;

/// Pages are given back in steps of at least this much, a little behind the parser: one
/// `madvise` call per step, and the region the parser may still look back at stays mapped.
const RELEASE_STEP: usize = 8 << 20;
const RELEASE_MARGIN: usize = 1 << 20;

/// A report's bytes: read into memory, or mapped.
pub enum ReportBytes {
    Read(Vec<u8>),
    Mapped(Arc<Mapping>),
}

impl ReportBytes {
    /// Reads or maps `file`, whose `stat` size is `len`; `None` from the limit check means
    /// the file held more than `max_bytes`.
    pub fn load(file: File, len: u64, max_bytes: u64) -> std::io::Result<Option<ReportBytes>> {
        if len >= MAP_MIN_BYTES && len <= max_bytes {
            // SAFETY: the mapping is read-only and private; scangate never writes through it.
            // Its contents are only defined while no other process changes the file, the
            // documented condition of reading a report (module docs).
            let map = unsafe { Mmap::map(&file)? };
            // Checked against the mapping rather than `stat`: the file may have changed since.
            if map.len() as u64 > max_bytes {
                return Ok(None);
            }
            // The parser reads front to back: read ahead generously.
            let _ = map.advise(memmap2::Advice::Sequential);
            return Ok(Some(ReportBytes::Mapped(Arc::new(Mapping {
                map,
                released: AtomicUsize::new(0),
            }))));
        }
        // The size from `stat` is not the last word: files in /proc report 0 and can stream
        // gigabytes, and a file may grow after the check. Never read past the limit.
        let mut bytes = Vec::new();
        // Sized from `stat` as `fs::read` does, so a large report is read without regrowing.
        bytes
            .try_reserve_exact(usize::try_from(len).unwrap_or(0))
            .map_err(std::io::Error::other)?;
        file.take(max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > max_bytes {
            return Ok(None);
        }
        Ok(Some(ReportBytes::Read(bytes)))
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            ReportBytes::Read(v) => v,
            ReportBytes::Mapped(m) => &m.map,
        }
    }

    /// The handle a parser uses to give back what it has read.
    pub fn release(&self) -> Release {
        match self {
            ReportBytes::Read(_) => Release::default(),
            ReportBytes::Mapped(m) => Release(Some(Arc::clone(m))),
        }
    }
}

/// A mapped report and how much of it has been given back.
pub struct Mapping {
    map: Mmap,
    released: AtomicUsize,
}

impl Mapping {
    fn drop_pages(&self, start: usize, end: usize) {
        if end > start {
            // SAFETY: the mapping is a private, read-only file mapping: after `DontNeed`
            // the next access reads the same file pages again, so nothing that borrows from
            // the mapping sees different bytes (same condition as the mapping itself).
            let _ = unsafe {
                self.map
                    .unchecked_advise_range(UncheckedAdvice::DontNeed, start, end - start)
            };
        }
    }
}

/// Where a string value sits in the input, when it was borrowed from it (an unescaped copy
/// sits elsewhere): the position parsers hand to [`Release::consumed`].
pub fn position(value: Option<&Cow<'_, str>>) -> Option<*const u8> {
    match value {
        Some(Cow::Borrowed(s)) => Some(s.as_ptr()),
        _ => None,
    }
}

/// A parser's handle for giving back input it has gone past. A no-op for reports read into
/// memory (and for in-memory parsing: tests, fuzzing), so parsers call it unconditionally.
#[derive(Clone, Default)]
pub struct Release(Option<Arc<Mapping>>);

impl std::fmt::Debug for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Release(mapped)"
        } else {
            "Release(none)"
        })
    }
}

impl Release {
    /// The parser has read everything before `position`, a pointer into the bytes it was
    /// given (a pointer from elsewhere, e.g. an unescaped copy, is ignored). Pages well
    /// behind it are dropped, in steps.
    pub fn consumed(&self, position: *const u8) {
        let Some(m) = &self.0 else { return };
        let base = m.map.as_ptr() as usize;
        let Some(offset) = (position as usize).checked_sub(base) else {
            return;
        };
        if offset > m.map.len() {
            return;
        }
        let upto = offset.saturating_sub(RELEASE_MARGIN) & !(RELEASE_STEP - 1);
        let done = m.released.load(Ordering::Relaxed);
        if upto >= done + RELEASE_STEP
            && m.released
                .compare_exchange(done, upto, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            m.drop_pages(done, upto);
        }
    }

    /// `bytes` (the whole input) as `str` when it is all UTF-8: one SIMD pass, ~10 ms per
    /// 200 MB, that spares serde_json a check of each string it borrows. The check goes in
    /// steps and gives back a mapped report's pages behind it, so it does not make the whole
    /// report resident at once (the parser maps them again as it goes).
    pub fn utf8<'a>(&self, bytes: &'a [u8]) -> Option<&'a str> {
        let mapped = self
            .0
            .as_ref()
            .filter(|m| m.map.as_ptr() == bytes.as_ptr() && m.map.len() == bytes.len());
        let mut start = 0;
        while start < bytes.len() {
            let end = char_start(bytes, (start + RELEASE_STEP).min(bytes.len()))?;
            simdutf8::basic::from_utf8(&bytes[start..end]).ok()?;
            if let Some(m) = mapped {
                m.drop_pages(start & !(RELEASE_STEP - 1), end & !(RELEASE_STEP - 1));
            }
            start = end;
        }
        // SAFETY: every step was checked, and each starts at a character's first byte, so
        // the steps joined are UTF-8 too.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    }

    /// The parser is done with a pass over the whole input and starts again from the front
    /// (SARIF reads the log twice): drop every page now.
    pub fn restart(&self) {
        if let Some(m) = &self.0 {
            m.drop_pages(0, m.map.len() & !(RELEASE_STEP - 1));
            m.released.store(0, Ordering::Relaxed);
        }
    }
}

/// Where the character at `at` starts: `at`, or up to 3 bytes before it when `at` is inside a
/// UTF-8 sequence; `None` when the bytes there cannot be UTF-8 (more continuation bytes).
/// `bytes.len()` is a start.
fn char_start(bytes: &[u8], mut at: usize) -> Option<usize> {
    let mut back = 0;
    while at < bytes.len() && bytes[at] & 0xC0 == 0x80 {
        if back == 3 {
            return None;
        }
        at = at.checked_sub(1)?;
        back += 1;
    }
    Some(at)
}

/// `bytes` as `str` when it is all UTF-8, checked in two halves on two cores (rayon: one after
/// the other when the pool is busy with other reports). For a mapped report the check is also
/// where its pages are first mapped in: ~0.1 s on one core for a 700 MB SARIF log before its
/// reading thread could start (issue 7).
pub fn utf8_on_two_cores(bytes: &[u8]) -> Option<&str> {
    let (front, back) = bytes.split_at(char_start(bytes, bytes.len() / 2)?);
    let (front_ok, back_ok) = rayon::join(
        || simdutf8::basic::from_utf8(front).is_ok(),
        || simdutf8::basic::from_utf8(back).is_ok(),
    );
    // SAFETY: both halves are UTF-8, and the back one starts at a character's first byte, so
    // the two joined are UTF-8 too.
    (front_ok && back_ok).then(|| unsafe { std::str::from_utf8_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("scangate-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        path
    }

    fn load(path: &std::path::Path, max: u64) -> Option<ReportBytes> {
        let file = File::open(path).unwrap();
        let len = file.metadata().unwrap().len();
        ReportBytes::load(file, len, max).unwrap()
    }

    #[test]
    fn small_files_are_read_large_ones_mapped_with_the_same_bytes() {
        let small = temp_file("small.json", b"{\"a\": 1}");
        let got = load(&small, u64::MAX).unwrap();
        assert!(matches!(got, ReportBytes::Read(_)));
        assert_eq!(got.bytes(), b"{\"a\": 1}");

        let content: Vec<u8> = (0..MAP_MIN_BYTES as usize + 12_345)
            .map(|i| b'a' + (i % 26) as u8)
            .collect();
        let large = temp_file("large.json", &content);
        let got = load(&large, u64::MAX).unwrap();
        assert!(matches!(got, ReportBytes::Mapped(_)));
        assert_eq!(got.bytes(), &content[..]);
        // Over the limit: refused whichever way it would be read.
        assert!(load(&large, content.len() as u64 - 1).is_none());
        assert!(load(&small, 3).is_none());
    }

    #[test]
    fn the_utf8_check_goes_in_steps_that_split_no_character() {
        // 1-, 2-, 3- and 4-byte characters: some step ends inside each kind.
        let text: String = "aé€😀".repeat(2 * RELEASE_STEP / 10 + 1000);
        let path = temp_file("utf8.json", text.as_bytes());
        let got = load(&path, u64::MAX).unwrap();
        assert!(matches!(got, ReportBytes::Mapped(_)));
        assert_eq!(got.release().utf8(got.bytes()), Some(text.as_str()));
        assert_eq!(got.bytes(), text.as_bytes());
        // In memory, the same answer without pages to give back.
        assert_eq!(
            Release::default().utf8(text.as_bytes()),
            Some(text.as_str())
        );
        assert_eq!(Release::default().utf8(b""), Some(""));

        // One bad byte anywhere, including just after a step's end, is not UTF-8.
        for at in [
            0,
            RELEASE_STEP - 1,
            RELEASE_STEP,
            RELEASE_STEP + 1,
            text.len() - 1,
        ] {
            let mut bad = text.clone().into_bytes();
            bad[at] = 0xFF;
            assert_eq!(Release::default().utf8(&bad), None, "0xFF at {at}");
        }
        // Continuation bytes where a step would end, more than a character has.
        let mut bad = vec![b'a'; RELEASE_STEP + 10];
        bad[RELEASE_STEP - 2..RELEASE_STEP + 3].fill(0x80);
        assert_eq!(Release::default().utf8(&bad), None);
    }

    #[test]
    fn released_pages_read_back_the_same_bytes() {
        let content: Vec<u8> = (0..3 * RELEASE_STEP + 777)
            .map(|i| (i % 251) as u8)
            .collect();
        let path = temp_file("release.bin", &content);
        let got = load(&path, u64::MAX).unwrap();
        let bytes = got.bytes();
        let release = got.release();
        release.consumed(bytes[bytes.len() - 1..].as_ptr());
        let ReportBytes::Mapped(m) = &got else {
            panic!("not mapped")
        };
        // Everything up to the last whole step before the margin was given back...
        assert_eq!(m.released.load(Ordering::Relaxed), 2 * RELEASE_STEP);
        // ...and reads the same afterwards; pointers from elsewhere change nothing.
        assert_eq!(bytes, &content[..]);
        release.consumed(content.as_ptr());
        release.restart();
        assert_eq!(m.released.load(Ordering::Relaxed), 0);
        assert_eq!(bytes, &content[..]);
        // A handle for bytes read into memory does nothing.
        Release::default().consumed(bytes.as_ptr());
    }

    #[test]
    fn two_cores_check_utf8_wherever_the_halves_meet() {
        // A character of each length straddling the middle at every offset, and texts of
        // 0-3 bytes.
        for filler in 0..8 {
            for c in ['a', 'é', '€', '😀'] {
                let text = format!("{}{c}{}", "x".repeat(filler), "y".repeat(5));
                assert_eq!(utf8_on_two_cores(text.as_bytes()), Some(text.as_str()));
            }
        }
        for text in ["", "a", "é", "€"] {
            assert_eq!(utf8_on_two_cores(text.as_bytes()), Some(text));
        }
        // A bad byte in either half, a character cut in two, continuation bytes at the middle.
        let mut bad = "abcdefgh".as_bytes().to_vec();
        for at in 0..bad.len() {
            let byte = std::mem::replace(&mut bad[at], 0xFF);
            assert_eq!(utf8_on_two_cores(&bad), None, "0xFF at {at}");
            bad[at] = byte;
        }
        assert_eq!(utf8_on_two_cores(&"€".as_bytes()[..2]), None);
        assert_eq!(
            utf8_on_two_cores(&[b'a', 0x80, 0x80, 0x80, 0x80, b'b']),
            None
        );
        assert_eq!(utf8_on_two_cores(&[0x80, 0x80]), None);
    }
}
