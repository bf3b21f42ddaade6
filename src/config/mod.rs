//! The configuration: `gateway.toml`'s model, how it is loaded and checked, and its schema.

mod load;
mod locate;
mod model;
mod source;
mod suggest;
mod validate;
pub mod wrangler;

pub use load::{Loaded, load};
pub use locate::{ConfigPath, Located, Segment};
pub use model::*;
pub use source::{ColumnSource, Fact, is_header_name};
pub use suggest::did_you_mean;
pub use validate::KV_MIN_TTL_SECONDS;

/// The JSON schema of `gateway.toml`, as committed in `schema/gateway.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Config);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
