//! The names a population is known to use, with how often each occurs.
//!
//! A slip of the keys rarely produces another real name, so the matcher asks the lexicon
//! whether the two sides of a one-letter difference are both names people carry (سلمى /
//! سلوى: two women) or one of them is unknown (سملى: a slip). Names count as known when
//! they occur at least twice among the people the lexicon has seen, or are in the list of
//! common Arabic names shipped with Sila (`data/faker-names.txt`, from the MIT-licensed
//! Faker project). Frequencies also let rare names weigh more than common ones: two
//! records sharing محمد say little, two sharing العنزي more.
//!
//! Parts are counted by their *core*: the folded key without the article, so that
//! الكعبي and كعبي, Al-Kaabi and Kaabi count together.

use std::collections::HashMap;

use crate::name::{Name, Script};

/// How many occurrences make a name known.
const KNOWN_AT: u32 = 2;

/// Name parts and their frequencies, per script.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    arabic: Table,
    latin: Table,
    /// Arabic cores by each one-letter deletion of them: the neighbours of a name.
    deletions: HashMap<String, Vec<u32>>,
    /// How many names were observed.
    names: u64,
    /// Incremented whenever a name becomes known or stops being known: what the matcher
    /// decides about a pair of parts can change only then.
    version: u64,
}

#[derive(Debug, Clone, Default)]
struct Table {
    ids: HashMap<String, u32>,
    cores: Vec<String>,
    counts: Vec<u32>,
    shipped: Vec<bool>,
}

impl Table {
    fn entry(&mut self, core: &str) -> (u32, bool) {
        if let Some(&id) = self.ids.get(core) {
            return (id, false);
        }
        let id = u32::try_from(self.cores.len()).unwrap_or(u32::MAX);
        self.ids.insert(core.to_string(), id);
        self.cores.push(core.to_string());
        self.counts.push(0);
        self.shipped.push(false);
        (id, true)
    }

    fn count(&self, core: &str) -> u32 {
        self.ids.get(core).map_or(0, |&id| self.counts[id as usize])
    }

    fn known(&self, core: &str) -> bool {
        self.ids.get(core).is_some_and(|&id| self.counts[id as usize] >= KNOWN_AT || self.shipped[id as usize])
    }
}

/// The core of a part's key: without the article (ال / al, el) when something is left.
pub fn core(key: &str, script: Script) -> &str {
    match script {
        Script::Arabic => key.strip_prefix("ال").filter(|rest| rest.chars().count() >= 3).unwrap_or(key),
        Script::Latin => key.strip_prefix("al").filter(|rest| rest.len() >= 3).unwrap_or(key),
    }
}

impl Lexicon {
    /// An empty lexicon: no name is known.
    pub fn new() -> Lexicon {
        Lexicon::default()
    }

    /// A lexicon that knows the common Arabic names shipped with Sila.
    pub fn with_common_names() -> Lexicon {
        let mut lexicon = Lexicon::new();
        for line in include_str!("../data/faker-names.txt").lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            for part in Name::parse(line).core() {
                let id = lexicon.insert_arabic(core(&part.key, Script::Arabic));
                lexicon.arabic.shipped[id as usize] = true;
            }
        }
        lexicon
    }

    fn insert_arabic(&mut self, core: &str) -> u32 {
        let (id, new) = self.arabic.entry(core);
        if new {
            for deletion in deletions(core) {
                self.deletions.entry(deletion).or_default().push(id);
            }
        }
        id
    }

    /// Counts the parts of one person's name.
    pub fn observe(&mut self, name: &Name) {
        self.names += 1;
        for part in name.core() {
            match name.script {
                Script::Arabic => {
                    let id = self.insert_arabic(core(&part.key, Script::Arabic));
                    self.arabic.counts[id as usize] += 1;
                    if self.arabic.counts[id as usize] == KNOWN_AT && !self.arabic.shipped[id as usize] {
                        self.version += 1;
                    }
                }
                Script::Latin => {
                    let (id, _) = self.latin.entry(core(&part.key, Script::Latin));
                    self.latin.counts[id as usize] += 1;
                    if self.latin.counts[id as usize] == KNOWN_AT {
                        self.version += 1;
                    }
                }
            }
        }
    }

    /// Changes each time a name becomes known or stops being known.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Forgets one observation of a name (a person removed or merged away).
    pub fn forget(&mut self, name: &Name) {
        self.names = self.names.saturating_sub(1);
        for part in name.core() {
            let table = match name.script {
                Script::Arabic => &mut self.arabic,
                Script::Latin => &mut self.latin,
            };
            if let Some(&id) = table.ids.get(core(&part.key, name.script)) {
                table.counts[id as usize] = table.counts[id as usize].saturating_sub(1);
                if table.counts[id as usize] == KNOWN_AT - 1 && !table.shipped[id as usize] {
                    self.version += 1;
                }
            }
        }
    }

    /// Whether a part (its key) is a name this population uses.
    pub fn is_known(&self, key: &str, script: Script) -> bool {
        let core = core(key, script);
        match script {
            Script::Arabic => self.arabic.known(core) || self.arabic.known(key),
            Script::Latin => self.latin.known(core),
        }
    }

    /// How many observed names carry this part.
    pub fn count(&self, key: &str, script: Script) -> u32 {
        match script {
            Script::Arabic => self.arabic.count(core(key, script)),
            Script::Latin => self.latin.count(core(key, script)),
        }
    }

    /// How many names were observed.
    pub fn observed(&self) -> u64 {
        self.names
    }

    /// Known Arabic names one letter (Damerau) away from this core, other than its own
    /// masculine or feminine form.
    pub fn arabic_neighbours(&self, key: &str) -> Vec<&str> {
        let core = core(key, Script::Arabic);
        let mut found: Vec<u32> = Vec::new();
        let mut probe = |variant: &str| {
            if let Some(ids) = self.deletions.get(variant) {
                found.extend(ids);
            }
        };
        // One edit either way shares a deletion variant (or the core itself).
        probe(core);
        for deletion in deletions(core) {
            probe(&deletion);
        }
        if let Some(&id) = self.arabic.ids.get(core) {
            found.retain(|other| *other != id);
        }
        for variant in deletions(core) {
            if let Some(&id) = self.arabic.ids.get(&variant) {
                found.push(id);
            }
        }
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|id| self.arabic.cores[id as usize].as_str())
            .filter(|other| *other != core && self.arabic.known(other))
            .filter(|other| crate::typing::one_edit(core, other).is_some())
            .filter(|other| !is_gender_pair(core, other))
            .collect()
    }
}

/// Whether one core is the other with a final ه (taa marbuta): a brother and a sister.
pub(crate) fn is_gender_pair(left: &str, right: &str) -> bool {
    let feminine = |short: &str, long: &str| long.strip_suffix('ه') == Some(short) && !short.ends_with('ه');
    feminine(left, right) || feminine(right, left)
}

/// Every string made by deleting one character.
fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|skip| chars.iter().enumerate().filter(|(index, _)| *index != skip).map(|(_, ch)| *ch).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observe(lexicon: &mut Lexicon, names: &[&str]) {
        for name in names {
            lexicon.observe(&Name::parse(name));
        }
    }

    #[test]
    fn a_name_seen_twice_is_known_and_counted_without_its_article() {
        let mut lexicon = Lexicon::new();
        observe(&mut lexicon, &["سلمى الكعبي", "سلمى كعبي", "سملى الكعبي"]);
        assert!(lexicon.is_known("سلمي", Script::Arabic));
        assert!(!lexicon.is_known("سملي", Script::Arabic));
        assert_eq!(lexicon.count("الكعبي", Script::Arabic), 3);
        lexicon.forget(&Name::parse("سلمى الكعبي"));
        assert!(!lexicon.is_known("سلمي", Script::Arabic));
    }

    #[test]
    fn the_shipped_names_are_known_from_the_start() {
        let lexicon = Lexicon::with_common_names();
        assert!(lexicon.is_known("احمد", Script::Arabic));
        assert!(lexicon.is_known("عبدالعزيز", Script::Arabic));
        assert!(!lexicon.is_known("احمدد", Script::Arabic));
    }

    #[test]
    fn neighbours_are_known_names_one_letter_away() {
        let mut lexicon = Lexicon::new();
        observe(&mut lexicon, &["سعد", "سعد", "سعود", "سعود", "سعيده", "سعيده", "سعيد", "سعيد"]);
        let mut neighbours = lexicon.arabic_neighbours("سعيد");
        neighbours.sort_unstable();
        // سعد is one deletion away, سعود one letter; سعيدة is the sister's name, not a neighbour.
        assert_eq!(neighbours, ["سعد", "سعود"]);
        assert_eq!(lexicon.arabic_neighbours("سعد"), ["سعود", "سعيد"]);
    }
}
