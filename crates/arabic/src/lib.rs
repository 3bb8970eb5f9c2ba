//! Arabic text for Sila: the stored form of what people type, the normalised form that
//! search works on, and the name matcher (`docs/MATCHING.md`).
//!
//! - [`stored_form`], [`normalize`], [`light_fold`]: text as stored and as compared.
//! - [`Name`]: a typed name cut into parts (titles, compounds, particles, the article).
//! - [`cross_cost`], [`latin_cost`]: how far apart two spellings of a part are by sound,
//!   across scripts or between Latin transliterations.
//! - [`Lexicon`]: the names a population uses and how often.
//! - [`compare`]: whether two names are one person's, with a score and the reasons.
//! - [`NameIndex`]: names of a whole population, searched by a name in either script.
//! - [`eval`]: precision, recall and F1 on labelled pairs of names.
//! - [`synth`]: invented persons with plausibly distributed names, for benchmarks.
//!
//! Nothing here does I/O or reads a clock: every function is a pure mapping, so that
//! search keys computed today equal the keys computed at insert time.

#![deny(missing_docs)]

pub mod eval;
mod index;
mod key;
mod lexicon;
mod name;
mod normalize;
mod phonetic;
mod score;
pub mod synth;
mod typing;

pub use index::{Hit, NameIndex, SearchOptions};
pub use key::{skeleton, skeletons};
pub use lexicon::Lexicon;
pub use name::{Name, Part, Script};
pub use normalize::{full_fold, light_fold, normalize, search_key, stored_form};
pub use phonetic::{LatinDistance, cross_cost, latin_cost};
pub use score::{Comparison, PartMatch, Role, THRESHOLD, Verdict, compare, part_similarity};
pub use typing::{Edit, OneEdit, neighbouring_keys, one_edit};
