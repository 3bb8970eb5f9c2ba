//! The normaliser against an outside oracle: CAMeL Tools (NYU Abu Dhabi, MIT licence),
//! for the operations both do — removing diacritics and unifying alef forms, alef
//! maqsura and taa marbuta — on thousands of names: every Arabic name of the development
//! set, the shipped name list, and each of them again decorated with vowel marks, shadda,
//! tanween, hamza-carrying alefs, ة for ه and ى for ي.
//!
//! The two agree except where docs/MATCHING.md deliberately goes further; those differences are
//! listed in [`DELIBERATE`], each applied to the oracle's answer before comparing, and
//! each must actually occur (a list entry that explains nothing is stale).
//!
//! The oracle runs in the virtualenv that `.ci/camel-venv` creates (`SILA_CAMEL_PYTHON`
//! names another interpreter). Without it the test fails: it is never skipped.

use std::io::Write;
use std::process::{Command, Stdio};

use sila_arabic::normalize;

/// A difference from the oracle: what it is, and how to apply it to the oracle's answer.
type Difference = (&'static str, fn(&str) -> String);

/// What the normaliser does beyond CAMeL's shared operations, as docs/MATCHING.md asks.
const DELIBERATE: &[Difference] = &[
    ("tatweel is removed (CAMeL counts it as a letter)", |text| text.replace('\u{0640}', "")),
    ("hamza on waw is unified with waw", |text| text.replace('ؤ', "و")),
    ("hamza on yaa is unified with yaa", |text| text.replace('ئ', "ي")),
    ("a lone hamza is dropped", |text| text.replace('ء', "")),
    ("punctuation between words (the dot of د. and م.) is a word break", |text| {
        text.replace(['.', '-', '_', ',', '،'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
    }),
];

fn shared_data() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn python() -> String {
    std::env::var("SILA_CAMEL_PYTHON").unwrap_or_else(|_| "/var/cache/sila-camel/bin/python".into())
}

/// The Arabic names to test with: both sides of every development pair, word by word
/// whole, and the shipped list.
fn names() -> Vec<String> {
    let dev = std::fs::read_to_string(shared_data().join("names-dev.tsv")).expect("../shared/data/names-dev.tsv");
    let mut names: Vec<String> =
        dev.lines().skip(1).flat_map(|line| line.split('\t').take(2).map(str::to_string).collect::<Vec<_>>()).collect();
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/faker-names.txt")).unwrap();
    names.extend(shipped.lines().filter(|line| !line.is_empty() && !line.starts_with(['#', '['])).map(str::to_string));
    names.retain(|name| name.chars().any(|ch| ('\u{0621}'..='\u{064A}').contains(&ch)));
    names.sort();
    names.dedup();
    names
}

/// A name decorated the way careful or hurried typists write: marks after letters,
/// hamza-carrying alefs, ة and ى at word ends. Deterministic (a fixed linear
/// congruential sequence), so a failure repeats.
fn decorate(name: &str, seed: &mut u64) -> String {
    const MARKS: [char; 9] =
        ['\u{064E}', '\u{064F}', '\u{0650}', '\u{0652}', '\u{0651}', '\u{064B}', '\u{064C}', '\u{064D}', '\u{0670}'];
    let mut next = |modulus: u64| {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 33) % modulus
    };
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (index, &ch) in chars.iter().enumerate() {
        let word_start = index == 0 || chars[index - 1] == ' ';
        let word_end = chars.get(index + 1).is_none_or(|next| *next == ' ');
        let letter = match ch {
            'ا' if word_start => ['ا', 'أ', 'إ', 'آ', 'ٱ'][next(5) as usize],
            'ه' if word_end => ['ه', 'ة'][next(2) as usize],
            'ي' if word_end => ['ي', 'ى'][next(2) as usize],
            other => other,
        };
        out.push(letter);
        if ch != ' ' && next(3) == 0 {
            out.push(MARKS[next(MARKS.len() as u64) as usize]);
        }
    }
    out
}

fn oracle(inputs: &[String]) -> Vec<String> {
    let interpreter = python();
    let mut child = Command::new(&interpreter)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/camel_oracle.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{interpreter}: {error}; run .ci/camel-venv to install the CAMeL Tools oracle"));
    let mut stdin = child.stdin.take().unwrap();
    let text = inputs.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        output.status.success(),
        "the oracle failed (run .ci/camel-venv): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn the_normaliser_agrees_with_camel_tools_except_where_arabic_md_differs() {
    let mut inputs = names();
    // The seed article's date.
    let mut seed = 20_190_826;
    let decorated: Vec<String> = inputs.iter().map(|name| decorate(name, &mut seed)).collect();
    inputs.extend(decorated);
    assert!(inputs.len() >= 5_000, "only {} names", inputs.len());
    let answers = oracle(&inputs);
    assert_eq!(answers.len(), inputs.len(), "the oracle answered a different number of lines");
    let mut used = vec![0usize; DELIBERATE.len()];
    let mut disagreements = Vec::new();
    for (input, camel) in inputs.iter().zip(&answers) {
        let ours = normalize(input);
        let mut expected = camel.clone();
        for (index, (_, rule)) in DELIBERATE.iter().enumerate() {
            let applied = rule(&expected);
            if applied != expected {
                used[index] += 1;
                expected = applied;
            }
        }
        if ours != expected {
            disagreements.push(format!("{input:?}: ours {ours:?}, CAMeL {camel:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
    for ((difference, _), count) in DELIBERATE.iter().zip(&used) {
        assert!(*count > 0, "the listed difference \"{difference}\" never occurred");
    }
}
