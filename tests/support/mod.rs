//! Support code shared by integration tests.

pub mod fake_github;
