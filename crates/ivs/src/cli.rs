//! Command-line interface.
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "ivs",
    version,
    about = "Self-hosted identity verification server (iDenfy v2 compatible)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the version.
    Version,
    /// Machine-readable zone (ICAO 9303) tools.
    Mrz {
        #[command(subcommand)]
        command: crate::mrz_cmd::MrzCommand,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("ivs {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Mrz { command } => crate::mrz_cmd::run(command),
    }
}
