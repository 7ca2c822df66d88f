//! Parsing, validation and careful repair.

use crate::country::alpha3_to_alpha2;
use crate::date::{self, Date};
use crate::format::{
    CharClass, CheckField, CheckSpec, FRENCH_PREFIX, Format, Names, Pos, Resolved, Span, at, confusion,
    resolve,
};

/// Why a text is not an MRZ at all. A text that has an MRZ's shape is parsed, and field
/// problems (a failed check digit, a digit in a name) are reported in [`Mrz::problems`]
/// instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error("no MRZ lines in the input")]
    Empty,
    #[error(
        "not an MRZ: expected 3 lines of 30, 2 lines of 36 or 2 lines of 44 characters, got {} line(s) of length {lengths:?}",
        lengths.len()
    )]
    Shape { lengths: Vec<usize> },
    #[error("not an MRZ: character not allowed at line {line}, column {column} (1-based)")]
    InvalidCharacter { line: usize, column: usize },
    #[error("not an MRZ: the document code must start with a letter")]
    DocumentCode,
}

/// Sex as printed: `M`, `F`, or unspecified (`<`, also `X`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    Unspecified,
}

impl Sex {
    /// `M`, `F` or `X`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "M",
            Self::Female => "F",
            Self::Unspecified => "X",
        }
    }
}

/// One character changed by repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repair {
    /// The check digit whose verification justified the change.
    pub field: CheckField,
    pub line: usize,
    pub column: usize,
    /// 0-based index in the MRZ with its lines concatenated (`line * line_len + column`).
    pub position: usize,
    pub from: char,
    pub to: char,
}

/// Something wrong with a parsed MRZ. An MRZ is valid when it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// This check digit does not verify (after any repair).
    CheckDigit(CheckField),
    /// A name field holds a character other than `A`–`Z` and `<` (OCR `ERIKSS0N`).
    Names,
    /// The document code does not suit the format (`P` for TD3, `V` for visas,
    /// `A`/`C`/`I` for TD1/TD2).
    DocumentCode,
    /// The issuing state is not three letters/fillers.
    IssuingCountry,
    /// The nationality is not three letters/fillers.
    Nationality,
    /// The birth date is not a real date.
    BirthDate,
    /// The expiry date is not a real date.
    ExpiryDate,
    /// The sex is not `M`, `F`, `X` or `<`.
    Sex,
}

/// A parsed MRZ. Text fields hold the characters as printed (after repair) with fillers
/// stripped; names have `<` turned into spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mrz {
    pub format: Format,
    /// The MRZ lines after repair, upper case.
    pub lines: Vec<String>,
    pub document_code: String,
    pub issuing_country: String,
    /// `None` for the French ID, whose MRZ has no nationality field (see
    /// [`Mrz::implied_nationality`]).
    pub nationality: Option<String>,
    pub surname: String,
    pub given_names: String,
    pub document_number: String,
    pub birth_date: Option<Date>,
    pub birth_date_raw: String,
    pub expiry_date: Option<Date>,
    /// `None` for the French ID (no expiry date in its MRZ).
    pub expiry_date_raw: Option<String>,
    /// `None` when the printed character is not a sex.
    pub sex: Option<Sex>,
    /// The (first) optional data field; for the French ID, the issuing office code.
    pub optional_data: String,
    /// TD1's second optional data field (line 2); `None` for other formats.
    pub optional_data_2: Option<String>,
    /// Every check digit of the format and whether it verifies, in layout order.
    pub checks: Vec<(CheckField, bool)>,
    pub repairs: Vec<Repair>,
    pub problems: Vec<Problem>,
}

impl Mrz {
    /// No problem at all: every check digit verifies and every field is well formed.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The result of one check digit; `None` when the format does not have it.
    #[must_use]
    pub fn check(&self, field: CheckField) -> Option<bool> {
        self.checks.iter().find(|(f, _)| *f == field).map(|(_, ok)| *ok)
    }

    /// How many check digits verify, out of how many.
    #[must_use]
    pub fn check_score(&self) -> (usize, usize) {
        let passed = self.checks.iter().filter(|(_, ok)| *ok).count();
        (passed, self.checks.len())
    }

    /// Whether the name fields hold only letters and fillers.
    #[must_use]
    pub fn names_valid(&self) -> bool {
        !self.problems.contains(&Problem::Names)
    }

    /// The nationality as printed, or `FRA` for the French ID (issued to French nationals
    /// only).
    #[must_use]
    pub fn implied_nationality(&self) -> Option<&str> {
        match (&self.nationality, self.format) {
            (Some(n), _) => Some(n),
            (None, Format::FrenchId) => Some("FRA"),
            (None, _) => None,
        }
    }

    /// ISO alpha-2 of the nationality (`None` for ICAO-only codes such as `UTO`).
    #[must_use]
    pub fn nationality_alpha2(&self) -> Option<&'static str> {
        self.nationality.as_deref().and_then(alpha3_to_alpha2)
    }

    /// ISO alpha-2 of the issuing state.
    #[must_use]
    pub fn issuing_country_alpha2(&self) -> Option<&'static str> {
        alpha3_to_alpha2(&self.issuing_country)
    }
}

/// Parse options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// The date two-digit years are resolved against.
    pub today: Date,
    /// Try the OCR confusions on fields whose check digit fails (default on).
    pub repair: bool,
}

impl ParseOptions {
    #[must_use]
    pub fn new(today: Date) -> Self {
        Self { today, repair: true }
    }
}

/// Parses MRZ text: lines separated by newlines, surrounding whitespace and blank lines
/// ignored, lower case accepted. A single line of 90, 72 or 88 characters is taken as the
/// lines run together. Repairs are on.
///
/// # Errors
/// [`MrzError`] when the text does not have an MRZ's shape or alphabet.
pub fn parse(text: &str, today: Date) -> Result<Mrz, MrzError> {
    parse_with(text, &ParseOptions::new(today))
}

/// [`parse`] with options.
///
/// # Errors
/// As [`parse`].
pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Mrz, MrzError> {
    let lines: Vec<&str> = text.lines().collect();
    parse_lines(&lines, options)
}

/// Parses MRZ lines given one per element (see [`parse`] for the tolerated variations).
///
/// # Errors
/// As [`parse`].
pub fn parse_lines<S: AsRef<str>>(lines: &[S], options: &ParseOptions) -> Result<Mrz, MrzError> {
    let mut grid: Vec<Vec<u8>> = Vec::new();
    for line in lines {
        let t = line.as_ref().trim();
        if t.is_empty() {
            continue;
        }
        if grid.len() >= 3 {
            // More lines than any format: report the shape without copying the rest.
            grid.push(Vec::new());
            break;
        }
        let line_no = grid.len() + 1;
        if let Some((i, _)) = t
            .char_indices()
            .enumerate()
            .map(|(n, (_, c))| (n, c))
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '<'))
        {
            return Err(MrzError::InvalidCharacter {
                line: line_no,
                column: i + 1,
            });
        }
        grid.push(t.to_ascii_uppercase().into_bytes());
    }
    if grid.is_empty() {
        return Err(MrzError::Empty);
    }
    if let [single] = grid.as_slice() {
        let n = match single.len() {
            90 => 30,
            72 => 36,
            88 => 44,
            _ => 0,
        };
        if n > 0 {
            grid = single.chunks(n).map(<[u8]>::to_vec).collect();
        }
    }
    let Some(format) = Format::detect(&grid) else {
        return Err(MrzError::Shape {
            lengths: grid.iter().map(Vec::len).collect(),
        });
    };
    // The French card is detected by its `IDFRA` start (also read `1DFRA`), which the
    // composite may repair.
    if format != Format::FrenchId
        && !grid
            .first()
            .and_then(|l| l.first())
            .is_some_and(u8::is_ascii_uppercase)
    {
        return Err(MrzError::DocumentCode);
    }
    Ok(parse_grid(format, grid, options))
}

fn spec_passes(grid: &[Vec<u8>], spec: &CheckSpec, subs: &[(Pos, u8)]) -> bool {
    spec.passes_with(|p| {
        subs.iter()
            .find(|(q, _)| *q == p)
            .map_or_else(|| at(grid, p), |(_, c)| *c)
    })
}

fn class_at(classes: &[Vec<CharClass>], p: Pos) -> CharClass {
    classes
        .get(p.line)
        .and_then(|l| l.get(p.column))
        .copied()
        .unwrap_or(CharClass::Alpha)
}

/// Whether [`repair_spec`] may go beyond the forced swaps.
#[derive(Clone, Copy)]
enum OptionalSwaps<'a> {
    /// Forced swaps only.
    No,
    /// One more swap when exactly one candidate verifies.
    Unique,
    /// One more swap when exactly one candidate verifies and also makes this second check
    /// (the composite, when the format has one) verify.
    UniqueAndConfirmedBy(Option<&'a CheckSpec>),
}

/// Tries to make `spec` verify by swapping confused characters at `positions`.
/// Characters outside their position's class must be swapped (forced), as must `preset`
/// (the French card's fixed `IDFRA`); beyond those, at most one more swap, and only a unique
/// passing candidate is accepted. Other alpha positions (names, codes) are never touched.
fn repair_spec(
    grid: &[Vec<u8>],
    classes: &[Vec<CharClass>],
    spec: &CheckSpec,
    positions: &[Pos],
    preset: &[(Pos, u8)],
    optional_swaps: OptionalSwaps<'_>,
) -> Option<Vec<(Pos, u8)>> {
    let mut forced = preset.to_vec();
    let mut optional = Vec::new();
    for &p in positions {
        let class = class_at(classes, p);
        let c = at(grid, p);
        let alt = confusion(c).filter(|a| class.allows(*a));
        if class == CharClass::Alpha {
            continue;
        }
        if class.allows(c) {
            if let Some(a) = alt {
                optional.push((p, a));
            }
        } else {
            forced.push((p, alt?));
        }
    }
    if spec_passes(grid, spec, &forced) {
        return (!forced.is_empty()).then_some(forced);
    }
    let confirm = match optional_swaps {
        OptionalSwaps::No => return None,
        OptionalSwaps::Unique => None,
        OptionalSwaps::UniqueAndConfirmedBy(c) => c,
    };
    let mut found = None;
    for &(p, a) in &optional {
        let mut subs = forced.clone();
        subs.push((p, a));
        if spec_passes(grid, spec, &subs) && confirm.is_none_or(|c| spec_passes(grid, c, &subs)) {
            if found.is_some() {
                return None; // ambiguous: more than one candidate verifies
            }
            found = Some(subs);
        }
    }
    found
}

fn out_of_class(grid: &[Vec<u8>], classes: &[Vec<CharClass>], positions: &[Pos]) -> bool {
    positions
        .iter()
        .any(|p| !class_at(classes, *p).allows(at(grid, *p)))
}

fn apply_repairs(grid: &mut [Vec<u8>], resolved: &Resolved, format: Format, repairs: &mut Vec<Repair>) {
    let mut record = |grid: &mut [Vec<u8>], field: CheckField, subs: Vec<(Pos, u8)>| {
        for (p, to) in subs {
            if let Some(slot) = grid.get_mut(p.line).and_then(|l| l.get_mut(p.column)) {
                repairs.push(Repair {
                    field,
                    line: p.line,
                    column: p.column,
                    position: p.line * format.line_len() + p.column,
                    from: char::from(*slot),
                    to: char::from(to),
                });
                *slot = to;
            }
        }
    };
    let classes = &resolved.classes;
    let composite = resolved.specs.iter().find(|s| s.field == CheckField::Composite);
    // Pass 1: swaps the alphabet forces (a letter in a date). Pass 2: one optional swap per
    // field (a letter/digit choice in a document number), which a single check digit
    // confirms by chance one time in ten, so it must also satisfy the composite when the
    // format has one.
    for pass in [OptionalSwaps::No, OptionalSwaps::UniqueAndConfirmedBy(composite)] {
        for spec in resolved.specs.iter().filter(|s| s.field != CheckField::Composite) {
            let mut positions = spec.data.clone();
            positions.push(spec.check);
            if spec_passes(grid, spec, &[]) && !out_of_class(grid, classes, &positions) {
                continue;
            }
            if let Some(subs) = repair_spec(grid, classes, spec, &positions, &[], pass) {
                record(grid, spec.field, subs);
            }
        }
    }
    // The composite: only once every other check verifies, and only over the characters
    // no other check digit protects (TD1/TD2 optional data, the French office code).
    let others_ok = resolved
        .specs
        .iter()
        .filter(|s| s.field != CheckField::Composite)
        .all(|s| spec_passes(grid, s, &[]));
    if let Some(spec) = resolved.specs.iter().find(|s| s.field == CheckField::Composite)
        && others_ok
        && (!spec_passes(grid, spec, &[])
            || out_of_class(grid, classes, &spec.data)
            || out_of_class(grid, classes, &[spec.check]))
    {
        let covered: Vec<Pos> = resolved
            .specs
            .iter()
            .filter(|s| s.field != CheckField::Composite)
            .flat_map(|s| s.data.iter().copied().chain([s.check]))
            .collect();
        let mut positions: Vec<Pos> = spec
            .data
            .iter()
            .copied()
            .filter(|p| !covered.contains(p))
            .collect();
        positions.push(spec.check);
        // A long document number's check digit is accepted under two rules, so a misread
        // there passes it by chance two times in ten: its characters are candidates too
        // (keeping that check verifying), so that no swap elsewhere is taken while one in the
        // number would do as well.
        let long_number = resolved
            .specs
            .iter()
            .find(|s| s.field == CheckField::DocumentNumber && s.filler.is_some());
        if let Some(number) = long_number {
            positions.extend(number.data.iter().copied());
        }
        let swaps = match long_number {
            Some(number) => OptionalSwaps::UniqueAndConfirmedBy(Some(number)),
            None => OptionalSwaps::Unique,
        };
        // The French card's line 1 starts with the fixed `IDFRA`; detection accepted it
        // read as `1DFRA`, and the composite (which covers it) decides.
        let preset: Vec<(Pos, u8)> = if format == Format::FrenchId {
            FRENCH_PREFIX
                .iter()
                .enumerate()
                .map(|(column, e)| (Pos { line: 0, column }, *e))
                .filter(|(p, e)| at(grid, *p) != *e)
                .collect()
        } else {
            Vec::new()
        };
        // A misread no repair may touch (a digit in a name the composite covers, on the
        // French card) already breaks the composite; a swap elsewhere that made it verify
        // would only hide it.
        let untouchable_misread = positions.iter().any(|p| {
            class_at(classes, *p) == CharClass::Alpha
                && !class_at(classes, *p).allows(at(grid, *p))
                && !preset.iter().any(|(q, _)| q == p)
        });
        if !untouchable_misread
            && (!spec_passes(grid, spec, &[]) || out_of_class(grid, classes, &positions))
            && let Some(subs) = repair_spec(grid, classes, spec, &positions, &preset, swaps)
        {
            record(grid, spec.field, subs);
        }
    }
}

fn text(grid: &[Vec<u8>], positions: impl IntoIterator<Item = Pos>) -> String {
    positions.into_iter().map(|p| char::from(at(grid, p))).collect()
}

fn span_text(grid: &[Vec<u8>], s: Span) -> String {
    text(grid, s.positions())
}

fn strip_fillers(s: &str) -> String {
    s.trim_matches('<').to_owned()
}

/// `<`-separated words joined by single spaces.
fn words(s: &str) -> String {
    s.split('<')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_name_field(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_uppercase() || c == b'<')
}

fn is_code_field(s: &str) -> bool {
    is_name_field(s) && s.bytes().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn parse_grid(format: Format, mut grid: Vec<Vec<u8>>, options: &ParseOptions) -> Mrz {
    let resolved = resolve(format, &grid);
    let mut repairs = Vec::new();
    if options.repair {
        apply_repairs(&mut grid, &resolved, format, &mut repairs);
    }
    let l = &resolved.layout;
    let mut problems = Vec::new();

    let checks: Vec<(CheckField, bool)> = resolved
        .specs
        .iter()
        .map(|s| (s.field, spec_passes(&grid, s, &[])))
        .collect();
    for (field, ok) in &checks {
        if !ok {
            problems.push(Problem::CheckDigit(*field));
        }
    }

    let code_raw = span_text(&grid, l.code);
    let document_code = strip_fillers(&code_raw);
    let code_ok = is_code_field(&code_raw)
        && match format {
            Format::Td3 => code_raw.starts_with('P'),
            Format::MrvA | Format::MrvB => code_raw.starts_with('V'),
            Format::Td1 | Format::Td2 => {
                code_raw.starts_with('I') || code_raw.starts_with('A') || code_raw.starts_with('C')
            }
            Format::FrenchId => code_raw == "ID",
        };
    if !code_ok {
        problems.push(Problem::DocumentCode);
    }

    let issuing_raw = span_text(&grid, l.issuing);
    if !is_code_field(&issuing_raw) {
        problems.push(Problem::IssuingCountry);
    }
    let nationality = l.nationality.map(|s| {
        let raw = span_text(&grid, s);
        if !is_code_field(&raw) {
            problems.push(Problem::Nationality);
        }
        strip_fillers(&raw)
    });

    let (surname, given_names, names_ok) = match l.names {
        Names::Single(s) => {
            let raw = span_text(&grid, s);
            let (sur, given) = raw.split_once("<<").unwrap_or((raw.as_str(), ""));
            (words(sur), words(given), is_name_field(&raw))
        }
        Names::Split { surname, given } => {
            let sur = span_text(&grid, surname);
            let giv = span_text(&grid, given);
            let ok = is_name_field(&sur) && is_name_field(&giv);
            (words(&sur), words(&giv), ok)
        }
    };
    if !names_ok {
        problems.push(Problem::Names);
    }

    let document_number = strip_fillers(&text(&grid, resolved.doc_positions.iter().copied()));

    let birth_date_raw = span_text(&grid, l.birth);
    let birth_date = date::birth_date(&birth_date_raw, options.today);
    if birth_date.is_none() {
        problems.push(Problem::BirthDate);
    }
    let expiry_date_raw = l.expiry.map(|(s, _)| span_text(&grid, s));
    let expiry_date = expiry_date_raw
        .as_deref()
        .and_then(|raw| date::expiry_date(raw, options.today));
    if expiry_date_raw.is_some() && expiry_date.is_none() {
        problems.push(Problem::ExpiryDate);
    }

    let sex = match at(&grid, l.sex) {
        b'M' => Some(Sex::Male),
        b'F' => Some(Sex::Female),
        b'<' | b'X' => Some(Sex::Unspecified),
        _ => None,
    };
    if sex.is_none() {
        problems.push(Problem::Sex);
    }

    let mut optional = resolved
        .optional
        .iter()
        .map(|s| strip_fillers(&span_text(&grid, *s)));
    let optional_data = optional.next().unwrap_or_default();
    let optional_data_2 = optional.next();

    Mrz {
        format,
        lines: grid
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect(),
        document_code,
        issuing_country: strip_fillers(&issuing_raw),
        nationality,
        surname,
        given_names,
        document_number,
        birth_date,
        birth_date_raw,
        expiry_date,
        expiry_date_raw,
        sex,
        optional_data,
        optional_data_2,
        checks,
        repairs,
        problems,
    }
}
