//! The sarif parser on any bytes (format forced, as with `--input-format sarif`): never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ =
        scangate::ingest::parse_bytes(data, "fuzz".into(), Some(scangate::ingest::Format::Sarif));
});
