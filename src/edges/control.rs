//! Cancellation and progress for long computations.

/// Returned when a newer request made this one stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// The stages of an edge run, in order. Each is reported as it ends, with
/// the fraction of the run done by then; `rasview bench edges` names its
/// timings by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The input read once for its floor and missing values.
    InputScan,
    Smoothing,
    /// The difference of Gaussians' second, wider smoothing.
    WideSmoothing,
    Gradient,
    /// Quantile thresholds (and the plot's histogram) found.
    Thresholds,
    NonMaximumSuppression,
    Hysteresis,
    /// Any detector's run is over.
    Finished,
    /// Slice mode: another batch of slices done (each slice is a whole
    /// detection of its own, reported nowhere).
    Slices,
}

impl Phase {
    /// A whole-block Canny run's phases, in the order they end.
    pub const CANNY: [Phase; 6] = [
        Phase::InputScan,
        Phase::Smoothing,
        Phase::Gradient,
        Phase::Thresholds,
        Phase::NonMaximumSuppression,
        Phase::Hysteresis,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::InputScan => "input scan",
            Phase::Smoothing => "smoothing",
            Phase::WideSmoothing => "wide smoothing",
            Phase::Gradient => "gradient",
            Phase::Thresholds => "quantiles",
            Phase::NonMaximumSuppression => "non-maximum suppression",
            Phase::Hysteresis => "hysteresis",
            Phase::Finished => "finished",
            Phase::Slices => "slices",
        }
    }

    /// The fraction of a whole-block run done when this phase begins: where
    /// the previous Canny phase ended.
    pub fn starts_at(self) -> f32 {
        if self == Phase::WideSmoothing {
            return Phase::Smoothing.ends_at();
        }
        match Phase::CANNY.iter().position(|&p| p == self) {
            Some(i) if i > 0 => Phase::CANNY[i - 1].ends_at(),
            _ => 0.0,
        }
    }

    /// The fraction of a whole-block run done when this phase ends, from
    /// the phases' measured shares of a 3D run. Slices report their own.
    pub fn ends_at(self) -> f32 {
        match self {
            Phase::InputScan | Phase::Slices => 0.0,
            Phase::Smoothing => 0.3,
            // Then the crossings, reported as the run's end.
            Phase::WideSmoothing => 0.6,
            Phase::Gradient => 0.5,
            Phase::Thresholds => 0.6,
            Phase::NonMaximumSuppression => 0.8,
            Phase::Hysteresis | Phase::Finished => 1.0,
        }
    }
}

/// What a running computation may ask and tell.
pub struct Control<'a> {
    /// True when a newer request has come: stop as soon as possible.
    pub is_stale: &'a (dyn Fn() -> bool + Sync),
    /// The phase that just ended and the fraction of the run done, 0 to 1.
    pub progress: &'a (dyn Fn(Phase, f32) + Sync),
}

impl Control<'_> {
    /// Never stale, reports nowhere: for batch work.
    pub fn none() -> Control<'static> {
        Control {
            is_stale: &|| false,
            progress: &|_, _| {},
        }
    }

    pub fn check(&self) -> Result<(), Cancelled> {
        if (self.is_stale)() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Reports that `phase` of a whole-block run has ended.
    pub fn ended(&self, phase: Phase) {
        (self.progress)(phase, phase.ends_at());
    }
}
