//! Arbitrary bytes into the MRZ parser: it must never panic, and its output must keep its
//! invariants.
#![no_main]

use ivs_mrz::{Date, ParseOptions, parse_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let Some(today) = Date::new(2000 + i32::from(flags % 60), 6, 15) else {
        return;
    };
    let options = ParseOptions {
        today,
        repair: flags & 0x80 == 0,
    };
    if let Ok(mrz) = parse_with(&text, &options) {
        assert_eq!(mrz.is_valid(), mrz.problems.is_empty());
        assert_eq!(mrz.lines.len(), mrz.format.line_count());
        for line in &mrz.lines {
            assert_eq!(line.len(), mrz.format.line_len());
        }
        if !options.repair {
            assert!(mrz.repairs.is_empty());
        }
        let _ = ivs_mrz::transliterate(&text);
    }
});
