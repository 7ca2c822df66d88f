//! ICAO 9303 Part 3 §4.9 check digits: weights 7, 3, 1 repeating, sum modulo 10.

/// The numeric value of one MRZ character: `0`–`9` → 0–9, `A`–`Z` → 10–35, `<` → 0.
/// `None` for any other character (lower case included).
#[must_use]
pub fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(u32::from(c) - u32::from('0')),
        'A'..='Z' => Some(u32::from(c) - u32::from('A') + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// The check digit of `data` (0–9), or `None` when `data` holds a character that is not
/// allowed in an MRZ.
///
/// ```
/// assert_eq!(ivs_mrz::check_digit("L898902C3"), Some(6));
/// assert_eq!(ivs_mrz::check_digit("740812"), Some(2));
/// assert_eq!(ivs_mrz::check_digit("l898902c3"), None);
/// ```
#[must_use]
pub fn check_digit(data: &str) -> Option<u8> {
    check_digit_of(data.chars())
}

/// [`check_digit`] over any character sequence (lets callers check non-contiguous spans
/// without allocating).
#[must_use]
pub fn check_digit_of<I: IntoIterator<Item = char>>(data: I) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum: u32 = 0;
    for (i, c) in data.into_iter().enumerate() {
        let v = char_value(c)?;
        sum = (sum + v * WEIGHTS[i % 3]) % 10;
    }
    u8::try_from(sum).ok()
}

/// Whether the printed check character `check` is the check digit of `data`.
/// A check character that is not a digit never verifies.
#[must_use]
pub fn verify<I: IntoIterator<Item = char>>(data: I, check: char) -> bool {
    match (check_digit_of(data), check.to_digit(10)) {
        (Some(expected), Some(printed)) => u32::from(expected) == printed,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_part3_worked_examples() {
        // Doc 9303 Part 3 §4.9 worked examples.
        assert_eq!(check_digit("520727"), Some(3));
        assert_eq!(check_digit("AB2134<<<"), Some(5));
        // Part 4 specimen (TD3).
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        assert_eq!(check_digit("ZE184226B<<<<<"), Some(1));
        // The TD3 composite: doc number + check, birth + check, expiry + check, personal number + check.
        assert_eq!(check_digit("L898902C3674081221204159ZE184226B<<<<<1"), Some(0));
        // Appendix A of Part 3 (as quoted by dmrtd): composite 8.
        assert_eq!(check_digit("HA672242<658022549601086<<<<<<<<<<<<<<0"), Some(8));
    }

    #[test]
    fn values_and_rejections() {
        assert_eq!(char_value('0'), Some(0));
        assert_eq!(char_value('9'), Some(9));
        assert_eq!(char_value('A'), Some(10));
        assert_eq!(char_value('Z'), Some(35));
        assert_eq!(char_value('<'), Some(0));
        assert_eq!(char_value('a'), None);
        assert_eq!(char_value(' '), None);
        assert_eq!(check_digit(""), Some(0));
        assert_eq!(check_digit("AB 1"), None);
        assert!(verify("740812".chars(), '2'));
        assert!(!verify("740812".chars(), '3'));
        assert!(!verify("740812".chars(), '<'));
        // A letter O where a zero belongs changes the sum: 'O' is 24, not 0.
        assert_eq!(check_digit("74O812"), Some(6));
    }
}
