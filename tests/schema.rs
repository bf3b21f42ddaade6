//! The JSON schema: the committed file is what the model generates, every shipped
//! configuration points at it and satisfies it, and the invalid fixtures split honestly
//! between what the schema catches and what only the loader does.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;

use common::{Invalid, SCHEMA, display, read, root, shipped_configs};
use organized_gateway::config;

#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = config::schema_json();
    let committed = std::fs::read_to_string(root().join(SCHEMA)).unwrap_or_default();
    if committed == generated {
        return;
    }
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(root().join(SCHEMA), &generated).expect("write the schema");
        return;
    }
    panic!(
        "{SCHEMA} is stale: the model changed. Rerun with UPDATE_SCHEMA=1 to rewrite it, then commit it.\n\
         --- {SCHEMA} (committed)\n+++ config::schema_json() (generated)\n{}",
        line_diff(&committed, &generated)
    );
}

#[test]
fn every_shipped_config_points_at_the_schema_and_satisfies_it() {
    let validator = validator();
    let schema = root()
        .join(SCHEMA)
        .canonicalize()
        .expect("the schema exists");
    let problems: Vec<String> = shipped_configs()
        .iter()
        .filter_map(|file| {
            let text = read(file);
            let Some(target) = text
                .lines()
                .next()
                .and_then(|line| line.strip_prefix("#:schema "))
            else {
                return Some(format!(
                    "{}: the first line must be `#:schema <path to {SCHEMA}>`",
                    display(file)
                ));
            };
            let resolved = root()
                .join(file)
                .parent()?
                .join(target.trim())
                .canonicalize()
                .ok();
            if resolved.as_ref() != Some(&schema) {
                return Some(format!(
                    "{}: `#:schema {target}` does not lead to {SCHEMA}",
                    display(file)
                ));
            }
            let errors = schema_errors(&validator, file);
            (!errors.is_empty()).then(|| format!("{}: {}", display(file), errors.join("; ")))
        })
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn schema_fixtures_fail_the_schema_and_the_loader() {
    let validator = validator();
    for file in Invalid::Schema.fixtures() {
        assert!(
            !schema_errors(&validator, &file).is_empty(),
            "{}: the schema accepts it",
            display(&file)
        );
        assert!(
            loads(&file).is_err(),
            "{}: the loader accepts it",
            display(&file)
        );
    }
}

#[test]
fn semantic_fixtures_pass_the_schema_but_not_the_loader() {
    let validator = validator();
    for file in Invalid::Semantic.fixtures() {
        let errors = schema_errors(&validator, &file);
        assert!(
            errors.is_empty(),
            "{}: the schema rejects it, so it belongs in invalid/schema/: {}",
            display(&file),
            errors.join("; ")
        );
        assert!(
            loads(&file).is_err(),
            "{}: the loader accepts it",
            display(&file)
        );
    }
}

#[test]
fn the_diff_shows_only_changed_lines_with_their_numbers() {
    assert_eq!(
        line_diff("a\nb\nc\n", "a\nB\nc\nd\n"),
        "-    2 | b\n+    2 | B\n+    4 | d\n"
    );
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&read(Path::new(SCHEMA))).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// What the schema says is wrong with a TOML file, one line per error.
fn schema_errors(validator: &jsonschema::Validator, file: &Path) -> Vec<String> {
    let value: toml::Value = toml::from_str(&read(file))
        .unwrap_or_else(|err| panic!("{}: not TOML: {err}", display(file)));
    let json = serde_json::to_value(value).expect("TOML converts to JSON");
    validator
        .iter_errors(&json)
        .map(|err| format!("{} at `{}`", err, err.instance_path()))
        .collect()
}

fn loads(file: &Path) -> Result<config::Loaded, organized_gateway::diagnostics::Report> {
    config::load(&display(file), &read(file))
}

/// The lines that differ between `old` and `new` (a longest-common-subsequence diff): `-` with
/// the old file's line number, `+` with the new file's.
fn line_diff(old: &str, new: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut common = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            (i, j) = (i + 1, j + 1);
        } else if j == b.len() || (i < a.len() && common[i + 1][j] >= common[i][j + 1]) {
            out += &format!("-{:>5} | {}\n", i + 1, a[i]);
            i += 1;
        } else {
            out += &format!("+{:>5} | {}\n", j + 1, b[j]);
            j += 1;
        }
    }
    out
}
