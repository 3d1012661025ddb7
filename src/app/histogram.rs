//! The intensity histogram of the frame on screen, counted on a thread of
//! its own whenever the frame changes (a 512^3 volume counted on the UI
//! thread froze the window for seconds), and drawn once it is ready.

use super::state::LoadedVolume;
use crate::edges::Histogram;
use std::sync::mpsc::{channel, Receiver};

/// Bins across the frame's value range.
const BINS: usize = 128;

/// The histogram of one frame generation, or the one being counted.
#[derive(Default)]
pub struct IntensityHistogram {
    ready: Option<(u64, Histogram)>,
    counting: Option<(u64, Receiver<Option<Histogram>>)>,
}

impl IntensityHistogram {
    /// Starts counting when the frame on screen has changed, and takes a
    /// finished count. `wake` repaints the window when it is ready.
    pub fn update(&mut self, loaded: Option<&LoadedVolume>, wake: impl Fn() + Send + 'static) {
        if let Some((generation, receiver)) = &self.counting {
            match receiver.try_recv() {
                Ok(histogram) => {
                    self.ready = histogram.map(|h| (*generation, h));
                    self.counting = None;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.counting = None,
                Err(std::sync::mpsc::TryRecvError::Empty) => {}
            }
        }
        let Some(l) = loaded else { return };
        let known = |g: Option<u64>| g == Some(l.generation);
        if known(self.ready.as_ref().map(|r| r.0)) || known(self.counting.as_ref().map(|c| c.0)) {
            return;
        }
        if !l.range.has_values() {
            self.ready = None;
            return;
        }
        // A constant frame still gets one visible bar.
        let (lo, hi) = (l.range.min, l.range.max.max(l.range.min + 1e-6));
        let frame = l.frame.clone();
        let (send, receive) = channel();
        let spawned = std::thread::Builder::new()
            .name("rasview-histogram".into())
            .spawn(move || {
                let values = crate::volume::storage_order(&frame);
                let _ = send.send(Histogram::equal_width(&values, lo, hi, BINS));
                wake();
            });
        // Without a thread there is no histogram; the window goes on.
        if spawned.is_ok() {
            self.counting = Some((l.generation, receive));
        }
    }

    /// The histogram of frame generation `generation`, once counted.
    pub fn of(&self, generation: u64) -> Option<&Histogram> {
        self.ready
            .as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, h)| h)
    }

    /// True while a count runs (tests wait for it).
    pub fn is_counting(&self) -> bool {
        self.counting.is_some()
    }
}
