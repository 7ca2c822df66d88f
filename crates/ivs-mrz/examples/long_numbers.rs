//! What accepting both check-digit rules of a long document number costs and gains, for
//! `docs/mrz.md`:
//!
//! ```sh
//! cargo run --release -p ivs-mrz --example long_numbers
//! ```
//!
//! Builds 40,000 TD1 cards with a long document number (10 to 14 random letters and digits,
//! random dates and optional data; a fixed seed) for each check-digit rule (over the number
//! alone, or with the filler counted), and parses each card as printed, with one of the five
//! OCR confusions at a random character of the number, and with a random letter or digit
//! that is neither the printed character nor its confusion at a random character of the
//! number. Prints how many are valid, repaired back to the card, or valid but not the card
//! (and of those, how many without any repair reported).

use ivs_mrz::{Date, check_digit, parse};

/// A small linear congruential generator: the same cards on every run and platform.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % n as u64).unwrap_or(0)
    }
}

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn cd(s: &str) -> char {
    char::from(b'0' + check_digit(s).unwrap_or(0))
}

fn pad(s: &str, n: usize) -> String {
    format!("{s}{}", "<".repeat(n.saturating_sub(s.len())))
}

fn confusion(c: u8) -> Option<u8> {
    let pairs: [(u8, u8); 5] = [
        (b'0', b'O'),
        (b'1', b'I'),
        (b'2', b'Z'),
        (b'5', b'S'),
        (b'8', b'B'),
    ];
    pairs
        .iter()
        .find_map(|&(a, b)| (c == a).then_some(b).or((c == b).then_some(a)))
}

fn random(rng: &mut Lcg, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALPHANUMERIC[rng.below(ALPHANUMERIC.len())]))
        .collect()
}

/// A TD1 card with a long document number, and the columns of line 1 the number occupies.
fn card(rng: &mut Lcg, with_filler: bool) -> ([String; 3], Vec<usize>) {
    let len = 10 + rng.below(5);
    let doc = random(rng, len);
    let (principal, rest) = doc.split_at(9);
    let check = if with_filler {
        cd(&format!("{principal}<{rest}"))
    } else {
        cd(&doc)
    };
    let l1 = format!("I<UTO{principal}<{}", pad(&format!("{rest}{check}"), 15));
    let date = |rng: &mut Lcg| {
        format!(
            "{:02}{:02}{:02}",
            rng.below(100),
            1 + rng.below(12),
            1 + rng.below(28)
        )
    };
    let (birth, expiry) = (date(rng), date(rng));
    let optional_len = rng.below(12);
    let optional = random(rng, optional_len);
    let mut l2 = format!(
        "{birth}{}F{expiry}{}UTO{}",
        cd(&birth),
        cd(&expiry),
        pad(&optional, 11)
    );
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    l2.push(cd(&composite));
    let columns = (5..14).chain(15..15 + len - 9).collect();
    ([l1, l2, pad("ERIKSSON<<ANNA", 30)], columns)
}

#[derive(Default)]
struct Count {
    cards: u32,
    valid_as_printed: u32,
    confused: u32,
    confused_repaired: u32,
    confused_wrong_valid: u32,
    changed: u32,
    changed_wrong_valid: u32,
    changed_silent: u32,
}

fn main() {
    let Some(today) = Date::new(2026, 11, 25) else {
        return;
    };
    println!(
        "rule          cards  valid as printed | one confusion: repaired  valid but wrong | one other character: valid but wrong (no repair)"
    );
    for with_filler in [false, true] {
        let mut rng = Lcg(20_261_208);
        let mut n = Count::default();
        for _ in 0..40_000 {
            let (lines, columns) = card(&mut rng, with_filler);
            let read = |l1: Vec<u8>| {
                let l1 = String::from_utf8(l1).unwrap_or_default();
                parse(&[l1.as_str(), &lines[1], &lines[2]].join("\n"), today).ok()
            };
            n.cards += 1;
            n.valid_as_printed +=
                u32::from(read(lines[0].clone().into_bytes()).is_some_and(|m| m.is_valid()));

            let confusable: Vec<usize> = columns
                .iter()
                .copied()
                .filter(|c| confusion(lines[0].as_bytes()[*c]).is_some())
                .collect();
            if !confusable.is_empty() {
                let column = confusable[rng.below(confusable.len())];
                let mut l1 = lines[0].clone().into_bytes();
                l1[column] = confusion(l1[column]).unwrap_or(b'<');
                if let Some(m) = read(l1) {
                    n.confused += 1;
                    n.confused_repaired += u32::from(m.is_valid() && m.lines == lines);
                    n.confused_wrong_valid += u32::from(m.is_valid() && m.lines != lines);
                }
            }

            let column = columns[rng.below(columns.len())];
            let mut l1 = lines[0].clone().into_bytes();
            let mut other = l1[column];
            while other == l1[column] || confusion(l1[column]) == Some(other) {
                other = ALPHANUMERIC[rng.below(ALPHANUMERIC.len())];
            }
            l1[column] = other;
            if let Some(m) = read(l1) {
                n.changed += 1;
                n.changed_wrong_valid += u32::from(m.is_valid() && m.lines != lines);
                n.changed_silent += u32::from(m.is_valid() && m.lines != lines && m.repairs.is_empty());
            }
        }
        let pct = |a: u32, b: u32| 100.0 * f64::from(a) / f64::from(b.max(1));
        println!(
            "{:<13} {:>5}  {:>15.1} % | {:>22.1} % {:>14.2} % | {:>35.1} % ({:.1} %)",
            if with_filler {
                "with filler"
            } else {
                "number alone"
            },
            n.cards,
            pct(n.valid_as_printed, n.cards),
            pct(n.confused_repaired, n.confused),
            pct(n.confused_wrong_valid, n.confused),
            pct(n.changed_wrong_valid, n.changed),
            pct(n.changed_silent, n.changed),
        );
    }
}
