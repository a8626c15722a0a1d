//! Name normalisation: Unicode NFKC, case folding, punctuation and spacing,
//! legal forms in many languages, stop words, and Latin spellings of names
//! written in other scripts.

use crate::translit::{self, Script};
use crate::FastMap;
use unicode_normalization::UnicodeNormalization;

/// One Latin spelling of a name, ready to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct NameForm {
    /// Tokens without legal forms and stop words.
    pub tokens: Vec<String>,
    /// The tokens joined without spaces ("jongun" for "jong un").
    pub joined: String,
    /// Legal forms found and set aside ("co ltd", "有限公司").
    pub legal_forms: Vec<String>,
    /// Transliteration scheme used, when the name was not in Latin script.
    pub scheme: Option<&'static str>,
    /// The name in its own (non-Latin) script, for comparing two names written
    /// in the same script character by character rather than by romanisation.
    pub native: Option<Script>,
    /// Tokens are consonant skeletons ([`translit::arabic_skeleton`]): the
    /// form is compared with the skeletons of the lists' Latin spellings.
    pub skeleton: bool,
    /// Words the name wrote with a full stop ("Univ.", "Def."): they may
    /// abbreviate a longer word of the other name.
    pub abbreviated: Vec<String>,
    /// Token weights set by an index (empty: the comparer's default applies).
    /// `f32` because a million-entry index holds millions of them.
    pub weights: Vec<f32>,
    /// Where an index keeps the shapes of this form's tokens, side by side
    /// with every other listed form's ([`crate::score::push_token_shapes`]).
    pub shapes_at: Option<u32>,
}

impl NameForm {
    fn new(
        tokens: Vec<String>,
        legal_forms: Vec<String>,
        scheme: Option<&'static str>,
        native: Option<Script>,
    ) -> NameForm {
        NameForm {
            joined: tokens.concat(),
            tokens,
            legal_forms,
            scheme,
            native,
            skeleton: false,
            abbreviated: Vec::new(),
            weights: Vec::new(),
            shapes_at: None,
        }
    }

    /// Whether this is a Latin name respelt as a transcription of Russian
    /// in another language's spelling ("James" read as German "yames").
    pub fn is_transcription(&self) -> bool {
        self.scheme.is_some_and(|s| s.ends_with("transcription"))
    }

    /// Whether this form romanises a Chinese or Korean name (Pinyin,
    /// Wade–Giles, Cantonese, a Korean reading of Hanja, a romanisation of
    /// Hangul).
    pub fn reads_chinese_or_korean(&self) -> bool {
        self.scheme.is_some_and(|s| {
            is_han_reading(Some(s))
                || s.starts_with("cantonese")
                || s.starts_with("korean reading of hanja")
                || s.starts_with("revised-romanisation")
                || s.starts_with("mccune-reischauer")
                || s.starts_with("dprk")
        })
    }

    /// This form's tokens as consonant skeletons, for meeting a name written
    /// in Arabic script.
    pub fn to_skeleton(&self) -> NameForm {
        let tokens: Vec<String> = self
            .tokens
            .iter()
            .map(|t| {
                let s = translit::latin_skeleton(t);
                if s.is_empty() {
                    t.clone()
                } else {
                    s
                }
            })
            .collect();
        let mut f = NameForm::new(tokens, self.legal_forms.clone(), self.scheme, None);
        f.skeleton = true;
        f.weights = self.weights.clone();
        f
    }
}

/// Legal forms written in non-Latin scripts, removed before transliteration.
const NATIVE_LEGAL_FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "有限公司",
    "股份公司",
    "集团有限公司",
    "株式会社",
    "有限会社",
    "合同会社",
    "주식회사",
    "(주)",
    "㈜",
    "유한회사",
    "유한책임회사",
    "общество с ограниченной ответственностью",
    "открытое акционерное общество",
    "закрытое акционерное общество",
    "публичное акционерное общество",
    "акционерное общество",
    "товариство з обмеженою відповідальністю",
];

/// Cyrillic legal-form abbreviations, removed as whole words.
const CYRILLIC_LEGAL_WORDS: &[&str] = &[
    "ооо", "оао", "зао", "пао", "ао", "тов", "пат", "ип", "нпо", "фгуп", "гуп",
];

/// Legal forms in Latin spelling (token sequences), longest first when matched.
const LEGAL_FORMS: &[&str] = &[
    "open joint stock company",
    "closed joint stock company",
    "public joint stock company",
    "joint stock company",
    "limited liability company",
    "limited liability partnership",
    "private limited company",
    "public limited company",
    "company limited",
    "co limited",
    "co ltd",
    "corp ltd",
    "pte ltd",
    "pty ltd",
    "pvt ltd",
    "private limited",
    "sdn bhd",
    "sa de cv",
    "s a de c v",
    "s de rl",
    "sp z o o",
    "kabushiki kaisha",
    "co kg",
    "gmbh co kg",
    "joint stock co",
    "obshchestvo s ogranichennoy otvetstvennostyu",
    "aktsionernoye obshchestvo",
    "limited",
    "ltd",
    "llc",
    "l l c",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "mbh",
    "ag",
    "sa",
    "s a",
    "sarl",
    "sas",
    "srl",
    "spa",
    "s p a",
    "bv",
    "b v",
    "nv",
    "n v",
    "plc",
    "pte",
    "pvt",
    "pty",
    "jsc",
    "jscb",
    "akb",
    "ojsc",
    "cjsc",
    "pjsc",
    "ooo",
    "oao",
    "zao",
    "pao",
    "ao",
    "tov",
    "llp",
    "lp",
    "kk",
    "kg",
    "bhd",
    "tbk",
    "oy",
    "oyj",
    "ab",
    "as",
    "a s",
    "aps",
    "asa",
    "zrt",
    "kft",
    "doo",
    "d o o",
    "ead",
    "fze",
    "fzco",
    "fzc",
    "fz llc",
    "ltda",
    "cia",
    "sl",
    "s l",
    "e k",
    "ek",
    "ohg",
    "se",
    "aktiengesellschaft",
    "aktiengeselschaft",
    "gesellschaft mit beschrankter haftung",
    "g m b h",
    "p l c",
    "o o o",
    "societatea cu raspundere limitata",
    "sociedad anonima",
    "societe anonyme",
    "societa per azioni",
    "besloten vennootschap",
    "naamloze vennootschap",
    "aktiebolag",
    "osakeyhtio",
    "spolka z ograniczona odpowiedzialnoscia",
    "tovarystvo z obmezhenoyu vidpovidalnistyu",
    "akg",
    "jointstock company",
];

/// Legal forms that mean the same kind of company, by canonical name.
const LEGAL_FORM_CLASSES: &[(&str, &[&str])] = &[
    (
        "ltd",
        &[
            "ltd",
            "limited",
            "co ltd",
            "co limited",
            "company limited",
            "corp ltd",
            "pte ltd",
            "pty ltd",
            "pvt ltd",
            "private limited",
            "private limited company",
            "有限公司",
        ],
    ),
    (
        "llc",
        &[
            "llc",
            "l l c",
            "limited liability company",
            "ooo",
            "o o o",
            "tov",
            "obshchestvo s ogranichennoy otvetstvennostyu",
            "общество с ограниченной ответственностью",
            "ооо",
            "тов",
            "有限责任公司",
            "有限責任公司",
            "유한회사",
            "유한책임회사",
            "sp z o o",
            "srl",
            "s r l",
            "sarl",
            "s a r l",
            "doo",
            "d o o",
            "societatea cu raspundere limitata",
            "spolka z ograniczona odpowiedzialnoscia",
            "tovarystvo z obmezhenoyu vidpovidalnistyu",
        ],
    ),
    (
        "gmbh",
        &[
            "gmbh",
            "mbh",
            "g m b h",
            "gesellschaft mit beschrankter haftung",
        ],
    ),
    (
        "ag",
        &["ag", "akg", "aktiengesellschaft", "aktiengeselschaft"],
    ),
    (
        "jsc",
        &[
            "jsc",
            "ojsc",
            "cjsc",
            "pjsc",
            "ao",
            "oao",
            "zao",
            "pao",
            "joint stock company",
            "open joint stock company",
            "closed joint stock company",
            "public joint stock company",
            "joint stock co",
            "jointstock company",
            "aktsionernoye obshchestvo",
            "акционерное общество",
            "открытое акционерное общество",
            "закрытое акционерное общество",
            "публичное акционерное общество",
            "ао",
            "оао",
            "зао",
            "пао",
            "股份有限公司",
            "股份公司",
            "주식회사",
            "(주)",
            "㈜",
            "株式会社",
            "kabushiki kaisha",
            "kk",
        ],
    ),
    ("inc", &["inc", "incorporated", "corp", "corporation"]),
    ("plc", &["plc", "p l c", "public limited company"]),
    (
        "sa",
        &[
            "sa",
            "s a",
            "sociedad anonima",
            "societe anonyme",
            "spa",
            "s p a",
            "societa per azioni",
        ],
    ),
    ("bv", &["bv", "b v", "besloten vennootschap"]),
    ("nv", &["nv", "n v", "naamloze vennootschap"]),
];

/// Words that name no particular legal form; they agree with any.
pub const GENERIC_LEGAL_FORMS: &[&str] = &[
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
];

/// The canonical class of a legal form ("aktiengesellschaft" → "ag").
pub fn legal_form_class(form: &str) -> &str {
    LEGAL_FORM_CLASSES
        .iter()
        .find(|(_, forms)| forms.contains(&form))
        .map_or(form, |(c, _)| c)
}

/// Spelled-out numbers and ordinals, so "Brigade Forty-Four" meets "Brigade 44".
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fourty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("1st", 1),
    ("2nd", 2),
    ("3rd", 3),
    ("4th", 4),
    ("5th", 5),
];

/// Abbreviations and plurals of organisation words, to one spelling.
const WORD_FORMS: &[(&str, &str)] = &[
    ("tech", "technology"),
    ("technologies", "technology"),
    ("techn", "technology"),
    ("mfg", "manufacturing"),
    ("intl", "international"),
    ("int", "international"),
    ("internat", "international"),
    ("govt", "government"),
    ("univ", "university"),
    ("inst", "institute"),
    ("elec", "electronic"),
    ("electronics", "electronic"),
    ("sci", "science"),
    ("sciences", "science"),
    ("dept", "department"),
    ("natl", "national"),
    ("assn", "association"),
    ("mgmt", "management"),
    ("svcs", "service"),
    ("services", "service"),
    ("ind", "industry"),
    ("industries", "industry"),
    ("hldgs", "holding"),
    ("holdings", "holding"),
    ("systems", "system"),
    ("communications", "communication"),
    ("telecom", "telecommunication"),
    ("telecommunications", "telecommunication"),
    ("materials", "material"),
    ("labs", "laboratory"),
    ("lab", "laboratory"),
    ("laboratories", "laboratory"),
    ("instruments", "instrument"),
    ("enterprises", "enterprise"),
    ("investments", "investment"),
    ("products", "product"),
    ("solutions", "solution"),
    // British and American spellings.
    ("defence", "defense"),
    ("organisation", "organization"),
    ("centre", "center"),
    // One word of the native name, rendered in English several ways
    // (航空 aviation or aeronautics, 무역 trade or trading, завод works or
    // plant).
    ("aviation", "aeronautics"),
    ("aeronautical", "aeronautics"),
    ("industrial", "industry"),
    ("technical", "technology"),
    ("technological", "technology"),
    ("scientific", "science"),
    ("physical", "physics"),
    ("trading", "trade"),
    ("banking", "bank"),
    ("automotive", "automobile"),
    ("works", "plant"),
    ("factory", "plant"),
    ("petroleum", "oil"),
    ("polytechnical", "polytechnic"),
    ("missiles", "missile"),
    ("weapons", "weapon"),
    ("airlines", "airline"),
    ("forces", "force"),
    ("guards", "guard"),
];

/// Word forms that are not words to correct misspellings to, as
/// [`WORD_FORMS`] are: "Irani", "Koren" and "Resolution" are words of
/// their own. A state's adjective renders the same native word as its name
/// (中国 "China" and "Chinese Academy …", Российский "Russian" and "Russia").
const UNCORRECTED_WORD_FORMS: &[(&str, &str)] = &[
    ("chinese", "china"),
    ("russian", "russia"),
    ("korean", "korea"),
    ("iranian", "iran"),
    ("revolutionary", "revolution"),
    ("airways", "airline"),
];

/// Name particles written several ways.
const PARTICLES: &[(&str, &str)] = &[
    ("el", "al"),
    ("ul", "al"),
    ("ibn", "bin"),
    ("ben", "bin"),
    ("bn", "bin"),
];

/// A state's formal names, written in names of its bodies as often as its
/// short name ("Central Bank of the Democratic People's Republic of Korea",
/// "… of the DPRK", 조선중앙은행 "Korea Central Bank"): one word each.
const STATE_NAMES: &[(&[&str], &str)] = &[
    (&["democratic", "peoples", "republic", "korea"], "korea"),
    (&["dprk"], "korea"),
    (&["north", "korea"], "korea"),
    (&["north", "korean"], "korea"),
    (&["peoples", "republic", "china"], "china"),
    (&["prc"], "china"),
    (&["islamic", "republic", "iran"], "iran"),
    // Persian and Arabic word order, read word by word.
    (&["republic", "islamic", "iran"], "iran"),
    (&["russian", "federation"], "russia"),
];

/// A Russian bank's legal form written out ("АКБ", акционерный
/// коммерческий банк: "Joint Stock Commercial Bank Primorye", "Stock
/// Commercial Bank Metallurgical Investment Bank") is the word "bank".
const BANK_FORMS: &[(&[&str], &str)] = &[
    (&["joint", "stock", "commercial", "bank"], "bank"),
    (&["stock", "commercial", "bank"], "bank"),
];

/// Rewrites number words to digits (tens + units combine), word forms and
/// particles to one spelling, a state's formal names and a bank's legal
/// form written out to one word.
fn canonical_tokens(tokens: Vec<String>) -> Vec<String> {
    let mut tokens = tokens;
    if tokens.len() > 1 {
        let mut i = 0;
        while i < tokens.len() {
            if let Some((seq, short)) = STATE_NAMES.iter().chain(BANK_FORMS).find(|(seq, _)| {
                tokens.len() > seq.len()
                    && tokens[i..].len() >= seq.len()
                    && tokens[i..i + seq.len()]
                        .iter()
                        .zip(seq.iter())
                        .all(|(a, b)| a == b)
            }) {
                tokens.splice(i..i + seq.len(), [(*short).to_string()]);
            }
            i += 1;
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        let rule = token_rules().get(t);
        if let Some(&TokenRule::Number(n)) = rule {
            let mut value = n;
            if value >= 20 && value % 10 == 0 {
                let next = tokens.get(i + 1).map(String::as_str);
                if let Some(u) = next.and_then(|nx| match token_rules().get(nx) {
                    Some(&TokenRule::Number(v)) if v < 10 => Some(v),
                    _ => nx.parse::<u32>().ok().filter(|v| *v < 10),
                }) {
                    value += u;
                    i += 1;
                }
            }
            out.push(value.to_string());
        } else if let Some(n) = ordinal_digits(t, i + 1 < tokens.len()) {
            // "38th" is 38: a number agrees with a number.
            out.push(n.to_string());
        } else if let Some(&TokenRule::Full(full)) = rule {
            out.push(full.to_string());
        } else if let Some(canon) = match rule {
            Some(&TokenRule::Particle(c)) => Some(c),
            _ => Some(t).filter(|t| *t == "bin" || *t == "al"),
        } {
            // "bin Laden", "al-Rawi": the particle belongs to the next name
            // (so "Omar bin Abdullah" and "Abdullah bin Omar" stay apart).
            match tokens.get(i + 1) {
                Some(next) if i + 1 < tokens.len() && !next.chars().all(|c| c.is_ascii_digit()) => {
                    out.push(format!("{canon}{next}"));
                    i += 1;
                }
                _ => out.push(canon.to_string()),
            }
        } else {
            out.push(t.to_string());
        }
        i += 1;
    }
    out
}

/// What [`canonical_tokens`] makes of a word of its tables.
enum TokenRule {
    /// A number word ("twenty"): its value.
    Number(u32),
    /// An abbreviation or variant: the word in full.
    Full(&'static str),
    /// A particle of an Arabic name: its canonical spelling.
    Particle(&'static str),
}

/// The words of [`NUMBER_WORDS`], [`WORD_FORMS`], [`UNCORRECTED_WORD_FORMS`]
/// and [`PARTICLES`] (no word is in two of them; the first entry of a word
/// counts), looked up at once rather than each table in turn: every word
/// of every form of every name passes here.
fn token_rules() -> &'static FastMap<&'static str, TokenRule> {
    static RULES: std::sync::OnceLock<FastMap<&'static str, TokenRule>> =
        std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules = FastMap::default();
        let all = NUMBER_WORDS
            .iter()
            .map(|(w, n)| (*w, TokenRule::Number(*n)))
            .chain(
                WORD_FORMS
                    .iter()
                    .chain(UNCORRECTED_WORD_FORMS)
                    .map(|(w, full)| (*w, TokenRule::Full(full))),
            )
            .chain(PARTICLES.iter().map(|(w, c)| (*w, TokenRule::Particle(c))));
        for (w, rule) in all {
            rules.entry(w).or_insert(rule);
        }
        rules
    })
}

/// The digits of an ordinal written with them: "38th", "21st", "52nd", "Je2".
fn ordinal_digits(token: &str, word_follows: bool) -> Option<&str> {
    let all_digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if let Some(d) = token
        .strip_suffix("th")
        .or_else(|| token.strip_suffix("st"))
        .or_else(|| token.strip_suffix("nd"))
        .or_else(|| token.strip_suffix("rd"))
    {
        return all_digits(d).then_some(d);
    }
    // Korean 제2 romanised "Je2", Chinese 第2 "Di2": a small number before
    // the body it numbers (not a product code such as "DI20" at the end).
    let d = token
        .strip_prefix("je")
        .or_else(|| token.strip_prefix("di"))?;
    (word_follows && all_digits(d) && d.len() <= 2).then_some(d)
}

/// Words too common to identify a party; kept, but weighted down.
/// Words that say what kind of body an organisation is. A query naming one
/// that the listed name lacks ("Kazan University" against "KAZAN") names
/// another party.
pub const KIND_WORDS: &[&str] = &[
    "university",
    "institute",
    "academy",
    "college",
    "school",
    "bank",
    "airlines",
    "airline",
    "airways",
    "hospital",
    "ministry",
    "church",
    "foundation",
    "museum",
    "hotel",
    "party",
    "army",
    "police",
    "insurance",
    "laboratory",
    "bureau",
    "agency",
    "committee",
    "council",
    "association",
    "society",
    "federation",
];

/// Standard readings of a name written in Han characters (Pinyin,
/// Wade–Giles): each syllable's spelling is fixed, so a syllable one letter
/// off is another character. Cantonese and Korean readings are spelt more
/// loosely ("Wa", "Wah") and keep the usual tolerance.
pub fn is_han_reading(scheme: Option<&str>) -> bool {
    matches!(
        scheme,
        Some("pinyin" | "wade-giles" | "pinyin (one word)" | "pinyin + translated words")
    )
}

pub const GENERIC_WORDS: &[&str] = &[
    "group",
    "international",
    "intl",
    "trading",
    "trade",
    "technology",
    "technologies",
    "tech",
    "industry",
    "industries",
    "industrial",
    "holding",
    "holdings",
    "import",
    "export",
    "general",
    "enterprise",
    "enterprises",
    "services",
    "service",
    "global",
    "development",
    "investment",
    "investments",
    "logistics",
    "engineering",
    "electronics",
    "electronic",
    "systems",
    "system",
    "research",
    "institute",
    "university",
    "bank",
    "national",
    "state",
    "science",
    "sciences",
    "company",
    "corporation",
    "center",
    "centre",
    "management",
    "solutions",
    "manufacturing",
    "products",
    "equipment",
    "shipping",
    "petroleum",
    "oil",
    "energy",
    "network",
    "information",
    "communication",
    "communications",
    "materials",
    "new",
    "limited",
    "sdn",
];

/// Words dropped from names altogether.
const STOP_WORDS: &[&str] = &[
    "the", "of", "and", "for", "und", "et", "aka", "mr", "mrs", "ms", "dr",
];

/// Case-fold and NFKC a text.
pub fn fold(text: &str) -> String {
    // (ASCII is its own NFKC, and holds no sign or joiner to remove.)
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    without_signs(text)
        .nfkc()
        .collect::<String>()
        .to_lowercase()
}

/// Whether a character is a sign rather than part of a word: an emoji, ™,
/// ©, ★, a currency or a mathematical sign. Read as text they become words
/// ("grinning", "tm", "eur") that no listed name holds, and an extra word
/// lowers the score of the name it is added to: "Huawei ™" must still be
/// Huawei. ASCII signs are left to the tokenizer (which splits at them), and
/// the signs that stand for words are kept: № (No.) and the enclosed and
/// squared CJK ones (㈱, ㍿ for 株式会社).
fn is_sign(c: char) -> bool {
    use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
    !c.is_ascii()
        && c != '№'
        && !('\u{3200}'..='\u{33ff}').contains(&c)
        && c.general_category_group() == GeneralCategoryGroup::Symbol
}

/// Whether a character only shapes an emoji: the zero-width joiner, the
/// variation selectors and the tag characters of flags.
fn is_emoji_joiner(c: char) -> bool {
    c == '\u{200d}'
        || ('\u{fe00}'..='\u{fe0f}').contains(&c)
        || ('\u{e0020}'..='\u{e007f}').contains(&c)
}

/// The text with its signs ([`is_sign`]) made spaces and the joiners of
/// emoji removed.
fn without_signs(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| is_sign(c) || is_emoji_joiner(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .filter(|c| !is_emoji_joiner(*c))
        .map(|c| if is_sign(c) { ' ' } else { c })
        .collect()
}

/// Acronyms a listed organisation may be written as: the initials of its
/// words (stop words left out), with and without its legal form, with one
/// letter per Pinyin syllable, and the acronyms its name gives in brackets
/// ("National University of Defense Technology (NUDT)").
pub fn acronyms(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |a: String| {
        if (2..=10).contains(&a.len()) && !out.contains(&a) {
            out.push(a);
        }
    };
    // Bracketed acronyms, as the list writes them.
    for part in name.split('(').skip(1) {
        if let Some(inner) = part.split(')').next() {
            let t = inner.trim();
            if (2..=10).contains(&t.len())
                && t.chars().all(|c| c.is_ascii_alphanumeric())
                && t.chars().filter(|c| c.is_ascii_uppercase()).count() >= 2
            {
                push(t.to_ascii_lowercase());
            }
        }
    }
    let bare = outside_brackets(name);
    let all_tokens = tokenize(&bare);
    let tokens: Vec<String> = all_tokens
        .iter()
        .filter(|t| !STOP_WORDS.contains(&t.as_str()) && !t.chars().all(|c| c.is_ascii_digit()))
        .cloned()
        .collect();
    if tokens.len() < 2 {
        return out;
    }
    let initials =
        |ts: &[String]| -> String { ts.iter().filter_map(|t| t.chars().next()).collect() };
    push(initials(&tokens));
    // A compass word gives both its letters: "Northwestern Polytechnical
    // University" is NWPU.
    let compass = |t: &str| -> Option<&'static str> {
        [
            ("northwest", "nw"),
            ("northeast", "ne"),
            ("southwest", "sw"),
            ("southeast", "se"),
        ]
        .into_iter()
        .find(|(word, _)| t.starts_with(word))
        .map(|(_, letters)| letters)
    };
    if tokens.iter().any(|t| compass(t).is_some()) {
        push(
            tokens
                .iter()
                .map(|t| compass(t).map_or_else(|| t[..1].to_string(), str::to_string))
                .collect(),
        );
    }
    // The body without its place or patron: "Foreign Trade Bank of the
    // Democratic People's Republic of Korea" is the FTB, "Moscow State
    // Technical University named after N.E. Bauman" the MSTU.
    let head_end = all_tokens.iter().enumerate().find_map(|(i, t)| {
        let next = all_tokens.get(i + 1).map(String::as_str);
        (t == "of" || t == "imeni" || (t == "named" && next == Some("after"))).then_some(i)
    });
    if let Some(end) = head_end {
        let head: Vec<String> = all_tokens[..end]
            .iter()
            .filter(|t| !STOP_WORDS.contains(&t.as_str()))
            .cloned()
            .collect();
        if head.len() >= 3 && head.len() < tokens.len() {
            push(initials(&head));
        }
    }
    let mut without = tokens.clone();
    let mut found = Vec::new();
    remove_sequences(&mut without, &mut found);
    if without.len() >= 2 {
        push(initials(&without));
        let pinyin: String = without
            .iter()
            .map(|t| translit::pinyin_initials(t).unwrap_or_else(|| t[..1].to_string()))
            .collect();
        push(pinyin);
    }
    out
}

/// Whether `short` can abbreviate `word`: same first letter, its letters in
/// order within the word, and shorter by at least two ("def" → "defense",
/// "bk" → "bank", "natl" → "national").
pub fn abbreviates(short: &str, word: &str) -> bool {
    let (s, w) = (short.as_bytes(), word.as_bytes());
    if s.len() < 2 || w.len() < s.len() + 2 || s[0] != w[0] || !short.is_ascii() {
        return false;
    }
    // A word has a vowel early; an acronym ("spbgu") is not what "spb" stands for.
    if !w[..=s.len()].iter().any(|b| b"aeiouy".contains(b)) {
        return false;
    }
    let mut it = w.iter();
    s.iter().all(|c| it.any(|x| x == c))
}

/// Whether a word reads as an abbreviation on its own: no vowel after its
/// first letter ("bk", "grp", "mfg").
pub fn looks_abbreviated(token: &str) -> bool {
    (2..=4).contains(&token.len())
        && token.is_ascii()
        && token.bytes().all(|b| b.is_ascii_lowercase())
        && !token.bytes().skip(1).any(|b| b"aeiouy".contains(&b))
}

/// Splits Latin text into lowercase ASCII alphanumeric tokens.
pub fn tokenize(latin: &str) -> Vec<String> {
    let ascii = any_ascii::any_ascii(&without_signs(latin)).to_lowercase();
    let cleaned: String = ascii
        .chars()
        .filter(|c| *c != '\'' && *c != '`')
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().map(str::to_string).collect()
}

/// Words of legal forms and organisation words, by first letter, for
/// correcting their misspellings ("Joint Stok Company", "Technolgies").
fn known_words() -> &'static FastMap<u8, Vec<&'static str>> {
    static KNOWN: std::sync::OnceLock<FastMap<u8, Vec<&'static str>>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        let mut words: Vec<&'static str> = LEGAL_FORMS
            .iter()
            .flat_map(|f| f.split(' '))
            .chain(WORD_FORMS.iter().flat_map(|(a, b)| [*a, *b]))
            .chain(GENERIC_WORDS.iter().copied())
            .filter(|w| w.len() >= 4)
            .collect();
        words.sort_unstable();
        words.dedup();
        let mut by_first: FastMap<u8, Vec<&'static str>> = FastMap::default();
        for w in words {
            by_first.entry(w.as_bytes()[0]).or_default().push(w);
        }
        by_first
    })
}

/// Least similarity for a word to be read as a misspelt legal-form or
/// organisation word.
const KNOWN_WORD_FLOOR: f64 = 0.83;

/// Rewrites misspelt legal-form and organisation words to their spelling,
/// so a typo in "Company" neither stays a name word nor outweighs the name.
fn correct_known_words(tokens: &mut [String]) {
    let known = known_words();
    for t in tokens.iter_mut() {
        if t.len() < 4 || !t.is_ascii() {
            continue;
        }
        let Some(words) = known.get(&t.as_bytes()[0]) else {
            continue;
        };
        if words.contains(&t.as_str()) {
            continue;
        }
        // A misspelling keeps its first two letters and about its length;
        // a word that only adds an s is another word ("Corps" is no "Corp").
        let best = words
            .iter()
            .filter(|w| w.len().abs_diff(t.len()) <= 2 && w.as_bytes()[1] == t.as_bytes()[1])
            .filter(|w| t.strip_suffix('s') != Some(**w))
            .map(|w| (crate::score::token_similarity(t, w), *w))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((s, w)) = best {
            if s >= KNOWN_WORD_FLOOR {
                *t = w.to_string();
            }
        }
    }
}

/// Whether a legal form of one word could be a syllable of a name: short
/// and with a vowel ("pao", "sa", "ag"), where "ltd", "llc" or "inc" could
/// not ("co" and "inc" are legal forms wherever they stand).
fn name_syllable(form: &str) -> bool {
    form.len() <= 3 && form.contains(['a', 'e', 'i', 'o', 'u']) && !matches!(form, "co" | "inc")
}

/// The legal forms as token sequences, longest first, split once.
fn legal_form_sequences() -> &'static [Vec<&'static str>] {
    static SEQS: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    SEQS.get_or_init(|| {
        let mut seqs: Vec<Vec<&'static str>> =
            LEGAL_FORMS.iter().map(|s| s.split(' ').collect()).collect();
        seqs.sort_by_key(|s| std::cmp::Reverse(s.len()));
        seqs
    })
}

/// [`legal_form_sequences`] by their first word, in the same order: every
/// word of every name is looked up.
fn legal_forms_by_first_word() -> &'static FastMap<&'static str, Vec<&'static [&'static str]>> {
    static BY_FIRST: std::sync::OnceLock<FastMap<&'static str, Vec<&'static [&'static str]>>> =
        std::sync::OnceLock::new();
    BY_FIRST.get_or_init(|| {
        let mut map: FastMap<&'static str, Vec<&'static [&'static str]>> = FastMap::default();
        for seq in legal_form_sequences() {
            if let Some(first) = seq.first() {
                map.entry(*first).or_default().push(seq.as_slice());
            }
        }
        map
    })
}

fn remove_sequences(tokens: &mut Vec<String>, found: &mut Vec<String>) {
    let by_first = legal_forms_by_first_word();
    let mut i = 0;
    while i < tokens.len() {
        let mut removed = false;
        let seqs = by_first
            .get(tokens[i].as_str())
            .map_or(&[][..], Vec::as_slice);
        for &seq in seqs {
            // A legal form of one short word is one only at either end of
            // the name: inside it, "pao", "sa" or "ag" is a syllable of a
            // name ("Hsia Pao-lung", "Iyad ag Ghali").
            if seq.len() == 1 && name_syllable(seq[0]) && i != 0 && i + 1 != tokens.len() {
                continue;
            }
            if i + seq.len() <= tokens.len()
                && tokens[i..i + seq.len()]
                    .iter()
                    .zip(seq)
                    .all(|(a, b)| a == b)
            {
                // Never strip a name down to nothing.
                if tokens.len() == seq.len() {
                    continue;
                }
                found.push(seq.join(" "));
                tokens.drain(i..i + seq.len());
                removed = true;
                break;
            }
        }
        if !removed {
            i += 1;
        }
    }
    // What removing a legal form brought to the end may be one too ("X LLC Ltd").
    while tokens.len() > 1 {
        let last = &tokens[tokens.len() - 1];
        let Some(seq) = by_first
            .get(last.as_str())
            .into_iter()
            .flatten()
            .find(|s| s.len() == 1 && name_syllable(s[0]))
        else {
            break;
        };
        found.push(seq.join(" "));
        tokens.pop();
    }
}

/// A name's Latin tokens made comparable: stop words dropped (unless nothing
/// else is left), misspelt organisation words corrected, legal forms set
/// aside into `found`, word forms and state names in one spelling.
fn comparable_tokens(mut tokens: Vec<String>, found: &mut Vec<String>) -> Vec<String> {
    if tokens.iter().any(|t| !STOP_WORDS.contains(&t.as_str())) {
        tokens.retain(|t| !STOP_WORDS.contains(&t.as_str()));
    }
    correct_known_words(&mut tokens);
    remove_sequences(&mut tokens, found);
    canonical_tokens(tokens)
}

/// Every Latin form of a name worth comparing, first the plainest.
pub fn forms(text: &str) -> Vec<NameForm> {
    let mut out = forms_of(text);
    // "National University of Defense Technology (NUDT)": the name is also
    // written without what it brackets (an acronym or a remark).
    if let Some(bare) = without_brackets(text) {
        for f in forms_of(&bare) {
            if !out.iter().any(|x| x.tokens == f.tokens) {
                out.push(f);
            }
        }
    }
    out
}

/// The forms of a query: [`forms`], and for a name in Korean Revised
/// Romanisation ("Kim Jeong-eun") the forms of its Hangul reading, which
/// give the McCune–Reischauer and North Korean spellings the lists use
/// ("KIM, Jong Un") and its known words in English. Only queries: listed
/// names keep their own spellings, so a list name that happens to read as
/// Korean does not gain spellings it was never given.
pub fn query_forms(text: &str) -> Vec<NameForm> {
    let mut out = forms(text);
    let mut variants = Vec::new();
    // Respellings as transcriptions of Russian gain no other words: they
    // would multiply the forms for nothing.
    for f in out
        .iter()
        .filter(|f| f.native.is_none() && !f.skeleton && !f.is_transcription())
    {
        // A name read many ways (a Korean or Chinese name's translations)
        // would multiply its forms: the first forms' variants are enough.
        if variants.len() >= QUERY_VARIANTS {
            break;
        }
        let postal = postal_variant(&f.tokens).map(|v| (v, "postal romanisation"));
        let synonyms = synonym_variants(&f.tokens)
            .into_iter()
            .map(|v| (v, "translation synonyms"));
        for (v, scheme) in postal.into_iter().chain(synonyms) {
            if variants.len() >= QUERY_VARIANTS {
                break;
            }
            if !out
                .iter()
                .chain(&variants)
                .any(|x: &NameForm| x.tokens == v)
            {
                let mut g = NameForm::new(v, f.legal_forms.clone(), Some(scheme), None);
                g.abbreviated = f.abbreviated.clone();
                variants.push(g);
            }
        }
    }
    out.extend(variants);
    if let Some(hangul) = translit::revised_romanisation_as_hangul(&fold(text)) {
        for mut f in forms(&hangul) {
            if f.native.is_some() || out.iter().any(|x| x.tokens == f.tokens) {
                continue;
            }
            f.scheme = Some("revised-romanisation read as hangul");
            out.push(f);
        }
    }
    out
}

/// The forms of a name in Hanja read as Korean: a North or South Korean
/// body written in Hanja (高麗商業銀行) is listed by its Korean reading
/// ("Koryo Commercial Bank"), which the Chinese reading ("Gaoli") misses.
/// For queries whose party is Korean; a Chinese name read as Korean would
/// only add spellings no list uses.
pub fn korean_reading_forms(text: &str) -> Vec<NameForm> {
    if !text
        .chars()
        .any(|c| translit::script_of(c) == Some(Script::Han))
    {
        return Vec::new();
    }
    let Some(hangul) = translit::hanja_to_hangul(&fold(text)) else {
        return Vec::new();
    };
    forms(&hangul)
        .into_iter()
        .filter(|f| f.native.is_none())
        .map(|mut f| {
            f.scheme = Some(if f.scheme.is_some_and(|s| s.contains("translated")) {
                "korean reading of hanja + translated words"
            } else {
                "korean reading of hanja"
            });
            f
        })
        .collect()
}

/// Words that translate one word of another language, where translators
/// choose differently: "Yangtze River Storage" and "Yangtze Memory" (存储),
/// "China Ocean Oil" and "China National Offshore Oil" (海洋石油),
/// "Partisans of Allah" and "Partisans of God". Each word, in its canonical
/// form ([`WORD_FORMS`] already make "industrial" "industry" and "petroleum"
/// "oil"), with the words it may stand for; only query names gain them, as
/// variant forms.
const TRANSLATION_SYNONYMS: &[(&str, &[&str])] = &[
    ("allah", &["god"]),
    ("god", &["allah"]),
    ("armament", &["weapon"]),
    ("weapon", &["ordnance", "arms", "armament"]),
    ("ordnance", &["weapon"]),
    ("bureau", &["service", "agency"]),
    ("changjiang", &["yangtze"]),
    ("yangtze", &["changjiang"]),
    ("dawn", &["dawning"]),
    ("dawning", &["dawn"]),
    ("polytechnic", &["industry"]),
    ("levant", &["sham", "cham"]),
    ("sham", &["levant"]),
    ("cham", &["levant"]),
    ("memory", &["storage"]),
    ("storage", &["memory"]),
    ("merchant", &["commercial"]),
    ("ocean", &["offshore", "marine"]),
    ("offshore", &["ocean"]),
    // Back to the word other languages share ("Petroleos de Venezuela").
    ("oil", &["petroleum"]),
    ("ship", &["shipbuilding"]),
    ("shipbuilding", &["ship"]),
];

/// Chinese places in the postal and Wade–Giles spellings that older names
/// and foreign registers keep ("Peking", "Tientsin", "Canton", "Amoy"), with
/// their Pinyin, as the lists mostly write them (after the Chinese Postal
/// Map Romanization of 1906).
const POSTAL_PLACES: &[(&str, &str)] = &[
    ("amoy", "xiamen"),
    ("anhwei", "anhui"),
    ("canton", "guangzhou"),
    ("chekiang", "zhejiang"),
    ("chengtu", "chengdu"),
    ("chungking", "chongqing"),
    ("dairen", "dalian"),
    ("foochow", "fuzhou"),
    ("fukien", "fujian"),
    ("hangchow", "hangzhou"),
    ("hankow", "hankou"),
    ("honan", "henan"),
    ("hopeh", "hebei"),
    ("hupeh", "hubei"),
    ("kansu", "gansu"),
    ("kiangsi", "jiangxi"),
    ("kiangsu", "jiangsu"),
    ("kwangsi", "guangxi"),
    ("kwangtung", "guangdong"),
    ("kweichow", "guizhou"),
    ("kweiyang", "guiyang"),
    ("mukden", "shenyang"),
    ("nanking", "nanjing"),
    ("peking", "beijing"),
    ("peiping", "beijing"),
    ("shansi", "shanxi"),
    ("shantung", "shandong"),
    ("shensi", "shaanxi"),
    ("sian", "xian"),
    ("sinkiang", "xinjiang"),
    ("soochow", "suzhou"),
    ("swatow", "shantou"),
    ("szechuan", "sichuan"),
    ("szechwan", "sichuan"),
    ("tientsin", "tianjin"),
    ("tsinan", "jinan"),
    ("tsingtao", "qingdao"),
    ("whampoa", "huangpu"),
];

/// The tokens with their postal place names in Pinyin, when they have any.
fn postal_variant(tokens: &[String]) -> Option<Vec<String>> {
    let pinyin = |t: &str| POSTAL_PLACES.iter().find(|(p, _)| *p == t).map(|(_, y)| *y);
    tokens.iter().any(|t| pinyin(t).is_some()).then(|| {
        tokens
            .iter()
            .map(|t| pinyin(t).map_or_else(|| t.clone(), str::to_string))
            .collect()
    })
}

/// Phrases of Chinese institutional names that translators render in
/// different words: 工业大学 is an "Industrial University", a
/// "Polytechnical University" or an "Institute of Technology"; 理工大学 a
/// "Science and Engineering University", a "University of Science and
/// Technology" or an "Institute of Technology"; 研究院 a "Research Academy"
/// or an "Academy". In canonical words without stop words, as
/// [`TRANSLATION_SYNONYMS`]; scoring does not mind the order of words.
const PHRASE_SYNONYMS: &[(&[&str], &[&[&str]])] = &[
    (
        &["industry", "university"],
        &[
            &["institute", "technology"],
            &["polytechnic", "university"],
            &["university", "technology"],
        ],
    ),
    (
        &["polytechnic", "university"],
        &[&["institute", "technology"], &["industry", "university"]],
    ),
    (
        &["science", "engineering", "university"],
        &[
            &["university", "science", "technology"],
            &["institute", "technology"],
        ],
    ),
    (&["research", "academy"], &[&["academy"]]),
];

/// Most variant forms a query gains in all, from all its forms.
const QUERY_VARIANTS: usize = 2 * SYNONYM_VARIANTS;

/// Most variant forms a query gains from [`TRANSLATION_SYNONYMS`], and
/// as many from [`PHRASE_SYNONYMS`].
const SYNONYM_VARIANTS: usize = 3;

/// The tokens with their translatable words in other translations: every
/// such word at once in its first other rendering, then one word at a time
/// in each rendering.
fn synonym_variants(tokens: &[String]) -> Vec<Vec<String>> {
    let alternatives = |t: &str| {
        TRANSLATION_SYNONYMS
            .iter()
            .find(|(w, _)| *w == t)
            .map(|(_, alts)| *alts)
    };
    // Whole phrases first, as many again as the words may have: they say
    // more than a word, and must not crowd the words' renderings out.
    let mut phrases: Vec<Vec<String>> = Vec::new();
    for (phrase, renderings) in PHRASE_SYNONYMS {
        let Some(at) = tokens
            .windows(phrase.len())
            .position(|w| w.iter().zip(phrase.iter()).all(|(a, b)| a == b))
        else {
            continue;
        };
        for rendering in renderings.iter() {
            let mut v = tokens[..at].to_vec();
            v.extend(rendering.iter().map(|w| (*w).to_string()));
            v.extend_from_slice(&tokens[at + phrase.len()..]);
            if !phrases.contains(&v) {
                phrases.push(v);
            }
        }
    }
    phrases.truncate(SYNONYM_VARIANTS);
    let mut out: Vec<Vec<String>> = Vec::new();
    let all: Vec<String> = tokens
        .iter()
        .map(|t| alternatives(t).map_or_else(|| t.clone(), |a| a[0].to_string()))
        .collect();
    if all != tokens {
        out.push(all);
    }
    for (i, t) in tokens.iter().enumerate() {
        for alt in alternatives(t).unwrap_or_default() {
            let mut v = tokens.to_vec();
            v[i] = (*alt).to_string();
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out.truncate(SYNONYM_VARIANTS);
    phrases.retain(|v| !out.contains(v));
    phrases.extend(out);
    phrases
}

/// The text without anything it brackets: "A (B) C" → "A  C".
fn outside_brackets(text: &str) -> String {
    text.split('(')
        .enumerate()
        .map(|(i, p)| {
            if i == 0 {
                p
            } else {
                p.split_once(')').map_or("", |x| x.1)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text without the acronyms it brackets ("… Technology (NUDT)"), when
/// it has some and something is left. Other bracketed parts stay: "(Hong
/// Kong)" or "(UK)" tell one subsidiary from another.
fn without_brackets(text: &str) -> Option<String> {
    if !text.contains('(') {
        return None;
    }
    // The initials of the words outside brackets.
    let outside = outside_brackets(text);
    let initials: Vec<u8> = tokenize(&outside)
        .iter()
        .map(|w| w.as_bytes()[0].to_ascii_uppercase())
        .collect();
    let acronym = |inner: &str| {
        let t = inner.trim();
        // An acronym may carry its unit's number ("CETC 14") when its letters
        // are initials of the name, in order: "(UNIT 61398)" is no acronym.
        let t = match t.rsplit_once(' ') {
            Some((a, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                let mut rest = initials.iter();
                if !a.bytes().all(|c| rest.any(|i| *i == c)) {
                    return false;
                }
                a
            }
            _ => t,
        };
        (3..=10).contains(&t.len())
            && t.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
            && t.chars().filter(char::is_ascii_uppercase).count() >= 3
            && !matches!(t, "USA" | "UAE" | "PRC" | "ROC" | "ROK")
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut removed = false;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        out.push_str(&rest[..open]);
        if acronym(inner) {
            removed = true;
        } else {
            out.push_str(&rest[open..=open + close]);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    (removed && !out.is_empty()).then_some(out)
}

/// Latin letters written against Chinese, Korean or Japanese characters are
/// another word: "GS건설" is GS and 건설 (construction), not one word
/// "gsgeonseol". (Not against Cyrillic or Greek, where a Latin letter inside
/// a word is a look-alike of the script's own: "Гaзпром".)
fn apart_at_script_changes(text: &str) -> String {
    let other = |c: char| {
        matches!(
            translit::script_of(c),
            Some(Script::Han | Script::Hangul | Script::Kana)
        )
    };
    let mut out = String::with_capacity(text.len() + 4);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if let Some(p) = previous {
            if (p.is_ascii_alphabetic() && other(c)) || (other(p) && c.is_ascii_alphabetic()) {
                out.push(' ');
            }
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

fn forms_of(text: &str) -> Vec<NameForm> {
    let mut folded = apart_at_script_changes(&fold(text));
    if folded
        .chars()
        .any(|c| translit::script_of(c) == Some(Script::Han))
    {
        folded = translit::fold_traditional(&folded);
    }
    let mut legal: Vec<String> = Vec::new();
    // (The native legal forms are all written in other scripts than ASCII.)
    let native_forms = if folded.is_ascii() {
        &[][..]
    } else {
        NATIVE_LEGAL_FORMS
    };
    for lf in native_forms {
        if folded.contains(lf) && folded.trim() != *lf {
            folded = folded.replace(lf, " ");
            legal.push((*lf).to_string());
        }
    }
    let script = translit::main_script(&folded);
    if script == Script::Cyrillic {
        let words: Vec<&str> = folded.split_whitespace().collect();
        if words.len() > 1 {
            let kept: Vec<&str> = words
                .iter()
                .copied()
                .filter(|w| {
                    let bare = w.trim_matches(|c: char| !c.is_alphanumeric());
                    let is_form = CYRILLIC_LEGAL_WORDS.contains(&bare);
                    if is_form {
                        legal.push(bare.to_string());
                    }
                    !is_form
                })
                .collect();
            if !kept.is_empty() {
                folded = kept.join(" ");
            }
        }
        // Quotes around Russian company names: ООО «Ромашка».
        folded = folded.replace(['«', '»', '"', '“', '”'], " ");
    }
    let spellings: Vec<(String, Option<&'static str>)> = match script {
        Script::Latin => {
            let mut v = vec![(folded.clone(), None)];
            // German umlauts are also written ae/oe/ue.
            if folded.contains(['ä', 'ö', 'ü']) {
                v.push((
                    folded
                        .replace('ä', "ae")
                        .replace('ö', "oe")
                        .replace('ü', "ue"),
                    Some("umlaut"),
                ));
            }
            v.extend(
                translit::slavic_respellings(&folded, &|w| {
                    let w = w.trim_matches(|c: char| !c.is_alphanumeric());
                    LEGAL_FORMS.contains(&w)
                })
                .into_iter()
                .map(|(s, k)| (s, Some(k))),
            );
            v
        }
        Script::Cyrillic => translit::cyrillic(&folded)
            .into_iter()
            .map(|(s, k)| (s, Some(k)))
            .collect(),
        Script::Hangul => translit::hangul(&folded)
            .into_iter()
            .map(|(s, k)| (s, Some(k)))
            .collect(),
        Script::Han => translit::han_of(&folded, legal.is_empty())
            .into_iter()
            .map(|(s, k)| (s, Some(k)))
            .collect(),
        Script::Kana | Script::Arabic | Script::Other => {
            vec![(translit::fallback(&folded), Some("any-ascii"))]
        }
    };
    let mut out: Vec<NameForm> = Vec::new();
    if script != Script::Latin {
        let tokens: Vec<String> = folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        if !tokens.is_empty() {
            out.push(NameForm::new(
                tokens,
                legal.clone(),
                Some("native script"),
                Some(script),
            ));
        }
    }
    for (spelling, scheme) in spellings {
        let mut found = legal.clone();
        let tokens = comparable_tokens(tokenize(&spelling), &mut found);
        if tokens.is_empty() {
            continue;
        }
        if out.iter().any(|f| f.tokens == tokens) {
            continue;
        }
        let abbreviated: Vec<String> = if spelling.contains('.') {
            spelling
                .split_whitespace()
                .filter(|w| w.ends_with('.') && !w[..w.len() - 1].contains('.'))
                .flat_map(tokenize)
                .filter(|t| tokens.contains(t))
                .collect()
        } else {
            Vec::new()
        };
        // Chinese names romanised in Pinyin are also written in Wade–Giles.
        let wade_giles = (script == Script::Latin)
            .then(|| translit::latin_pinyin_to_wade_giles(&tokens))
            .flatten();
        let mut form = NameForm::new(tokens, found.clone(), scheme, None);
        form.abbreviated = abbreviated;
        out.push(form);
        // Romanised Chinese or Korean organisation words, in English.
        if script == Script::Latin {
            if let Some(t) = translit::translate_romanised(
                &out.last().map(|f| f.tokens.clone()).unwrap_or_default(),
            ) {
                // The English words as a Latin name's: without stop words
                // and legal forms ("muyok hoesa" → "trading company"), in
                // their usual forms.
                let mut translated_found = found.clone();
                let t = comparable_tokens(
                    t.iter().flat_map(|w| tokenize(w)).collect(),
                    &mut translated_found,
                );
                if !t.is_empty() && !out.iter().any(|f| f.tokens == t) {
                    out.push(NameForm::new(
                        t,
                        translated_found,
                        Some("romanised words translated"),
                        None,
                    ));
                }
            }
        }
        if let Some(wg) = wade_giles {
            if !out.iter().any(|f| f.tokens == wg) {
                out.push(NameForm::new(wg, found, Some("wade-giles"), None));
            }
        }
    }
    if script == Script::Arabic {
        let persian = translit::is_persian(&folded);
        let skeletons: Vec<String> = folded
            .split(|c: char| !c.is_alphanumeric())
            .map(|w| translit::arabic_skeleton_in(w, persian))
            .filter(|t| !t.is_empty())
            .collect();
        // بن/ابن belongs to the next name, as "bin"/"ben" does in a Latin
        // spelling ("Sami Ben Khemais" → "binkhemais"): "bn" + "xms".
        let mut tokens: Vec<String> = Vec::with_capacity(skeletons.len());
        let mut i = 0;
        while i < skeletons.len() {
            if skeletons[i] == "bn" && i + 1 < skeletons.len() {
                tokens.push(format!("bn{}", skeletons[i + 1]));
                i += 2;
            } else {
                tokens.push(skeletons[i].clone());
                i += 1;
            }
        }
        if !tokens.is_empty() {
            let mut f = NameForm::new(tokens, legal.clone(), Some("arabic consonants"), None);
            f.skeleton = true;
            out.push(f);
        }
        // Bodies are listed by their English names: the organisation words
        // translated, the rest compared by consonants.
        if let Some(words) = translit::arabic_words(&folded) {
            for variant in arabic_variants(&words) {
                if let Some(f) = arabic_translated_form(&variant, &legal) {
                    if !out.iter().any(|x| x.tokens == f.tokens) {
                        out.push(f);
                    }
                }
            }
        }
    }
    out
}

/// Most renderings of a name in Arabic script tried.
const ARABIC_VARIANTS: usize = 4;

/// Renderings of a name's words: each word's usual one, then one word at a
/// time in another ("iranian" or "iran" for ایرانی). Each word is English
/// (`true`) or a consonant skeleton.
fn arabic_variants(words: &[(Vec<&'static str>, String, bool)]) -> Vec<Vec<(String, bool)>> {
    let first: Vec<(String, bool)> = words
        .iter()
        .map(|(renderings, skeleton, english)| match renderings.first() {
            Some(r) if *english => ((*r).to_string(), true),
            _ => (skeleton.clone(), false),
        })
        .collect();
    let mut out = vec![first.clone()];
    for (i, (renderings, _, english)) in words.iter().enumerate() {
        if !english {
            continue;
        }
        for alt in renderings.iter().skip(1) {
            if out.len() >= ARABIC_VARIANTS {
                return out;
            }
            let mut v = first.clone();
            v[i].0 = (*alt).to_string();
            out.push(v);
        }
    }
    out
}

/// A form of a name in Arabic script with its organisation words in
/// English: plain English when every word is known, else all tokens as
/// consonant skeletons (the English words by their Latin skeletons).
fn arabic_translated_form(words: &[(String, bool)], legal: &[String]) -> Option<NameForm> {
    if words.iter().all(|(_, english)| *english) {
        let english: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        let mut f = forms_of(&english.join(" ")).into_iter().next()?;
        f.scheme = Some("arabic translated words");
        f.legal_forms.extend(legal.iter().cloned());
        return Some(f);
    }
    // Skeletons are marked so that no legal form or stop word can equal one.
    let tokens: Vec<String> = words
        .iter()
        .flat_map(|(w, english)| {
            if *english {
                tokenize(w)
            } else {
                vec![format!("#{w}")]
            }
        })
        .collect();
    let mut found = legal.to_vec();
    let tokens: Vec<String> = comparable_tokens(tokens, &mut found)
        .iter()
        .map(|t| match t.strip_prefix('#') {
            Some(skeleton) => skeleton.to_string(),
            None => translit::latin_skeleton(t),
        })
        .filter(|t| !t.is_empty())
        .collect();
    if tokens.is_empty() {
        return None;
    }
    let mut f = NameForm::new(
        tokens,
        found,
        Some("arabic consonants + translated words"),
        None,
    );
    f.skeleton = true;
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Vec<String> {
        forms(text)
            .into_iter()
            .find(|f| f.native.is_none())
            .unwrap()
            .tokens
    }

    #[test]
    fn signs_and_emoji_are_not_words() {
        for text in [
            "Huawei ™",
            "Huawei™",
            "Huawei 🚀",
            "Huawei ©",
            "★ Huawei ★",
            "Huawei €",
            "Huawei 👩\u{200d}💻",
            "Huawei 🇨🇳",
            "Huawei ❤\u{fe0f}",
        ] {
            assert_eq!(first(text), ["huawei"], "{text}");
        }
        // A sign inside a word parts it, as a hyphen does.
        assert_eq!(first("Sber😀bank"), ["sber", "bank"]);
        // Signs that stand for words stay: № is "No", ㍿ a legal form.
        assert!(first("Plant № 5").contains(&"5".to_string()));
        assert_eq!(fold("№"), "no");
        assert_eq!(fold("㍿"), "株式会社");
        // Letters of every script are untouched.
        assert_eq!(fold("Сбербанк 华为 سبربنك"), "сбербанк 华为 سبربنك");
        assert!(tokenize("Huawei 😀 Technologies")
            .iter()
            .all(|t| t != "grinning"));
    }

    #[test]
    fn translations_vary_by_synonym() {
        let schemes = |text: &str| -> Vec<(Vec<String>, Option<&str>)> {
            query_forms(text)
                .into_iter()
                .map(|f| (f.tokens, f.scheme))
                .collect()
        };
        let v = schemes("Yangtze River Storage Technology Co., Ltd.");
        assert!(
            v.iter()
                .any(|(t, s)| t.contains(&"memory".to_string())
                    && *s == Some("translation synonyms")),
            "{v:?}"
        );
        assert!(v.len() <= 1 + SYNONYM_VARIANTS, "{v:?}");
        // Listed names keep their words: only queries vary.
        assert!(forms("Yangtze River Storage Technology")
            .iter()
            .all(|f| !f.tokens.contains(&"memory".to_string())));
        assert!(synonym_variants(&["huawei".to_string()]).is_empty());
        // A phrase in other words: 工业大学 as "Industrial University".
        let v = schemes("Harbin Industrial University");
        assert!(
            v.iter()
                .any(|(t, _)| t == &["harbin", "institute", "technology"]),
            "{v:?}"
        );
        // A name read many ways gains few variants in all.
        let v = schemes("국가우주개발국");
        let variants = v
            .iter()
            .filter(|(_, s)| *s == Some("translation synonyms"))
            .count();
        assert!((1..=QUERY_VARIANTS).contains(&variants), "{v:?}");
        // A number keeps its digits together, and a numbered body its word.
        assert!(
            schemes("39호실")
                .iter()
                .any(|(t, _)| t == &["39", "office"]),
            "{:?}",
            schemes("39호실")
        );
        // Two numbers stay two.
        assert!(schemes("39호실 40호실")
            .iter()
            .all(|(t, _)| !t.contains(&"3940".to_string())));
        assert!(schemes("中国电科38所")
            .iter()
            .all(|(t, _)| !t.contains(&"3".to_string())));
        // A state's adjective is its name, but no word is corrected to it.
        assert_eq!(forms("Chinese Academy")[0].tokens, ["china", "academy"]);
        assert!(forms("Ali Irani")[0].tokens.contains(&"irani".to_string()));
        assert_eq!(forms("North Korean Bank")[0].tokens, ["korea", "bank"]);
        assert_eq!(
            forms("Je2 Gyeongje Wiwonhoe")[0].tokens,
            ["2", "gyeongje", "wiwonhoe"]
        );
        // A one-word legal form inside a name is a syllable of it; "Corps" is a word.
        assert_eq!(forms("Hsia Pao-lung")[0].tokens, ["hsia", "pao", "lung"]);
        assert_eq!(forms("Acme LLC Ltd")[0].tokens, ["acme"]);
        assert_eq!(
            forms("Acme Ltd Hong Kong")[0].tokens,
            ["acme", "hong", "kong"]
        );
        // A word form is no word to correct a misspelling to.
        assert_eq!(
            forms("Resolution Capital")[0].tokens,
            ["resolution", "capital"]
        );
        assert_eq!(forms("DI20")[0].tokens, ["di20"]);
        assert!(forms("Islamic Revolutionary Guard Corps")[0]
            .tokens
            .contains(&"corps".to_string()));
        // A legal form is not respelt as Russian: "JSC" stays, and goes.
        assert!(forms("Russian Defence Export JSC")
            .iter()
            .all(|f| !f.tokens.iter().any(|t| t == "ysc" || t == "zhsc")));
        // Respellings gain no synonyms.
        let v = schemes("China Ocean Petroleum Group");
        let shina = |t: &Vec<String>| t.contains(&"shina".to_string());
        assert!(v
            .iter()
            .any(|(t, s)| shina(t) && *s == Some("french transcription")));
        assert!(!v
            .iter()
            .any(|(t, s)| shina(t) && *s == Some("translation synonyms")));
        // Phrases do not crowd the words out.
        let v = schemes("Harbin Oil Industrial University");
        assert!(
            v.iter().any(|(t, _)| t.contains(&"petroleum".to_string())),
            "{v:?}"
        );
        for (phrase, renderings) in PHRASE_SYNONYMS {
            for w in phrase
                .iter()
                .chain(renderings.iter().flat_map(|r| r.iter()))
            {
                assert_eq!(
                    canonical_tokens(vec![w.to_string()]),
                    vec![w.to_string()],
                    "{w}"
                );
            }
        }
        // The table is written in canonical words, or a word would never fire.
        for (word, _) in TRANSLATION_SYNONYMS {
            assert_eq!(
                canonical_tokens(vec![word.to_string()]),
                vec![word.to_string()],
                "{word}"
            );
        }
        let v = schemes("Peking Institute of Technology");
        assert!(
            v.iter()
                .any(|(t, s)| t[0] == "beijing" && *s == Some("postal romanisation")),
            "{v:?}"
        );
    }

    #[test]
    fn legal_forms_and_punctuation_go() {
        assert_eq!(
            first("Huawei Technologies Co., Ltd."),
            ["huawei", "technology"]
        );
        assert_eq!(first("BANK OF KUNLUN CO LTD"), ["bank", "kunlun"]);
        assert_eq!(first("Siemens AG"), ["siemens"]);
        assert_eq!(first("ООО «Ромашка»"), ["romashka"]);
        assert_eq!(forms("ООО «Ромашка»")[1].legal_forms, ["ооо"]);
        assert_eq!(first("Ltd"), ["ltd"], "a name is never stripped to nothing");
        assert_eq!(first("J.P. Morgan"), ["j", "p", "morgan"]);
        assert_eq!(first("O'Brien"), ["obrien"]);
    }

    #[test]
    fn native_legal_forms_go_before_transliteration() {
        let f = forms("华为技术有限公司");
        assert!(
            f.iter().any(|x| x.tokens == ["huawei", "technology"]),
            "{f:?}"
        );
        assert!(f[0].legal_forms.contains(&"有限公司".to_string()));
        let k = forms("삼성전자 주식회사");
        assert!(k[0].legal_forms.contains(&"주식회사".to_string()), "{k:?}");
    }

    #[test]
    fn acronyms_of_listed_names() {
        // A bracketed acronym, with its unit's number or without, is also left out.
        let bare = |n: &str| {
            forms(n)
                .iter()
                .any(|f| !f.tokens.iter().any(|t| t == "cetc"))
        };
        assert!(bare(
            "China Electronics Technology Group Corporation 14th Research Institute (CETC 14)"
        ));
        assert!(!bare("CETC (Hong Kong)"));
        let unit = forms("People's Liberation Army Unit (UNIT 61398)");
        assert!(
            unit.iter().all(|f| f.tokens.contains(&"61398".to_string())),
            "{unit:?}"
        );
        let a = acronyms("National University of Defense Technology (NUDT)");
        assert!(a.contains(&"nudt".to_string()), "{a:?}");
        let a = acronyms("Nanjing University of Science and Technology");
        assert!(
            a.contains(&"nust".to_string()) && a.contains(&"njust".to_string()),
            "{a:?}"
        );
        let a = acronyms("OCEAN MARITIME MANAGEMENT COMPANY LIMITED");
        assert!(a.contains(&"omm".to_string()), "{a:?}");
        assert!(acronyms("Huawei").is_empty());
        let a = acronyms("Northwestern Polytechnical University");
        assert!(a.contains(&"nwpu".to_string()), "{a:?}");
        let a = acronyms("FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA");
        assert!(a.contains(&"ftb".to_string()), "{a:?}");
        let a = acronyms("MOSCOW STATE TECHNICAL UNIVERSITY NAMED AFTER NE BAUMAN");
        assert!(a.contains(&"mstu".to_string()), "{a:?}");
        // Two words before "of" are too few to stand for the body.
        assert!(!acronyms("Central Bank of Iran").contains(&"cb".to_string()));
        assert!(abbreviates("def", "defense") && abbreviates("bk", "bank"));
        assert!(!abbreviates("dfx", "defense") && !abbreviates("bank", "bank"));
        assert!(looks_abbreviated("grp") && !looks_abbreviated("ali"));
    }

    #[test]
    fn native_legal_forms_are_never_ascii() {
        // (A name in ASCII is not searched for them.)
        assert!(NATIVE_LEGAL_FORMS.iter().all(|f| !f.is_ascii()));
        assert_eq!(forms("华为技术有限公司")[0].legal_forms, ["有限公司"]);
    }

    #[test]
    fn nfkc_and_case() {
        assert_eq!(first("ＨＵＡＷＥＩ"), ["huawei"]);
        assert_eq!(first("Müller"), ["muller"]);
        assert!(forms("Müller").iter().any(|f| f.tokens == ["mueller"]));
    }

    #[test]
    fn latin_letters_against_another_script_are_another_word() {
        assert_eq!(first("GS건설")[0], "gs");
        assert_eq!(first("LG전자")[0], "lg");
        assert_eq!(apart_at_script_changes("LX인터내셔널"), "LX 인터내셔널");
        // Digits stay with their characters ("第14研究所", "39호실").
        assert_eq!(apart_at_script_changes("39호실"), "39호실");
        assert_eq!(apart_at_script_changes("Huawei"), "Huawei");
        // Look-alike letters inside a Cyrillic word, and Latin letters
        // beyond ASCII, stay in their word.
        assert_eq!(apart_at_script_changes("Гaзпром"), "Гaзпром");
        assert_eq!(apart_at_script_changes("Məmmədov"), "Məmmədov");
    }
}
