//! Placeholder.
pub fn run() {}
