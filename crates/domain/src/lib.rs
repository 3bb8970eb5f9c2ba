//! Sila's model and rules, with no I/O: the records of `SYSTEM.md` as validated types,
//! the referral lifecycle, risk scoring, consent and protocol checks, and the canonical
//! encoding of audit records.
//!
//! Time, randomness and the acting user are always parameters: nothing here reads a
//! clock or a random source, so every rule is deterministic and tested as a table.

#![deny(missing_docs)]

pub mod agency;
pub mod audit;
pub mod case;
pub mod consent;
mod country_table;
pub mod error;
pub mod ids;
pub mod matching;
pub mod merkle;
pub mod person;
pub mod phone;
pub mod protocol;
pub mod qid;
pub mod referral;
pub mod risk;
pub mod text;
pub mod time;

pub use error::{FieldError, Problem};
