//! The trivy parser on any bytes (format forced, as with `--input-format trivy`): never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ =
        scangate::ingest::parse_bytes(data, "fuzz".into(), Some(scangate::ingest::Format::Trivy));
});
