//! rasview's entry point: a subcommand runs headless; no subcommand opens the window.

use rasview::cli::{self, Request, WindowRequest};
use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run_from_args() {
        Request::Done(code) => code,
        Request::Window(request) => open_window(request),
    }
}

#[cfg(feature = "gui")]
fn open_window(request: WindowRequest) -> ExitCode {
    rasview::app::run(rasview::app::StartUp {
        file: request.file,
        screenshot: request.screenshot,
        scroll_benchmark: request.scroll_benchmark,
        benchmark_exports: request.benchmark_exports,
        edges: request.edges,
        overlays: request.overlays,
    })
}

#[cfg(not(feature = "gui"))]
fn open_window(_: WindowRequest) -> ExitCode {
    eprintln!("rasview: this build has no window (built without the `gui` feature); give a subcommand, see --help");
    ExitCode::from(cli::EXIT_USAGE)
}
