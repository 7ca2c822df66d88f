//! Country codes: ISO 3166-1 alpha-3 → alpha-2, with the ICAO 9303 Part 3 additions.

/// What a three-letter MRZ code (fillers stripped) stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountryCode {
    /// An ISO 3166-1 country (or an ICAO code that maps onto one, such as `D` or `GBN`),
    /// with its alpha-2 code.
    Iso(&'static str),
    /// A code ICAO defines that has no ISO alpha-2 equivalent: `UTO` (the fictional Utopia
    /// of the specimens), `XXA`/`XXB`/`XXC`/`XXX` (stateless, refugee, unspecified), `EUE`
    /// (European Union), `UNO`/`UNA`/`UNK` (United Nations and its agencies, Kosovo under UNMIK),
    /// `XOM`, `XPO`, `XDC`, `XBA`, `XIM`, `XCC`, `XCE`, `XCO`, `XEC`, `XES`, `XMP`.
    IcaoOnly,
    /// Not a code ICAO or ISO defines.
    Unknown,
}

impl CountryCode {
    /// The ISO 3166-1 alpha-2 code, when there is one.
    #[must_use]
    pub fn alpha2(self) -> Option<&'static str> {
        match self {
            Self::Iso(a2) => Some(a2),
            Self::IcaoOnly | Self::Unknown => None,
        }
    }
}

/// ISO 3166-1 (all 249 officially assigned codes), sorted by alpha-3.
const ISO_3166: [(&str, &str); 249] = [
    ("ABW", "AW"),
    ("AFG", "AF"),
    ("AGO", "AO"),
    ("AIA", "AI"),
    ("ALA", "AX"),
    ("ALB", "AL"),
    ("AND", "AD"),
    ("ARE", "AE"),
    ("ARG", "AR"),
    ("ARM", "AM"),
    ("ASM", "AS"),
    ("ATA", "AQ"),
    ("ATF", "TF"),
    ("ATG", "AG"),
    ("AUS", "AU"),
    ("AUT", "AT"),
    ("AZE", "AZ"),
    ("BDI", "BI"),
    ("BEL", "BE"),
    ("BEN", "BJ"),
    ("BES", "BQ"),
    ("BFA", "BF"),
    ("BGD", "BD"),
    ("BGR", "BG"),
    ("BHR", "BH"),
    ("BHS", "BS"),
    ("BIH", "BA"),
    ("BLM", "BL"),
    ("BLR", "BY"),
    ("BLZ", "BZ"),
    ("BMU", "BM"),
    ("BOL", "BO"),
    ("BRA", "BR"),
    ("BRB", "BB"),
    ("BRN", "BN"),
    ("BTN", "BT"),
    ("BVT", "BV"),
    ("BWA", "BW"),
    ("CAF", "CF"),
    ("CAN", "CA"),
    ("CCK", "CC"),
    ("CHE", "CH"),
    ("CHL", "CL"),
    ("CHN", "CN"),
    ("CIV", "CI"),
    ("CMR", "CM"),
    ("COD", "CD"),
    ("COG", "CG"),
    ("COK", "CK"),
    ("COL", "CO"),
    ("COM", "KM"),
    ("CPV", "CV"),
    ("CRI", "CR"),
    ("CUB", "CU"),
    ("CUW", "CW"),
    ("CXR", "CX"),
    ("CYM", "KY"),
    ("CYP", "CY"),
    ("CZE", "CZ"),
    ("DEU", "DE"),
    ("DJI", "DJ"),
    ("DMA", "DM"),
    ("DNK", "DK"),
    ("DOM", "DO"),
    ("DZA", "DZ"),
    ("ECU", "EC"),
    ("EGY", "EG"),
    ("ERI", "ER"),
    ("ESH", "EH"),
    ("ESP", "ES"),
    ("EST", "EE"),
    ("ETH", "ET"),
    ("FIN", "FI"),
    ("FJI", "FJ"),
    ("FLK", "FK"),
    ("FRA", "FR"),
    ("FRO", "FO"),
    ("FSM", "FM"),
    ("GAB", "GA"),
    ("GBR", "GB"),
    ("GEO", "GE"),
    ("GGY", "GG"),
    ("GHA", "GH"),
    ("GIB", "GI"),
    ("GIN", "GN"),
    ("GLP", "GP"),
    ("GMB", "GM"),
    ("GNB", "GW"),
    ("GNQ", "GQ"),
    ("GRC", "GR"),
    ("GRD", "GD"),
    ("GRL", "GL"),
    ("GTM", "GT"),
    ("GUF", "GF"),
    ("GUM", "GU"),
    ("GUY", "GY"),
    ("HKG", "HK"),
    ("HMD", "HM"),
    ("HND", "HN"),
    ("HRV", "HR"),
    ("HTI", "HT"),
    ("HUN", "HU"),
    ("IDN", "ID"),
    ("IMN", "IM"),
    ("IND", "IN"),
    ("IOT", "IO"),
    ("IRL", "IE"),
    ("IRN", "IR"),
    ("IRQ", "IQ"),
    ("ISL", "IS"),
    ("ISR", "IL"),
    ("ITA", "IT"),
    ("JAM", "JM"),
    ("JEY", "JE"),
    ("JOR", "JO"),
    ("JPN", "JP"),
    ("KAZ", "KZ"),
    ("KEN", "KE"),
    ("KGZ", "KG"),
    ("KHM", "KH"),
    ("KIR", "KI"),
    ("KNA", "KN"),
    ("KOR", "KR"),
    ("KWT", "KW"),
    ("LAO", "LA"),
    ("LBN", "LB"),
    ("LBR", "LR"),
    ("LBY", "LY"),
    ("LCA", "LC"),
    ("LIE", "LI"),
    ("LKA", "LK"),
    ("LSO", "LS"),
    ("LTU", "LT"),
    ("LUX", "LU"),
    ("LVA", "LV"),
    ("MAC", "MO"),
    ("MAF", "MF"),
    ("MAR", "MA"),
    ("MCO", "MC"),
    ("MDA", "MD"),
    ("MDG", "MG"),
    ("MDV", "MV"),
    ("MEX", "MX"),
    ("MHL", "MH"),
    ("MKD", "MK"),
    ("MLI", "ML"),
    ("MLT", "MT"),
    ("MMR", "MM"),
    ("MNE", "ME"),
    ("MNG", "MN"),
    ("MNP", "MP"),
    ("MOZ", "MZ"),
    ("MRT", "MR"),
    ("MSR", "MS"),
    ("MTQ", "MQ"),
    ("MUS", "MU"),
    ("MWI", "MW"),
    ("MYS", "MY"),
    ("MYT", "YT"),
    ("NAM", "NA"),
    ("NCL", "NC"),
    ("NER", "NE"),
    ("NFK", "NF"),
    ("NGA", "NG"),
    ("NIC", "NI"),
    ("NIU", "NU"),
    ("NLD", "NL"),
    ("NOR", "NO"),
    ("NPL", "NP"),
    ("NRU", "NR"),
    ("NZL", "NZ"),
    ("OMN", "OM"),
    ("PAK", "PK"),
    ("PAN", "PA"),
    ("PCN", "PN"),
    ("PER", "PE"),
    ("PHL", "PH"),
    ("PLW", "PW"),
    ("PNG", "PG"),
    ("POL", "PL"),
    ("PRI", "PR"),
    ("PRK", "KP"),
    ("PRT", "PT"),
    ("PRY", "PY"),
    ("PSE", "PS"),
    ("PYF", "PF"),
    ("QAT", "QA"),
    ("REU", "RE"),
    ("ROU", "RO"),
    ("RUS", "RU"),
    ("RWA", "RW"),
    ("SAU", "SA"),
    ("SDN", "SD"),
    ("SEN", "SN"),
    ("SGP", "SG"),
    ("SGS", "GS"),
    ("SHN", "SH"),
    ("SJM", "SJ"),
    ("SLB", "SB"),
    ("SLE", "SL"),
    ("SLV", "SV"),
    ("SMR", "SM"),
    ("SOM", "SO"),
    ("SPM", "PM"),
    ("SRB", "RS"),
    ("SSD", "SS"),
    ("STP", "ST"),
    ("SUR", "SR"),
    ("SVK", "SK"),
    ("SVN", "SI"),
    ("SWE", "SE"),
    ("SWZ", "SZ"),
    ("SXM", "SX"),
    ("SYC", "SC"),
    ("SYR", "SY"),
    ("TCA", "TC"),
    ("TCD", "TD"),
    ("TGO", "TG"),
    ("THA", "TH"),
    ("TJK", "TJ"),
    ("TKL", "TK"),
    ("TKM", "TM"),
    ("TLS", "TL"),
    ("TON", "TO"),
    ("TTO", "TT"),
    ("TUN", "TN"),
    ("TUR", "TR"),
    ("TUV", "TV"),
    ("TWN", "TW"),
    ("TZA", "TZ"),
    ("UGA", "UG"),
    ("UKR", "UA"),
    ("UMI", "UM"),
    ("URY", "UY"),
    ("USA", "US"),
    ("UZB", "UZ"),
    ("VAT", "VA"),
    ("VCT", "VC"),
    ("VEN", "VE"),
    ("VGB", "VG"),
    ("VIR", "VI"),
    ("VNM", "VN"),
    ("VUT", "VU"),
    ("WLF", "WF"),
    ("WSM", "WS"),
    ("YEM", "YE"),
    ("ZAF", "ZA"),
    ("ZMB", "ZM"),
    ("ZWE", "ZW"),
];

/// ICAO 9303 Part 3 §5 codes that map onto an ISO alpha-2 code.
const ICAO_TO_ISO: [(&str, &str); 7] = [
    ("D", "DE"),
    ("GBD", "GB"), // British Overseas Territories citizen
    ("GBN", "GB"), // British National (Overseas)
    ("GBO", "GB"), // British Overseas citizen
    ("GBP", "GB"), // British protected person
    ("GBS", "GB"), // British subject
    ("RKS", "XK"), // Kosovo (XK is the user-assigned code in common use)
];

/// ICAO codes without an ISO alpha-2 code.
const ICAO_ONLY: [&str; 20] = [
    "UTO", "XXA", "XXB", "XXC", "XXX", "EUE", "UNO", "UNA", "UNK", "XOM", "XPO", "XDC", "XBA", "XIM", "XCC",
    "XCE", "XCO", "XEC", "XES", "XMP",
];

/// Looks up a code as printed in an MRZ, fillers stripped (`D<<` → `D`). Case-sensitive:
/// MRZ codes are upper case.
///
/// ```
/// use ivs_mrz::{country, CountryCode};
/// assert_eq!(country("D"), CountryCode::Iso("DE"));
/// assert_eq!(country("GBN"), CountryCode::Iso("GB"));
/// assert_eq!(country("UTO"), CountryCode::IcaoOnly);
/// assert_eq!(country("QQQ"), CountryCode::Unknown);
/// ```
#[must_use]
pub fn country(code: &str) -> CountryCode {
    let code = code.trim_end_matches('<');
    if let Ok(i) = ISO_3166.binary_search_by(|(a3, _)| (*a3).cmp(code)) {
        return ISO_3166
            .get(i)
            .map_or(CountryCode::Unknown, |(_, a2)| CountryCode::Iso(a2));
    }
    if let Some((_, a2)) = ICAO_TO_ISO.iter().find(|(c, _)| *c == code) {
        return CountryCode::Iso(a2);
    }
    if ICAO_ONLY.contains(&code) {
        return CountryCode::IcaoOnly;
    }
    CountryCode::Unknown
}

/// The ISO 3166-1 alpha-2 code for an MRZ country code, `None` when it has none.
#[must_use]
pub fn alpha3_to_alpha2(code: &str) -> Option<&'static str> {
    country(code).alpha2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(ISO_3166.windows(2).all(|w| w[0].0 < w[1].0));
        let mut a2: Vec<&str> = ISO_3166.iter().map(|(_, a)| *a).collect();
        a2.sort_unstable();
        a2.dedup();
        assert_eq!(a2.len(), ISO_3166.len());
        for (a3, a2) in ISO_3166 {
            assert_eq!(country(a3), CountryCode::Iso(a2));
            assert!(a3.len() == 3 && a2.len() == 2);
        }
    }

    #[test]
    fn icao_specials() {
        assert_eq!(alpha3_to_alpha2("D"), Some("DE"));
        assert_eq!(alpha3_to_alpha2("D<<"), Some("DE"));
        assert_eq!(alpha3_to_alpha2("DEU"), Some("DE"));
        for gb in ["GBR", "GBD", "GBN", "GBO", "GBP", "GBS"] {
            assert_eq!(alpha3_to_alpha2(gb), Some("GB"), "{gb}");
        }
        for none in ["UTO", "XXA", "XXB", "XXC", "XXX", "EUE", "UNO", "UNA", "UNK"] {
            assert_eq!(country(none), CountryCode::IcaoOnly, "{none}");
            assert_eq!(alpha3_to_alpha2(none), None);
        }
        assert_eq!(alpha3_to_alpha2("FRA"), Some("FR"));
        assert_eq!(alpha3_to_alpha2("NLD"), Some("NL"));
        assert_eq!(alpha3_to_alpha2("CHE"), Some("CH"));
        assert_eq!(alpha3_to_alpha2("SWE"), Some("SE"));
        assert_eq!(alpha3_to_alpha2("RKS"), Some("XK"));
        assert_eq!(country("fra"), CountryCode::Unknown);
        assert_eq!(country(""), CountryCode::Unknown);
        assert_eq!(country("F0A"), CountryCode::Unknown);
    }
}
