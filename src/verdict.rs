//! Verdict (being written).
