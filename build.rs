//! Chooses the configuration the Worker embeds: `GATEWAY_CONFIG` (a path relative to the
//! crate root), default `gateway.toml`. The Worker reads it with `include_str!`, so a changed
//! file or variable rebuilds it.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=GATEWAY_CONFIG");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let chosen = std::env::var("GATEWAY_CONFIG").unwrap_or_else(|_| "gateway.toml".into());
    let path = root.join(&chosen);
    println!("cargo:rerun-if-changed={}", path.display());
    println!("cargo:rustc-env=GATEWAY_CONFIG_PATH={}", path.display());
    println!("cargo:rustc-env=GATEWAY_CONFIG_NAME={chosen}");
}
