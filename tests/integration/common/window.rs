//! Driving the real window's UI in egui_kittest: one home for stepping it
//! until background work (loads, histograms, checks) has delivered.

use egui_kittest::Harness;
use rasview::app::RasviewApp;

/// Steps the window until `done` (background threads deliver between
/// frames), failing with "`what` never came" after `limit_seconds`; then two
/// more steps, since a newly shown panel animates for a few frames.
pub fn step_until(
    harness: &mut Harness<'_, RasviewApp>,
    what: &str,
    limit_seconds: u64,
    done: impl Fn(&RasviewApp) -> bool,
) {
    let start = std::time::Instant::now();
    while !done(harness.state()) {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(
            start.elapsed().as_secs() < limit_seconds,
            "{what} never came"
        );
    }
    harness.run_steps(2);
}
