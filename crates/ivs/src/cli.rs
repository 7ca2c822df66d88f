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
    /// Document-photo tools (synthetic documents).
    #[command(subcommand)]
    Doc(crate::doc_cmd::DocCommand),
    /// Score an MRZ reader against a directory with truth.json (temporary name of `ivs mrz eval`).
    #[command(name = "mrz-eval")]
    MrzEval(crate::mrz_eval_cmd::MrzEvalArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("ivs {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Doc(cmd) => crate::doc_cmd::run(cmd),
        Command::MrzEval(args) => crate::mrz_eval_cmd::run(&args),
    }
}
