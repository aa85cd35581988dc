//! Placeholder: the zap parser is being written.

use super::{IngestError, ParseContext, ParsedReport};

pub fn parse(_bytes: &[u8], _ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    Err(IngestError::Invalid {
        message: "the zap parser is not implemented yet".into(),
    })
}
