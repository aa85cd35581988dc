//! Reading what a run of the `scangate` binary left behind.

use std::process::Output;

/// The exit code; a run killed by a signal (a crash) fails the test with its stderr.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or_else(|| {
        panic!(
            "scangate was killed by a signal ({:?}): {}",
            o.status,
            stderr(o)
        )
    })
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
