//! A progress line on stderr while reports are read, for long local runs (issue 6).
//!
//! Only on a terminal, never with `--quiet`, and only once reading has taken longer than
//! [`DELAY`]: a quick run (nearly all of them) prints nothing, and CI logs (not a terminal)
//! never see it. The line is redrawn in place (`\r`) each second with the elapsed time and
//! ends with `done`. No dependency: one thread and a channel.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long reading must take before the line appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// A running progress line; [`Progress::finish`] ends it.
pub struct Progress {
    inner: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Progress {
    /// A progress line that never shows.
    pub fn disabled() -> Progress {
        Progress { inner: None }
    }

    /// Starts the line for reading `files` files of `bytes` bytes in all, drawn on stderr
    /// after [`DELAY`].
    pub fn on_stderr(files: usize, bytes: u64) -> Progress {
        Progress::start(Box::new(std::io::stderr()), files, bytes, DELAY)
    }

    /// Starts the line on `out` after `delay` (tests pass their own writer and delay).
    pub fn start(
        mut out: Box<dyn Write + Send>,
        files: usize,
        bytes: u64,
        delay: Duration,
    ) -> Progress {
        let (tx, rx) = mpsc::channel::<()>();
        let label = format!(
            "scangate: reading {files} report{} ({})…",
            if files == 1 { "" } else { "s" },
            human_bytes(bytes)
        );
        let handle = std::thread::spawn(move || {
            let started = Instant::now();
            // Nothing at all unless reading outlasts the delay.
            match rx.recv_timeout(delay) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            loop {
                // Write errors are ignored: progress is decoration, never a failure.
                let _ = write!(
                    out,
                    "\r{label} {}s",
                    started.elapsed().as_secs().max(delay.as_secs())
                );
                let _ = out.flush();
                match rx.recv_timeout(Duration::from_secs(1)) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            let _ = writeln!(
                out,
                "\r{label} done in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            let _ = out.flush();
        });
        Progress {
            inner: Some((tx, handle)),
        }
    }

    /// Ends the line (prints `done` if it was showing) and waits for it, so nothing is drawn
    /// after this returns.
    pub fn finish(self) {
        if let Some((tx, handle)) = self.inner {
            let _ = tx.send(());
            let _ = handle.join();
        }
    }
}

/// `1.2 GiB`, `340.0 MiB`, `12 B`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("lock").clone()).expect("UTF-8")
        }
    }

    #[test]
    fn a_quick_run_prints_nothing() {
        let out = Shared::default();
        let p = Progress::start(Box::new(out.clone()), 3, 2048, Duration::from_secs(60));
        p.finish();
        assert_eq!(out.text(), "");
    }

    #[test]
    fn a_long_run_shows_the_line_then_done() {
        let out = Shared::default();
        let p = Progress::start(Box::new(out.clone()), 40, 1_288_490_189, Duration::ZERO);
        std::thread::sleep(Duration::from_millis(50));
        p.finish();
        let text = out.text();
        assert!(
            text.starts_with("\rscangate: reading 40 reports (1.2 GiB)… 0s"),
            "{text:?}"
        );
        assert!(text.contains("done in "), "{text:?}");
        assert!(text.ends_with("s\n"), "{text:?}");
    }

    #[test]
    fn sizes_are_binary_units() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(340 * 1024 * 1024), "340.0 MiB");
        assert_eq!(human_bytes(2 * 1024 * 1024 * 1024), "2.0 GiB");
    }
}
