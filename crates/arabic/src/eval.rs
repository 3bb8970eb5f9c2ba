//! Measuring the matcher on labelled pairs of names (the format of `names-dev.tsv`):
//! accuracy per kind of pair, and precision, recall and F1 for "same person".
//!
//! The lexicon the evaluation uses is the shipped list of common names plus the names of
//! the file itself, both sides of every row, without their labels: the same knowledge
//! the matcher has in service, where it learns the population from the stored persons.

use std::collections::BTreeMap;

use crate::lexicon::Lexicon;
use crate::name::Name;
use crate::score::compare;

/// Rows of this kind are reported but not scored: no matcher can decide them from the
/// names alone (a person written once in full and once by title and family name only).
pub const UNSCORED_KIND: &str = "ambiguous";

/// One labelled pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledPair {
    /// A full name as typed.
    pub left: String,
    /// Another.
    pub right: String,
    /// Whether they are one person.
    pub same: bool,
    /// What separates them (`spacing`, `cross_script`, `diff_father` …).
    pub kind: String,
}

/// Reads a tab-separated file with a header line and the columns `left`, `right`,
/// `same` (0 or 1) and `kind`. Says which line is wrong, if one is.
pub fn parse_pairs(text: &str) -> Result<Vec<LabelledPair>, String> {
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else { return Err("the file is empty".into()) };
    let columns: Vec<&str> = header.split('\t').collect();
    let position = |name: &str| {
        columns
            .iter()
            .position(|column| column.trim() == name)
            .ok_or_else(|| format!("no `{name}` column in the header"))
    };
    let (left, right, same, kind) = (position("left")?, position("right")?, position("same")?, position("kind")?);
    let mut pairs = Vec::new();
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let field = |column: usize| {
            fields.get(column).copied().ok_or_else(|| format!("line {}: expected {} columns", index + 1, columns.len()))
        };
        let same = match field(same)?.trim() {
            "1" => true,
            "0" => false,
            other => return Err(format!("line {}: `same` is {other:?}, not 0 or 1", index + 1)),
        };
        pairs.push(LabelledPair {
            left: field(left)?.to_string(),
            right: field(right)?.to_string(),
            same,
            kind: field(kind)?.trim().to_string(),
        });
    }
    Ok(pairs)
}

/// How the matcher did on one kind of pair.
#[derive(Debug, Clone, PartialEq)]
pub struct KindResult {
    /// The kind.
    pub kind: String,
    /// Whether the kind's pairs are one person (or two).
    pub same: bool,
    /// Pairs of this kind.
    pub total: usize,
    /// Pairs decided correctly.
    pub correct: usize,
}

impl KindResult {
    /// Correct / total.
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.correct as f64 / self.total as f64 }
    }
}

/// The evaluation of a set of pairs at a threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Per kind, in the file's order of first appearance.
    pub kinds: Vec<KindResult>,
    /// Scored pairs taken as one person that are one person.
    pub true_positives: usize,
    /// Scored pairs taken as one person that are two.
    pub false_positives: usize,
    /// Scored pairs of one person taken as two.
    pub false_negatives: usize,
    /// The threshold used.
    pub threshold: f32,
}

impl Report {
    /// Of the pairs taken as one person, the share that are.
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    /// Of the pairs that are one person, the share found.
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (precision, recall) = (self.precision(), self.recall());
        if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Scores every pair and tallies the decisions at `threshold`.
pub fn evaluate(pairs: &[LabelledPair], threshold: f32) -> Report {
    let mut lexicon = Lexicon::with_common_names();
    let parsed: Vec<(Name, Name)> =
        pairs.iter().map(|pair| (Name::parse(&pair.left), Name::parse(&pair.right))).collect();
    for (left, right) in &parsed {
        lexicon.observe(left);
        lexicon.observe(right);
    }
    let mut order: Vec<String> = Vec::new();
    let mut kinds: BTreeMap<String, KindResult> = BTreeMap::new();
    let mut report = Report { kinds: Vec::new(), true_positives: 0, false_positives: 0, false_negatives: 0, threshold };
    for (pair, (left, right)) in pairs.iter().zip(&parsed) {
        let taken_as_same = compare(left, right, &lexicon).score >= threshold;
        let entry = kinds.entry(pair.kind.clone()).or_insert_with(|| {
            order.push(pair.kind.clone());
            KindResult { kind: pair.kind.clone(), same: pair.same, total: 0, correct: 0 }
        });
        entry.total += 1;
        entry.correct += usize::from(taken_as_same == pair.same);
        if pair.kind == UNSCORED_KIND {
            continue;
        }
        match (taken_as_same, pair.same) {
            (true, true) => report.true_positives += 1,
            (true, false) => report.false_positives += 1,
            (false, true) => report.false_negatives += 1,
            (false, false) => {}
        }
    }
    report.kinds = order.into_iter().filter_map(|kind| kinds.remove(&kind)).collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "left\tright\tsame\tkind
آمال عبداللطيف المناعي\tآمال عبد اللطيف المناعي\t1\tspacing
محمد عبدالله الكعبي\tمحمد عبدالرحمن الكعبي\t0\tdiff_father
العميد سلطان محمد الكعبي\tالعميد الكعبي\t1\tambiguous
";

    #[test]
    fn a_small_file_is_read_and_scored() {
        let pairs = parse_pairs(SAMPLE).unwrap();
        assert_eq!(pairs.len(), 3);
        assert!(pairs[0].same && !pairs[1].same);
        let report = evaluate(&pairs, crate::THRESHOLD);
        assert_eq!((report.true_positives, report.false_positives, report.false_negatives), (1, 0, 0));
        assert_eq!(report.f1(), 1.0);
        assert_eq!(
            report.kinds.iter().map(|kind| kind.kind.as_str()).collect::<Vec<_>>(),
            ["spacing", "diff_father", "ambiguous"]
        );
    }

    #[test]
    fn a_broken_file_names_its_line() {
        assert_eq!(
            parse_pairs("left\tright\tsame\tkind\na\tb\tyes\tx\n"),
            Err("line 2: `same` is \"yes\", not 0 or 1".into())
        );
        assert_eq!(parse_pairs("left\tright\tkind\n"), Err("no `same` column in the header".into()));
        assert_eq!(parse_pairs(""), Err("the file is empty".into()));
        assert!(parse_pairs("left\tright\tsame\tkind\nonly\n").unwrap_err().starts_with("line 2"));
    }
}
