//! The two forms of a piece of text: the *stored* form (NFC, trimmed, inner whitespace
//! collapsed — otherwise exactly as typed) and the *normalised* form used only to compare
//! names (diacritics, tatweel, hamza carriers, taa marbuta, alef maqsura, look-alike
//! letters, digits and invisible characters folded; Latin lower-cased).
//!
//! The normalised form is never shown and never stored in place of the typed text: it is
//! a key. Compound names (عبد العزيز / عبدالعزيز) and titles are handled by the name
//! tokenizer on top of this, not here, because they need to know word boundaries.

use unicode_normalization::UnicodeNormalization;

/// The form in which user-typed text is stored: Unicode NFC, leading and trailing
/// whitespace removed, runs of inner whitespace collapsed to one space, and invisible
/// formatting characters (bidi controls, zero-width joiners) removed, because they are
/// never meant as content and would make two equal names differ.
pub fn stored_form(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    // Invisible characters and spaces are handled before composing: removing one
    // between a letter and its mark after NFC would leave text that composes again,
    // and the stored form must be stable when it is computed twice.
    for ch in input.chars() {
        if is_invisible(ch) {
            continue;
        }
        if ch.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(ch);
    }
    out.nfc().collect()
}

/// The normalised form described in `docs/MATCHING.md`, for matching and search only.
///
/// Letters are folded so that the usual variations of one written name become equal;
/// word boundaries are kept as single spaces. Latin letters are lower-cased and accents
/// removed, so `Al-Kaabi` and `al kaabi` meet (hyphens and dots become spaces). Hamza on
/// a carrier is folded into its carrier (ؤ → و, ئ → ي) and a hamza standing alone is
/// dropped (ضياء / ضيا), because typists leave it out.
pub fn normalize(input: &str) -> String {
    fold(input, Depth::Full)
}

/// The name form the matcher reads: everything [`normalize`] folds except the hamza
/// carriers ؤ ئ, the lone hamza ء and the alef maqsura ى, which it keeps because they tell
/// how a name sounds (ى is a final *a*: هدى is Huda, not Hudi). [`full_fold`] of this form
/// is the normalised form.
pub fn light_fold(input: &str) -> String {
    fold(input, Depth::Light)
}

/// Folds what [`light_fold`] keeps: ؤ → و, ئ → ي, ى → ي, and drops a lone ء.
pub fn full_fold(light: &str) -> String {
    light.chars().filter_map(fold_hamza).collect()
}

fn fold_hamza(ch: char) -> Option<char> {
    match ch {
        'ؤ' => Some('و'),
        'ئ' | 'ى' => Some('ي'),
        'ء' => None,
        _ => Some(ch),
    }
}

/// A key with no spaces at all: the normalised form with word boundaries removed, so
/// that `عبد العزيز` and `عبدالعزيز` (or `Abdul Aziz` and `Abdulaziz`) give one key.
/// Used for exact-ish lookup; the ranked matcher works on tokens instead.
pub fn search_key(input: &str) -> String {
    normalize(input).chars().filter(|c| *c != ' ').collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    Light,
    Full,
}

fn fold(input: &str, depth: Depth) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    // Compose first, so that a hamza typed as a separate mark joins its letter (ا + ٔ → أ)
    // and is folded with it; then lower-case (which can emit combining marks, e.g. for
    // 'İ') and split Latin accents off their letters so that one rule drops them all.
    let composed: String = input.nfc().collect();
    for lowered in composed.chars().flat_map(char::to_lowercase) {
        let mut emit = |ch: char| {
            let folded = match fold_char(ch) {
                Folded::Drop => return,
                Folded::Space => {
                    pending_space = !out.is_empty();
                    return;
                }
                Folded::Char(c) => c,
            };
            let folded = match depth {
                Depth::Light => folded,
                Depth::Full => match fold_hamza(folded) {
                    Some(c) => c,
                    None => return,
                },
            };
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(folded);
        };
        if lowered.is_ascii() || is_arabic_letter(lowered) {
            emit(lowered);
        } else {
            unicode_normalization::char::decompose_canonical(lowered, &mut emit);
        }
    }
    out
}

/// Letters of the Arabic block that must not be decomposed: NFD would split أ إ آ ؤ ئ into
/// a letter and a hamza mark, and the light form keeps ؤ and ئ whole.
fn is_arabic_letter(ch: char) -> bool {
    ('\u{0621}'..='\u{064A}').contains(&ch)
}

enum Folded {
    Drop,
    Space,
    Char(char),
}

fn fold_char(ch: char) -> Folded {
    if is_invisible(ch) {
        return Folded::Drop;
    }
    if ch.is_whitespace() || matches!(ch, '-' | '_' | '.' | ',' | '،' | '\'' | '’' | '`') {
        return Folded::Space;
    }
    match ch {
        // Arabic tashkeel (fathatan … sukun, and the extended marks up to U+065F),
        // superscript alef, Quranic annotation marks, and a combining hamza or madda
        // left over from decomposed input.
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' => Folded::Drop,
        // Tatweel (kashida) only stretches a word.
        '\u{0640}' => Folded::Drop,
        // Latin combining accents (é → e once decomposed).
        '\u{0300}'..='\u{036F}' => Folded::Drop,
        // Alef forms → bare alef.
        'ٱ' | 'أ' | 'إ' | 'آ' => Folded::Char('ا'),
        'ة' => Folded::Char('ه'),
        // Persian and Urdu look-alikes that arrive from other keyboards.
        'ک' => Folded::Char('ك'),
        'ی' | 'ے' => Folded::Char('ي'),
        'ھ' | 'ہ' => Folded::Char('ه'),
        'ە' | 'ۀ' => Folded::Char('ه'),
        // Arabic-Indic and Extended Arabic-Indic digits → ASCII digits.
        '\u{0660}'..='\u{0669}' => Folded::Char(shift_digit(ch, '\u{0660}')),
        '\u{06F0}'..='\u{06F9}' => Folded::Char(shift_digit(ch, '\u{06F0}')),
        _ => Folded::Char(ch),
    }
}

fn shift_digit(ch: char, zero: char) -> char {
    let offset = u32::from(ch) - u32::from(zero);
    char::from_digit(offset, 10).unwrap_or(ch)
}

/// Characters that carry no content: bidi controls, zero-width (non-)joiners, marks,
/// soft hyphen, byte-order mark, and the Arabic letter mark.
fn is_invisible(ch: char) -> bool {
    matches!(
        ch,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_each_variation_of_the_design_table() {
        let cases = [
            ("إِنَّ", "ان"),
            ("أمـان", "امان"),
            ("مــد", "مد"),
            ("آمال", "امال"),
            ("ٱلله", "الله"),
            ("لؤي", "لوي"),
            ("هانئ", "هاني"),
            ("جمعة", "جمعه"),
            ("هدى", "هدي"),
            ("کریم", "كريم"),
            ("٠١٢٣", "0123"),
            ("۰۱۲۳", "0123"),
            ("مُحَمَّد", "محمد"),
            ("Al-Kaabi", "al kaabi"),
            ("  José\u{00A0}Núñez ", "jose nunez"),
            ("سارة\u{200F} العلي", "ساره العلي"),
            ("ضياء", "ضيا"),
            ("\u{0627}\u{0654}حمد", "احمد"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "normalize({input:?})");
        }
    }

    #[test]
    fn the_light_form_keeps_hamza_and_alef_maqsura() {
        assert_eq!(light_fold("عائشة هدى لؤلؤ ضياء"), "عائشه هدى لؤلؤ ضياء");
        assert_eq!(full_fold(&light_fold("عائشة هدى لؤلؤ ضياء")), normalize("عائشة هدى لؤلؤ ضياء"));
        assert_eq!(light_fold("أَحْمَد Élodie"), "احمد elodie");
    }

    #[test]
    fn search_key_joins_compound_names() {
        assert_eq!(search_key("عبد العزيز"), search_key("عبدالعزيز"));
        assert_eq!(search_key("Abdul Aziz"), search_key("abdulaziz"));
        assert_ne!(search_key("سعيد"), search_key("سعد"));
    }

    #[test]
    fn stored_form_keeps_letters_but_tidies_space() {
        assert_eq!(stored_form("  آمال   عبد\tاللطيف "), "آمال عبد اللطيف");
        // Diacritics and hamza stay: the stored text is what was typed.
        assert_eq!(stored_form("مُحَمَّد"), "مُحَمَّد");
        assert_eq!(stored_form("\u{2067}نورة\u{2069}"), "نورة");
        // NFC: a decomposed alef + hamza above becomes the precomposed letter.
        assert_eq!(stored_form("\u{0627}\u{0654}"), "\u{0623}");
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(input in any::<String>()) {
            let once = normalize(&input);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn full_fold_of_the_light_form_is_the_normalised_form(input in any::<String>()) {
            prop_assert_eq!(full_fold(&light_fold(&input)), normalize(&input));
        }

        #[test]
        fn stored_form_is_idempotent(input in any::<String>()) {
            let once = stored_form(&input);
            prop_assert_eq!(stored_form(&once), once.clone());
        }

        #[test]
        fn normalized_output_is_bounded(input in any::<String>()) {
            // Lower-casing can expand a character (e.g. 'İ' → "i̇"), so the bound is a
            // small multiple, never unbounded growth.
            prop_assert!(normalize(&input).chars().count() <= 3 * input.chars().count());
        }
    }
}
