//! Slips of the keys: what one mistyped letter looks like, on the Arabic (101) keyboard
//! that police and centre desks use.
//!
//! A slip is a neighbouring key, two letters swapped, a letter lost or doubled, and it is
//! rarely in a word's first letter (the eye checks it). A one-letter difference that is
//! none of these — a key from the other side of the keyboard — is not a slip but another
//! name (حسن / حسين is a lost letter; سعيد / سعود is not a neighbouring key).

/// The kind of a single edit between two words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edit {
    /// One letter replaced by the letter of a neighbouring key.
    NeighbourKey,
    /// One letter replaced by a letter that is not a neighbouring key.
    OtherKey,
    /// Two adjacent letters swapped.
    Swap,
    /// One letter left out (or, read the other way, added).
    Lost,
    /// One letter typed twice.
    Doubled,
}

/// A single edit and where it is (index of the first differing letter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OneEdit {
    /// What the edit is.
    pub edit: Edit,
    /// Where, in letters from the start.
    pub at: usize,
}

impl OneEdit {
    /// Whether this edit is how fingers slip: not in the first letter, and not a key far
    /// from the intended one.
    pub fn is_slip(&self) -> bool {
        self.at > 0 && self.edit != Edit::OtherKey
    }
}

/// The Arabic 101 layout, row by row, as the folded letters the keys give (a key with
/// two letters, لا, is left as a gap).
const ROWS: [&[char]; 3] = [
    &['ض', 'ص', 'ث', 'ق', 'ف', 'غ', 'ع', 'ه', 'خ', 'ح', 'ج', 'د'],
    &['ش', 'س', 'ي', 'ب', 'ل', 'ا', 'ت', 'ن', 'م', 'ك', 'ط'],
    // ئ ء ؤ ر لا ى ة و ز ظ, folded (ئ → ي, ؤ → و, ى → ي, ة → ه; ء is dropped).
    &['ي', ' ', 'و', 'ر', ' ', 'ي', 'ه', 'و', 'ز', 'ظ'],
];

/// Whether two letters lie on neighbouring keys (same row, or the row above or below,
/// staggered the way keyboards are).
pub fn neighbouring_keys(a: char, b: char) -> bool {
    let positions = |letter: char| {
        ROWS.iter().enumerate().flat_map(move |(row, keys)| {
            keys.iter().enumerate().filter(move |(_, key)| **key == letter).map(move |(column, _)| (row, column))
        })
    };
    positions(a).any(|(row, column)| {
        positions(b).any(|(other_row, other_column)| {
            let (row, column, other_row, other_column) =
                (row as isize, column as isize, other_row as isize, other_column as isize);
            match other_row - row {
                0 => (other_column - column).abs() == 1,
                -1 => other_column == column || other_column == column + 1,
                1 => other_column == column || other_column == column - 1,
                _ => false,
            }
        })
    })
}

/// The single edit that turns one word into the other, if exactly one does.
pub fn one_edit(left: &str, right: &str) -> Option<OneEdit> {
    let a: Vec<char> = left.chars().collect();
    let b: Vec<char> = right.chars().collect();
    if a == b {
        return None;
    }
    if a.len() == b.len() {
        let differing: Vec<usize> = (0..a.len()).filter(|&index| a[index] != b[index]).collect();
        return match differing[..] {
            [at] => {
                let edit = if neighbouring_keys(a[at], b[at]) { Edit::NeighbourKey } else { Edit::OtherKey };
                Some(OneEdit { edit, at })
            }
            [at, next] if next == at + 1 && a[at] == b[next] && a[next] == b[at] => {
                Some(OneEdit { edit: Edit::Swap, at })
            }
            _ => None,
        };
    }
    let (long, short) = if a.len() > b.len() { (&a, &b) } else { (&b, &a) };
    if long.len() != short.len() + 1 {
        return None;
    }
    let at = (0..short.len()).find(|&index| long[index] != short[index]).unwrap_or(short.len());
    if long[at + 1..] != short[at..] {
        return None;
    }
    let doubled = (at > 0 && long[at - 1] == long[at]) || long.get(at + 1) == Some(&long[at]);
    Some(OneEdit { edit: if doubled { Edit::Doubled } else { Edit::Lost }, at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keyboard_knows_its_neighbours() {
        assert!(neighbouring_keys('ل', 'ب'));
        assert!(neighbouring_keys('ط', 'ك'));
        assert!(neighbouring_keys('ط', 'د'));
        assert!(neighbouring_keys('س', 'ش'));
        assert!(neighbouring_keys('م', 'و'));
        assert!(!neighbouring_keys('م', 'ض'));
        assert!(!neighbouring_keys('ض', 'ظ'));
    }

    #[test]
    fn single_edits_are_classified() {
        assert_eq!(one_edit("سلمي", "سملي"), Some(OneEdit { edit: Edit::Swap, at: 1 }));
        assert_eq!(one_edit("مصطفي", "مصكفي"), Some(OneEdit { edit: Edit::NeighbourKey, at: 2 }));
        assert_eq!(one_edit("حسن", "حسين"), Some(OneEdit { edit: Edit::Lost, at: 2 }));
        assert_eq!(one_edit("خليفهه", "خليفه"), Some(OneEdit { edit: Edit::Doubled, at: 5 }));
        assert_eq!(one_edit("سعيد", "سعيل"), Some(OneEdit { edit: Edit::OtherKey, at: 3 }));
        assert_eq!(one_edit("الحسيني", "الخسيني").map(|edit| edit.is_slip()), Some(true));
        assert_eq!(one_edit("حسام", "وسام").map(|edit| edit.is_slip()), Some(false));
        assert_eq!(one_edit("سعيد", "سعيدان"), None);
        assert_eq!(one_edit("سعيد", "سعيد"), None);
    }
}
