//! Synthetic persons for benchmarks and load tests: plausible Arabic full names, with a
//! Latin spelling for some, drawn from a frequency model — never real people.
//!
//! The model ranks the names of the shipped lists (`data/faker-names.txt`, from Faker's
//! Arabic locales, MIT) behind a short list of the names that are in fact most common in
//! the Gulf (محمد, فاطمة, الكعبي …, written here as name parts, not as anyone's name),
//! and draws each part from a Zipf distribution over that ranking, so that a million
//! persons share their names the way a real population does: a few names very often,
//! most names rarely. Randomness is a parameter ([`Rng`], seeded by the caller), so the
//! same seed gives the same population.

/// A small, fast, seedable generator (SplitMix64). Not for secrets.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[self.below(choices.len())]
    }
}

const COMMON_MALE: &[&str] = &[
    "محمد",
    "أحمد",
    "علي",
    "عبد الله",
    "خالد",
    "عبد الرحمن",
    "حمد",
    "يوسف",
    "إبراهيم",
    "سعيد",
    "ناصر",
    "عمر",
    "سلطان",
    "فهد",
    "راشد",
    "جاسم",
    "حسن",
    "عبد العزيز",
    "سالم",
    "مبارك",
    "ماجد",
    "عيسى",
    "حمد",
    "مشعل",
    "طلال",
];
const COMMON_FEMALE: &[&str] = &[
    "فاطمة",
    "مريم",
    "عائشة",
    "نورة",
    "سارة",
    "هند",
    "ريم",
    "موزة",
    "لطيفة",
    "حصة",
    "أمل",
    "شيخة",
    "منى",
    "نوف",
    "العنود",
    "آمنة",
    "خديجة",
    "زينب",
    "هيا",
    "لولوة",
    "أسماء",
    "دانة",
    "شما",
    "جواهر",
    "سلمى",
    "سلوى",
    "هدى",
];
const COMMON_FAMILY: &[&str] = &[
    "الكعبي",
    "المري",
    "النعيمي",
    "الكواري",
    "الهاجري",
    "العطية",
    "المناعي",
    "السليطي",
    "الدوسري",
    "الشمري",
    "المهندي",
    "الخليفي",
    "العمادي",
    "البوعينين",
    "الأنصاري",
    "الملا",
    "السويدي",
    "الكبيسي",
    "المالكي",
    "القحطاني",
    "العنزي",
    "المطيري",
    "الحربي",
    "العتيبي",
    "الغامدي",
    "الزهراني",
    "الشهري",
    "الجابر",
    "آل ثاني",
    "الدرويش",
];

/// A name distribution: names by rank, and cumulative Zipf weights.
#[derive(Debug, Clone)]
struct Ranked {
    names: Vec<String>,
    cumulative: Vec<f64>,
}

impl Ranked {
    fn new(common: &[&str], listed: &[String], exponent: f64) -> Ranked {
        let mut names: Vec<String> = Vec::new();
        for name in common.iter().map(|name| name.to_string()).chain(listed.iter().cloned()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut total = 0.0;
        let cumulative = (0..names.len())
            .map(|rank| {
                total += 1.0 / ((rank + 2) as f64).powf(exponent);
                total
            })
            .collect();
        Ranked { names, cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let index = self.cumulative.partition_point(|weight| *weight < target).min(self.names.len() - 1);
        &self.names[index]
    }
}

/// An invented person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticPerson {
    /// Given name, father's name, grandfather's name (or empty) and family name, in Arabic.
    pub parts: [String; 4],
    /// The full Arabic name.
    pub arabic: String,
    /// A Latin spelling of the name, for some.
    pub latin: Option<String>,
    /// Female (else male).
    pub female: bool,
}

/// The frequency model.
#[derive(Debug, Clone)]
pub struct Population {
    male: Ranked,
    female: Ranked,
    family: Ranked,
    /// Share of persons with a Latin spelling of their name.
    pub latin_share: f64,
}

impl Default for Population {
    fn default() -> Population {
        Population::from_shipped_lists()
    }
}

impl Population {
    /// The model over the shipped name lists.
    pub fn from_shipped_lists() -> Population {
        let (mut male, mut female, mut family) = (Vec::new(), Vec::new(), Vec::new());
        let mut section = "";
        for line in include_str!("../data/faker-names.txt").lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') {
                section = line;
                continue;
            }
            match section {
                "[male]" => male.push(line.to_string()),
                "[female]" => female.push(line.to_string()),
                "[family]" => family.push(line.to_string()),
                _ => {}
            }
        }
        Population {
            male: Ranked::new(COMMON_MALE, &male, 1.0),
            female: Ranked::new(COMMON_FEMALE, &female, 1.0),
            family: Ranked::new(COMMON_FAMILY, &family, 0.9),
            latin_share: 0.4,
        }
    }

    /// Draws a person.
    pub fn person(&self, rng: &mut Rng) -> SyntheticPerson {
        let female = rng.chance(0.5);
        let first = if female { self.female.draw(rng) } else { self.male.draw(rng) }.to_string();
        let father = self.male.draw(rng).to_string();
        let grandfather = if rng.chance(0.7) { self.male.draw(rng).to_string() } else { String::new() };
        let family = self.family.draw(rng).to_string();
        let arabic = [first.as_str(), father.as_str(), grandfather.as_str(), family.as_str()]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let latin = rng.chance(self.latin_share).then(|| romanize(&arabic, rng));
        SyntheticPerson { parts: [first, father, grandfather, family], arabic, latin, female }
    }
}

/// One plausible Latin spelling of an Arabic name, word by word, with the variations
/// clerks produce (Abdul / Abdel / Abd al-, Al- / El-, sh / ch, q / k, ou / u …).
pub fn romanize(arabic: &str, rng: &mut Rng) -> String {
    // Only marks and tatweel go: the letters, ة and آ included, tell how a name sounds.
    let bare: String = crate::stored_form(arabic)
        .chars()
        .filter(|ch| !matches!(ch, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}'))
        .collect();
    let words: Vec<&str> = bare.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = words[index];
        let next = words.get(index + 1).copied();
        if word == "عبد"
            && let Some(next) = next
        {
            out.push(if next == "الله" {
                rng.pick(&["Abdullah", "Abdallah", "Abdulla", "Abdellah"]).to_string()
            } else {
                let prefix = rng.pick(&["Abdul ", "Abdel ", "Abd al-", "Abdul-", "Abd el "]);
                format!("{prefix}{}", capitalise(&romanize_word(next.strip_prefix("ال").unwrap_or(next), rng)))
            });
            index += 2;
            continue;
        }
        if next == Some("الدين") {
            let suffix = rng.pick(&[" Eddine", " El-Din", " al-Din", "uddin", " Eddin"]);
            out.push(format!("{}{suffix}", capitalise(&romanize_word(word, rng))));
            index += 2;
            continue;
        }
        if let Some(rest) = word.strip_prefix("ال").filter(|rest| rest.chars().count() >= 2) {
            let article = rng.pick(&["Al-", "Al ", "El-", "Al", "al-"]);
            out.push(format!("{article}{}", capitalise(&romanize_word(rest, rng))));
        } else {
            out.push(capitalise(&romanize_word(word, rng)));
        }
        index += 1;
    }
    out.join(" ")
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Picks spellings for one word: mostly the word's own convention (the same for every
/// person who carries the name, as with Mohammed, Khalid, Al-Kuwari), sometimes another.
/// A population then has a handful of spellings per name, as real records do, not a
/// new one for every person.
struct Speller<'a> {
    convention: Rng,
    free: &'a mut Rng,
}

impl Speller<'_> {
    fn pick<'c>(&mut self, choices: &[&'c str]) -> &'c str {
        // Both generators advance every time, so a deviation does not shift the rest of
        // the word's convention.
        let usual = self.convention.pick(choices);
        let other = self.free.pick(choices);
        if self.free.chance(0.15) { other } else { usual }
    }
}

fn romanize_word(word: &str, rng: &mut Rng) -> String {
    let seed =
        word.chars().fold(0xcbf2_9ce4_8422_2325_u64, |hash, ch| (hash ^ u64::from(ch)).wrapping_mul(0x100_0000_01b3));
    let mut speller = Speller { convention: Rng::new(seed), free: rng };
    let rng = &mut speller;
    let letters: Vec<char> = word.chars().collect();
    let mut out = String::new();
    let is_long = |letter: char| matches!(letter, 'ا' | 'أ' | 'إ' | 'آ' | 'و' | 'ي' | 'ى');
    for (index, &letter) in letters.iter().enumerate() {
        let first = index == 0;
        let last = index + 1 == letters.len();
        let next = letters.get(index + 1).copied();
        let spelled: &str = match letter {
            'ا' | 'أ' | 'إ' | 'آ' => {
                if first && letter == 'إ' {
                    "i"
                } else {
                    "a"
                }
            }
            'ب' => "b",
            'ت' | 'ط' => "t",
            'ث' => rng.pick(&["th", "s", "th"]),
            'ج' => rng.pick(&["j", "j", "g", "dj"]),
            'ح' | 'ه' => "h",
            'خ' => "kh",
            'د' => "d",
            'ذ' => rng.pick(&["dh", "z", "th"]),
            'ر' => "r",
            'ز' => "z",
            'س' | 'ص' => "s",
            'ش' => rng.pick(&["sh", "sh", "ch"]),
            'ض' => rng.pick(&["d", "dh"]),
            'ظ' => rng.pick(&["z", "dh"]),
            'ع' if first => rng.pick(&["a", "o", "e"]),
            'ع' if last => "",
            'ع' => rng.pick(&["", "a", "'"]),
            'غ' => "gh",
            'ف' => "f",
            'ق' => rng.pick(&["q", "q", "k", "g"]),
            'ك' => "k",
            'ل' => "l",
            'م' => "m",
            'ن' => "n",
            'و' if first || next.is_some_and(|next| next == 'ا') => "w",
            'و' => rng.pick(&["ou", "u", "oo", "o"]),
            'ي' if first => "y",
            'ي' if last => rng.pick(&["i", "y", "i"]),
            'ي' => rng.pick(&["i", "ee", "ei", "ai", "y"]),
            'ى' => "a",
            'ة' => rng.pick(&["a", "ah", "a"]),
            'ء' | 'ؤ' | 'ئ' => rng.pick(&["", "'", "a"]),
            _ => "",
        };
        out.push_str(spelled);
        // Arabic leaves short vowels unwritten; a spelling puts one between consonants.
        if let Some(next) = next
            && !is_long(letter)
            && !is_long(next)
            && !matches!(letter, 'ع' | 'ة' | 'ء')
            && !matches!(next, 'ة' | 'ء')
        {
            out.push_str(rng.pick(&["a", "a", "e", "u", "i", "o"]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lexicon, Name, THRESHOLD, compare};

    #[test]
    fn the_same_seed_gives_the_same_population() {
        let population = Population::default();
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..50).map(|_| population.person(&mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn common_names_are_common() {
        let population = Population::default();
        let mut rng = Rng::new(1);
        let persons: Vec<SyntheticPerson> = (0..20_000).map(|_| population.person(&mut rng)).collect();
        let share = |name: &str| persons.iter().filter(|person| person.parts[0] == name).count() as f64 / 20_000.0;
        assert!(share("محمد") > 0.02, "{}", share("محمد"));
        assert!(share("محمد") > 10.0 * share("ثقيف"));
        let latin = persons.iter().filter(|person| person.latin.is_some()).count() as f64 / 20_000.0;
        assert!((0.35..0.45).contains(&latin), "{latin}");
    }

    #[test]
    fn a_romanised_name_still_matches_its_arabic() {
        let population = Population::default();
        let lexicon = Lexicon::with_common_names();
        let mut rng = Rng::new(3);
        let mut matched = 0;
        for _ in 0..500 {
            let person = population.person(&mut rng);
            let latin = romanize(&person.arabic, &mut rng);
            let score = compare(&Name::parse(&person.arabic), &Name::parse(&latin), &lexicon).score;
            matched += usize::from(score >= THRESHOLD);
        }
        // Synthetic spellings are rougher than real ones (short vowels are guessed), but
        // most must still read as the same name.
        assert!(matched >= 400, "{matched} of 500");
    }
}
