//! The `ivs` binary. All wiring lives in the library (`ivs::run`) so the integration tests can use it.

fn main() -> std::process::ExitCode {
    ivs::cli::main()
}
