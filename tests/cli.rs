//! The `gateway` binary, pinned with snapshots: what `plan` says about each preset, what
//! `check` says about each invalid fixture, and the exit codes. It runs in the crate root
//! with relative paths, so the output is the same on every machine.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;
use std::process::Command;

use common::{Invalid, SCHEMA, display, presets, read, root, shipped_configs};

/// What one run of `gateway` did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn gateway(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run gateway");
    Run {
        code: output.status.code().expect("gateway exited by itself"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A snapshot name for a file: its path (below tests/fixtures/) without `.toml`, `/` as `-`.
fn snapshot_name(command: &str, file: &Path) -> String {
    let file = file
        .strip_prefix("tests/fixtures")
        .unwrap_or(file)
        .with_extension("");
    format!("{command}-{}", display(&file).replace('/', "-"))
}

#[test]
fn plan_of_every_preset() {
    for file in presets() {
        let run = gateway(&["plan", &display(&file)]);
        assert_eq!(run.code, 0, "{}: {}", display(&file), run.stderr);
        insta::assert_snapshot!(snapshot_name("plan", &file), run.stdout);
    }
}

#[test]
fn check_of_every_invalid_fixture() {
    for file in [Invalid::Schema, Invalid::Semantic]
        .into_iter()
        .flat_map(Invalid::fixtures)
    {
        let run = gateway(&["check", &display(&file)]);
        assert_eq!(
            run.code,
            1,
            "{}: {}{}",
            display(&file),
            run.stdout,
            run.stderr
        );
        insta::assert_snapshot!(
            snapshot_name("check", &file),
            format!("exit code: {}\n{}", run.code, run.stderr)
        );
    }
}

#[test]
fn every_shipped_config_checks_against_wrangler_toml() {
    for file in shipped_configs() {
        let run = gateway(&["check", &display(&file), "--wrangler", "wrangler.toml"]);
        assert_eq!(run.code, 0, "{}: {}", display(&file), run.stderr);
    }
}

#[test]
fn a_misspelled_key_gets_a_suggestion() {
    let run = gateway(&[
        "check",
        "tests/fixtures/invalid/schema/misspelled-limiter-key.toml",
    ]);
    assert!(
        run.stderr.contains("did you mean `requests`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn schema_prints_the_committed_schema() {
    let run = gateway(&["schema"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout == read(Path::new(SCHEMA)),
        "`gateway schema` differs from {SCHEMA}; see tests/schema.rs"
    );
}

#[test]
fn migrate_prints_the_committed_migration() {
    let run = gateway(&["migrate", "gateway.toml", "--print"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("migrate-gateway", run.stdout);
    assert_eq!(
        run.stdout,
        read(Path::new("migrations/0001_access_log.sql")),
        "migrations/0001_access_log.sql is stale"
    );
}

#[test]
fn an_unreadable_file_exits_3() {
    let run = gateway(&["check", "missing.toml"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: cannot read missing.toml"),
        "{}",
        run.stderr
    );
}
