//! One named background thread for long work, latest request wins: every
//! request carries a generation number, queued requests collapse to the
//! newest, running work sees `is_stale()` turn true as soon as a newer one
//! arrives, and only a result of the newest generation is handed out.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};

/// What a job gets to check and report while it runs.
pub struct JobContext<'a, Res> {
    pub generation: u64,
    latest: &'a AtomicU64,
    progress: &'a AtomicU32,
    deliver: &'a (dyn Fn(Res) + Sync),
}

impl<Res> JobContext<'_, Res> {
    /// Hands out a partial result now (the job goes on); dropped if stale.
    pub fn deliver_partial(&self, result: Res) {
        if !self.is_stale() {
            (self.deliver)(result);
        }
    }

    /// True once a newer request (or a cancel) has come.
    pub fn is_stale(&self) -> bool {
        self.latest.load(Ordering::Acquire) != self.generation
    }

    pub fn report_progress(&self, fraction: f32) {
        self.progress.store(fraction.to_bits(), Ordering::Relaxed);
    }
}

struct Shared<Req> {
    pending: Mutex<Option<(u64, Req)>>,
    wake: Condvar,
    latest: AtomicU64,
    progress: AtomicU32,
    running: AtomicU64,
}

/// A worker thread running `work` on the newest request.
pub struct Worker<Req, Res> {
    shared: Arc<Shared<Req>>,
    results: Receiver<(u64, Res)>,
    next_generation: u64,
    shutdown: Arc<std::sync::atomic::AtomicBool>,
}

impl<Req: Send + 'static, Res: Send + 'static> Worker<Req, Res> {
    /// Starts the thread. `work` returns `None` when it stopped early
    /// because it became stale; `on_result` runs on the worker thread after
    /// a result is queued (the window passes `request_repaint`).
    pub fn start(
        name: &str,
        work: impl Fn(Req, &JobContext<Res>) -> Option<Res> + Send + 'static,
        on_result: impl Fn() + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(None),
            wake: Condvar::new(),
            latest: AtomicU64::new(0),
            progress: AtomicU32::new(0),
            running: AtomicU64::new(0),
        });
        let shutdown = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (send, results): (Sender<(u64, Res)>, _) = channel();
        let thread_shared = shared.clone();
        let thread_shutdown = shutdown.clone();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || loop {
                let (generation, request) = {
                    let Ok(mut pending) = thread_shared.pending.lock() else {
                        return;
                    };
                    loop {
                        if thread_shutdown.load(Ordering::Acquire) {
                            return;
                        }
                        if let Some(job) = pending.take() {
                            break job;
                        }
                        pending = match thread_shared.wake.wait(pending) {
                            Ok(p) => p,
                            Err(_) => return,
                        };
                    }
                };
                thread_shared.running.store(generation, Ordering::Release);
                thread_shared
                    .progress
                    .store(0f32.to_bits(), Ordering::Relaxed);
                let deliver = |result: Res| {
                    if send.send((generation, result)).is_ok() {
                        on_result();
                    }
                };
                let context = JobContext {
                    generation,
                    latest: &thread_shared.latest,
                    progress: &thread_shared.progress,
                    deliver: &deliver,
                };
                let result = work(request, &context);
                thread_shared.running.store(0, Ordering::Release);
                if let Some(result) = result {
                    context.deliver_partial(result);
                }
            })?;
        Ok(Worker {
            shared,
            results,
            next_generation: 0,
            shutdown,
        })
    }

    /// Queues a request, replacing any queued one and making the running
    /// one stale. Returns its generation.
    pub fn submit(&mut self, request: Req) -> u64 {
        self.next_generation += 1;
        let generation = self.next_generation;
        self.shared.latest.store(generation, Ordering::Release);
        if let Ok(mut pending) = self.shared.pending.lock() {
            *pending = Some((generation, request));
        }
        self.shared.wake.notify_one();
        generation
    }

    /// Drops the queued request and makes the running one stale.
    pub fn cancel(&mut self) {
        self.next_generation += 1;
        self.shared
            .latest
            .store(self.next_generation, Ordering::Release);
        if let Ok(mut pending) = self.shared.pending.lock() {
            *pending = None;
        }
    }

    /// The newest result, if one has arrived; results of older generations
    /// are dropped.
    pub fn poll(&self) -> Option<(u64, Res)> {
        let latest = self.shared.latest.load(Ordering::Acquire);
        let mut newest = None;
        while let Ok((generation, result)) = self.results.try_recv() {
            if generation == latest {
                newest = Some((generation, result));
            }
        }
        newest
    }

    /// True while a job runs or waits.
    pub fn is_busy(&self) -> bool {
        let queued = self
            .shared
            .pending
            .lock()
            .map(|p| p.is_some())
            .unwrap_or(false);
        queued || self.shared.running.load(Ordering::Acquire) != 0
    }

    pub fn progress(&self) -> f32 {
        f32::from_bits(self.shared.progress.load(Ordering::Relaxed))
    }
}

impl<Req, Res> Drop for Worker<Req, Res> {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::Release);
        self.shared.latest.store(u64::MAX, Ordering::Release);
        self.shared.wake.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;
    use std::time::{Duration, Instant};

    fn wait_for<T>(worker: &Worker<u32, T>, limit: Duration) -> Option<(u64, T)>
    where
        T: Send + 'static,
    {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(r) = worker.poll() {
                return Some(r);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        None
    }

    #[test]
    fn only_the_newest_of_a_burst_is_delivered() {
        // Job 1 says it has started, then waits on a gate; 2 and 3 arrive
        // meanwhile; then the gate opens. Waiting for job 1 to say so, not
        // for a while, keeps 2 from replacing it in the queue on a busy
        // machine (the gate would then never open).
        let (gate_tx, gate_rx) = sync_channel::<()>(0);
        let gate = Mutex::new(gate_rx);
        let (started_tx, started_rx) = channel::<()>();
        let ran = Arc::new(Mutex::new(Vec::new()));
        let ran_in = ran.clone();
        let mut worker = Worker::start(
            "test-worker",
            move |n: u32, _ctx: &JobContext<u32>| {
                if n == 1 {
                    let _ = started_tx.send(());
                    let _ = gate.lock().unwrap().recv();
                }
                ran_in.lock().unwrap().push(n);
                Some(n * 10)
            },
            || {},
        )
        .unwrap();
        worker.submit(1);
        started_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("job 1 started");
        worker.submit(2);
        let third = worker.submit(3);
        gate_tx.send(()).unwrap();
        let (generation, result) = wait_for(&worker, Duration::from_secs(5)).expect("a result");
        assert_eq!((generation, result), (third, 30));
        std::thread::sleep(Duration::from_millis(30));
        assert!(worker.poll().is_none(), "nothing else is delivered");
        // Job 2 was replaced in the queue before it started.
        assert_eq!(*ran.lock().unwrap(), vec![1, 3]);
    }

    #[test]
    fn a_cancelled_job_delivers_nothing_and_stops_early() {
        let checks = Arc::new(AtomicU64::new(0));
        let checks_in = checks.clone();
        let mut worker = Worker::start(
            "test-cancel",
            move |_: u32, ctx: &JobContext<u32>| {
                for _ in 0..10_000 {
                    checks_in.fetch_add(1, Ordering::SeqCst);
                    if ctx.is_stale() {
                        return None;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                Some(1u32)
            },
            || {},
        )
        .unwrap();
        worker.submit(7);
        while checks.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        worker.cancel();
        let start = Instant::now();
        while worker.is_busy() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(!worker.is_busy(), "the job stopped");
        assert!(
            checks.load(Ordering::SeqCst) < 1000,
            "stopped within a few checks"
        );
        assert!(wait_for(&worker, Duration::from_millis(50)).is_none());
    }
}
