//! The `ivs` binary. All wiring lives in the library (`ivs::cli`) so the integration tests can use it.

fn main() -> std::process::ExitCode {
    if let Some(why) = limit_openmp_threads() {
        eprintln!("warning: could not restart with OMP_THREAD_LIMIT=1 ({why}); MRZ reads may be slow");
    }
    ivs::cli::main()
}

/// Tesseract (through leptess) parallelises with OpenMP; on a small machine its spinning threads
/// fight the worker pool and make each read several times slower (docs/benchmarks.md). libgomp
/// reads `OMP_THREAD_LIMIT` when it is loaded, before `main` runs, so setting the variable here
/// would come too late: the process starts itself again with the variable set instead. An
/// operator's own value is kept. Returns why the restart failed (it returns only then).
#[cfg(unix)]
fn limit_openmp_threads() -> Option<std::io::Error> {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return None;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Some(e),
    };
    let mut args = std::env::args_os();
    let mut cmd = std::process::Command::new(exe);
    if let Some(argv0) = args.next() {
        cmd.arg0(argv0);
    }
    Some(cmd.args(args).env("OMP_THREAD_LIMIT", "1").exec())
}

#[cfg(not(unix))]
fn limit_openmp_threads() -> Option<std::io::Error> {
    None
}
