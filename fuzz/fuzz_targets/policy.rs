//! Policy loading on any text: every input is either a policy or a list of problems, never a
//! panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(today) = scangate::policy::parse_date("2026-01-15") else {
        return;
    };
    let empty = std::env::temp_dir().join("scangate-fuzz-empty");
    let options = scangate::policy::LoadOptions {
        today,
        base_dir: Some(&empty),
    };
    let _ = scangate::policy::Policy::from_toml(
        text,
        scangate::policy::PolicySource::File("fuzz.toml".into()),
        &options,
    );
});
