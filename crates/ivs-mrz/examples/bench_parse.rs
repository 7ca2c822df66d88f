//! Parses per second on one core (one thread), for `docs/benchmarks.md`:
//!
//! ```sh
//! cargo run --release -p ivs-mrz --example bench_parse
//! ```
//!
//! Parses a mix of specimens (one per format, plus a TD3 that needs a repair and one with a
//! failed check digit that repair cannot fix) round-robin for about two seconds per round,
//! three rounds, and prints each round's rate.

use ivs_mrz::{Date, parse};
use std::hint::black_box;
use std::time::{Duration, Instant};

const SAMPLES: [&str; 8] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<",
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<<<",
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226",
    "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<\n9409923102854CORINNE<<<<<<<6512068F4",
    // Needs a repair (O for 0 in the document number) and has a wrong expiry check digit.
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8989O2C36UTO7408122F1204158ZE184226B<<<<<10",
];

fn main() {
    let Some(today) = Date::new(2026, 11, 25) else {
        return;
    };
    for round in 1..=3 {
        let start = Instant::now();
        let mut n: u64 = 0;
        let mut valid: u64 = 0;
        while start.elapsed() < Duration::from_secs(2) {
            for s in SAMPLES {
                if let Ok(m) = parse(black_box(s), today) {
                    valid += u64::from(m.is_valid());
                }
                n += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let rate = n as f64 / secs;
        println!(
            "round {round}: {n} parses in {secs:.2} s = {rate:.0} parses/s ({:.2} µs each; {valid} valid)",
            1e6 / rate
        );
    }
}
