//! rasview's entry point: a subcommand runs headless; no subcommand opens the window.

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(code) = rasview::cli::run_from_args() {
        return code;
    }
    eprintln!(
        "rasview: give a subcommand (try `rasview --help`); the viewer window is not built yet"
    );
    ExitCode::from(rasview::cli::EXIT_USAGE)
}
