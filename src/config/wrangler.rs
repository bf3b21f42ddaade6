//! Cross-checks against `wrangler.toml`: every binding the gateway uses must be declared
//! there, and the compatibility date must be pinned.

use std::collections::BTreeSet;

use toml::Value;

use super::locate::{ConfigPath, Located};
use super::model::Config;
use crate::diagnostics::{Diagnostic, Report};

/// What wrangler.toml declares that the gateway cares about.
#[derive(Debug, Default)]
struct Declared {
    kv: BTreeSet<String>,
    d1: BTreeSet<String>,
    vars: BTreeSet<String>,
}

/// Checks `config` against the wrangler.toml in `text` (read from `file`); the diagnostics
/// point into wrangler.toml.
pub fn check(config: &Config, file: &str, text: &str) -> Report {
    let mut report = Report::new(file, text);
    let located = match Located::parse(text) {
        Ok(located) => located,
        Err(err) => {
            let mut d = Diagnostic::error("syntax", ConfigPath::root(), err.message().trim());
            d.span = err.span();
            report.diagnostics.push(d);
            return report;
        }
    };
    let doc: toml::Table = match toml::from_str(text) {
        Ok(doc) => doc,
        Err(err) => {
            report.diagnostics.push(Diagnostic::error(
                "syntax",
                ConfigPath::root(),
                err.message().trim(),
            ));
            return report;
        }
    };
    let declared = declared(&doc);
    let mut found = Vec::new();
    check_compatibility_date(&doc, &mut found);
    for (name, limiter) in &config.limiters {
        if !declared.kv.contains(&limiter.binding) {
            found.push(missing_binding(
                "limiters",
                name,
                &limiter.binding,
                "[[kv_namespaces]]",
                &declared.kv,
            ));
        }
    }
    for (name, log) in &config.logs {
        if !declared.d1.contains(&log.binding) {
            found.push(missing_binding(
                "logs",
                name,
                &log.binding,
                "[[d1_databases]]",
                &declared.d1,
            ));
        }
    }
    for (name, upstream) in &config.upstreams {
        if let Some(var) = upstream
            .url_var
            .as_ref()
            .filter(|v| !declared.vars.contains(*v))
        {
            {
                found.push(
                    Diagnostic::warning("undeclared-var", ConfigPath::root().key("vars"), format!("upstream `{name}` reads `{var}`, which `[vars]` does not set"))
                        .with_help(format!("add `{var} = \"https://...\"` under `[vars]`, or make sure it is a secret: `npx wrangler secret put {var}`")),
                );
            }
        }
    }
    for mut d in found {
        d.span = located.span(&d.path);
        report.diagnostics.push(d);
    }
    report.sort();
    report
}

fn declared(doc: &toml::Table) -> Declared {
    let bindings = |section: &str| -> BTreeSet<String> {
        doc.get(section)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.get("binding")?.as_str().map(String::from))
            .collect()
    };
    Declared {
        kv: bindings("kv_namespaces"),
        d1: bindings("d1_databases"),
        vars: doc
            .get("vars")
            .and_then(Value::as_table)
            .map(|vars| vars.keys().cloned().collect())
            .unwrap_or_default(),
    }
}

fn check_compatibility_date(doc: &toml::Table, found: &mut Vec<Diagnostic>) {
    let at = ConfigPath::root().key("compatibility_date");
    let help = "pin it to a fixed date, e.g. `compatibility_date = \"2026-10-01\"`: a floating date quietly changes runtime semantics between deploys";
    match doc.get("compatibility_date").and_then(Value::as_str) {
        None => found.push(
            Diagnostic::error(
                "compatibility-date",
                ConfigPath::root(),
                "wrangler.toml has no `compatibility_date`",
            )
            .with_help(help),
        ),
        Some(date) if !is_fixed_date(date) => found.push(
            Diagnostic::error(
                "compatibility-date",
                at,
                format!("`{date}` is not a fixed YYYY-MM-DD date"),
            )
            .with_help(help),
        ),
        Some(_) => {}
    }
}

fn is_fixed_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    let numeric = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y, m, d] if numeric(y, 4) && numeric(m, 2) && numeric(d, 2) => {
            let (m, d): (u32, u32) = (m.parse().unwrap_or(0), d.parse().unwrap_or(0));
            (1..=12).contains(&m) && (1..=31).contains(&d)
        }
        _ => false,
    }
}

fn missing_binding(
    section: &str,
    name: &str,
    binding: &str,
    table: &str,
    declared: &BTreeSet<String>,
) -> Diagnostic {
    let known: Vec<&str> = declared.iter().map(String::as_str).collect();
    let help = match super::did_you_mean(binding, &known) {
        Some(best) => format!(
            "did you mean `{best}`? Or declare `binding = \"{binding}\"` in a `{table}` entry"
        ),
        None => {
            format!("declare it in wrangler.toml: a `{table}` entry with `binding = \"{binding}\"`")
        }
    };
    Diagnostic::error(
        "undeclared-binding",
        ConfigPath::root(),
        format!(
            "`{section}.{name}` uses binding `{binding}`, which wrangler.toml does not declare"
        ),
    )
    .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_fixed_dates_pass() {
        assert!(is_fixed_date("2026-10-01"));
        for bad in ["latest", "2026-13-01", "2026-1-01", "", "2026-10-01T00:00"] {
            assert!(!is_fixed_date(bad), "{bad}");
        }
    }
}
