//! Cancellation and progress for long computations.

/// Returned when a newer request made this one stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// What a running computation may ask and tell.
pub struct Control<'a> {
    /// True when a newer request has come: stop as soon as possible.
    pub is_stale: &'a (dyn Fn() -> bool + Sync),
    /// Fraction done, 0 to 1.
    pub progress: &'a (dyn Fn(f32) + Sync),
}

impl Control<'_> {
    /// Never stale, reports nowhere: for batch work.
    pub fn none() -> Control<'static> {
        Control {
            is_stale: &|| false,
            progress: &|_| {},
        }
    }

    pub fn check(&self) -> Result<(), Cancelled> {
        if (self.is_stale)() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}
