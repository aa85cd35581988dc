//! Format detection followed by whichever parser it picks: any bytes, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = scangate::ingest::parse_bytes(data, "fuzz".into(), None);
});
