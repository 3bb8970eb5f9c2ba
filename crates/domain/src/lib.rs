//! Sila's model and rules, with no I/O: the records of `ARCHITECTURE.md` as validated types,
//! the referral lifecycle, risk scoring, consent and protocol checks, and the canonical
//! encoding of audit records.
//!
//! Time, randomness and the acting user are always parameters: nothing here reads a
//! clock or a random source, so every rule is deterministic and tested as a table.

#![deny(missing_docs)]

/// An enumeration of stable codes: the variants, `ALL`, `code()` and `parse()` (an empty
/// code is `Required`, another unknown one `UnknownValue`).
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code.
            pub fn code(&self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The value for a code.
            pub fn parse(code: &str) -> Result<$name, $crate::error::Problem> {
                match code.trim() {
                    $($code => Ok($name::$variant),)+
                    "" => Err($crate::error::Problem::Required),
                    _ => Err($crate::error::Problem::UnknownValue),
                }
            }
        }
    };
}

pub mod agency;
pub mod audit;
pub mod case;
pub mod casework;
pub mod consent;
pub mod contact;
mod country_table;
pub mod court;
pub mod engagement;
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
