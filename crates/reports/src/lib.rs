//! Sila's documents. The court report of a court order: its content and canonical
//! JSON, and [`court::verify`], which proves offline — from the file alone and the
//! centre's audit key — that nothing in it was altered since it was issued; and, with
//! the `pdf` feature, the same report as an Arabic PDF typeset by Typst.

#![deny(missing_docs)]

pub mod court;
pub mod dates;
#[cfg(feature = "pdf")]
pub mod pdf;
