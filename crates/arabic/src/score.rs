//! Whether two written names are one person's: a score in [0, 1] and, part by part, why.
//!
//! The parts are aligned by position: given name with given name, family name with family
//! name, and the middle names of the shorter name with a subsequence of the longer one's
//! (people leave out the grandfather, never the father — but the matcher does not rely
//! on which). Each pair of parts gets a similarity:
//!
//! | pair | how |
//! |---|---|
//! | Arabic / Arabic | equal after folding; the family name with or without its article; one keying slip when one side is not a known name; otherwise different |
//! | Latin / Latin | sound by sound ([`crate::phonetic::latin_cost`]): spelling variants are close, one hard edit is a slip unless both sides are known names |
//! | Arabic / Latin | the transliteration cost ([`crate::phonetic::cross_cost`]), and refused when a known name one letter from the Arabic fits the Latin clearly better (سعد / Saoud: سعود fits) |
//!
//! The name's score is its weakest part, lowered a little for each middle name only one
//! side gives. A masculine and a feminine form of one name (سعيد / سعيدة) are two people:
//! brother and sister.

use crate::lexicon::{Lexicon, core, is_gender_pair};
use crate::name::Sounds;
use crate::name::{Name, Part, Script};
use crate::phonetic::{arabic_units, cross_units_cost, latin_units_cost};
use crate::typing::{Edit, one_edit};

/// The score from which two names are taken to be one person's. Chosen once on the
/// development set; the evaluation command reports precision and recall at it.
pub const THRESHOLD: f32 = 0.5;

/// Cross-script cost at which the similarity of two parts reaches zero.
const CROSS_SCALE: f32 = 1.2;
/// How much better a neighbouring name must fit a Latin spelling to take it over.
const BETTER_FIT: f32 = 0.1;
/// Penalty for comparing a family name only after taking its article off one side.
const ARTICLE_PENALTY: f32 = 0.03;
/// Factor for each middle name given on one side only.
const OMITTED_FACTOR: f32 = 0.93;
/// Factor when one side is a single word (it can only be the family name).
const SINGLE_PART_FACTOR: f32 = 0.5;

/// Where a part stands in the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The given name.
    First,
    /// The n-th middle name (1 = father's, 2 = grandfather's …) of the longer name.
    Middle(usize),
    /// The family name.
    Family,
}

/// Why two parts are (or are not) one name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Equal once folded.
    Equal,
    /// Equal once the family name's article is set aside.
    Article,
    /// Two Latin spellings of one name.
    Spelling,
    /// An Arabic name and a Latin transliteration of it.
    Transliteration,
    /// One keying slip away, and not another known name.
    Slip(Edit),
    /// A Latin spelling one letter off another, and not another known name.
    Misspelling,
    /// Two different known names one letter apart (سلمى / سلوى).
    NearNames,
    /// The masculine and the feminine form of one name (سعيد / سعيدة).
    OtherSex,
    /// They differ in the first letter, which people rarely mistype.
    FirstLetter,
    /// One letter apart, but not by a slip of the fingers.
    OtherKey,
    /// The Latin spelling fits another known Arabic name better (the one given here).
    FitsBetter(String),
    /// Different names.
    Different,
}

/// Two aligned parts and their similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct PartMatch {
    /// Where the parts stand.
    pub role: Role,
    /// The left name's part, as written.
    pub left: String,
    /// The right name's part, as written.
    pub right: String,
    /// The left part's position in the left name's parts (titles included).
    pub left_part: usize,
    /// The right part's position in the right name's parts.
    pub right_part: usize,
    /// In [0, 1].
    pub similarity: f32,
    /// Why.
    pub verdict: Verdict,
}

/// The comparison of two names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// In [0, 1]; one person from [`THRESHOLD`].
    pub score: f32,
    /// The aligned parts.
    pub parts: Vec<PartMatch>,
    /// Middle names only one side gives, as written.
    pub omitted: Vec<String>,
    /// Leading titles set aside (left, right).
    pub titles: (usize, usize),
}

impl Comparison {
    /// Whether the names are taken to be one person's.
    pub fn is_match(&self) -> bool {
        self.score >= THRESHOLD
    }
}

/// Compares two names; `lexicon` says which names are known and how common.
pub fn compare(left: &Name, right: &Name, lexicon: &Lexicon) -> Comparison {
    let (left_view, right_view) = (NameView::of(left), NameView::of(right));
    compare_views(&left_view, &right_view, &mut |x, y, family| {
        part_similarity(left_view.parts[x], left.script, right_view.parts[y], right.script, family, lexicon)
    })
}

/// A name as a list of borrowed parts: what the index compares without copying the
/// parts it keeps once for many names.
#[derive(Debug, Clone)]
pub(crate) struct NameView<'a> {
    pub(crate) parts: Vec<&'a Part>,
    pub(crate) titles: usize,
}

impl<'a> NameView<'a> {
    pub(crate) fn of(name: &'a Name) -> NameView<'a> {
        NameView { parts: name.parts.iter().collect(), titles: name.titles }
    }
}

/// The similarity of the left name's part `x` and the right name's part `y` (indices
/// into the views' parts), compared as family names or not.
pub(crate) type Similarity<'s> = dyn FnMut(usize, usize, bool) -> (f32, Verdict) + 's;

/// [`compare`] with the part similarity supplied by the caller (the index memoises it).
pub(crate) fn compare_views(left: &NameView<'_>, right: &NameView<'_>, similarity: &mut Similarity<'_>) -> Comparison {
    let alignment =
        best_alignment((left.parts.len(), left.titles), (right.parts.len(), right.titles), &mut |x, y, family| {
            similarity(x, y, family).0
        });
    explain(&alignment, left, right, similarity)
}

/// The most names an alignment tries middle names for; longer names are compared on
/// their first middle names only.
const MOST_MIDDLES: usize = 12;

/// How two names were best aligned: the titles set aside on each side, which side is the
/// longer, and which of the longer name's middle names were paired (by position among
/// its middle names), in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Alignment {
    pub(crate) score: f32,
    skip: (usize, usize),
    kept: Vec<usize>,
}

/// The best alignment of two names of `(parts, titles)`, from part similarities alone:
/// no explanation is built, so that the index can score thousands of names cheaply.
pub(crate) fn best_alignment(
    left: (usize, usize),
    right: (usize, usize),
    similarity: &mut dyn FnMut(usize, usize, bool) -> f32,
) -> Alignment {
    let mut best = Alignment { score: -1.0, skip: (0, 0), kept: Vec::new() };
    let mut indices = [0usize; MOST_MIDDLES];
    for skip_left in 0..=left.1.min(left.0) {
        for skip_right in 0..=right.1.min(right.0) {
            let (a_len, b_len) = (left.0 - skip_left, right.0 - skip_right);
            if a_len == 0 || b_len == 0 {
                if best.score < 0.0 {
                    best = Alignment { score: 0.0, skip: (skip_left, skip_right), kept: Vec::new() };
                }
                continue;
            }
            let swapped = a_len < b_len;
            // Positions in the longer and the shorter name, back to left/right indices.
            let mut pair = |long_index: usize, short_index: usize, family: bool| {
                if swapped {
                    similarity(skip_left + short_index, skip_right + long_index, family)
                } else {
                    similarity(skip_left + long_index, skip_right + short_index, family)
                }
            };
            let (long_len, short_len) = if swapped { (b_len, a_len) } else { (a_len, b_len) };
            if short_len == 1 {
                let score = pair(long_len - 1, 0, true) * SINGLE_PART_FACTOR;
                if score > best.score {
                    best = Alignment { score, skip: (skip_left, skip_right), kept: Vec::new() };
                }
                continue;
            }
            let outer = pair(0, 0, false).min(pair(long_len - 1, short_len - 1, true));
            let long_middles = (long_len - 2).min(MOST_MIDDLES);
            let short_middles = (short_len - 2).min(long_middles);
            let factor =
                OMITTED_FACTOR.powi(i32::try_from(long_len - 2 - short_middles.min(long_len - 2)).unwrap_or(i32::MAX));
            // Every increasing choice of `short_middles` of the `long_middles` positions.
            for (position, slot) in indices.iter_mut().enumerate().take(short_middles) {
                *slot = position;
            }
            loop {
                let mut weakest = outer;
                for (short_index, &long_position) in indices[..short_middles].iter().enumerate() {
                    weakest = weakest.min(pair(1 + long_position, 1 + short_index, false));
                    if weakest * factor <= best.score {
                        break;
                    }
                }
                let score = weakest * factor;
                if score > best.score {
                    best = Alignment { score, skip: (skip_left, skip_right), kept: indices[..short_middles].to_vec() };
                }
                if !next_combination(&mut indices[..short_middles], long_middles) {
                    break;
                }
            }
        }
    }
    best.score = best.score.max(0.0);
    best
}

/// Advances an increasing choice of indices below `n` to the next one; false at the end.
fn next_combination(indices: &mut [usize], n: usize) -> bool {
    let k = indices.len();
    for position in (0..k).rev() {
        if indices[position] < n - k + position {
            indices[position] += 1;
            for next in position + 1..k {
                indices[next] = indices[next - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// The comparison, with its reasons, of two names aligned as `alignment` says.
pub(crate) fn explain(
    alignment: &Alignment,
    left: &NameView<'_>,
    right: &NameView<'_>,
    similarity: &mut Similarity<'_>,
) -> Comparison {
    let (skip_left, skip_right) = alignment.skip;
    let titles = alignment.skip;
    let (a_len, b_len) = (left.parts.len() - skip_left, right.parts.len() - skip_right);
    if a_len == 0 || b_len == 0 {
        return Comparison { score: 0.0, titles, ..Comparison::default() };
    }
    let swapped = a_len < b_len;
    let (long_len, short_len) = if swapped { (b_len, a_len) } else { (a_len, b_len) };
    let mut pair = |role: Role, long_index: usize, short_index: usize| {
        let (x, y) = if swapped {
            (skip_left + short_index, skip_right + long_index)
        } else {
            (skip_left + long_index, skip_right + short_index)
        };
        let (similarity, verdict) = similarity(x, y, role == Role::Family);
        PartMatch {
            role,
            left: left.parts[x].written.clone(),
            right: right.parts[y].written.clone(),
            left_part: x,
            right_part: y,
            similarity,
            verdict,
        }
    };
    let long_written = |long_index: usize| {
        if swapped {
            right.parts[skip_right + long_index].written.clone()
        } else {
            left.parts[skip_left + long_index].written.clone()
        }
    };
    if short_len == 1 {
        let only = pair(Role::Family, long_len - 1, 0);
        let omitted = (0..long_len - 1).map(long_written).collect();
        return Comparison { score: alignment.score, parts: vec![only], omitted, titles };
    }
    let mut parts = vec![pair(Role::First, 0, 0)];
    for (short_index, &long_position) in alignment.kept.iter().enumerate() {
        parts.push(pair(Role::Middle(long_position + 1), 1 + long_position, 1 + short_index));
    }
    parts.push(pair(Role::Family, long_len - 1, short_len - 1));
    let omitted = (0..long_len - 2)
        .filter(|position| !alignment.kept.contains(position))
        .map(|position| long_written(1 + position))
        .collect();
    Comparison { score: alignment.score, parts, omitted, titles }
}

/// The similarity of two parts, whatever their scripts (a part compared as written in
/// a script it is not in is simply different).
pub fn part_similarity(
    x: &Part,
    x_script: Script,
    y: &Part,
    y_script: Script,
    family: bool,
    lexicon: &Lexicon,
) -> (f32, Verdict) {
    part_similarity_from(x, x_script, y, y_script, family, lexicon, 0.0, true)
}

/// [`part_similarity`] for a caller that only cares about similarities of at least
/// `floor`: below it the answer may be a plain zero, found sooner. Without
/// `neighbours`, a Latin spelling is not checked against the Arabic name's neighbours
/// (سعد / Saoud, where سعود fits better): the answer is then an upper bound, which is
/// what the index needs to choose candidates before it ranks them exactly.
#[expect(clippy::too_many_arguments, reason = "the two parts, their scripts, and how much to work")]
pub(crate) fn part_similarity_from(
    x: &Part,
    x_script: Script,
    y: &Part,
    y_script: Script,
    family: bool,
    lexicon: &Lexicon,
    floor: f32,
    neighbours: bool,
) -> (f32, Verdict) {
    match (x_script, y_script) {
        (Script::Arabic, Script::Arabic) => arabic_pair(&x.key, &y.key, family, lexicon),
        (Script::Latin, Script::Latin) => latin_pair(x, y, family, lexicon, floor),
        (Script::Arabic, Script::Latin) => cross_pair(x, y, family, lexicon, floor, neighbours),
        (Script::Latin, Script::Arabic) => cross_pair(y, x, family, lexicon, floor, neighbours),
    }
}

fn arabic_pair(a: &str, b: &str, family: bool, lexicon: &Lexicon) -> (f32, Verdict) {
    if a == b {
        return (1.0, Verdict::Equal);
    }
    let (a_core, b_core) = if family { (core(a, Script::Arabic), core(b, Script::Arabic)) } else { (a, b) };
    if family && a_core == b_core {
        return (0.97, Verdict::Article);
    }
    if is_gender_pair(a_core, b_core) {
        return (0.0, Verdict::OtherSex);
    }
    let mut best = (0.0, Verdict::Different);
    // A slip may sit in the article itself (ابجزيري for الجزيري), so the whole words are
    // compared as well as their cores.
    for (x, y) in [(a, b), (a_core, b_core)] {
        let Some(edit) = one_edit(x, y) else { continue };
        let found = if !edit.is_slip() {
            (0.05, if edit.at == 0 { Verdict::FirstLetter } else { Verdict::OtherKey })
        } else if lexicon.is_known(x, Script::Arabic) && lexicon.is_known(y, Script::Arabic) {
            (0.05, Verdict::NearNames)
        } else {
            (0.8, Verdict::Slip(edit.edit))
        };
        if found.0 > best.0 || best.1 == Verdict::Different {
            best = found;
        }
    }
    best
}

fn latin_core(form: &str) -> &str {
    core(form, Script::Latin)
}

/// A part's text and sound units, and those of its core when it has an article.
struct Sides<'a, T> {
    text: &'a str,
    core_text: &'a str,
    units: &'a [T],
    core_units: Option<&'a [T]>,
}

impl<'a, T> Sides<'a, T> {
    /// What to compare: a given name whole; a family name by its core (without the
    /// article), since the article is written one way or another or left out. When only
    /// one side has an article (as this crate reads one: ال، al), the other may carry it
    /// in a spelling the core does not strip (`Elsewedy`), so both wholes are compared too.
    fn pairs_with<'b, U>(&self, other: &Sides<'b, U>, family: bool) -> Vec<Variant<'a, 'b, T, U>> {
        let whole = ((self.text, self.units), (other.text, other.units), 0.0);
        if !family {
            return vec![whole];
        }
        match (self.core_units, other.core_units) {
            (Some(left), Some(right)) => vec![((self.core_text, left), (other.core_text, right), 0.0)],
            (Some(left), None) => vec![((self.core_text, left), (other.text, other.units), ARTICLE_PENALTY), whole],
            (None, Some(right)) => vec![((self.text, self.units), (other.core_text, right), ARTICLE_PENALTY), whole],
            (None, None) => vec![whole],
        }
    }
}

/// Two sides to compare (text and units each), and the penalty for doing so.
type Variant<'a, 'b, T, U> = ((&'a str, &'a [T]), (&'b str, &'b [U]), f32);

/// A Latin part's sides: its units (to compare with Latin) and its letters (to align
/// with Arabic). `None` for an Arabic part.
fn latin_sides(part: &Part) -> Option<(Sides<'_, u8>, Sides<'_, u8>)> {
    let core_text = latin_core(&part.form);
    match &part.sounds {
        Sounds::Latin { letters, core_letters, units, core_units } => Some((
            Sides { text: &part.form, core_text, units, core_units: core_units.as_deref() },
            Sides { text: &part.form, core_text, units: letters, core_units: core_letters.as_deref() },
        )),
        Sounds::Arabic { .. } => None,
    }
}

fn arabic_sides(part: &Part) -> Option<Sides<'_, char>> {
    match &part.sounds {
        Sounds::Arabic { whole, core: core_units } => Some(Sides {
            text: &part.form,
            core_text: core(&part.form, Script::Arabic),
            units: whole.as_slice(),
            core_units: core_units.as_deref(),
        }),
        Sounds::Latin { .. } => None,
    }
}

fn latin_pair(a: &Part, b: &Part, family: bool, lexicon: &Lexicon, floor: f32) -> (f32, Verdict) {
    if a.form == b.form {
        return (1.0, Verdict::Equal);
    }
    // Beyond this cost neither a spelling variant nor a slip reaches the floor.
    let limit = 2.7 - 2.0 * floor;
    let (Some((a_sides, _)), Some((b_sides, _))) = (latin_sides(a), latin_sides(b)) else {
        return (0.0, Verdict::Different);
    };
    let mut best = (0.0, Verdict::Different);
    for ((x, x_units), (y, y_units), penalty) in a_sides.pairs_with(&b_sides, family) {
        let distance = latin_units_cost(x_units, y_units, limit);
        let found = if distance.hard == 0 {
            ((1.0 - distance.cost / 2.0).max(0.0) - penalty, Verdict::Spelling)
        } else if distance.hard == 1 && !distance.first_differs {
            if lexicon.is_known(x, Script::Latin) && lexicon.is_known(y, Script::Latin) {
                (0.05, Verdict::NearNames)
            } else {
                ((0.85 - (distance.cost - 1.0) / 2.0).clamp(0.0, 0.8) - penalty, Verdict::Misspelling)
            }
        } else {
            (0.0, Verdict::Different)
        };
        if found.0 > best.0 || best.1 == Verdict::Different {
            best = found;
        }
    }
    best
}

fn cross_pair(
    arabic: &Part,
    latin: &Part,
    family: bool,
    lexicon: &Lexicon,
    floor: f32,
    neighbours: bool,
) -> (f32, Verdict) {
    // Beyond this cost the similarity is under the floor (and under zero at floor 0).
    let limit = CROSS_SCALE * (1.0 - floor);
    let similarity_of = |cost: f32, penalty: f32| 1.0 - cost / CROSS_SCALE - penalty;
    let (Some(arabic_sides), Some((_, latin_sides))) = (arabic_sides(arabic), latin_sides(latin)) else {
        return (0.0, Verdict::Different);
    };
    let (mut cost, mut penalty, mut letters): (f32, f32, &[u8]) = (f32::INFINITY, 0.0, &[]);
    for ((_, units), (_, variant_letters), variant_penalty) in arabic_sides.pairs_with(&latin_sides, family) {
        let variant = cross_units_cost(units, variant_letters, limit);
        if letters.is_empty() || similarity_of(variant, variant_penalty) > similarity_of(cost, penalty) {
            (cost, penalty, letters) = (variant, variant_penalty, variant_letters);
        }
    }
    let similarity = similarity_of(cost, penalty).max(0.0);
    if neighbours && similarity >= THRESHOLD {
        // Only a neighbour that fits clearly better matters: stop its alignment early.
        // (The margin is kept out of float rounding's reach: 0.05 must not beat 0.15 − 0.1.)
        let better = cost - BETTER_FIT - 1e-3;
        for neighbour in lexicon.arabic_neighbours(&arabic.key) {
            // Neighbours are cores already (the lexicon counts names without the article).
            if cross_units_cost(&arabic_units(neighbour), letters, better) < better {
                return (0.1, Verdict::FitsBetter(neighbour.to_string()));
            }
        }
    }
    (similarity, Verdict::Transliteration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(left: &str, right: &str) -> f32 {
        compare(&Name::parse(left), &Name::parse(right), &Lexicon::with_common_names()).score
    }

    #[test]
    fn the_seed_articles_spellings_of_one_name_match() {
        assert!(score("آمال عبداللطيف المناعي", "آمال عبد اللطيف المناعي") >= THRESHOLD);
    }

    #[test]
    fn two_fathers_make_two_people() {
        assert!(score("محمد عبدالله الكعبي", "محمد عبدالرحمن الكعبي") < THRESHOLD);
        assert!(score("سلطان محمد الكعبي", "سلطان أحمد الكعبي") < THRESHOLD);
    }

    #[test]
    fn arabic_and_latin_forms_of_one_name_meet() {
        assert!(score("عبدالعزيز محمد الكعبي", "Abdulaziz Mohammed Al-Kaabi") >= THRESHOLD);
        assert!(score("Noura Al Mutairi", "نـورة المطيرى") >= THRESHOLD);
        assert!(score("سعيد الكعبي", "Saida Al-Kaabi") < THRESHOLD);
    }

    #[test]
    fn titles_middle_names_and_articles_do_not_separate() {
        assert!(score("اللواء هلال الدراني", "هلال الدراني") >= THRESHOLD);
        assert!(score("نزار حسين الزيدي", "نزار حسين نبيل الزيدي") >= THRESHOLD);
        assert!(score("نجلاء غامدي", "نجلاء الغامدي") >= THRESHOLD);
        assert!(score("موفق بن كامل الجملي", "موفق كامل الجملي") >= THRESHOLD);
    }

    #[test]
    fn father_and_son_are_two_people() {
        assert!(score("جمال الجابر", "صلاح جمال الجابر") < THRESHOLD);
        assert!(score("شريف الحمادي", "شريفة الحمادي") < THRESHOLD);
    }

    #[test]
    fn the_comparison_explains_itself() {
        let comparison = compare(
            &Name::parse("د. عبد العزيز محمد الكعبي"),
            &Name::parse("Abdulaziz Al Kaabi"),
            &Lexicon::with_common_names(),
        );
        assert_eq!(comparison.titles, (1, 0));
        assert_eq!(comparison.omitted, ["محمد"]);
        assert_eq!(comparison.parts[0].role, Role::First);
        assert_eq!(comparison.parts[0].left, "عبد العزيز");
        assert_eq!(comparison.parts[0].verdict, Verdict::Transliteration);
        assert_eq!(comparison.parts[1].role, Role::Family);
        assert!(comparison.is_match());
    }

    #[test]
    fn combinations_are_visited_in_order() {
        let mut indices = [0, 1];
        let mut seen = vec![indices.to_vec()];
        while next_combination(&mut indices, 3) {
            seen.push(indices.to_vec());
        }
        assert_eq!(seen, [vec![0, 1], vec![0, 2], vec![1, 2]]);
        assert!(!next_combination(&mut [], 2));
    }
}
