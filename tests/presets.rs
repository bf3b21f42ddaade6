//! Each preset (and the end-to-end suite's configuration) is gateway.toml with exactly the
//! changes its header comment lists, so none drifts when gateway.toml changes.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;

use common::{display, read, toml_files};
use organized_gateway::config::{
    self, Algorithm, Backend, Column, Config, FailMode, IdentitySource, OnMissing, Stage,
};

/// What a preset changes in gateway.toml's configuration.
type Change = fn(&mut Config);

/// Each file with the change it makes to gateway.toml (besides `gateway.version`).
const PRESETS: [(&str, Change); 11] = [
    ("examples/single-event.toml", |_| {}),
    ("examples/high-concurrency.toml", |c| {
        let limiter = c.limiters.get_mut("per-user").unwrap();
        (limiter.requests, limiter.kv_ttl_seconds) = (30, 180);
    }),
    ("examples/bigger-origin.toml", |c| {
        c.upstreams.get_mut("openclaw").unwrap().timeout_ms = 120_000;
        c.limiters.get_mut("per-user").unwrap().requests = 100;
        c.gateway.max_body_bytes = 4 * 1024 * 1024;
    }),
    ("examples/strict-identity.toml", |c| {
        c.identity.on_missing = OnMissing::Refuse
    }),
    ("examples/audit-log.toml", |c| {
        let columns = &mut c.logs.get_mut("access").unwrap().columns;
        for (name, source) in [
            ("request_id", "request_id"),
            ("method", "method"),
            ("model", "model"),
            ("error", "error"),
            ("upstream", "upstream"),
            ("config_version", "config_version"),
            ("user_agent", "header:User-Agent"),
        ] {
            columns.push(Column {
                name: name.into(),
                source: source.parse().unwrap(),
                sql_type: None,
            });
        }
    }),
    ("examples/strict-quota.toml", |c| {
        let l = c.limiters.get_mut("per-user").unwrap();
        l.backend = Backend::DurableObject;
        l.algorithm = Algorithm::SlidingWindow;
        l.tokens = Some(20_000);
        l.on_store_error = FailMode::Closed;
        l.binding = Some("LIMITER".into());
        for stage in &mut c.routes[1].stages {
            if let Stage::Proxy { stream_usage, .. } = stage {
                *stream_usage = true;
            }
        }
    }),
    ("examples/native-limit.toml", |c| {
        let l = c.limiters.get_mut("per-user").unwrap();
        l.backend = Backend::RateLimitBinding;
        l.binding = Some("RATE_LIMITER".into());
    }),
    ("examples/keyed-by-api-key.toml", |c| {
        c.identity.source = IdentitySource::BearerHash;
        c.identity.on_missing = OnMissing::Refuse;
    }),
    ("examples/signed-identity.toml", |c| {
        c.identity.source = IdentitySource::SignedHeader;
        c.identity.on_missing = OnMissing::Refuse;
    }),
    ("examples/bridge-failover.toml", |c| {
        let mut tunnel = c.upstreams["openclaw"].clone();
        tunnel.url_var = Some("OPENCLAW_TUNNEL_URL".into());
        c.upstreams.insert("tunnel".into(), tunnel);
        for stage in &mut c.routes[1].stages {
            if let Stage::Proxy { failover, .. } = stage {
                failover.push("tunnel".into());
            }
        }
    }),
    ("tests/e2e/configs/short-timeout.toml", |c| {
        c.upstreams.get_mut("openclaw").unwrap().timeout_ms = 1000
    }),
];

#[test]
fn every_preset_is_gateway_toml_with_its_stated_changes() {
    let base = config("gateway.toml");
    for (file, change) in PRESETS {
        let mut expected = base.clone();
        change(&mut expected);
        let mut preset = config(file);
        preset.gateway.version = base.gateway.version.clone();
        assert_eq!(
            preset, expected,
            "{file} differs from gateway.toml by more (or less) than its header says"
        );
    }
}

#[test]
fn every_example_is_covered() {
    for file in toml_files("examples") {
        assert!(
            PRESETS.iter().any(|(p, _)| Path::new(p) == file),
            "{}: add it to PRESETS",
            display(&file)
        );
    }
}

fn config(file: &str) -> Config {
    config::load(file, &read(Path::new(file)))
        .unwrap_or_else(|report| panic!("{report}"))
        .config
}
