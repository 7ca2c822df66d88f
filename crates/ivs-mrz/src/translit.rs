//! ICAO 9303 Part 3 §6 transliteration of names into the MRZ alphabet.
//!
//! Latin letters with diacritics follow the recommended table (Ä → AE, Å → AA, Ö → OE,
//! Ü → UE, ß → SS, Æ → AE, Ø → OE, Þ → TH, Ñ → N, ...); Cyrillic and Greek follow the
//! Part 3 tables (Greek ΟΥ as `OU`, as Greek passports print it). States may also print Ä/Ö/Ü as a plain A/O/U, so [`transliterate_simple`]
//! gives the other accepted form; a name comparison should accept either.

/// How to write umlauts: the ICAO recommendation (`Ö` → `OE`) or the plain base letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Umlaut {
    Expand,
    Base,
}

/// Transliterates a name to the MRZ alphabet (upper case `A`–`Z`), as recommended by
/// ICAO 9303 Part 3 §6. Spaces, hyphens, commas and other separators become one space;
/// apostrophes are dropped (`D'ARTAGNAN` → `DARTAGNAN`); digits and characters with no
/// transliteration are dropped. Leading and trailing spaces are trimmed.
///
/// ```
/// assert_eq!(ivs_mrz::transliterate("Jürgen Groß-Öhler"), "JUERGEN GROSS OEHLER");
/// assert_eq!(ivs_mrz::transliterate("Ærøskøbing"), "AEROESKOEBING");
/// assert_eq!(ivs_mrz::transliterate("Щукин"), "SHCHUKIN");
/// assert_eq!(ivs_mrz::transliterate("Παπαδόπουλος"), "PAPADOPOULOS");
/// ```
#[must_use]
pub fn transliterate(name: &str) -> String {
    run(name, Umlaut::Expand)
}

/// Like [`transliterate`] but with umlauts and `Å` written as the base letter
/// (`Jürgen` → `JURGEN`), the other form Part 3 allows.
#[must_use]
pub fn transliterate_simple(name: &str) -> String {
    run(name, Umlaut::Base)
}

fn run(name: &str, umlaut: Umlaut) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    let upper: Vec<char> = name.chars().flat_map(char::to_uppercase).collect();
    let mut i = 0;
    while let Some(&u) = upper.get(i) {
        i += 1;
        // Greek ΟΥ is written OU (ELOT 743, as Greek passports print it), not OY.
        let mapped = if matches!(u, 'Ο' | 'Ό') && matches!(upper.get(i), Some('Υ' | 'Ύ')) {
            i += 1;
            Mapped::Text("OU")
        } else {
            map_char(u, umlaut)
        };
        match mapped {
            Mapped::Text(t) => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push_str(t);
            }
            Mapped::Separator => pending_space = true,
            Mapped::Drop => {}
        }
    }
    out
}

enum Mapped {
    Text(&'static str),
    Separator,
    Drop,
}

#[allow(clippy::too_many_lines, clippy::match_same_arms)]
fn map_char(c: char, umlaut: Umlaut) -> Mapped {
    use Mapped::{Drop, Separator, Text};
    let expand = umlaut == Umlaut::Expand;
    let t = match c {
        'A'..='Z' => {
            // Plain ASCII letters map to themselves; look up the static one-letter string.
            const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
            let i = (u32::from(c) - u32::from('A')) as usize;
            return LETTERS.get(i..=i).map_or(Drop, Text);
        }
        ' ' | '-' | '‐' | '‑' | '–' | '—' | ',' | '.' | '<' | '_' | '/' | '\t' | '\n' => {
            return Separator;
        }
        // ---- Latin (Part 3 §6, Table A) ----
        'À' | 'Á' | 'Â' | 'Ã' | 'Ā' | 'Ă' | 'Ą' | 'Ǎ' | 'Ǻ' => "A",
        'Ä' if expand => "AE",
        'Ä' => "A",
        'Å' if expand => "AA",
        'Å' => "A",
        'Æ' | 'Ǽ' => "AE",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'Ď' | 'Đ' | 'Ð' => "D",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' | 'Ə' => "E",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'Ĥ' | 'Ħ' => "H",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' | 'Ǐ' => "I",
        'Ĳ' => "IJ",
        'Ĵ' => "J",
        'Ķ' => "K",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "L",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' | 'Ŋ' => "N",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ō' | 'Ŏ' | 'Ő' | 'Ǒ' => "O",
        'Ö' if expand => "OE",
        'Ö' => "O",
        'Ø' | 'Ǿ' | 'Œ' => "OE",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => "S",
        'ẞ' => "SS",
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => "T",
        'Þ' => "TH",
        'Ù' | 'Ú' | 'Û' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' | 'Ǔ' | 'Ǖ' | 'Ǘ' | 'Ǚ' | 'Ǜ' => {
            "U"
        }
        'Ü' if expand => "UE",
        'Ü' => "U",
        'Ŵ' => "W",
        'Ý' | 'Ÿ' | 'Ŷ' => "Y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        // ---- Cyrillic (Part 3 §6, Table B) ----
        'А' => "A",
        'Б' => "B",
        'В' => "V",
        'Г' | 'Ґ' | 'Ѓ' => "G",
        'Д' => "D",
        'Ђ' => "D",
        'Е' | 'Ё' | 'Э' => "E",
        'Є' => "IE",
        'Ж' => "ZH",
        'З' => "Z",
        'Ѕ' => "DZ",
        'И' | 'І' | 'Ї' | 'Й' => "I",
        'Ј' => "J",
        'К' | 'Ќ' => "K",
        'Л' => "L",
        'Љ' => "LJ",
        'М' => "M",
        'Н' => "N",
        'Њ' => "NJ",
        'О' => "O",
        'П' => "P",
        'Р' => "R",
        'С' => "S",
        'Т' => "T",
        'Ћ' => "C",
        'У' | 'Ў' => "U",
        'Ф' => "F",
        'Х' => "KH",
        'Ц' => "TS",
        'Ч' => "CH",
        'Џ' => "DZ",
        'Ш' => "SH",
        'Щ' => "SHCH",
        'Ъ' => "IE",
        'Ы' => "Y",
        'Ь' => return Drop,
        'Ю' => "IU",
        'Я' => "IA",
        // ---- Greek (Part 3 §6, Table C) ----
        'Α' | 'Ά' => "A",
        'Β' => "V",
        'Γ' => "G",
        'Δ' => "D",
        'Ε' | 'Έ' => "E",
        'Ζ' => "Z",
        'Η' | 'Ή' => "I",
        'Θ' => "TH",
        'Ι' | 'Ί' | 'Ϊ' => "I",
        'Κ' => "K",
        'Λ' => "L",
        'Μ' => "M",
        'Ν' => "N",
        'Ξ' => "X",
        'Ο' | 'Ό' => "O",
        'Π' => "P",
        'Ρ' => "R",
        'Σ' => "S",
        'Τ' => "T",
        'Υ' | 'Ύ' | 'Ϋ' => "Y",
        'Φ' => "F",
        'Χ' => "CH",
        'Ψ' => "PS",
        'Ω' | 'Ώ' => "O",
        _ => {
            // Combining marks (a decomposed é is 'E' + U+0301) vanish; so do apostrophes,
            // digits and anything else without a transliteration.
            return Drop;
        }
    };
    Text(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_table() {
        assert_eq!(transliterate("Ö"), "OE");
        assert_eq!(transliterate("ü"), "UE");
        assert_eq!(transliterate("ß"), "SS");
        assert_eq!(transliterate("Æ"), "AE");
        assert_eq!(transliterate("æ"), "AE");
        assert_eq!(transliterate("Ø"), "OE");
        assert_eq!(transliterate("Å"), "AA");
        assert_eq!(transliterate("Þórr"), "THORR");
        assert_eq!(transliterate("Müller-Lüdenscheidt"), "MUELLER LUEDENSCHEIDT");
        assert_eq!(transliterate("José María"), "JOSE MARIA");
        assert_eq!(transliterate("Łukasz Żółć"), "LUKASZ ZOLC");
        assert_eq!(transliterate("Ștefan Țepeș"), "STEFAN TEPES");
        assert_eq!(transliterate("François"), "FRANCOIS");
        assert_eq!(transliterate("D'Artagnan"), "DARTAGNAN");
        assert_eq!(transliterate("  anna   maria  "), "ANNA MARIA");
        // Decomposed accents (NFD) lose the combining mark.
        assert_eq!(transliterate("Jose\u{301}"), "JOSE");
        assert_eq!(transliterate("R2D2"), "RD");
        assert_eq!(transliterate(""), "");
    }

    #[test]
    fn simple_form() {
        assert_eq!(transliterate_simple("Jürgen Öztürk"), "JURGEN OZTURK");
        assert_eq!(transliterate_simple("Åsa"), "ASA");
        assert_eq!(transliterate_simple("Groß"), "GROSS");
    }

    #[test]
    fn cyrillic_table() {
        assert_eq!(transliterate("Михаил Горбачёв"), "MIKHAIL GORBACHEV");
        assert_eq!(transliterate("Юлия Тимошенко"), "IULIIA TIMOSHENKO");
        assert_eq!(transliterate("Жуков"), "ZHUKOV");
        assert_eq!(transliterate("Цой"), "TSOI");
        assert_eq!(transliterate("Ильич"), "ILICH");
        assert_eq!(transliterate("Подъячев"), "PODIEIACHEV");
        assert_eq!(transliterate("Крыжановский"), "KRYZHANOVSKII");
        assert_eq!(transliterate("Љубиша Његош"), "LJUBISHA NJEGOSH");
    }

    #[test]
    fn greek_table() {
        assert_eq!(transliterate("Γεώργιος"), "GEORGIOS");
        assert_eq!(transliterate("Χρήστος"), "CHRISTOS");
        assert_eq!(transliterate("Ψαρράς"), "PSARRAS");
        assert_eq!(transliterate("Θεοδωράκης"), "THEODORAKIS");
        assert_eq!(transliterate("Ξανθή"), "XANTHI");
        assert_eq!(transliterate("Ουρανία Λουκά"), "OURANIA LOUKA");
        assert_eq!(transliterate("Υπατία"), "YPATIA");
    }

    #[test]
    fn output_alphabet() {
        for s in ["Ünïcødé ☃ 名前 Ω", "a\u{0}b", "😀", "ǅ"] {
            let t = transliterate(s);
            assert!(t.chars().all(|c| c.is_ascii_uppercase() || c == ' '), "{t}");
            assert!(!t.starts_with(' ') && !t.ends_with(' ') && !t.contains("  "));
        }
    }
}
