//! `sila`: the one binary — `serve`, `demo`, `migrate`, `match` and `user` administration. This
//! file only reads configuration, sets up logging and wires the crates together.

mod cli;
mod config;
mod keys;
mod matching;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let command = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sila: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sila: {error:#}");
            ExitCode::FAILURE
        }
    }
}
