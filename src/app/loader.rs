//! Loading off the UI thread: the window stays responsive and shows progress
//! while a big file inflates.

use crate::volume::{self, LoadOptions, Volume};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

/// A load in progress.
pub struct PendingLoad {
    pub path: PathBuf,
    progress: Arc<AtomicU32>,
    result: Receiver<Result<Volume, String>>,
}

impl PendingLoad {
    /// Starts loading on a named thread; `wake` is called when it is done
    /// and as it progresses, so the window can repaint.
    pub fn start(path: PathBuf, wake: impl Fn() + Send + 'static) -> Self {
        let progress = Arc::new(AtomicU32::new(0));
        let (send, result) = channel();
        let thread_progress = progress.clone();
        let thread_path = path.clone();
        let spawned = std::thread::Builder::new()
            .name("rasview-load".into())
            .spawn(move || {
                let report = |fraction: f32| {
                    let before = thread_progress.swap(fraction.to_bits(), Ordering::Relaxed);
                    // Wake the UI about every 2 percent, not on every chunk.
                    if (fraction - f32::from_bits(before)).abs() > 0.02 || fraction >= 1.0 {
                        wake();
                    }
                };
                let loaded = volume::load_reporting(&thread_path, &LoadOptions::default(), &report)
                    .map_err(|e| e.to_string());
                let _ = send.send(loaded);
                wake();
            });
        if let Err(e) = spawned {
            let (send, result) = channel();
            let _ = send.send(Err(format!("could not start a loading thread: {e}")));
            return PendingLoad {
                path,
                progress,
                result,
            };
        }
        PendingLoad {
            path,
            progress,
            result,
        }
    }

    pub fn progress(&self) -> f32 {
        f32::from_bits(self.progress.load(Ordering::Relaxed))
    }

    /// The result, once the thread has finished.
    pub fn poll(&self) -> Option<Result<Volume, String>> {
        match self.result.try_recv() {
            Ok(r) => Some(r),
            Err(std::sync::mpsc::TryRecvError::Empty) => None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Some(Err(format!(
                "loading {} stopped without a result",
                self.path.display()
            ))),
        }
    }
}
