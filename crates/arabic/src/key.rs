//! Blocking keys: a coarse, script-independent skeleton of a name part, so that the
//! spellings of one name — Arabic or Latin, with any vowels — land on the same key or one
//! consonant away from it, and the index compares a query only with the few parts that
//! could match.
//!
//! The skeleton keeps consonants, in classes that transliteration does not cross:
//! vowels, the long-vowel letters (ا و ي), ع and hamza are dropped because spellings add
//! and leave them out freely; ت ط and Latin `t` are one class, as are د ض with `d`, ك ق غ
//! with `k`/`q`/`g`/`gh`, ح ه with `h`, and so on. Repeated classes are written once
//! (محمد and Mohammed are both `MHMD`). A letter that transliteration writes two ways —
//! ظ as `z` or `dh`, ج as `j` or `g`, خ as `kh` or `h`, a final ة/ه silent or not — gives
//! one skeleton per reading, so that every usual spelling shares one with the Arabic.

use crate::name::Script;

/// The skeleton of a part's key (`Part::key`): each letter in its most usual class.
pub fn skeleton(key: &str, script: Script) -> String {
    alternatives(key, script, 1).into_iter().next().unwrap_or_default()
}

/// At most this many skeletons per spelling.
const MOST: usize = 16;

/// Every skeleton a part may have, its most usual first: letters that transliteration
/// writes two ways (ظ as `z` or `dh`, ج as `j` or `g`, Latin `th` for ث or ذ) give one
/// skeleton per reading.
pub fn alternatives(key: &str, script: Script, most: usize) -> Vec<String> {
    let readings: Vec<&'static [u8]> = match script {
        Script::Arabic => {
            let letters: Vec<char> = key.chars().collect();
            letters
                .iter()
                .enumerate()
                .filter_map(|(index, &letter)| {
                    // A final ه is nearly always a taa marbuta, silent in Latin; sometimes
                    // a real h (طه Taha).
                    if letter == 'ه' && index + 1 == letters.len() { Some(&b"-H"[..]) } else { arabic_classes(letter) }
                })
                .collect()
        }
        Script::Latin => latin_readings(key.as_bytes()),
    };
    let mut all: Vec<Vec<u8>> = vec![Vec::new()];
    for choices in readings {
        let mut next = Vec::with_capacity(all.len() * choices.len());
        for prefix in &all {
            for &class in choices {
                if next.len() >= most {
                    break;
                }
                let mut grown = prefix.clone();
                // `-` reads the letter as silent.
                if class != b'-' && grown.last() != Some(&class) {
                    grown.push(class);
                }
                next.push(grown);
            }
        }
        all = next;
    }
    let mut out: Vec<String> = Vec::with_capacity(all.len());
    for classes in all {
        let text = String::from_utf8(classes).unwrap_or_default();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// The part's skeletons: of the whole part, and of its core when it starts with an
/// article (ال، al), because the other spelling may lack it.
pub fn skeletons(key: &str, script: Script) -> Vec<String> {
    let mut all = alternatives(key, script, MOST);
    let core = crate::lexicon::core(key, script);
    if core.len() != key.len() {
        for bare in alternatives(core, script, MOST) {
            if !all.contains(&bare) {
                all.push(bare);
            }
        }
    }
    all
}

fn arabic_classes(letter: char) -> Option<&'static [u8]> {
    Some(match letter {
        'ب' => b"B",
        'ف' => b"F",
        'ت' | 'ط' => b"T",
        'ث' => b"TS",
        'د' | 'ض' => b"D",
        'ذ' => b"DZT",
        'ظ' => b"DZ",
        'ز' => b"Z",
        'س' | 'ص' => b"S",
        'ش' => b"X",
        'ج' => b"JK",
        'ك' | 'ق' | 'غ' => b"K",
        // خ is kh, and sometimes plain h (Halid).
        'خ' => b"KH",
        'ح' | 'ه' => b"H",
        'ر' => b"R",
        'ل' => b"L",
        'م' => b"M",
        'ن' => b"N",
        _ => return None,
    })
}

fn latin_readings(bytes: &[u8]) -> Vec<&'static [u8]> {
    let mut readings = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let rest = &bytes[index..];
        let (classes, width): (Option<&'static [u8]>, usize) = match rest {
            [b's', b'c', b'h', ..] => (Some(b"X"), 3),
            [b's' | b'c', b'h', ..] => (Some(b"X"), 2),
            [b'k' | b'g', b'h', ..] => (Some(b"K"), 2),
            [b't', b'h', ..] => (Some(b"TD"), 2),
            [b'd', b'h', ..] => (Some(b"D"), 2),
            [b'p', b'h', ..] => (Some(b"F"), 2),
            [b'd', b'j', ..] => (Some(b"J"), 2),
            [b'c', next, ..] if b"eiy".contains(next) => (Some(b"S"), 1),
            [b'x', ..] => {
                readings.push(&b"K"[..]);
                (Some(b"S"), 1)
            }
            // A final h after a vowel may be silent (Fatimah: ة) or a real h (Saleh: ح).
            [b'h'] if index > 0 && b"aeiou".contains(&bytes[index - 1]) => (Some(b"-H"), 1),
            [letter, ..] => (latin_class(*letter), 1),
            [] => break,
        };
        if let Some(classes) = classes {
            readings.push(classes);
        }
        index += width;
    }
    readings
}

fn latin_class(letter: u8) -> Option<&'static [u8]> {
    Some(match letter {
        b'b' | b'p' => b"B",
        b'f' | b'v' => b"F",
        b't' => b"T",
        // ض and ظ are written d or z (Ramadan, Ramazan; Hafid, Hafiz).
        b'd' => b"DZ",
        b'z' => b"ZD",
        b's' => b"S",
        b'j' => b"J",
        b'g' => b"KJ",
        b'k' | b'q' | b'c' => b"K",
        b'r' => b"R",
        // `L` is the compound article of the canonical Latin form.
        b'l' | b'L' => b"L",
        b'm' => b"M",
        b'n' => b"N",
        b'h' => b"H",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::Name;

    fn key_of(name: &str) -> String {
        let name = Name::parse(name);
        skeleton(&name.core()[0].key, name.script)
    }

    fn all_of(name: &str) -> Vec<String> {
        let name = Name::parse(name);
        skeletons(&name.core()[0].key, name.script)
    }

    #[test]
    fn ambiguous_letters_give_each_reading() {
        assert_eq!(all_of("حافظ"), ["HFD", "HFZ"]);
        assert!(all_of("Hafiz").contains(&"HFZ".to_string()));
        assert_eq!(all_of("جمال"), ["JML", "KML"]);
        assert!(all_of("Gamal").contains(&"KML".to_string()));
        assert_eq!(all_of("خالد"), ["KLD", "HLD"]);
        assert!(all_of("Halid").contains(&"HLD".to_string()));
        // A final ة is silent, a final ح is not; a Latin final h may be either.
        assert_eq!(all_of("فاطمة"), ["FTM", "FTMH"]);
        assert!(all_of("Fatimah").contains(&"FTM".to_string()));
        assert!(all_of("Saleh").contains(&"SLH".to_string()));
        assert_eq!(all_of("صالح"), ["SLH"]);
    }

    #[test]
    fn spellings_of_one_name_share_a_skeleton() {
        for group in [
            &["محمد", "Mohammed", "Muhammad", "Mohamed"][..],
            &["عبد العزيز", "Abdulaziz", "Abd al-Aziz", "Abdelaziz"],
            &["عبدالرحمن", "Abderrahmane", "Abdul Rahman"],
            &["شريفة", "Cherifa", "Sharifa"],
            &["خالد", "Khaled", "Khalid"],
            &["عائشة", "Aisha", "Ayesha"],
        ] {
            let keys: Vec<String> = group.iter().map(|name| key_of(name)).collect();
            assert!(keys.windows(2).all(|pair| pair[0] == pair[1]), "{group:?}: {keys:?}");
        }
    }

    #[test]
    fn different_names_have_different_skeletons() {
        assert_ne!(key_of("سعيد"), key_of("خالد"));
        assert_ne!(key_of("Saleh"), key_of("Falih"));
    }

    #[test]
    fn a_family_name_is_also_keyed_without_its_article() {
        assert_eq!(skeletons("الكعبي", Script::Arabic), ["LKB", "KB"]);
        assert_ne!(key_of("محمد"), key_of("حمد"));
        assert_eq!(skeletons("alkaabi", Script::Latin), ["LKB", "KB"]);
        assert_eq!(skeletons("كعبي", Script::Arabic), ["KB"]);
    }
}
