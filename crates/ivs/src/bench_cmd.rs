//! `ivs bench hello` (hidden): a bare axum hello-world server, the baseline that
//! `bench/api_status.sh` measures next to `/api/v2/status` in the same run.
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Serve `GET /` → "Hello, World!" on the same runtime and axum version as `ivs serve`.
    Hello {
        #[arg(long, default_value = "127.0.0.1:18181")]
        listen: String,
    },
}

pub fn run(cmd: BenchCmd) -> ExitCode {
    let BenchCmd::Hello { listen } = cmd;
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
