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
