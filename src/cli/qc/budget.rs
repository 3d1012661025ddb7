//! The memory the entries running at once may use together: a counting
//! semaphore weighted in bytes. Entries are admitted in the order they ask
//! (a ticket queue), so a large one is not passed over forever by small ones.

use std::sync::{Condvar, Mutex};

pub struct MemoryBudget {
    capacity: u64,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    used: u64,
    /// The ticket given to the next request, and the one served next.
    next_ticket: u64,
    serving: u64,
    /// The most held at once, for the summary.
    peak: u64,
}

/// Bytes held from the budget; given back when dropped.
pub struct Reservation<'a> {
    budget: &'a MemoryBudget,
    bytes: u64,
}

impl MemoryBudget {
    pub fn new(capacity: u64) -> Self {
        MemoryBudget {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The most reserved at once so far.
    pub fn peak(&self) -> u64 {
        self.lock().peak
    }

    /// Waits for its turn and for `bytes` to be free. A request larger than
    /// the whole budget waits until nothing else runs, then runs alone.
    pub fn acquire(&self, bytes: u64) -> Reservation<'_> {
        let bytes = bytes.min(self.capacity);
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        while state.serving != ticket || state.used + bytes > self.capacity {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state.serving += 1;
        state.used += bytes;
        state.peak = state.peak.max(state.used);
        drop(state);
        // The next ticket may fit beside this one.
        self.changed.notify_all();
        Reservation {
            budget: self,
            bytes,
        }
    }

    fn release(&self, bytes: u64) {
        self.lock().used -= bytes;
        self.changed.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A worker that panicked held no invariant half-changed.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Reservation<'_> {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Holds `bytes` instead, once the entry knows what it needs. Shrinking
    /// gives the difference back. Growing takes it at once when it is free;
    /// otherwise the entry gives back all it holds and queues for the whole
    /// amount, so no one ever waits while holding part of the budget (two
    /// entries each waiting for the other's share would wait forever).
    pub fn resize(&mut self, bytes: u64) {
        let budget = self.budget;
        let bytes = bytes.min(budget.capacity);
        if bytes <= self.bytes {
            budget.release(self.bytes - bytes);
            self.bytes = bytes;
            return;
        }
        {
            let mut state = budget.lock();
            let nobody_waiting = state.serving == state.next_ticket;
            let extra = bytes - self.bytes;
            if nobody_waiting && state.used + extra <= budget.capacity {
                state.used += extra;
                state.peak = state.peak.max(state.used);
                self.bytes = bytes;
                return;
            }
        }
        budget.release(std::mem::take(&mut self.bytes));
        let again = budget.acquire(bytes);
        self.bytes = again.bytes;
        std::mem::forget(again);
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.budget.release(self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    #[test]
    fn holders_never_exceed_the_capacity() {
        let budget = MemoryBudget::new(100);
        let held = AtomicU64::new(0);
        let most = AtomicU64::new(0);
        std::thread::scope(|s| {
            for i in 0..8u64 {
                let (budget, held, most) = (&budget, &held, &most);
                s.spawn(move || {
                    for round in 0..20u64 {
                        let first = 10 + (i * 7 + round * 13) % 60;
                        let mut r = budget.acquire(first);
                        let now = held.fetch_add(r.bytes(), Ordering::SeqCst) + r.bytes();
                        most.fetch_max(now, Ordering::SeqCst);
                        held.fetch_sub(r.bytes(), Ordering::SeqCst);
                        // Learn the real need, larger or smaller.
                        r.resize(5 + (i * 11 + round * 3) % 90);
                        let now = held.fetch_add(r.bytes(), Ordering::SeqCst) + r.bytes();
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_micros(200));
                        held.fetch_sub(r.bytes(), Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 100);
        assert!(
            most.load(Ordering::SeqCst) > 60,
            "entries did run side by side"
        );
        assert_eq!(budget.lock().used, 0);
        assert!(budget.peak() <= 100);
    }

    #[test]
    fn a_request_over_the_capacity_runs_alone() {
        let budget = MemoryBudget::new(50);
        let small = budget.acquire(10);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let big = budget.acquire(500);
                assert_eq!(big.bytes(), 50);
                // Read before `big` gives its share back (that takes the lock).
                let used = budget.lock().used;
                used
            });
            std::thread::sleep(Duration::from_millis(50));
            assert!(!waiter.is_finished(), "it waits while another holds memory");
            drop(small);
            assert_eq!(waiter.join().unwrap(), 50);
        });
    }
}
