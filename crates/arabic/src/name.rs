//! A person's name cut into its parts, the way the matcher compares them.
//!
//! A full name as typed — `اللواء عبد العزيز بن محمد آل ثاني`, `Dr. Abdel Aziz bin Mohammed
//! Al Thani` — becomes an optional run of leading titles and a list of parts: given name,
//! father's and grandfather's names, family name. Compounds are one part whichever way
//! they were spaced (عبد العزيز = عبدالعزيز, أبو بكر = أبوبكر, نور الدين, فضل الله),
//! particles (بن، ابن، بنت، bin, ibn, bint) only separate parts, and the family name's article
//! (ال، آل، Al-, El) is kept on the part but compared with and without it.
//!
//! Latin parts are put in a canonical spelling of their compound shape: `Abdul Rahman`,
//! `Abderrahmane` and `Abd al-Rahman` all become `abdLrahman…`, where the capital `L`
//! stands for the article inside the compound (Arabic `ال`), however it was written or
//! assimilated. That marker is the only upper-case letter a Latin part ever holds.

use crate::normalize::{full_fold, light_fold};

/// The script a name is written in. A name with any Arabic letter counts as Arabic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// Arabic letters.
    Arabic,
    /// Latin letters (any transliteration).
    Latin,
}

/// One part of a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Part {
    /// The words of this part as they were typed (stored form), for explanations.
    pub written: String,
    /// The matching form. Arabic: the light fold (hamza and alef maqsura kept);
    /// Latin: lower-case ASCII in canonical compound spelling.
    pub form: String,
    /// The folded key: Arabic with hamza and alef maqsura folded too; Latin as `form`.
    pub key: String,
    /// The sound units the phonetic costs compare, worked out once per part.
    pub(crate) sounds: Sounds,
}

/// A part's sound units ([`crate::phonetic`]), of the whole part and, when it starts with
/// an article, of its core.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Sounds {
    /// Units of the Arabic light form.
    Arabic { whole: Vec<char>, core: Option<Vec<char>> },
    /// Letters (for cross-script alignment) and units (for Latin spellings).
    Latin { letters: Vec<u8>, core_letters: Option<Vec<u8>>, units: Vec<u8>, core_units: Option<Vec<u8>> },
}

impl Part {
    pub(crate) fn new(written: String, form: String, key: String, script: Script) -> Part {
        use crate::phonetic::{arabic_units, latin_letters, latin_units};
        let core = crate::lexicon::core(&form, script);
        let has_article = core.len() != form.len();
        let sounds = match script {
            Script::Arabic => {
                Sounds::Arabic { whole: arabic_units(&form), core: has_article.then(|| arabic_units(core)) }
            }
            Script::Latin => Sounds::Latin {
                letters: latin_letters(&form),
                core_letters: has_article.then(|| latin_letters(core)),
                units: latin_units(&form),
                core_units: has_article.then(|| latin_units(core)),
            },
        };
        Part { written, form, key, sounds }
    }
}

/// A name cut into parts. The first `titles` parts are leading words that may be titles
/// (اللواء، الدكتورة، Dr., Sheikha …); the matcher tries the name with and without them,
/// because some of them (شيخة, Sheikha) are given names as well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The script of the name.
    pub script: Script,
    /// The parts, titles first.
    pub parts: Vec<Part>,
    /// How many leading parts may be titles.
    pub titles: usize,
}

const ARABIC_TITLES: &[&str] = &[
    "اللواء",
    "لواء",
    "العميد",
    "عميد",
    "العقيد",
    "عقيد",
    "المقدم",
    "مقدم",
    "الرائد",
    "رائد",
    "النقيب",
    "نقيب",
    "الملازم",
    "ملازم",
    "الدكتور",
    "الدكتوره",
    "دكتور",
    "دكتوره",
    "د",
    "المهندس",
    "المهندسه",
    "مهندس",
    "مهندسه",
    "م",
    "الاستاذ",
    "الاستاذه",
    "استاذ",
    "استاذه",
    "السيد",
    "السيده",
    "الشيخ",
    "الشيخه",
    "الانسه",
    "الحاج",
    "الحاجه",
];

const LATIN_TITLES: &[&str] = &[
    "dr",
    "doctor",
    "eng",
    "engineer",
    "mr",
    "mrs",
    "ms",
    "miss",
    "sheikh",
    "sheikha",
    "shaikh",
    "shaikha",
    "cheikh",
    "cheikha",
    "brig",
    "brigadier",
    "col",
    "colonel",
    "maj",
    "major",
    "gen",
    "general",
    "lt",
    "lieutenant",
    "capt",
    "captain",
    "prof",
    "hajj",
    "haj",
    "sayed",
    "sayyid",
];

const ARABIC_PARTICLES: &[&str] = &["بن", "ابن", "بنت"];
const LATIN_PARTICLES: &[&str] = &["bin", "bint", "ibn", "ben", "bent", "binti"];
/// First words of compounds: عبد X, أبو X (and its case forms أبي، أبا).
const ARABIC_PREFIXES: &[&str] = &["عبد", "ابو", "ابي", "ابا"];
/// Second words of compounds: X الدين, X الله.
const ARABIC_SUFFIXES: &[&str] = &["الدين", "الله"];
const LATIN_PREFIXES: &[&str] =
    &["abd", "abdul", "abdel", "abdal", "abdoul", "abdou", "abdu", "abdoo", "abu", "abou", "abo", "bou"];
/// Articles that may stand between a compound's words (`Abd al Aziz`, `Abd ar-Rahman`).
const LATIN_ARTICLES: &[&str] = &[
    "al", "el", "ul", "il", "ar", "as", "an", "ad", "at", "az", "ash", "er", "es", "en", "ed", "ez", "et", "ur", "us",
    "un", "ud",
];
const LATIN_DIN: &[&str] = &[
    "din", "deen", "dine", "dean", "eddine", "eddin", "edine", "uddin", "udin", "addin", "aldin", "eldin", "aldeen",
    "eldeen", "uddeen", "eddeen",
];
const LATIN_ALLAH: &[&str] = &["allah", "ullah", "illah", "alla", "ulla", "lah"];

impl Name {
    /// Cuts a typed name into parts. Never fails: a name with no letters has no parts.
    pub fn parse(input: &str) -> Name {
        if input.chars().any(is_arabic) { parse_arabic(input) } else { parse_latin(input) }
    }

    /// The parts after the first `skip` (0 ≤ skip ≤ `titles`).
    pub fn without_titles(&self, skip: usize) -> &[Part] {
        &self.parts[skip.min(self.titles)..]
    }

    /// The parts once every leading title is removed.
    pub fn core(&self) -> &[Part] {
        self.without_titles(self.titles)
    }
}

fn is_arabic(ch: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&ch) || ('\u{0750}'..='\u{077F}').contains(&ch)
}

/// A word as typed and as folded, before compounds are joined.
struct Word {
    written: String,
    form: String,
}

fn words(input: &str, fold: impl Fn(&str) -> String) -> Vec<Word> {
    crate::stored_form(input)
        .split([' ', '-', '_', '.', ',', '،'])
        .filter_map(|written| {
            let form = fold(written);
            (!form.is_empty()).then(|| Word { written: written.to_string(), form })
        })
        .collect()
}

/// At most this many leading words are taken for titles (اللواء المهندس الدكتور …): the
/// matcher tries every way of setting them aside, and no one carries more.
const MOST_TITLES: usize = 4;

fn leading_titles(words: &[Word], is_title: impl Fn(&Word) -> bool) -> usize {
    let mut titles = 0;
    // A title is only a title in front of a name: at least one word stays a name.
    while titles < MOST_TITLES && titles + 1 < words.len() && is_title(&words[titles]) {
        titles += 1;
    }
    titles
}

fn parse_arabic(input: &str) -> Name {
    let words = words(input, |word| light_fold(word).replace(' ', ""));
    let key = |word: &Word| full_fold(&word.form);
    let titles = leading_titles(&words, |word| ARABIC_TITLES.iter().any(|title| full_fold(title) == key(word)));
    let words: Vec<Word> = words
        .into_iter()
        .enumerate()
        .filter(|(index, word)| *index < titles || !ARABIC_PARTICLES.contains(&key(word).as_str()))
        .map(|(_, word)| word)
        .collect();
    let mut parts: Vec<Part> = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        let word_key = key(word);
        let next = words.get(index + 1).filter(|_| index >= titles);
        // Prefixes are matched on the light form, which keeps the hamza: إباء is a name,
        // أبا the first word of a compound.
        if let Some(next) = next.filter(|_| ARABIC_PREFIXES.contains(&word.form.as_str()) || word_key == "ال") {
            // عبد العزيز, أبو بكر, and آل ثاني (light-folded to ال ثاني) become one part.
            parts
                .push(arabic_part(format!("{} {}", word.written, next.written), format!("{}{}", word.form, next.form)));
            index += 2;
            continue;
        }
        if index > titles
            && ARABIC_SUFFIXES.contains(&word_key.as_str())
            && let Some(last) = parts.last_mut()
        {
            *last = arabic_part(format!("{} {}", last.written, word.written), format!("{}{}", last.form, word.form));
            index += 1;
            continue;
        }
        parts.push(arabic_part(word.written.clone(), word.form.clone()));
        index += 1;
    }
    Name { script: Script::Arabic, parts, titles }
}

fn arabic_part(written: String, form: String) -> Part {
    let key = full_fold(&form);
    Part::new(written, form, key, Script::Arabic)
}

fn latin_fold(word: &str) -> String {
    light_fold(word).chars().filter(char::is_ascii_lowercase).collect()
}

fn parse_latin(input: &str) -> Name {
    let words = words(input, latin_fold);
    let titles = leading_titles(&words, |word| LATIN_TITLES.contains(&word.form.as_str()));
    let words: Vec<Word> = words
        .into_iter()
        .enumerate()
        .filter(|(index, word)| *index < titles || !LATIN_PARTICLES.contains(&word.form.as_str()))
        .map(|(_, word)| word)
        .collect();
    let mut parts: Vec<(String, String)> = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        let form = word.form.as_str();
        if index >= titles && LATIN_PREFIXES.contains(&form) && index + 1 < words.len() {
            // Abd al Aziz, Abdul Aziz, Abu Bakr: one part.
            let mut written = format!("{} {}", word.written, words[index + 1].written);
            let mut joined = format!("{form}{}", words[index + 1].form);
            let mut used = 2;
            if LATIN_ARTICLES.contains(&words[index + 1].form.as_str()) && index + 2 < words.len() {
                written = format!("{written} {}", words[index + 2].written);
                joined.push_str(&words[index + 2].form);
                used = 3;
            }
            parts.push((written, joined));
            index += used;
            continue;
        }
        if index > titles && !parts.is_empty() {
            let last = parts.len() - 1;
            // Nour al Din, Nour Eddine, Fadl Allah: the second word joins the first.
            if LATIN_ARTICLES.contains(&form)
                && let Some(next) = words.get(index + 1).filter(|next| LATIN_DIN.contains(&next.form.as_str()))
            {
                parts[last].0 = format!("{} {} {}", parts[last].0, word.written, next.written);
                parts[last].1 = format!("{}{form}{}", parts[last].1, next.form);
                index += 2;
                continue;
            }
            if LATIN_DIN.contains(&form) || LATIN_ALLAH.contains(&form) {
                parts[last].0 = format!("{} {}", parts[last].0, word.written);
                parts[last].1.push_str(form);
                index += 1;
                continue;
            }
        }
        if (form == "al" || form == "el") && index + 1 < words.len() && index >= titles {
            // A detached article belongs to the family name after it: Al Kaabi = Alkaabi.
            parts.push((
                format!("{} {}", word.written, words[index + 1].written),
                format!("al{}", words[index + 1].form),
            ));
            index += 2;
            continue;
        }
        parts.push((word.written.clone(), form.to_string()));
        index += 1;
    }
    let parts = parts
        .into_iter()
        .enumerate()
        .map(|(position, (written, form))| {
            let form = if position < titles { form } else { canonical_latin(&form) };
            Part::new(written, form.clone(), form, Script::Latin)
        })
        .collect();
    Name { script: Script::Latin, parts, titles }
}

/// The canonical spelling of a Latin compound: `abd` + `L` + the second name for every
/// way of writing an `عبد` name (`abdulaziz`, `abdelaziz`, `abderrahim` with the
/// article assimilated into the doubled letter), `X` + `Ldin` for `X al-Din` names, and
/// `X` + `Llah` for `X Allah` names. Other names are returned as they are.
pub(crate) fn canonical_latin(word: &str) -> String {
    if let Some(rest) = word.strip_prefix("abd") {
        let vowel = ["ou", "u", "e", "a", "o", "i"].into_iter().find(|vowel| rest.starts_with(vowel)).unwrap_or("");
        let second = &rest[vowel.len()..];
        let bytes = second.as_bytes();
        if bytes.len() >= 3 {
            let assimilated = bytes[0] == bytes[1] && !b"aeiou".contains(&bytes[0]);
            let second = if bytes[0] == b'l' || assimilated { &second[1..] } else { second };
            return format!("abdL{second}");
        }
        return word.to_string();
    }
    if let Some(head) = din_head(word) {
        return format!("{head}Ldin");
    }
    if let Some(head) = allah_head(word) {
        return format!("{head}Llah");
    }
    word.to_string()
}

/// `nureddin` → `nur`, `noureldeen` → `nour`, `saifuddin` → `saif`: the name before a
/// fused `al-Din` (whose article shows as a doubled `d` or as `ld`).
fn din_head(word: &str) -> Option<&str> {
    for ending in ["ne", "n"] {
        let Some(stem) = word.strip_suffix(ending) else { continue };
        for vowel in ["ee", "ea", "i", "e"] {
            let Some(stem) = stem.strip_suffix(vowel) else { continue };
            let Some(stem) = stem.strip_suffix('d') else { continue };
            // The article, assimilated (ed-d) or written (el-d): without it the word is
            // a name of its own (Nadine, Abidine).
            let Some(stem) = stem.strip_suffix(['l', 'd']) else { continue };
            let stem = ["ou", "e", "a", "u", "i"].into_iter().find_map(|v| stem.strip_suffix(v)).unwrap_or(stem);
            if stem.len() >= 2 {
                return Some(stem);
            }
        }
    }
    None
}

/// `fathallah` → `fath`, `nasrullah` → `nasr`: the name before a fused `Allah`.
fn allah_head(word: &str) -> Option<&str> {
    for ending in ["llah", "lla", "lah"] {
        let Some(stem) = word.strip_suffix(ending) else { continue };
        let Some(stem) = stem.strip_suffix(['u', 'a', 'i', 'e']) else { continue };
        if stem.len() >= 3 {
            return Some(stem);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(input: &str) -> Vec<String> {
        Name::parse(input).core().iter().map(|part| part.key.clone()).collect()
    }

    #[test]
    fn arabic_compounds_are_one_part_however_spaced() {
        assert_eq!(keys("آمال عبد اللطيف المناعي"), keys("آمال عبداللطيف المناعي"));
        assert_eq!(keys("أبو بكر سيف الدين"), ["ابوبكر", "سيفالدين"]);
        assert_eq!(keys("فتح الله آل ثاني"), ["فتحالله", "الثاني"]);
    }

    #[test]
    fn particles_separate_and_titles_lead() {
        let name = Name::parse("اللواء عبد العزيز بن محمد الكعبي");
        assert_eq!(name.titles, 1);
        assert_eq!(keys("اللواء عبد العزيز بن محمد الكعبي"), ["عبدالعزيز", "محمد", "الكعبي"]);
        // A title alone is a name, not a title.
        assert_eq!(Name::parse("الشيخة").titles, 0);
        let latin = Name::parse("Maj. Gen. Abd al-Aziz bin Mohammed Al Kaabi");
        assert_eq!(latin.titles, 2);
        assert_eq!(keys("Maj. Gen. Abd al-Aziz bin Mohammed Al Kaabi"), ["abdLaziz", "mohammed", "alkaabi"]);
    }

    #[test]
    fn latin_compounds_take_one_canonical_shape() {
        for spelling in ["Abdul Rahman", "Abderrahman", "Abd al-Rahman", "Abdelrahman", "Abd-ur-Rahman"] {
            assert_eq!(keys(spelling), ["abdLrahman"], "{spelling}");
        }
        for spelling in ["Nour Eddine", "Nureddin", "Nour al-Din", "Noureldeen"] {
            assert!(keys(spelling)[0].ends_with("Ldin"), "{spelling}: {:?}", keys(spelling));
        }
        assert_eq!(keys("Fathallah"), ["fathLlah"]);
        assert_eq!(keys("Nabila"), ["nabila"]);
        assert_eq!(keys("Abdou"), ["abdou"]);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_and_compares_without_panicking(left in ".{0,80}", right in ".{0,80}") {
            let (left, right) = (Name::parse(&left), Name::parse(&right));
            let score = crate::compare(&left, &right, &crate::Lexicon::new()).score;
            proptest::prop_assert!((0.0..=1.0).contains(&score));
            proptest::prop_assert!(left.titles <= MOST_TITLES);
        }

        #[test]
        fn names_of_arabic_and_latin_letters_compare_within_bounds(
            left in "[ \u{0621}-\u{064A}\u{064B}-\u{0652}ـ]{0,40}",
            right in "[ a-zA-Z'-]{0,40}",
        ) {
            let comparison = crate::compare(&Name::parse(&left), &Name::parse(&right), &crate::Lexicon::new());
            proptest::prop_assert!((0.0..=1.0).contains(&comparison.score));
            for part in &comparison.parts {
                proptest::prop_assert!((0.0..=1.0).contains(&part.similarity));
            }
        }
    }

    #[test]
    fn many_titles_are_not_all_tried() {
        let name = Name::parse(&"Dr ".repeat(500));
        assert!(name.titles <= MOST_TITLES);
        assert!(crate::compare(&name, &name, &crate::Lexicon::new()).score > 0.0);
    }

    #[test]
    fn the_written_words_are_kept_for_explanations() {
        let name = Name::parse("عبـد العزيز الكُعبي");
        assert_eq!(name.parts[0].written, "عبـد العزيز");
        assert_eq!(name.parts[1].form, "الكعبي");
    }
}
