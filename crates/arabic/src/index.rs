//! An in-memory index of names for search at national scale.
//!
//! Names are stored as lists of *interned* parts: a country has a few thousand given
//! names and family names, each written a few ways, so the index keeps every distinct
//! part once and a name as a few part numbers. A query is answered in three steps:
//!
//! 1. **Parts.** For the query's given name and family name, the distinct stored parts
//!    whose skeleton ([`crate::key`]) is within one edit of the query part's are compared
//!    with it exactly ([`part_similarity`]); those that could belong to the same person
//!    stay. The dictionary is small, so this costs the same at ten million names as at
//!    one thousand.
//! 2. **Names.** The names that have one of the kept given names *and* one of the kept
//!    family names are read from a map keyed by that pair.
//! 3. **Ranking.** Each of those names is compared with the query in full (middle names,
//!    titles), with the part similarities remembered across names, and the best
//!    comparison per owner (a person may have an Arabic and a Latin name) is kept.
//!
//! The index knows its population's names ([`Lexicon`]) and says how rare the matching
//! parts are, so that a shared rare family name can count for more than a shared محمد.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::key::skeletons;
use crate::lexicon::Lexicon;
use crate::name::{Name, Part, Script};
use crate::score::{Comparison, NameView, Verdict, best_alignment, explain, part_similarity, part_similarity_from};

/// A fast hash for small integer keys (the Firefox/rustc multiply-rotate hash): the
/// ranking looks part similarities up tens of thousands of times per query, and the
/// standard SipHash — built to resist attackers choosing keys — costs more than the
/// rest of the lookup. These keys are part numbers, chosen by no one.
#[derive(Default, Clone, Copy)]
struct NumberHasher(u64);

impl Hasher for NumberHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_u8(&mut self, value: u8) {
        self.write_u64(u64::from(value));
    }
}

type NumberMap<K, V> = HashMap<K, V, BuildHasherDefault<NumberHasher>>;

/// The floor down to which cached candidate parts are worked out.
const CACHE_FLOOR: f32 = 0.3;

/// No owner: the sentinel of `first_entry`.
const NONE: u32 = u32::MAX;

/// A name found for a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The owner the name was inserted for.
    pub owner: u32,
    /// The comparison of the query with the owner's best-matching name.
    pub comparison: Comparison,
    /// How much the agreeing parts say, in bits: log₂ of how many names there are per name
    /// carrying each part, summed over the parts that agree well (similarity ≥ 0.8).
    pub information: f32,
}

/// How far a search looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchOptions {
    /// Parts and names scoring below this are not candidates.
    pub floor: f32,
    /// At most this many hits, best first.
    pub limit: usize,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions { floor: 0.4, limit: 50 }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    owner: u32,
    start: u32,
    len: u8,
    titles: u8,
    script: Script,
    live: bool,
}

/// The candidate parts worked out for query parts, valid while the dictionary and the
/// known names stay as they were: most searches name common parts, which are then found
/// without comparing anything.
#[derive(Debug, Default)]
struct PartCache {
    /// (distinct parts, lexicon version) the entries were worked out at.
    at: (usize, u64),
    entries: HashMap<(Script, String, bool), std::sync::Arc<PartCandidates>>,
}

/// Stored parts and their similarity with a query part.
type PartCandidates = Vec<(u32, f32)>;

/// At most this many query parts are remembered; then the cache starts afresh.
const PART_CACHE_SIZE: usize = 50_000;

/// The index. Owners are small integers chosen by the caller (a row number), so that the
/// index needs no map from identifiers.
#[derive(Debug)]
pub struct NameIndex {
    lexicon: Lexicon,
    parts: Vec<(Part, Script)>,
    part_ids: HashMap<(Script, String), u32>,
    /// Every skeleton of a part (all readings, with and without the article) → parts.
    by_skeleton: HashMap<String, Vec<u32>>,
    /// Per script, a part's spelling and its one-deletion variants → parts: one keying
    /// slip away, in the same script.
    near: [HashMap<String, Vec<u32>>; 2],
    entries: Vec<Entry>,
    entry_parts: Vec<u32>,
    /// (given-name part, family-name part) → entries.
    pairs: NumberMap<(u32, u32), Block>,
    /// Family-name part (or the only part) → entries, for one-word queries.
    families: NumberMap<u32, Vec<u32>>,
    /// The only part of one-word names → entries: a one-word name can only be compared
    /// as a family name.
    singles: NumberMap<u32, Vec<u32>>,
    /// Owner → its first entry; an owner's entries are consecutive.
    first_entry: Vec<u32>,
    live_owners: usize,
    part_cache: std::sync::Mutex<PartCache>,
}

impl Default for NameIndex {
    fn default() -> NameIndex {
        NameIndex::new(Lexicon::with_common_names())
    }
}

impl NameIndex {
    /// An empty index whose lexicon starts from `lexicon`.
    pub fn new(lexicon: Lexicon) -> NameIndex {
        NameIndex {
            lexicon,
            parts: Vec::new(),
            part_ids: HashMap::new(),
            by_skeleton: HashMap::new(),
            near: [HashMap::new(), HashMap::new()],
            entries: Vec::new(),
            entry_parts: Vec::new(),
            pairs: NumberMap::default(),
            families: NumberMap::default(),
            singles: NumberMap::default(),
            first_entry: Vec::new(),
            live_owners: 0,
            part_cache: Default::default(),
        }
    }

    /// The population's names, as the index has seen them.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// How many owners have names in the index.
    pub fn len(&self) -> usize {
        self.live_owners
    }

    /// Whether no owner has a name in the index.
    pub fn is_empty(&self) -> bool {
        self.live_owners == 0
    }

    /// Forgets the candidate parts remembered for query parts, so that the next searches
    /// compare everything afresh (benchmarks measure both ways).
    pub fn forget_remembered_parts(&self) {
        if let Ok(mut cache) = self.part_cache.lock() {
            cache.entries.clear();
        }
    }

    /// How many distinct name parts the index holds.
    pub fn distinct_parts(&self) -> usize {
        self.parts.len()
    }

    fn intern(&mut self, part: &Part, script: Script) -> u32 {
        if let Some(&id) = self.part_ids.get(&(script, part.form.clone())) {
            return id;
        }
        let id = u32::try_from(self.parts.len()).unwrap_or(NONE);
        self.parts.push((part.clone(), script));
        self.part_ids.insert((script, part.form.clone()), id);
        for key in skeletons(&part.key, script) {
            push_unique(self.by_skeleton.entry(key).or_default(), id);
        }
        for key in near_keys(&part.key, script) {
            push_unique(self.near[script_slot(script)].entry(key).or_default(), id);
        }
        id
    }

    /// Sets an owner's names (replacing any it had): a person's Arabic name and Latin
    /// name, say. Names without any part are left out.
    pub fn insert(&mut self, owner: u32, names: &[Name]) {
        self.remove(owner);
        let slot = owner as usize;
        if self.first_entry.len() <= slot {
            self.first_entry.resize(slot + 1, NONE);
        }
        let first = u32::try_from(self.entries.len()).unwrap_or(NONE);
        let mut added = false;
        for name in names.iter().filter(|name| !name.core().is_empty()) {
            let entry_id = u32::try_from(self.entries.len()).unwrap_or(NONE);
            let start = u32::try_from(self.entry_parts.len()).unwrap_or(NONE);
            let ids: Vec<u32> = name.parts.iter().map(|part| self.intern(part, name.script)).collect();
            self.entry_parts.extend(&ids);
            let core = &ids[name.titles..];
            let family = core[core.len() - 1];
            if core.len() >= 2 {
                let middles = &core[1..core.len() - 1];
                let block = self.pairs.entry((core[0], family)).or_default();
                block.push(entry_id, middles);
                if let Block::Flat(entries) = block
                    && entries.len() > SPLIT_AT
                {
                    let entries = std::mem::take(entries);
                    let mut split = Block::Split { all: Vec::new(), bare: Vec::new(), by_middle: NumberMap::default() };
                    // The new name is the last one; it is not in `entries` of the index yet.
                    for entry in entries.into_iter().filter(|entry| *entry != entry_id) {
                        let parts = &self.entry_parts[self.entries[entry as usize].start as usize..]
                            [..self.entries[entry as usize].len as usize];
                        let titles = self.entries[entry as usize].titles as usize;
                        split.push(entry, &parts[titles + 1..parts.len() - 1]);
                    }
                    split.push(entry_id, middles);
                    *block = split;
                }
            } else {
                self.singles.entry(family).or_default().push(entry_id);
            }
            self.families.entry(family).or_default().push(entry_id);
            self.entries.push(Entry {
                owner,
                start,
                len: u8::try_from(ids.len()).unwrap_or(u8::MAX),
                titles: u8::try_from(name.titles).unwrap_or(0),
                script: name.script,
                live: true,
            });
            self.lexicon.observe(name);
            added = true;
        }
        if added {
            self.first_entry[slot] = first;
            self.live_owners += 1;
        }
    }

    /// Removes an owner's names (a person merged into another, or renamed).
    pub fn remove(&mut self, owner: u32) {
        let Some(&first) = self.first_entry.get(owner as usize) else { return };
        if first == NONE {
            return;
        }
        let mut index = first as usize;
        while index < self.entries.len() && self.entries[index].owner == owner && self.entries[index].live {
            self.entries[index].live = false;
            let name = self.name_of(index);
            self.lexicon.forget(&name);
            index += 1;
        }
        self.first_entry[owner as usize] = NONE;
        self.live_owners -= 1;
    }

    fn entry_part_ids(&self, entry: usize) -> &[u32] {
        let entry = &self.entries[entry];
        &self.entry_parts[entry.start as usize..entry.start as usize + entry.len as usize]
    }

    fn name_of(&self, entry: usize) -> Name {
        let parts = self.entry_part_ids(entry).iter().map(|&id| self.parts[id as usize].0.clone()).collect();
        Name { script: self.entries[entry].script, parts, titles: self.entries[entry].titles as usize }
    }

    /// The stored parts that may be the query part: sharing a skeleton with it (in
    /// either script), or one keying slip from its spelling (in its own script), and at
    /// least `floor` similar.
    fn candidate_parts(&self, part: &Part, script: Script, family: bool, floor: f32) -> Vec<(u32, f32)> {
        if floor < CACHE_FLOOR {
            return self.compare_candidate_parts(part, script, family, floor);
        }
        let at = (self.parts.len(), self.lexicon.version());
        let key = (script, part.form.clone(), family);
        if let Ok(mut cache) = self.part_cache.lock() {
            if cache.at != at {
                cache.entries.clear();
                cache.at = at;
            }
            if let Some(found) = cache.entries.get(&key) {
                return found.iter().copied().filter(|(_, similarity)| *similarity >= floor).collect();
            }
        }
        // Worked out down to the cache's floor, so that any higher floor can reuse it.
        let found = std::sync::Arc::new(self.compare_candidate_parts(part, script, family, CACHE_FLOOR));
        if let Ok(mut cache) = self.part_cache.lock()
            && cache.at == at
        {
            if cache.entries.len() >= PART_CACHE_SIZE {
                cache.entries.clear();
            }
            cache.entries.insert(key, found.clone());
        }
        found.iter().copied().filter(|(_, similarity)| *similarity >= floor).collect()
    }

    fn compare_candidate_parts(&self, part: &Part, script: Script, family: bool, floor: f32) -> Vec<(u32, f32)> {
        let mut seen: Vec<u32> = Vec::new();
        for key in skeletons(&part.key, script) {
            seen.extend(self.by_skeleton.get(&key).into_iter().flatten());
        }
        for key in near_keys(&part.key, script) {
            seen.extend(self.near[script_slot(script)].get(&key).into_iter().flatten());
        }
        seen.sort_unstable();
        seen.dedup();
        seen.into_iter()
            .filter_map(|id| {
                let (stored, stored_script) = &self.parts[id as usize];
                // An upper bound (no check of the Arabic name's neighbours): the ranking
                // below compares the few parts of the candidate names exactly.
                let (similarity, _) =
                    part_similarity_from(part, script, stored, *stored_script, family, &self.lexicon, floor, false);
                (similarity >= floor).then_some((id, similarity))
            })
            .collect()
    }

    /// The owners whose names may be the query's, best first; `keep` says which owners
    /// the caller may see (others are passed over before the limit is applied).
    ///
    /// The search is best-first: groups of names are visited in the order of an upper
    /// bound of their scores (a name scores as its weakest part, so a group found through
    /// parts of similarity 0.8 and 0.9 cannot score above 0.8), and stops as soon as no
    /// group left can beat the `limit`-th best person found. A common name found exactly
    /// (محمد … الكعبي, thousands of them) is then never compared with the hundreds of other
    /// spellings its parts also match.
    pub fn search(&self, query: &Name, options: SearchOptions, keep: impl Fn(u32) -> bool) -> Vec<Hit> {
        let core = query.core();
        if core.is_empty() {
            return Vec::new();
        }
        let mut family = self.candidate_parts(&core[core.len() - 1], query.script, true, options.floor);
        family.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut ranking = Ranking::new(self, query, options, &keep);
        if core.len() == 1 {
            for (id, similarity) in &family {
                if let Some(entries) = self.families.get(id) {
                    ranking.offer(*similarity, entries);
                }
            }
            while ranking.visit_next_group(f32::NEG_INFINITY) {}
            return ranking.finish();
        }
        let mut first = self.candidate_parts(&core[0], query.script, false, options.floor);
        first.sort_by(|a, b| b.1.total_cmp(&a.1));
        // Names of one word, which can only be a family name.
        for (id, similarity) in &family {
            if let Some(entries) = self.singles.get(id) {
                ranking.offer(*similarity, entries);
            }
        }
        // The (given name, family name) pairs in descending order of their bound, the
        // smaller of the two similarities: from the best pair, each step goes to the next
        // given name or the next family name.
        let mut frontier: std::collections::BinaryHeap<Bounded<(usize, usize)>> = std::collections::BinaryHeap::new();
        let mut queued: NumberMap<(usize, usize), ()> = NumberMap::default();
        let bound_of = |(i, j): (usize, usize)| first[i].1.min(family[j].1);
        if !first.is_empty() && !family.is_empty() {
            frontier.push(Bounded { bound: bound_of((0, 0)), item: (0, 0) });
            queued.insert((0, 0), ());
        }
        let query_middles = &core[1..core.len() - 1];
        let mut middles: Option<Vec<(u32, f32)>> = None;
        loop {
            let pair_bound = frontier.peek().map_or(f32::NEG_INFINITY, |next| next.bound);
            if ranking.visit_next_group(pair_bound) {
                continue;
            }
            // No waiting group beats the next pair: open the pair.
            let Some(Bounded { bound, item: (i, j) }) = frontier.pop() else { break };
            if bound < ranking.cut() {
                break;
            }
            for next in [(i + 1, j), (i, j + 1)] {
                if next.0 < first.len() && next.1 < family.len() && queued.insert(next, ()).is_none() {
                    frontier.push(Bounded { bound: bound_of(next), item: next });
                }
            }
            match self.pairs.get(&(first[i].0, family[j].0)) {
                None => {}
                Some(Block::Flat(entries)) => ranking.offer(bound, entries),
                Some(Block::Split { all, bare, by_middle }) => {
                    if query_middles.is_empty() {
                        ranking.offer(bound, all);
                        continue;
                    }
                    let middles = middles.get_or_insert_with(|| {
                        let mut parts: Vec<(u32, f32)> = query_middles
                            .iter()
                            .flat_map(|part| self.candidate_parts(part, query.script, false, options.floor))
                            .collect();
                        parts.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
                        parts.dedup_by_key(|(id, _)| *id);
                        parts
                    });
                    ranking.offer(bound, bare);
                    for (middle, similarity) in middles.iter() {
                        if let Some(entries) = by_middle.get(middle) {
                            ranking.offer(bound.min(*similarity), entries);
                        }
                    }
                }
            }
        }
        ranking.finish()
    }
}

/// Something with an upper bound of the scores it can lead to, ordered by that bound.
struct Bounded<T> {
    bound: f32,
    item: T,
}

impl<T> PartialEq for Bounded<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bound.total_cmp(&other.bound).is_eq()
    }
}

impl<T> Eq for Bounded<T> {}

impl<T> PartialOrd for Bounded<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Bounded<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bound.total_cmp(&other.bound)
    }
}

/// The names scored so far for one query, and the groups waiting to be scored.
struct Ranking<'a, F: Fn(u32) -> bool> {
    index: &'a NameIndex,
    query: &'a Name,
    options: SearchOptions,
    keep: &'a F,
    waiting: std::collections::BinaryHeap<Bounded<&'a [u32]>>,
    memo: NumberMap<(usize, u32, bool), f32>,
    /// (score, entry) of the best name of each person scored.
    scored: Vec<(f32, u32)>,
    best_of_owner: NumberMap<u32, usize>,
    seen: NumberMap<u32, ()>,
    /// The `limit`-th best score among persons, as last worked out, and the number of
    /// persons scored then.
    cut: f32,
    cut_at: usize,
}

impl<'a, F: Fn(u32) -> bool> Ranking<'a, F> {
    fn new(index: &'a NameIndex, query: &'a Name, options: SearchOptions, keep: &'a F) -> Ranking<'a, F> {
        Ranking {
            index,
            query,
            options,
            keep,
            waiting: std::collections::BinaryHeap::new(),
            memo: NumberMap::default(),
            scored: Vec::new(),
            best_of_owner: NumberMap::default(),
            seen: NumberMap::default(),
            cut: f32::NEG_INFINITY,
            cut_at: 0,
        }
    }

    /// A group of names to score, with the bound of their scores.
    fn offer(&mut self, bound: f32, entries: &'a [u32]) {
        if bound >= self.options.floor && bound >= self.cut {
            self.waiting.push(Bounded { bound, item: entries });
        }
    }

    /// The score a group must reach to matter: the `limit`-th best so far (worked out
    /// again only when more persons were scored since).
    fn cut(&mut self) -> f32 {
        if self.scored.len() >= self.options.limit.max(1) && self.scored.len() != self.cut_at {
            let mut scores: Vec<f32> = self.scored.iter().map(|(score, _)| *score).collect();
            let (_, kth, _) = scores.select_nth_unstable_by(self.options.limit.max(1) - 1, |a, b| b.total_cmp(a));
            self.cut = *kth;
            self.cut_at = self.scored.len();
        }
        self.cut
    }

    /// Scores the best waiting group if its bound is at least `rival` (the next pair's)
    /// and can still beat the cut; says whether it did.
    fn visit_next_group(&mut self, rival: f32) -> bool {
        let Some(next) = self.waiting.peek() else { return false };
        if next.bound < rival {
            return false;
        }
        let bound = next.bound;
        if bound < self.cut() {
            self.waiting.clear();
            return false;
        }
        let Some(Bounded { item: entries, .. }) = self.waiting.pop() else { return false };
        for &entry_id in entries {
            self.score(entry_id);
        }
        true
    }

    fn score(&mut self, entry_id: u32) {
        if self.seen.insert(entry_id, ()).is_some() {
            return;
        }
        let index = self.index;
        let entry = &index.entries[entry_id as usize];
        if !entry.live || !(self.keep)(entry.owner) {
            return;
        }
        let ids = index.entry_part_ids(entry_id as usize);
        let (query, memo) = (self.query, &mut self.memo);
        let alignment = best_alignment(
            (query.parts.len(), query.titles),
            (ids.len(), entry.titles as usize),
            &mut |x, y, family| {
                *memo.entry((x, ids[y], family)).or_insert_with(|| {
                    let (stored, script) = &index.parts[ids[y] as usize];
                    part_similarity(&query.parts[x], query.script, stored, *script, family, &index.lexicon).0
                })
            },
        );
        if alignment.score < self.options.floor {
            return;
        }
        match self.best_of_owner.get(&entry.owner) {
            Some(&at) if self.scored[at].0 >= alignment.score => {}
            Some(&at) => self.scored[at] = (alignment.score, entry_id),
            None => {
                self.best_of_owner.insert(entry.owner, self.scored.len());
                self.scored.push((alignment.score, entry_id));
            }
        }
    }

    /// The hits, explained.
    fn finish(self) -> Vec<Hit> {
        let (index, query, options, mut scored) = (self.index, self.query, self.options, self.scored);
        // The best first; among equals, more information (rarer agreeing names) first.
        let query_view = NameView::of(query);
        let mut hits: Vec<Hit> = Vec::new();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        // Equal scores come from equal names, which tell the same about rarity: the first
        // `limit` are explained, and ties are kept in a stable order.
        for &(_, entry_id) in scored.iter().take(options.limit) {
            let entry = &index.entries[entry_id as usize];
            let ids = index.entry_part_ids(entry_id as usize);
            let view = NameView {
                parts: ids.iter().map(|&id| &index.parts[id as usize].0).collect(),
                titles: entry.titles as usize,
            };
            let mut verdicts = |x: usize, y: usize, family: bool| -> (f32, Verdict) {
                let (stored, script) = &index.parts[ids[y] as usize];
                part_similarity(&query.parts[x], query.script, stored, *script, family, &index.lexicon)
            };
            let alignment = best_alignment(
                (query.parts.len(), query.titles),
                (ids.len(), entry.titles as usize),
                &mut |x, y, family| verdicts(x, y, family).0,
            );
            let comparison = explain(&alignment, &query_view, &view, &mut verdicts);
            let information = index.information(&comparison, ids, entry.script);
            hits.push(Hit { owner: entry.owner, comparison, information });
        }
        hits.sort_by(|a, b| {
            b.comparison
                .score
                .total_cmp(&a.comparison.score)
                .then(b.information.total_cmp(&a.information))
                .then(a.owner.cmp(&b.owner))
        });
        hits.truncate(options.limit);
        hits
    }
}

impl NameIndex {
    /// Bits of evidence in the candidate's parts that agree well with the query.
    fn information(&self, comparison: &Comparison, ids: &[u32], script: Script) -> f32 {
        let names = self.lexicon.observed().max(1) as f32;
        comparison
            .parts
            .iter()
            .filter(|part| part.similarity >= 0.8)
            .filter_map(|part| ids.get(part.right_part))
            .map(|&id| {
                let count = self.lexicon.count(&self.parts[id as usize].0.key, script) as f32;
                ((names + 1.0) / (count + 1.0)).log2()
            })
            .sum()
    }
}

/// Names in a block larger than this are also filed by their middle names.
const SPLIT_AT: usize = 64;

/// The names that share a given name and a family name. A common pair (محمد … الكعبي)
/// gathers thousands of names in a national index; such a block is also filed by middle
/// names, so that a query with a father's name reads only the names whose middle names
/// may be its own — and the names without middle names, which any query may match.
#[derive(Debug, Clone)]
enum Block {
    /// A small block: every name.
    Flat(Vec<u32>),
    /// A large block.
    Split {
        /// Every name.
        all: Vec<u32>,
        /// The names with no middle name.
        bare: Vec<u32>,
        /// Middle-name part → the names that carry it.
        by_middle: NumberMap<u32, Vec<u32>>,
    },
}

impl Default for Block {
    fn default() -> Block {
        Block::Flat(Vec::new())
    }
}

impl Block {
    fn push(&mut self, entry: u32, middles: &[u32]) {
        match self {
            Block::Flat(entries) => entries.push(entry),
            Block::Split { all, bare, by_middle } => {
                all.push(entry);
                if middles.is_empty() {
                    bare.push(entry);
                }
                for &middle in middles {
                    push_unique(by_middle.entry(middle).or_default(), entry);
                }
            }
        }
    }
}

fn push_unique(ids: &mut Vec<u32>, id: u32) {
    if ids.last() != Some(&id) {
        ids.push(id);
    }
}

fn script_slot(script: Script) -> usize {
    match script {
        Script::Arabic => 0,
        Script::Latin => 1,
    }
}

/// The keys under which a part is found one keying slip away, in its own script: its
/// spelling (the folded key; without the article for a family name, as the core) and,
/// for spellings of four letters or more, each spelling with one letter deleted. Two
/// spellings one slip apart (a letter replaced, lost, added or two swapped) share one of
/// these keys. Keys on the spelling rather than on the skeleton keep the buckets small:
/// a one-consonant-off skeleton would gather every Mohamed, Mahmoud and Hamid.
fn near_keys(key: &str, script: Script) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let core = crate::lexicon::core(key, script);
    for spelling in [key, core] {
        let letters: Vec<char> = spelling.chars().collect();
        if letters.len() >= 4 {
            for skip in 0..letters.len() {
                keys.push(letters.iter().enumerate().filter(|(index, _)| *index != skip).map(|(_, ch)| *ch).collect());
            }
        }
        keys.push(spelling.to_string());
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&[&str]]) -> NameIndex {
        let mut index = NameIndex::default();
        for (owner, spellings) in names.iter().enumerate() {
            let parsed: Vec<Name> = spellings.iter().map(|name| Name::parse(name)).collect();
            index.insert(owner as u32, &parsed);
        }
        index
    }

    fn owners(index: &NameIndex, query: &str) -> Vec<u32> {
        index.search(&Name::parse(query), SearchOptions::default(), |_| true).iter().map(|hit| hit.owner).collect()
    }

    #[test]
    fn a_query_finds_the_person_in_either_script() {
        let index = index(&[
            &["آمال عبداللطيف المناعي"],
            &["Mohammed Abdullah Al-Kaabi"],
            &["محمد عبدالرحمن الكعبي", "Mohamed Abdulrahman Alkaabi"],
            &["سلوى الجابر"],
            &["سلمى المري"],
            &["سلمى الكبيسي"],
            &["سلوى العلي"],
        ]);
        assert_eq!(owners(&index, "آمال عبد اللطيف المناعي")[0], 0);
        assert_eq!(owners(&index, "محمد عبدالله الكعبي")[0], 1);
        assert_eq!(owners(&index, "Mohammed Abdulrahman Al Kaabi")[0], 2);
        // سلمى and سلوى are two names this population uses: two women, not a slip.
        assert!(!owners(&index, "سلمى الجابر").contains(&3));
    }

    #[test]
    fn removed_owners_are_not_found_and_the_count_follows() {
        let mut index = index(&[&["هدى نجيب الحربي"], &["هدى نجيب الحربي"]]);
        assert_eq!(index.len(), 2);
        index.remove(0);
        assert_eq!(owners(&index, "هدى نجيب الحربي"), [1]);
        assert_eq!(index.len(), 1);
        index.insert(0, &[Name::parse("Huda Najib Al-Harbi")]);
        assert_eq!(owners(&index, "هدى نجيب الحربي").len(), 2);
    }

    #[test]
    fn the_caller_filters_owners_before_the_limit() {
        let index = index(&[&["ريم القحطاني"], &["ريم القحطاني"], &["ريم القحطاني"]]);
        let hits =
            index.search(&Name::parse("ريم القحطاني"), SearchOptions { floor: 0.3, limit: 1 }, |owner| {
                owner == 2
            });
        assert_eq!(hits.iter().map(|hit| hit.owner).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn a_family_name_alone_finds_its_bearers() {
        let index = index(&[&["ريم القحطاني"], &["القحطاني"], &["سلوى الجابر"]]);
        let mut found = owners(&index, "القحطاني");
        found.sort_unstable();
        assert_eq!(found, [0, 1]);
    }
}
