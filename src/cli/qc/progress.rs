//! The terminal's view of a run: a progress bar with counts and time left
//! on a terminal (indicatif), one line per finished entry otherwise (a CI
//! log, a Snakemake job log), and each failure named as it happens.

use super::record::{EntryRecord, Verdict};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Progress {
    bar: ProgressBar,
    total: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
    not_aligned: AtomicUsize,
    reused: AtomicUsize,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} entries, {msg} ({eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(250));
        let progress = Progress {
            bar,
            total,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            not_aligned: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
        };
        progress.bar.set_message(progress.counts());
        progress
    }

    pub fn finished(&self, record: &EntryRecord) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        match record.verdict {
            Verdict::Failed => self.failed.fetch_add(1, Ordering::SeqCst),
            Verdict::NotAligned => self.not_aligned.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
        if record.reused {
            self.reused.fetch_add(1, Ordering::SeqCst);
        }
        let line = format!(
            "[{n}/{}] {}: {}{}",
            self.total,
            record.name,
            record.verdict.word(),
            match (&record.error, record.reused) {
                (Some(e), _) => format!(": {e}"),
                (None, true) => " (reused)".to_string(),
                (None, false) => format!(" ({:.1} s)", record.seconds),
            }
        );
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else if record.verdict <= Verdict::NotAligned {
            // Problems stay on screen above the bar.
            self.bar.println(line);
        }
        self.bar.set_message(self.counts());
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn counts(&self) -> String {
        format!(
            "{} failed, {} not aligned, {} reused",
            self.failed.load(Ordering::SeqCst),
            self.not_aligned.load(Ordering::SeqCst),
            self.reused.load(Ordering::SeqCst)
        )
    }
}
