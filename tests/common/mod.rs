//! What the integration tests share: where the crate's TOML files are. Every path is relative
//! to the crate root, so messages and snapshots read the same on every machine.

#![allow(dead_code)] // each test crate uses its own part of this

use std::fs;
use std::path::{Path, PathBuf};

/// The committed JSON schema.
pub const SCHEMA: &str = "schema/gateway.schema.json";

/// The crate root (where gateway.toml is).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The text of a file given relative to the crate root.
pub fn read(file: &Path) -> String {
    fs::read_to_string(root().join(file))
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", file.display()))
}

/// The `.toml` files in `dir` (relative to the crate root), sorted; never none, so a test over
/// them cannot pass by finding nothing.
pub fn toml_files(dir: &str) -> Vec<PathBuf> {
    let entries =
        fs::read_dir(root().join(dir)).unwrap_or_else(|err| panic!("cannot list {dir}: {err}"));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| Path::new(dir).join(entry.expect("a directory entry").file_name()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .toml files in {dir}");
    files
}

/// gateway.toml and the presets: the configurations an operator deploys.
pub fn presets() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("gateway.toml")];
    files.extend(toml_files("examples"));
    files
}

/// Every configuration the repository ships: the presets and the end-to-end suite's.
pub fn shipped_configs() -> Vec<PathBuf> {
    let mut files = presets();
    files.extend(toml_files("tests/e2e/configs"));
    files
}

/// Which checker an invalid fixture is meant to trip.
#[derive(Debug, Clone, Copy)]
pub enum Invalid {
    /// `tests/fixtures/invalid/schema/`: rejected by the JSON schema and the loader.
    Schema,
    /// `tests/fixtures/invalid/semantic/`: passes the schema, rejected by the loader.
    Semantic,
}

impl Invalid {
    /// The fixtures of this kind, each checked to open with the comment that says what is wrong.
    pub fn fixtures(self) -> Vec<PathBuf> {
        let dir = match self {
            Invalid::Schema => "tests/fixtures/invalid/schema",
            Invalid::Semantic => "tests/fixtures/invalid/semantic",
        };
        let files = toml_files(dir);
        for file in &files {
            let first = read(file).lines().next().unwrap_or_default().to_string();
            assert!(
                first.starts_with("# Invalid: "),
                "{}: the first line must be `# Invalid: <what is wrong>`",
                file.display()
            );
        }
        files
    }
}

/// A path as text with `/` separators, for messages and snapshot names.
pub fn display(file: &Path) -> String {
    file.to_string_lossy().replace('\\', "/")
}
