//! Prefetch hints for loops that walk large collections out of memory order.

/// Asks the CPU to start loading the cache line at `p`: a hint, with no effect on what the
/// program computes (any address is allowed). Used a few elements ahead of loops over 10^5-10^6
/// findings whose data is scattered over the heap or reached in a permuted order: the renderers'
/// texts (their first loads were most of the escaping loop's time, perf annotate, issue 7) and
/// the verdict's pairing of findings with their decisions.
#[inline(always)]
pub(crate) fn line<T: ?Sized>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetcht0` reads nothing the program sees and cannot fault, whatever the
    // address; SSE, the feature it needs, is part of x86_64's baseline.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// [`line`] for each cache line of `value` (a finding is five).
#[inline(always)]
pub(crate) fn object<T>(value: &T) {
    let p: *const u8 = std::ptr::from_ref(value).cast();
    for at in (0..std::mem::size_of::<T>()).step_by(64) {
        line(p.wrapping_add(at));
    }
}

/// [`line`] for each cache line a text spans, up to four: a title or a tool's fingerprints
/// often cross a line boundary, and the second line missed as the first did (the renderers'
/// escaping loops, issue 7).
#[inline(always)]
pub(crate) fn text(s: &str) {
    let p = s.as_ptr();
    // From the start of the text's first line.
    let offset = p as usize & 63;
    for at in (0..offset + s.len().min(256)).step_by(64) {
        line(p.wrapping_sub(offset).wrapping_add(at));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_anywhere_of_any_length_can_be_prefetched() {
        let s = "x".repeat(1000);
        for start in 0..70 {
            for len in [0, 1, 63, 64, 65, 300] {
                super::text(&s[start..start + len]);
            }
        }
    }
}
