//! Loading off the UI thread: the window stays responsive and shows progress
//! while a big file inflates.

use crate::volume::{self, LoadOptions, Volume};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

/// A load in progress, and what is made of the volume on the same thread.
pub struct PendingLoad<T = Volume> {
    pub path: PathBuf,
    progress: Arc<AtomicU32>,
    result: Receiver<Result<T, String>>,
}

/// The job that loads `path`, reporting its progress: what a file load runs
/// on its thread, before anything that is made of the volume.
pub fn load_job(path: PathBuf) -> impl FnOnce(&dyn Fn(f32)) -> Result<Volume, String> + Send {
    move |report| {
        volume::load_reporting(&path, &LoadOptions::default(), report).map_err(|e| e.to_string())
    }
}

impl PendingLoad<Volume> {
    /// Starts loading on a named thread; `wake` is called when it is done
    /// and as it progresses, so the window can repaint.
    pub fn start(path: PathBuf, wake: impl Fn() + Send + 'static) -> Self {
        Self::run(path.clone(), wake, load_job(path))
    }
}

impl<T: Send + 'static> PendingLoad<T> {
    /// Runs `job` on a named thread; `path` names what it works on, and
    /// `job` reports its progress as a fraction.
    pub fn run(
        path: PathBuf,
        wake: impl Fn() + Send + 'static,
        job: impl FnOnce(&dyn Fn(f32)) -> Result<T, String> + Send + 'static,
    ) -> Self {
        let progress = Arc::new(AtomicU32::new(0));
        let (send, result) = channel();
        let thread_progress = progress.clone();
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
                let _ = send.send(job(&report));
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
    pub fn poll(&self) -> Option<Result<T, String>> {
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
