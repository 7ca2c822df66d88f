//! MRZ formats, their layouts (where every field sits) and format detection.

use std::fmt;

/// The MRZ formats ivs reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// ID-1 card (Doc 9303 Part 5): 3 lines of 30.
    Td1,
    /// ID-2 card (Part 6): 2 lines of 36.
    Td2,
    /// Passport booklet (Part 4): 2 lines of 44.
    Td3,
    /// Full-size visa (Part 7, MRV-A): 2 lines of 44.
    MrvA,
    /// Small visa (Part 7, MRV-B): 2 lines of 36.
    MrvB,
    /// French national identity card issued before 2021: 2 lines of 36, not ICAO.
    FrenchId,
}

impl Format {
    /// All formats, in a fixed order.
    pub const ALL: [Format; 6] = [
        Format::Td1,
        Format::Td2,
        Format::Td3,
        Format::MrvA,
        Format::MrvB,
        Format::FrenchId,
    ];

    /// The name used on the wire: `TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`, `FRENCH_ID`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Td1 => "TD1",
            Self::Td2 => "TD2",
            Self::Td3 => "TD3",
            Self::MrvA => "MRVA",
            Self::MrvB => "MRVB",
            Self::FrenchId => "FRENCH_ID",
        }
    }

    /// Number of lines.
    #[must_use]
    pub fn line_count(self) -> usize {
        match self {
            Self::Td1 => 3,
            _ => 2,
        }
    }

    /// Characters per line.
    #[must_use]
    pub fn line_len(self) -> usize {
        match self {
            Self::Td1 => 30,
            Self::Td2 | Self::MrvB | Self::FrenchId => 36,
            Self::Td3 | Self::MrvA => 44,
        }
    }

    /// Whether the format has a composite check digit (visas do not).
    #[must_use]
    pub fn has_composite(self) -> bool {
        !matches!(self, Self::MrvA | Self::MrvB)
    }

    /// Detects the format from the shape of upper-case lines and their first characters.
    /// `None` when the shape is not one of the six.
    ///
    /// 3×30 is TD1; 2×44 is MRV-A when line 1 starts with `V`, else TD3; 2×36 is MRV-B when
    /// line 1 starts with `V`. Otherwise a 2×36 whose line 1 starts with `IDFRA` (or `1DFRA`,
    /// the OCR confusion) is the French ID when its characters fit the French layout with
    /// fewer OCR confusions than the TD2 layout (a character that fits neither way rules a
    /// layout out); when that does not decide, when line 1 starts with `IDFRA`, line 2 has no
    /// digit where TD2 prints the birth date (column 14) and no `FRA` where TD2 prints the
    /// nationality. Else TD2.
    #[must_use]
    pub fn detect<S: AsRef<[u8]>>(lines: &[S]) -> Option<Format> {
        let lens: Vec<usize> = lines.iter().map(|l| l.as_ref().len()).collect();
        let first = lines.first().map(AsRef::as_ref).unwrap_or_default();
        let is_visa = first.first() == Some(&b'V');
        match lens.as_slice() {
            [30, 30, 30] => Some(Self::Td1),
            [44, 44] if is_visa => Some(Self::MrvA),
            [44, 44] => Some(Self::Td3),
            [36, 36] if is_visa => Some(Self::MrvB),
            [36, 36] => {
                let second = lines.get(1).map(AsRef::as_ref).unwrap_or_default();
                let french = french_prefix(first) && {
                    let grid: Vec<Vec<u8>> = lines.iter().map(|l| l.as_ref().to_vec()).collect();
                    match (misfits(Self::FrenchId, &grid), misfits(Self::Td2, &grid)) {
                        (Some(french), Some(td2)) if french != td2 => french < td2,
                        (Some(_), None) => true,
                        (None, Some(_)) => false,
                        _ => {
                            first.starts_with(FRENCH_PREFIX)
                                && second.get(13).is_some_and(|c| !c.is_ascii_digit())
                                && second.get(10..13) != Some(b"FRA".as_slice())
                        }
                    }
                };
                Some(if french { Self::FrenchId } else { Self::Td2 })
            }
            _ => None,
        }
    }
}

/// The fixed start of the French card's line 1: document code `ID`, issuing state `FRA`.
pub(crate) const FRENCH_PREFIX: &[u8; 5] = b"IDFRA";

/// The OCR confusions ivs repairs. None of these pairs differ by a multiple of 10, so a
/// check digit always notices the swap (unlike `C`/`M`/`W`, `6`/`G`/`Q`, `<`/`A`/`K`/`U`).
pub(crate) fn confusion(c: u8) -> Option<u8> {
    Some(match c {
        b'0' => b'O',
        b'O' => b'0',
        b'1' => b'I',
        b'I' => b'1',
        b'2' => b'Z',
        b'Z' => b'2',
        b'5' => b'S',
        b'S' => b'5',
        b'8' => b'B',
        b'B' => b'8',
        _ => return None,
    })
}

/// Whether `line` starts with `IDFRA`, each character as printed or read as its OCR
/// confusion (`1DFRA`).
pub(crate) fn french_prefix(line: &[u8]) -> bool {
    line.get(..FRENCH_PREFIX.len()).is_some_and(|start| {
        start
            .iter()
            .zip(FRENCH_PREFIX)
            .all(|(c, e)| c == e || confusion(*c) == Some(*e))
    })
}

/// How many characters of `grid` stand where `format`'s layout does not allow them while
/// their OCR confusion would be allowed (a `5` in a name, an `O` in a date): the swaps the
/// lines need to have `format`'s shape. `None` when a character fits neither as read nor
/// swapped (a `7` in a name, a `K` in a date), which rules the layout out.
fn misfits(format: Format, grid: &[Vec<u8>]) -> Option<usize> {
    let classes = resolve(format, grid).classes;
    let mut swaps = 0;
    for (line, classes) in grid.iter().zip(&classes) {
        for (&c, class) in line.iter().zip(classes) {
            if class.allows(c) {
                continue;
            }
            confusion(c).filter(|a| class.allows(*a))?;
            swaps += 1;
        }
    }
    Some(swaps)
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A character position: 0-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub(crate) const fn new(line: usize, column: usize) -> Self {
        Self { line, column }
    }
}

/// What characters a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CharClass {
    /// `A`–`Z` and `<` (names, country codes, document code, sex).
    Alpha,
    /// `0`–`9` and `<` (dates, check digits).
    Numeric,
    /// `A`–`Z`, `0`–`9` and `<` (document number, optional data).
    AlphaNumeric,
}

impl CharClass {
    /// Whether `c` belongs to the class.
    #[must_use]
    pub fn allows(self, c: u8) -> bool {
        match self {
            Self::Alpha => c.is_ascii_uppercase() || c == b'<',
            Self::Numeric => c.is_ascii_digit() || c == b'<',
            Self::AlphaNumeric => c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<',
        }
    }
}

/// A field protected by a check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckField {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    OptionalData,
    Composite,
}

impl CheckField {
    /// The camelCase key used on the wire.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DocumentNumber => "documentNumber",
            Self::BirthDate => "birthDate",
            Self::ExpiryDate => "expiryDate",
            Self::OptionalData => "optionalData",
            Self::Composite => "composite",
        }
    }
}

impl fmt::Display for CheckField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check digit and the characters it protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSpec {
    pub field: CheckField,
    /// The protected characters, in check-digit order.
    pub data: Vec<Pos>,
    /// Where the check digit is printed.
    pub check: Pos,
    /// A long document number (TD1, TD2): the filler printed where a nine-character
    /// number's check digit would be. Issuers compute the long number's check digit either
    /// over the number alone (Belgian cards such as PRADO BEL-BO-11005) or over the nine
    /// principal characters, this filler and the continuation (the older Belgian card
    /// BEL-BO-03003); [`CheckSpec::passes`] accepts either. `None` for every other check
    /// digit.
    pub filler: Option<Pos>,
}

impl CheckSpec {
    /// Whether this check digit passes on `lines` (positions past a line's end read as
    /// fillers). An empty optional-data field may carry a filler as its check digit (Doc 9303
    /// Part 4), and passes so; a long document number passes with or without its
    /// [`filler`](CheckSpec::filler) counted.
    #[must_use]
    pub fn passes<S: AsRef<str>>(&self, lines: &[S]) -> bool {
        self.passes_with(|p| {
            lines
                .get(p.line)
                .and_then(|l| l.as_ref().as_bytes().get(p.column))
                .copied()
                .unwrap_or(b'<')
        })
    }

    /// [`CheckSpec::passes`], reading each position through `get`.
    pub(crate) fn passes_with(&self, get: impl Fn(Pos) -> u8) -> bool {
        let check = char::from(get(self.check));
        if self.field == CheckField::OptionalData && check == '<' && self.data.iter().all(|p| get(*p) == b'<')
        {
            return true;
        }
        let verifies = |data: &[Pos]| crate::check::verify(data.iter().map(|p| char::from(get(*p))), check);
        verifies(&self.data)
            || self.filler.is_some_and(|filler| {
                // The filler in line order: after the principal characters, before the
                // continuation.
                let mut with_filler = self.data.clone();
                with_filler.insert(with_filler.partition_point(|p| *p < filler), filler);
                verifies(&with_filler)
            })
    }
}

/// A run of columns on one line, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

const fn sp(line: usize, start: usize, end: usize) -> Span {
    Span { line, start, end }
}

impl Span {
    pub(crate) fn positions(self) -> impl Iterator<Item = Pos> {
        (self.start..self.end).map(move |c| Pos::new(self.line, c))
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Names {
    /// `SURNAME<<GIVEN<NAMES` in one span.
    Single(Span),
    /// Separate spans (French ID).
    Split { surname: Span, given: Span },
}

/// Where every field of a format sits. The long document number (TD1, TD2) is resolved
/// against the actual characters by [`Resolved`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub code: Span,
    pub issuing: Span,
    pub names: Names,
    pub doc: Span,
    /// Document number positions that hold digits only (the French card's issue year and
    /// month).
    pub doc_digits: Option<Span>,
    pub doc_check: Pos,
    /// Where a long document number continues when `doc_check` holds a filler.
    pub overflow: Option<Span>,
    pub nationality: Option<Span>,
    pub birth: Span,
    pub birth_check: Pos,
    pub sex: Pos,
    pub expiry: Option<(Span, Pos)>,
    pub optional: &'static [Span],
    pub optional_check: Option<Pos>,
    pub composite: Option<(&'static [Span], Pos)>,
}

const TD1_OPTIONAL: [Span; 2] = [sp(0, 15, 30), sp(1, 18, 29)];
const TD1_COMPOSITE: [Span; 4] = [sp(0, 5, 30), sp(1, 0, 7), sp(1, 8, 15), sp(1, 18, 29)];
const TD2_OPTIONAL: [Span; 1] = [sp(1, 28, 35)];
const TD2_COMPOSITE: [Span; 3] = [sp(1, 0, 10), sp(1, 13, 20), sp(1, 21, 35)];
const TD3_OPTIONAL: [Span; 1] = [sp(1, 28, 42)];
const TD3_COMPOSITE: [Span; 3] = [sp(1, 0, 10), sp(1, 13, 20), sp(1, 21, 43)];
const MRVA_OPTIONAL: [Span; 1] = [sp(1, 28, 44)];
const MRVB_OPTIONAL: [Span; 1] = [sp(1, 28, 36)];
const FR_OPTIONAL: [Span; 1] = [sp(0, 30, 36)];
const FR_COMPOSITE: [Span; 2] = [sp(0, 0, 36), sp(1, 0, 35)];

/// The shared line-2 layout of TD2, TD3 and both visas.
const fn line2_layout(names_end: usize) -> Layout {
    Layout {
        code: sp(0, 0, 2),
        issuing: sp(0, 2, 5),
        names: Names::Single(sp(0, 5, names_end)),
        doc: sp(1, 0, 9),
        doc_digits: None,
        doc_check: Pos::new(1, 9),
        overflow: None,
        nationality: Some(sp(1, 10, 13)),
        birth: sp(1, 13, 19),
        birth_check: Pos::new(1, 19),
        sex: Pos::new(1, 20),
        expiry: Some((sp(1, 21, 27), Pos::new(1, 27))),
        optional: &TD2_OPTIONAL,
        optional_check: None,
        composite: None,
    }
}

pub(crate) fn layout(format: Format) -> Layout {
    match format {
        Format::Td1 => Layout {
            code: sp(0, 0, 2),
            issuing: sp(0, 2, 5),
            names: Names::Single(sp(2, 0, 30)),
            doc: sp(0, 5, 14),
            doc_digits: None,
            doc_check: Pos::new(0, 14),
            overflow: Some(sp(0, 15, 30)),
            nationality: Some(sp(1, 15, 18)),
            birth: sp(1, 0, 6),
            birth_check: Pos::new(1, 6),
            sex: Pos::new(1, 7),
            expiry: Some((sp(1, 8, 14), Pos::new(1, 14))),
            optional: &TD1_OPTIONAL,
            optional_check: None,
            composite: Some((&TD1_COMPOSITE, Pos::new(1, 29))),
        },
        Format::Td2 => Layout {
            overflow: Some(sp(1, 28, 35)),
            composite: Some((&TD2_COMPOSITE, Pos::new(1, 35))),
            ..line2_layout(36)
        },
        Format::Td3 => Layout {
            optional: &TD3_OPTIONAL,
            optional_check: Some(Pos::new(1, 42)),
            composite: Some((&TD3_COMPOSITE, Pos::new(1, 43))),
            ..line2_layout(44)
        },
        Format::MrvA => Layout {
            optional: &MRVA_OPTIONAL,
            ..line2_layout(44)
        },
        Format::MrvB => Layout {
            optional: &MRVB_OPTIONAL,
            ..line2_layout(36)
        },
        Format::FrenchId => Layout {
            code: sp(0, 0, 2),
            issuing: sp(0, 2, 5),
            names: Names::Split {
                surname: sp(0, 5, 30),
                given: sp(1, 13, 27),
            },
            // Issue year and month (4 digits), issuing office (3), serial number (5).
            doc: sp(1, 0, 12),
            doc_digits: Some(sp(1, 0, 4)),
            doc_check: Pos::new(1, 12),
            overflow: None,
            nationality: None,
            birth: sp(1, 27, 33),
            birth_check: Pos::new(1, 33),
            sex: Pos::new(1, 34),
            expiry: None,
            optional: &FR_OPTIONAL,
            optional_check: None,
            composite: Some((&FR_COMPOSITE, Pos::new(1, 35))),
        },
    }
}

/// Reads a character; positions outside the grid read as a filler.
pub(crate) fn at(grid: &[Vec<u8>], p: Pos) -> u8 {
    grid.get(p.line)
        .and_then(|l| l.get(p.column))
        .copied()
        .unwrap_or(b'<')
}

/// A layout resolved against the characters: the long document number located, the
/// check specs and the character class of every position known.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub layout: Layout,
    /// Positions of the document number characters (more than the base span when long).
    pub doc_positions: Vec<Pos>,
    /// The optional data spans with the long document number removed.
    pub optional: Vec<Span>,
    pub specs: Vec<CheckSpec>,
    pub classes: Vec<Vec<CharClass>>,
}

pub(crate) fn resolve(format: Format, grid: &[Vec<u8>]) -> Resolved {
    let layout = layout(format);
    let mut doc_positions: Vec<Pos> = layout.doc.positions().collect();
    let mut doc_check = layout.doc_check;
    let mut optional: Vec<Span> = layout.optional.to_vec();
    let mut filler_at_doc_check = None;
    if let Some(ov) = layout.overflow
        && at(grid, layout.doc_check) == b'<'
        && at(grid, Pos::new(ov.line, ov.start)) != b'<'
    {
        // Long document number: it continues at `ov.start` up to the first filler; the
        // last of those characters is the check digit.
        let run = ov
            .positions()
            .take_while(|p| at(grid, *p) != b'<')
            .collect::<Vec<_>>();
        if let Some((last, rest)) = run.split_last() {
            filler_at_doc_check = Some(layout.doc_check);
            doc_positions.extend_from_slice(rest);
            doc_check = *last;
            let consumed_end = (last.column + 1).min(ov.end);
            for s in &mut optional {
                if s.line == ov.line && s.start == ov.start {
                    s.start = consumed_end;
                }
            }
        }
    }

    let spec = |field, data: Vec<Pos>, check| CheckSpec {
        field,
        data,
        check,
        filler: None,
    };
    let mut specs = vec![CheckSpec {
        filler: filler_at_doc_check,
        ..spec(CheckField::DocumentNumber, doc_positions.clone(), doc_check)
    }];
    specs.push(spec(
        CheckField::BirthDate,
        layout.birth.positions().collect(),
        layout.birth_check,
    ));
    if let Some((span, check)) = layout.expiry {
        specs.push(spec(CheckField::ExpiryDate, span.positions().collect(), check));
    }
    if let Some(check) = layout.optional_check {
        specs.push(spec(
            CheckField::OptionalData,
            optional.iter().flat_map(|s| s.positions()).collect(),
            check,
        ));
    }
    if let Some((spans, check)) = layout.composite {
        specs.push(spec(
            CheckField::Composite,
            spans.iter().flat_map(|s| s.positions()).collect(),
            check,
        ));
    }

    // Character classes: names and codes alpha; numbers and optional data alphanumeric;
    // dates and check digits numeric.
    let mut classes = vec![vec![CharClass::Alpha; format.line_len()]; format.line_count()];
    let mut set = |p: Pos, c: CharClass| {
        if let Some(slot) = classes.get_mut(p.line).and_then(|l| l.get_mut(p.column)) {
            *slot = c;
        }
    };
    for s in layout.optional {
        s.positions().for_each(|p| set(p, CharClass::AlphaNumeric));
    }
    doc_positions
        .iter()
        .for_each(|p| set(*p, CharClass::AlphaNumeric));
    if let Some(span) = layout.doc_digits {
        span.positions().for_each(|p| set(p, CharClass::Numeric));
    }
    layout.birth.positions().for_each(|p| set(p, CharClass::Numeric));
    if let Some((span, _)) = layout.expiry {
        span.positions().for_each(|p| set(p, CharClass::Numeric));
    }
    if let Some(p) = filler_at_doc_check {
        set(p, CharClass::Numeric);
    }
    for spec in &specs {
        set(spec.check, CharClass::Numeric);
    }

    Resolved {
        layout,
        doc_positions,
        optional,
        specs,
        classes,
    }
}

/// Normalises lines for the public position helpers: trimmed, upper case, as bytes.
fn to_grid<S: AsRef<str>>(lines: &[S]) -> Vec<Vec<u8>> {
    lines
        .iter()
        .map(|l| l.as_ref().trim().to_ascii_uppercase().into_bytes())
        .collect()
}

/// The check digits of `format` and the positions each protects, for these lines (the
/// lines decide where a TD1/TD2 long document number ends). An OCR reader can use this to
/// decode character alternatives under the check digits.
#[must_use]
pub fn check_specs<S: AsRef<str>>(format: Format, lines: &[S]) -> Vec<CheckSpec> {
    resolve(format, &to_grid(lines)).specs
}

/// The class of every position of `format` for these lines (indexed `[line][column]`).
#[must_use]
pub fn char_classes<S: AsRef<str>>(format: Format, lines: &[S]) -> Vec<Vec<CharClass>> {
    resolve(format, &to_grid(lines)).classes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        let l = |n: usize, first: &str| format!("{first}{}", "<".repeat(n - first.len()));
        assert_eq!(
            Format::detect(&[l(30, "I<"), l(30, ""), l(30, "")]),
            Some(Format::Td1)
        );
        assert_eq!(Format::detect(&[l(44, "P<"), l(44, "")]), Some(Format::Td3));
        assert_eq!(Format::detect(&[l(44, "V<"), l(44, "")]), Some(Format::MrvA));
        assert_eq!(Format::detect(&[l(36, "I<"), l(36, "")]), Some(Format::Td2));
        assert_eq!(Format::detect(&[l(36, "V<"), l(36, "")]), Some(Format::MrvB));
        assert_eq!(
            Format::detect(&[l(36, "IDFRA"), l(36, "1234567890123JEAN")]),
            Some(Format::FrenchId)
        );
        // IDFRA with a TD2 line 2 (birth date at column 14) stays TD2.
        assert_eq!(
            Format::detect(&[l(36, "IDFRA"), l(36, "D231458907FRA7408122")]),
            Some(Format::Td2)
        );
        assert_eq!(
            Format::detect(&[l(36, "IDFRA"), l(36, "D231458907FRAO408122")]),
            Some(Format::Td2)
        );
        // A French ID without given names.
        assert_eq!(
            Format::detect(&[l(36, "IDFRA"), l(36, "0509952018746<<<")]),
            Some(Format::FrenchId)
        );
        // Read with OCR confusions: `1D` for `ID`; a given name starting `5` for `S` where
        // TD2 has its birth date.
        assert_eq!(
            Format::detect(&[l(36, "1DFRA"), l(36, "1234567890123JEAN")]),
            Some(Format::FrenchId)
        );
        assert_eq!(
            Format::detect(&[l(36, "IDFRA"), l(36, "12345678901235OPHIE")]),
            Some(Format::FrenchId)
        );
        // Only the five confusions: `IDFRB`, `LDFRA` are not the French start.
        assert!(french_prefix(b"1DFRA") && french_prefix(b"IDFRA"));
        assert!(!french_prefix(b"IDFRB") && !french_prefix(b"LDFRA") && !french_prefix(b"IDFR"));
        assert_eq!(
            Format::detect(&[l(36, "LDFRA"), l(36, "1234567890123JEAN")]),
            Some(Format::Td2)
        );
        assert_eq!(Format::detect(&[l(44, "P<"), l(36, "")]), None);
        assert_eq!(Format::detect(&[l(30, "I<"), l(30, "")]), None);
        assert_eq!(Format::detect::<String>(&[]), None);
    }

    #[test]
    fn every_layout_fits_its_lines() {
        for f in Format::ALL {
            let grid = vec![vec![b'<'; f.line_len()]; f.line_count()];
            let r = resolve(f, &grid);
            for spec in &r.specs {
                for p in spec.data.iter().chain([&spec.check]) {
                    assert!(p.line < f.line_count() && p.column < f.line_len(), "{f} {p:?}");
                }
            }
            assert_eq!(
                r.specs.iter().any(|s| s.field == CheckField::Composite),
                f.has_composite()
            );
        }
    }

    #[test]
    fn a_long_document_number_passes_with_or_without_its_filler() {
        let names = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let second = "7408122F1204159UTO<<<<<<<<<<<<";
        let spec = |first: &str| {
            check_specs(Format::Td1, &[first, second, names])
                .into_iter()
                .find(|s| s.field == CheckField::DocumentNumber)
        };
        // D23145890 + 124: 4 without the filler, 0 with it; any other digit fails.
        assert_eq!(crate::check_digit("D23145890124"), Some(4));
        assert_eq!(crate::check_digit("D23145890<124"), Some(0));
        for (digit, passes) in [('4', true), ('0', true), ('5', false), ('9', false)] {
            let first = format!("I<UTOD23145890<124{digit}<<<<<<<<<<<");
            let spec = spec(&first).expect("TD1 has a document number");
            assert_eq!(spec.filler, Some(Pos::new(0, 14)));
            assert_eq!(spec.data.len(), 12);
            assert_eq!(spec.passes(&[first.as_str(), second, names]), passes, "{digit}");
        }
        // A nine-character number has no filler to count.
        let first = "I<UTOD231458907<<<<<<<<<<<<<<<";
        let spec = spec(first).expect("TD1 has a document number");
        assert_eq!(spec.filler, None);
        assert!(spec.passes(&[first, second, names]));
    }

    #[test]
    fn french_document_number_starts_with_digits() {
        let lines = [
            "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
            "9409923102854CORINNE<<<<<<<6512068F4",
        ];
        let classes = char_classes(Format::FrenchId, &lines);
        let doc: Vec<CharClass> = classes[1][..12].to_vec();
        assert_eq!(doc[..4], [CharClass::Numeric; 4]);
        assert_eq!(doc[4..], [CharClass::AlphaNumeric; 8]);
    }

    #[test]
    fn a_check_spec_passes_on_the_lines_and_an_empty_optional_field_may_carry_a_filler() {
        let first = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let second = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let specs = check_specs(Format::Td3, &[first, second]);
        assert_eq!(specs.len(), 5);
        assert!(specs.iter().all(|s| s.passes(&[first, second])));
        let wrong = second.replace("7408122", "7408132");
        let failing: Vec<CheckField> = specs
            .iter()
            .filter(|s| !s.passes(&[first, wrong.as_str()]))
            .map(|s| s.field)
            .collect();
        assert_eq!(failing, [CheckField::BirthDate, CheckField::Composite]);
        let optional = specs
            .iter()
            .find(|s| s.field == CheckField::OptionalData)
            .expect("TD3 has optional data");
        let empty = |check: char| format!("{}{}{check}0", &second[..28], "<".repeat(14));
        assert!(optional.passes(&[first, empty('<').as_str()]));
        assert!(optional.passes(&[first, empty('0').as_str()]));
        assert!(!optional.passes(&[first, empty('5').as_str()]));
        let document = specs
            .iter()
            .find(|s| s.field == CheckField::DocumentNumber)
            .expect("TD3 has a document number");
        let blank = format!("{}<{}", "<".repeat(9), &second[10..]);
        assert!(
            !document.passes(&[first, blank.as_str()]),
            "only optional data may so"
        );
    }
}
