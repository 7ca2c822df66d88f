//! Hidden helpers for benchmarks and tests:
//! - `ivs bench hello`: a bare axum hello-world server, the baseline that `bench/api_status.sh`
//!   measures next to `/api/v2/status` in the same run;
//! - `ivs bench threads IMAGE`: reads the MRZ of a photo and prints how many threads the process
//!   has afterwards (`{"threads": N}`), so a test can tell that Tesseract's OpenMP runs on one.
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Serve `GET /` → "Hello, World!" on the same runtime and axum version as `ivs serve`.
    Hello {
        #[arg(long, default_value = "127.0.0.1:18181")]
        listen: String,
    },
    /// Read one photo's MRZ and print the number of threads the process has afterwards.
    Threads {
        image: PathBuf,
        /// Directory holding `mrz.traineddata`.
        #[arg(long, env = "IVS_TESSDATA", default_value = "models/tessdata")]
        tessdata: PathBuf,
    },
}

pub fn run(cmd: BenchCmd) -> ExitCode {
    let listen = match cmd {
        BenchCmd::Hello { listen } => listen,
        BenchCmd::Threads { image, tessdata } => return threads(&image, &tessdata),
    };
    let served = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| {
            rt.block_on(async {
                let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
                let listener = tokio::net::TcpListener::bind(&listen).await?;
                axum::serve(listener, app)
                    .with_graceful_shutdown(crate::app::shutdown_signal())
                    .await?;
                Ok(())
            })
        });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Linux lists a process's threads under /proc/self/task; the main thread is one of them.
fn threads(image: &std::path::Path, tessdata: &std::path::Path) -> ExitCode {
    let counted = (|| -> anyhow::Result<usize> {
        let bytes = std::fs::read(image)?;
        let today = ivs_mrz::Date::new(2026, 1, 1).context("a valid date")?;
        let reader = ivs_doc::reader::TessReader::new(tessdata, today)?;
        let reading = reader.read_bytes(&bytes)?;
        anyhow::ensure!(!reading.lines.is_empty(), "no MRZ lines were read");
        Ok(std::fs::read_dir("/proc/self/task")?.count())
    })();
    match counted {
        Ok(n) => {
            println!("{}", serde_json::json!({ "threads": n }));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
