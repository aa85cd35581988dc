//! Support code shared by integration tests.

// Each test binary uses its own part of this code.
#![allow(dead_code)]

pub mod fake_github;
pub mod output;
