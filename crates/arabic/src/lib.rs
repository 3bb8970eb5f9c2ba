//! Arabic text for Sila: the stored form of what people type, and the normalised form
//! that matching and search work on (`ARABIC.md` at the design root).
//!
//! Nothing here does I/O or reads a clock: every function is a pure mapping from text to
//! text, so that search keys computed today equal the keys computed at insert time.

#![deny(missing_docs)]

mod normalize;

pub use normalize::{normalize, search_key, stored_form};
