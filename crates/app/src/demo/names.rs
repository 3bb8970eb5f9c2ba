//! Invented persons for the demo: common Gulf given names and family names, combined
//! at random (a fixed seed, so every demo is the same), with Latin spellings as an ID
//! card would carry them. The combinations describe nobody.

use jiff::SignedDuration;
use jiff::civil::Date;
use sila_domain::person::{Person, PersonInput};
use sila_domain::risk::{AssessmentInput, RiskInstrument};

/// A small deterministic generator (SplitMix64): the demo must look the same every
/// time, and it needs no cryptographic quality.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

pub(crate) fn pick<T: Copy>(random: &mut SplitMix, list: &[T]) -> T {
    let index = usize::try_from(random.below(list.len() as u64)).unwrap_or(0);
    list[index]
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sex {
    Female,
    Male,
}

pub(crate) const FEMALE: &[(&str, &str)] = &[
    ("نورة", "Noura"),
    ("مريم", "Maryam"),
    ("فاطمة", "Fatima"),
    ("عائشة", "Aisha"),
    ("هند", "Hind"),
    ("شيخة", "Sheikha"),
    ("موزة", "Moza"),
    ("لطيفة", "Latifa"),
    ("حصة", "Hessa"),
    ("العنود", "Alanoud"),
    ("ريم", "Reem"),
    ("سارة", "Sara"),
    ("منيرة", "Munira"),
    ("أمل", "Amal"),
    ("نوف", "Nouf"),
    ("دانة", "Dana"),
    ("غالية", "Ghalia"),
    ("مها", "Maha"),
    ("جواهر", "Jawaher"),
    ("شما", "Shamma"),
    ("أسماء", "Asma"),
    ("خلود", "Khulood"),
    ("بدرية", "Badriya"),
    ("وضحى", "Wadha"),
];

pub(crate) const MALE: &[(&str, &str)] = &[
    ("محمد", "Mohammed"),
    ("أحمد", "Ahmed"),
    ("علي", "Ali"),
    ("خالد", "Khalid"),
    ("عبدالله", "Abdullah"),
    ("حمد", "Hamad"),
    ("جاسم", "Jassim"),
    ("سعود", "Saud"),
    ("فهد", "Fahad"),
    ("ناصر", "Nasser"),
    ("سالم", "Salem"),
    ("راشد", "Rashid"),
    ("سلطان", "Sultan"),
    ("ماجد", "Majid"),
    ("يوسف", "Yousef"),
    ("عبدالعزيز", "Abdulaziz"),
    ("عبدالرحمن", "Abdulrahman"),
    ("مبارك", "Mubarak"),
    ("حسن", "Hassan"),
    ("عيسى", "Essa"),
    ("جابر", "Jaber"),
    ("منصور", "Mansour"),
    ("غانم", "Ghanim"),
    ("هزاع", "Hazza"),
];

pub(crate) const FAMILY: &[(&str, &str)] = &[
    ("المري", "Al-Marri"),
    ("الكعبي", "Al-Kaabi"),
    ("الهاجري", "Al-Hajri"),
    ("الكواري", "Al-Kuwari"),
    ("المهندي", "Al-Mohannadi"),
    ("السليطي", "Al-Sulaiti"),
    ("النعيمي", "Al-Naimi"),
    ("العمادي", "Al-Emadi"),
    ("الدوسري", "Al-Dosari"),
    ("الخليفي", "Al-Khulaifi"),
    ("البوعينين", "Al-Buainain"),
    ("السويدي", "Al-Suwaidi"),
    ("المناعي", "Al-Mannai"),
    ("الشهواني", "Al-Shahwani"),
    ("الجابر", "Al-Jaber"),
    ("القحطاني", "Al-Qahtani"),
    ("اليافعي", "Al-Yafei"),
    ("الأنصاري", "Al-Ansari"),
    ("العلي", "Al-Ali"),
    ("المالكي", "Al-Malki"),
];

/// Display names of demo staff (invented).
pub(crate) const STAFF: &[&str] = &[
    "نادية العبدالله",
    "سعيد المفتاح",
    "هالة يوسف",
    "عمر سالم",
    "ليلى حسن",
    "طارق عيسى",
    "رنا خليل",
    "بسام ناصر",
    "دعاء محمود",
    "كريم فؤاد",
    "سمر إبراهيم",
    "وليد منصور",
    "هيفاء جمال",
];

pub(crate) const NARRATIVES: &[&str] = &[
    "حضرت السيدة إلى مكتب الشرطة المجتمعية برفقة أختها، وأفادت بتعرضها لإساءة متكررة من الزوج خلال الأشهر الأخيرة، وطلبت المساعدة والإرشاد قبل اتخاذ أي إجراء.",
    "أبلغت المدرسة عن تغيّب متكرر للطفل وعلامات إهمال، وأكدت الأم وجود خلافات أسرية حادة في المنزل.",
    "خلاف بين الزوجين حول رؤية الأطفال بعد الانفصال، وطلب الطرفان حلًا وديًا بعيدًا عن المحاكم.",
    "اتصلت السيدة بالخط الساخن ثم حضرت شخصيًا، وذكرت تهديدات لفظية ومنعها من زيارة أهلها.",
    "حضر الأب يشكو من سلوك ابنه المراهق وخروجه المتكرر من المنزل ليلًا دون علم الأسرة.",
];

pub(crate) fn narrative(random: &mut SplitMix) -> &'static str {
    pick(random, NARRATIVES)
}

fn birth_date(random: &mut SplitMix, today: Date, ages: std::ops::Range<i64>) -> Date {
    let years =
        ages.start + i64::try_from(random.below(u64::try_from(ages.end - ages.start).unwrap_or(1))).unwrap_or(0);
    let days = years * 365 + i64::try_from(random.below(365)).unwrap_or(0);
    today.checked_sub(SignedDuration::from_hours(24 * days)).unwrap_or(today)
}

fn qid(random: &mut SplitMix, birth: Date) -> String {
    let century = if birth.year() >= 2000 { 3 } else { 2 };
    format!("{century}{:02}634{:05}", birth.year() % 100, random.below(100_000))
}

fn mobile(random: &mut SplitMix) -> String {
    let prefix = pick(random, &['3', '5', '6', '7']);
    format!("+974{prefix}{:07}", random.below(10_000_000))
}

/// An adult of `sex` with three or four name parts and the family `family`.
pub(crate) fn person(
    random: &mut SplitMix,
    sex: Sex,
    family: (&str, &str),
    today: Date,
    ages: std::ops::Range<i64>,
) -> PersonInput {
    let first = pick(random, if sex == Sex::Female { FEMALE } else { MALE });
    let father = pick(random, MALE);
    let grandfather = (random.below(2) == 0).then(|| pick(random, MALE));
    let birth = birth_date(random, today, ages);
    let mut latin = vec![first.1, father.1];
    if let Some(grandfather) = grandfather {
        latin.push(grandfather.1);
    }
    latin.push(family.1);
    PersonInput {
        first_name_ar: Some(first.0.into()),
        father_name_ar: Some(father.0.into()),
        grandfather_name_ar: grandfather.map(|name| name.0.to_string()),
        family_name_ar: Some(family.0.into()),
        name_latin: Some(latin.join(" ")),
        sex: Some(if sex == Sex::Female { "female" } else { "male" }.into()),
        birth_date: Some(birth.to_string()),
        nationality: Some("QA".into()),
        qid: Some(qid(random, birth)),
        phones: vec![(mobile(random), None)],
        municipality: Some(pick(random, &["الدوحة", "الريان", "الوكرة", "الخور", "أم صلال", "الظعاين"]).into()),
        language: Some("ar".into()),
        ..PersonInput::default()
    }
}

/// A child of `father`: the father's first name as father's name, his family name.
pub(crate) fn child(random: &mut SplitMix, father: &Person, today: Date) -> PersonInput {
    let sex = if random.below(2) == 0 { Sex::Female } else { Sex::Male };
    let first = pick(random, if sex == Sex::Female { FEMALE } else { MALE });
    let birth = birth_date(random, today, 2..16);
    let name = &father.details.name_ar;
    let text = |part: &Option<sila_domain::text::Text>| part.as_ref().map(|text| text.as_str().to_string());
    PersonInput {
        first_name_ar: Some(first.0.into()),
        father_name_ar: text(&name.first),
        grandfather_name_ar: text(&name.father),
        family_name_ar: text(&name.family),
        sex: Some(if sex == Sex::Female { "female" } else { "male" }.into()),
        birth_date: Some(birth.to_string()),
        nationality: Some("QA".into()),
        // Younger children often have no QID on the record yet.
        qid: (random.below(2) == 0).then(|| qid(random, birth)),
        ..PersonInput::default()
    }
}

/// Checklist answers with a spread of scores, so that the demo has every risk level.
pub(crate) fn risk_answers(random: &mut SplitMix, instrument: &RiskInstrument, index: usize) -> AssessmentInput {
    let yes = [3usize, 8, 11, 15][index % 4];
    let mut order: Vec<usize> = (0..instrument.items.len()).collect();
    for position in (1..order.len()).rev() {
        let other = usize::try_from(random.below(u64::try_from(position + 1).unwrap_or(1))).unwrap_or(0);
        order.swap(position, other);
    }
    let answers = order
        .iter()
        .enumerate()
        .map(|(rank, item)| {
            let answer = if rank < yes {
                "yes"
            } else if rank % 5 == 0 {
                "unknown"
            } else {
                "no"
            };
            (instrument.items[*item].code.clone(), answer.to_string())
        })
        .collect();
    AssessmentInput { answers, ..AssessmentInput::default() }
}
