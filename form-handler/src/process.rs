//! How the binaries run: their `main` on one multi-threaded tokio runtime, and an error as
//! `error: …` on standard error with exit code 2.

use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;

/// Runs `main` to its end and turns its result into the process's exit code.
pub fn run_main<E: Display>(main: impl Future<Output = Result<ExitCode, E>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(main) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
