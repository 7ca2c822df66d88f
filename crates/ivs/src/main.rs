//! The `ivs` binary. All wiring lives in the library (`ivs::cli`) so the integration tests can use it.

fn main() -> std::process::ExitCode {
    limit_openmp_threads();
    ivs::cli::main()
}

/// Tesseract (through leptess) parallelises with OpenMP; on a small machine its threads fight the
/// worker pool and make each read ~4× slower (models-offline.md). OpenMP reads this variable once,
/// when it first starts, so it must be set before any thread exists: here, first thing in main.
/// An operator's own value is kept.
#[allow(unsafe_code)]
fn limit_openmp_threads() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
        // SAFETY: called at the top of main, before the runtime or any other thread is started,
        // so no other thread can read or write the environment concurrently.
        unsafe { std::env::set_var("OMP_THREAD_LIMIT", "1") };
    }
}
