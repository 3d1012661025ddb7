//! One-shot work off the UI thread (loading a file, writing an export): the
//! window stays responsive and shows progress while a big file inflates.

use crate::volume::{self, LoadOptions, Volume};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

/// A load (or an export) in progress, and what is made of its result on
/// the same thread.
pub struct PendingLoad<T = Volume> {
    pub path: PathBuf,
    /// What the thread does, as a verb: "loading", "exporting".
    doing: &'static str,
    progress: Arc<AtomicU32>,
    result: Receiver<Result<T, String>>,
}

/// The job that loads `path`, reporting its progress: what a file load runs
/// on its thread, before anything that is made of the volume.
pub fn load_job(path: PathBuf) -> impl FnOnce(&dyn Fn(f32)) -> Result<Volume, String> + Send {
    load_job_with(path, LoadOptions::default())
}

/// The job that loads `path` with `options` (one DICOM series, say).
pub fn load_job_with(
    path: PathBuf,
    options: LoadOptions,
) -> impl FnOnce(&dyn Fn(f32)) -> Result<Volume, String> + Send {
    move |report| volume::load_reporting(&path, &options, report).map_err(|e| e.to_string())
}

/// Wakes the UI about every 2 percent of progress, not on every chunk: the
/// step is measured from the last wake, so many small chunks (1 MiB of a
/// 1 GiB file is 0.1 %) still add up to a wake.
#[derive(Default)]
struct WakeThrottle {
    last_woken: std::cell::Cell<f32>,
}

impl WakeThrottle {
    const STEP: f32 = 0.02;

    fn should_wake(&self, fraction: f32) -> bool {
        let wake = (fraction - self.last_woken.get()).abs() > Self::STEP || fraction >= 1.0;
        if wake {
            self.last_woken.set(fraction);
        }
        wake
    }
}

impl<T: Send + 'static> PendingLoad<T> {
    /// Runs `job` on a thread named after what it is `doing` ("loading",
    /// "exporting"); `path` names what it works on, and `job` reports its
    /// progress as a fraction. `wake` is called when it is done and as it
    /// progresses, so the window can repaint.
    pub fn run(
        doing: &'static str,
        path: PathBuf,
        wake: impl Fn() + Send + 'static,
        job: impl FnOnce(&dyn Fn(f32)) -> Result<T, String> + Send + 'static,
    ) -> Self {
        let progress = Arc::new(AtomicU32::new(0));
        let (send, result) = channel();
        let thread_progress = progress.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("rasview-{doing}"))
            .spawn(move || {
                let throttle = WakeThrottle::default();
                let report = |fraction: f32| {
                    thread_progress.store(fraction.to_bits(), Ordering::Relaxed);
                    if throttle.should_wake(fraction) {
                        wake();
                    }
                };
                let _ = send.send(job(&report));
                wake();
            });
        if let Err(e) = spawned {
            let (send, result) = channel();
            let _ = send.send(Err(format!("could not start a thread for {doing}: {e}")));
            return PendingLoad {
                path,
                doing,
                progress,
                result,
            };
        }
        PendingLoad {
            path,
            doing,
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
                "{} {} stopped without a result",
                self.doing,
                self.path.display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    /// A 1 GiB file read in 1 MiB chunks reports 0.1 % at a time; the window
    /// must still be woken about every 2 %, not only at the end.
    #[test]
    fn a_big_load_wakes_the_window_as_it_progresses() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counted = wakes.clone();
        let pending = PendingLoad::run(
            "loading",
            PathBuf::from("big.nii"),
            move || {
                counted.fetch_add(1, Ordering::SeqCst);
            },
            move |report: &dyn Fn(f32)| {
                let chunks = 1024;
                for chunk in 1..=chunks {
                    report(chunk as f32 / chunks as f32);
                }
                Ok(())
            },
        );
        let start = Instant::now();
        let mut result = None;
        while result.is_none() && start.elapsed() < Duration::from_secs(10) {
            result = pending.poll();
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(result, Some(Ok(())), "the job finished");
        let wakes = wakes.load(Ordering::SeqCst);
        // 2 % steps over the whole range, plus the wake at the end.
        assert!(
            (45..=60).contains(&wakes),
            "{wakes} wakes for 1024 chunks; expected about one per 2 %"
        );
    }

    /// The same through the real loader on a real 200 MiB file: the bar
    /// moves (the window is woken) many times, not once at the end.
    #[test]
    fn loading_a_200_mib_file_wakes_the_window_more_than_ten_times() {
        use crate::volume::{save, RawHeader, Voxels};
        let dir = std::env::temp_dir().join(format!("rasview-loader-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.nii");
        let shape = [640, 640, 512];
        let voxels = Voxels::U8(vec![7; shape.iter().product()]);
        let header = RawHeader {
            sform_code: 1,
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            ..RawHeader::default()
        };
        save::save(&path, &header, &voxels, shape, 1).unwrap();
        drop(voxels);
        let wakes = Arc::new(AtomicUsize::new(0));
        let counted = wakes.clone();
        let pending = PendingLoad::run(
            "loading",
            path.clone(),
            move || {
                counted.fetch_add(1, Ordering::SeqCst);
            },
            load_job(path),
        );
        let start = Instant::now();
        let mut loaded = None;
        while loaded.is_none() && start.elapsed() < Duration::from_secs(60) {
            loaded = pending.poll();
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = std::fs::remove_dir_all(&dir);
        let volume = loaded.expect("the load finished").unwrap();
        assert_eq!(volume.voxels.len(), 640 * 640 * 512);
        let wakes = wakes.load(Ordering::SeqCst);
        assert!(wakes > 10, "{wakes} wakes while 200 MiB loaded");
    }
}
