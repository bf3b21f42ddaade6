//! Cross-checks against `wrangler.toml`: every binding the gateway uses must be declared
//! there, and the compatibility date must be pinned.

use std::collections::{BTreeMap, BTreeSet};

use toml::Value;

use super::locate::{ConfigPath, Located};
use super::model::{Backend, Config, IdentitySource};
use crate::diagnostics::{Diagnostic, Report};

/// The Durable Object class that holds strict counters (see `edge::strict`).
pub const LIMITER_CLASS: &str = "RateLimiter";

/// What wrangler.toml declares that the gateway cares about.
#[derive(Debug, Default)]
struct Declared {
    kv: BTreeSet<String>,
    d1: BTreeSet<String>,
    vars: BTreeSet<String>,
    /// Durable Object binding name → class name.
    durable_objects: BTreeMap<String, String>,
    /// Classes a `[[migrations]]` entry creates.
    migrated_classes: BTreeSet<String>,
    /// Rate-limit binding name → (limit, period), from `[[ratelimits]]`.
    ratelimits: BTreeMap<String, (i64, i64)>,
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
        check_limiter_binding(name, limiter, &declared, &mut found);
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
    if config.identity.source == IdentitySource::SignedHeader
        && declared.vars.contains(&config.identity.secret_var)
    {
        let var = &config.identity.secret_var;
        found.push(
            Diagnostic::error(
                "secret-in-vars",
                ConfigPath::root().key("vars").key(var),
                format!(
                    "`{var}` signs user ids, but `[vars]` stores it in plain text in wrangler.toml"
                ),
            )
            .with_help(format!(
                "remove it from `[vars]` and run `npx wrangler secret put {var}`"
            )),
        );
    }
    for mut d in found {
        d.span = located.span(&d.path);
        report.diagnostics.push(d);
    }
    report.sort();
    report
}

fn check_limiter_binding(
    name: &str,
    limiter: &super::Limiter,
    declared: &Declared,
    found: &mut Vec<Diagnostic>,
) {
    let binding = limiter.binding();
    match limiter.backend {
        Backend::Kv if !declared.kv.contains(binding) => {
            found.push(missing_binding("limiters", name, binding, "[[kv_namespaces]]", &declared.kv));
        }
        Backend::DurableObject => match declared.durable_objects.get(binding) {
            None => {
                let names: BTreeSet<String> = declared.durable_objects.keys().cloned().collect();
                found.push(missing_binding("limiters", name, binding, "[[durable_objects.bindings]]", &names));
            }
            Some(class) if class != LIMITER_CLASS => found.push(
                Diagnostic::error("binding-class", ConfigPath::root().key("durable_objects"), format!("Durable Object binding `{binding}` is of class `{class}`; strict limiters need `{LIMITER_CLASS}`"))
                    .with_help(format!("set `class_name = \"{LIMITER_CLASS}\"` for `{binding}`")),
            ),
            Some(_) if !declared.migrated_classes.contains(LIMITER_CLASS) => found.push(
                Diagnostic::error("migration", ConfigPath::root().key("migrations"), format!("no `[[migrations]]` entry creates the `{LIMITER_CLASS}` class"))
                    .with_help(format!("add `[[migrations]]` with `tag = \"v1\"` and `new_sqlite_classes = [\"{LIMITER_CLASS}\"]`")),
            ),
            Some(_) => {}
        },
        Backend::RateLimitBinding => match declared.ratelimits.get(binding) {
            None => {
                let names: BTreeSet<String> = declared.ratelimits.keys().cloned().collect();
                found.push(missing_binding("limiters", name, binding, "[[ratelimits]]", &names));
            }
            Some(&(limit, period)) if limit != i64::from(limiter.requests) || period != i64::from(limiter.window_seconds) => found.push(
                Diagnostic::error("binding-limit", ConfigPath::root().key("ratelimits"), format!(
                    "`{binding}` counts {limit} per {period} s in wrangler.toml, but `limiters.{name}` says {} per {} s",
                    limiter.requests, limiter.window_seconds
                ))
                .with_help(format!("the binding enforces wrangler.toml's numbers: set `simple = {{ limit = {}, period = {} }}` there", limiter.requests, limiter.window_seconds)),
            ),
            Some(_) => {}
        },
        Backend::Kv => {}
    }
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
    let entries = |section: Option<&Value>| -> Vec<toml::Table> {
        section
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_table().cloned())
            .collect()
    };
    let text =
        |entry: &toml::Table, key: &str| entry.get(key).and_then(Value::as_str).map(String::from);
    let durable_objects = entries(doc.get("durable_objects").and_then(|d| d.get("bindings")))
        .iter()
        .filter_map(|e| Some((text(e, "name")?, text(e, "class_name")?)))
        .collect();
    let migrated_classes = entries(doc.get("migrations"))
        .iter()
        .flat_map(|m| {
            ["new_sqlite_classes", "new_classes"].map(|k| {
                m.get(k)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
        })
        .flatten()
        .filter_map(|c| c.as_str().map(String::from))
        .collect();
    let ratelimits = entries(doc.get("ratelimits"))
        .iter()
        .filter_map(|e| {
            let simple = e.get("simple")?;
            Some((
                text(e, "name")?,
                (
                    simple.get("limit")?.as_integer()?,
                    simple.get("period")?.as_integer()?,
                ),
            ))
        })
        .collect();
    Declared {
        durable_objects,
        migrated_classes,
        ratelimits,
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
