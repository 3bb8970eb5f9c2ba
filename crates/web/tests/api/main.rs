//! The HTTP API, in process through the router, on SQLite and on PostgreSQL: the
//! acceptance walk of the referral loop, its rules, person matching, and bad input.

mod accounts;
mod admin;
mod alerts;
mod casework;
mod centre_first;
mod client;
mod court;
mod engagement;
mod handoff;
mod input;
mod matching;
mod records;
mod rules;
mod security;
mod server;
mod walk;
