//! rasview's entry point: a subcommand runs headless; no subcommand opens the window.

use rasview::cli::{self, Request};
use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run_from_args() {
        Request::Done(code) => code,
        Request::Window { file, screenshot } => open_window(file, screenshot),
    }
}

#[cfg(feature = "gui")]
fn open_window(
    file: Option<std::path::PathBuf>,
    screenshot: Option<std::path::PathBuf>,
) -> ExitCode {
    rasview::app::run(file, screenshot)
}

#[cfg(not(feature = "gui"))]
fn open_window(_: Option<std::path::PathBuf>, _: Option<std::path::PathBuf>) -> ExitCode {
    eprintln!("rasview: this build has no window (built without the `gui` feature); give a subcommand, see --help");
    ExitCode::from(cli::EXIT_USAGE)
}
