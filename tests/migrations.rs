//! The shipped migrations create every table and column that any shipped configuration
//! logs, so one D1 database serves every preset (switching presets needs no new migration).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{display, presets, read, root};
use organized_gateway::{config, migrate};

#[test]
fn every_shipped_config_is_served_by_the_shipped_migrations() {
    let mut files: Vec<_> = std::fs::read_dir(root().join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let sql: Vec<String> = files.iter().map(|f| read(f)).collect();
    let existing = migrate::existing(sql.iter().map(String::as_str));
    for file in presets() {
        let loaded = config::load(&display(&file), &read(&root().join(&file))).unwrap();
        let missing = migrate::pending(&loaded.config, &existing);
        assert_eq!(
            missing,
            None,
            "{}: run `gateway migrate {}`",
            display(&file),
            display(&file)
        );
    }
}
