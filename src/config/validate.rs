//! Semantic checks: what serde cannot see. Every problem is collected, never just the first.

use std::collections::{BTreeMap, BTreeSet};

use super::locate::ConfigPath;
use super::model::{
    Algorithm, Backend, Config, IdentitySource, Limiter, OnMissing, RefKind, Route, Stage,
};
use super::source::is_header_name;
use super::suggest::did_you_mean;
use crate::diagnostics::Diagnostic;

/// KV refuses expiration TTLs below 60 seconds.
pub const KV_MIN_TTL_SECONDS: u32 = 60;

/// Every semantic problem in `config`, each with the path it belongs to.
pub fn validate(config: &Config) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let root = ConfigPath::root();
    check_gateway(config, &root.key("gateway"), &mut found);
    check_identity(config, &root.key("identity"), &mut found);
    check_limiters(config, &root.key("limiters"), &mut found);
    check_upstreams(config, &root.key("upstreams"), &mut found);
    check_logs(config, &root.key("logs"), &mut found);
    check_routes(config, &root.key("routes"), &mut found);
    check_unused(config, &mut found);
    found
}

fn check_gateway(config: &Config, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    for (key, value) in [
        ("name", &config.gateway.name),
        ("version", &config.gateway.version),
    ] {
        if value.trim().is_empty() {
            found.push(
                Diagnostic::error("empty", at.key(key), format!("`gateway.{key}` is empty"))
                    .with_help(format!(
                        "give the gateway a {key}, e.g. `{key} = \"organized-gateway\"`"
                    )),
            );
        }
    }
    if let Some(log) = config
        .gateway
        .unrouted_log
        .as_ref()
        .filter(|l| !config.logs.contains_key(*l))
    {
        found.push(unknown_reference(
            at.key("unrouted_log"),
            "log",
            log,
            config.logs.keys(),
        ));
    }
    if config.gateway.max_body_bytes == 0 {
        found.push(
            Diagnostic::error(
                "range",
                at.key("max_body_bytes"),
                "`max_body_bytes` is 0: every request with a body would be refused",
            )
            .with_help("use e.g. 1048576 (1 MiB)"),
        );
    }
}

fn check_identity(config: &Config, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    let identity = &config.identity;
    if !is_header_name(&identity.header) {
        found.push(
            Diagnostic::error(
                "header-name",
                at.key("header"),
                format!("`{}` is not a valid header name", identity.header),
            )
            .with_help("use letters, digits and `-`, e.g. `X-User-ID`"),
        );
    }
    if identity.on_missing == OnMissing::Fallback && identity.fallback.trim().is_empty() {
        found.push(
            Diagnostic::error(
                "empty",
                at.key("fallback"),
                "`fallback` is empty, so requests without an identity would have none",
            )
            .with_help(
                "set `fallback = \"anonymous\"`, or `on_missing = \"refuse\"` to answer 401",
            ),
        );
    }
    if identity.source == IdentitySource::SignedHeader {
        check_binding_name(&identity.secret_var, &at.key("secret_var"), found);
    }
}

fn check_limiters(config: &Config, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    for (name, limiter) in &config.limiters {
        let at = at.key(name);
        if limiter.requests == 0 {
            found.push(
                Diagnostic::error(
                    "range",
                    at.key("requests"),
                    format!("limiter `{name}` admits 0 requests: every request would get 429"),
                )
                .with_help("set `requests` to at least 1, or remove the `limit` stage"),
            );
        }
        if limiter.window_seconds == 0 {
            found.push(
                Diagnostic::error(
                    "range",
                    at.key("window_seconds"),
                    format!("limiter `{name}` has a 0 s window"),
                )
                .with_help("use e.g. `window_seconds = 60`"),
            );
        }
        if limiter.tokens == Some(0) {
            found.push(
                Diagnostic::error(
                    "range",
                    at.key("tokens"),
                    format!("limiter `{name}` allows 0 tokens: every request would get 429"),
                )
                .with_help("set `tokens` to a budget per window, or remove it"),
            );
        }
        if limiter.store_timeout_ms == 0 {
            found.push(
                Diagnostic::error(
                    "range",
                    at.key("store_timeout_ms"),
                    "a 0 ms store timeout fails every count",
                )
                .with_help("use e.g. `store_timeout_ms = 1000`"),
            );
        }
        match limiter.backend {
            Backend::Kv => check_kv_limiter(name, limiter, &at, found),
            Backend::RateLimitBinding => check_native_limiter(name, limiter, &at, found),
            Backend::DurableObject => {}
        }
        check_binding_name(limiter.binding(), &at.key("binding"), found);
    }
}

/// KV's constraints: a minimum TTL, and counters that outlive the windows they are read in.
fn check_kv_limiter(name: &str, limiter: &Limiter, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    let windows_read = match limiter.algorithm {
        Algorithm::FixedWindow => 1,
        Algorithm::SlidingWindow => 2,
    };
    let needed = limiter.window_seconds.saturating_mul(windows_read);
    if limiter.kv_ttl_seconds < KV_MIN_TTL_SECONDS {
        found.push(
            Diagnostic::error(
                "range",
                at.key("kv_ttl_seconds"),
                format!(
                    "KV's minimum TTL is {KV_MIN_TTL_SECONDS} s; `{name}` asks for {} s",
                    limiter.kv_ttl_seconds
                ),
            )
            .with_help(format!(
                "set `kv_ttl_seconds` to at least {}",
                needed.max(KV_MIN_TTL_SECONDS)
            )),
        );
    } else if limiter.kv_ttl_seconds < needed {
        let what = if windows_read == 1 {
            "before its window ends"
        } else {
            "before the sliding window stops reading it (two windows)"
        };
        found.push(
            Diagnostic::error("range", at.key("kv_ttl_seconds"), format!("the counter would expire ({} s) {what} ({needed} s), resetting the count early", limiter.kv_ttl_seconds))
                .with_help(format!("set `kv_ttl_seconds` to at least {needed}")),
        );
    }
}

/// What Cloudflare's rate-limiting binding can do: 10 or 60 s periods, request counts only.
fn check_native_limiter(
    name: &str,
    limiter: &Limiter,
    at: &ConfigPath,
    found: &mut Vec<Diagnostic>,
) {
    if ![10, 60].contains(&limiter.window_seconds) {
        found.push(
            Diagnostic::error("backend", at.key("window_seconds"), format!("the rate-limit binding counts over 10 or 60 s periods; `{name}` asks for {} s", limiter.window_seconds))
                .with_help("use `window_seconds = 10` or `60`, or `backend = \"durable-object\"` for other windows"),
        );
    }
    if limiter.tokens.is_some() {
        found.push(
            Diagnostic::error(
                "backend",
                at.key("tokens"),
                "the rate-limit binding counts requests only; it cannot hold a token budget",
            )
            .with_help(
                "use `backend = \"durable-object\"` (strict) or `\"kv\"` (soft) for token limits",
            ),
        );
    }
    if limiter.algorithm == Algorithm::SlidingWindow {
        found.push(
            Diagnostic::error(
                "backend",
                at.key("algorithm"),
                "the rate-limit binding counts its own way; `sliding-window` does not apply",
            )
            .with_help("remove `algorithm`, or choose `backend = \"durable-object\"`"),
        );
    }
}

fn check_upstreams(config: &Config, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    for (name, upstream) in &config.upstreams {
        let at = at.key(name);
        match (&upstream.url, &upstream.url_var) {
            (Some(_), Some(_)) => found.push(
                Diagnostic::error("conflict", at.key("url_var"), format!("upstream `{name}` has both `url` and `url_var`"))
                    .with_help("keep one: `url` for a fixed address, `url_var` to read it from a Worker var at run time"),
            ),
            (None, None) => found.push(
                Diagnostic::error("missing", at.clone(), format!("upstream `{name}` has no address"))
                    .with_help("add `url = \"https://...\"` or `url_var = \"OPENCLAW_URL\"`"),
            ),
            (Some(url), None) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
                    found.push(
                        Diagnostic::error("url", at.key("url"), format!("`{url}` is not an http(s) URL"))
                            .with_help("write the base URL with its scheme, e.g. `https://llm.example.com`"),
                    );
                }
            }
            (None, Some(var)) => check_binding_name(var, &at.key("url_var"), found),
        }
        if upstream.timeout_ms == 0 {
            found.push(
                Diagnostic::error(
                    "range",
                    at.key("timeout_ms"),
                    format!("upstream `{name}` has a 0 ms timeout: every request would get 504"),
                )
                .with_help("use e.g. `timeout_ms = 60000`"),
            );
        }
    }
}

fn check_logs(config: &Config, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    for (name, log) in &config.logs {
        let at = at.key(name);
        check_binding_name(&log.binding, &at.key("binding"), found);
        if !is_sql_identifier(&log.table) {
            found.push(
                Diagnostic::error(
                    "sql-name",
                    at.key("table"),
                    format!("`{}` is not a plain SQL table name", log.table),
                )
                .with_help("use letters, digits and `_`, starting with a letter, not an SQL keyword, e.g. `requests`"),
            );
        }
        if log.columns.is_empty() {
            found.push(
                Diagnostic::error(
                    "missing",
                    at.key("columns"),
                    format!("log `{name}` has no columns"),
                )
                .with_help("add e.g. `{ name = \"user_id\", source = \"user_id\" }`"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, column) in log.columns.iter().enumerate() {
            let at = at.key("columns").index(i);
            if !is_sql_identifier(&column.name) {
                found.push(
                    Diagnostic::error(
                        "sql-name",
                        at.key("name"),
                        format!("`{}` is not a plain SQL column name", column.name),
                    )
                    .with_help("use letters, digits and `_`, starting with a letter, and not an SQL keyword (e.g. `limit_state`, not `limit`)"),
                );
            } else if column.name.eq_ignore_ascii_case("id") {
                found.push(
                    Diagnostic::error("reserved", at.key("name"), "`id` is the table's own primary key")
                        .with_help("remove this column; every table gets `id INTEGER PRIMARY KEY AUTOINCREMENT`"),
                );
            } else if !seen.insert(column.name.to_ascii_lowercase()) {
                found.push(
                    Diagnostic::error(
                        "duplicate",
                        at.key("name"),
                        format!("column `{}` is declared twice in log `{name}`", column.name),
                    )
                    .with_help("rename or remove one of them"),
                );
            }
            if let Some(declared) = column.sql_type {
                let natural = column.source.natural_type();
                if declared != natural {
                    found.push(
                        Diagnostic::warning(
                            "sql-type",
                            at.key("type"),
                            format!(
                                "column `{}` is {} but `{}` is {}",
                                column.name,
                                declared.as_sql(),
                                column.source,
                                natural.as_sql()
                            ),
                        )
                        .with_help(format!("drop `type` to use {}", natural.as_sql())),
                    );
                }
            }
        }
    }
}

fn check_routes(config: &Config, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    if config.routes.is_empty() {
        found.push(
            Diagnostic::error("missing", at.clone(), "no routes: the gateway would answer 404 to everything")
                .with_help("add a `[[routes]]` table, e.g. `GET /health` with `stages = [{ stage = \"health\" }]`"),
        );
    }
    let mut names = BTreeMap::new();
    for (i, route) in config.routes.iter().enumerate() {
        let at = at.index(i);
        if let Some(first) = names.insert(route.name.as_str(), i) {
            found.push(
                Diagnostic::error(
                    "duplicate",
                    at.key("name"),
                    format!(
                        "route name `{}` is also used by routes[{first}]",
                        route.name
                    ),
                )
                .with_help("give each route its own name"),
            );
        }
        check_route_shape(route, &at, found);
        check_stage_order(route, &at, found);
        check_proxy_options(config, route, &at, found);
        check_references(config, route, &at, found);
    }
}

fn check_route_shape(route: &Route, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    if route.methods.is_empty() {
        found.push(
            Diagnostic::error(
                "missing",
                at.key("methods"),
                format!("route `{}` accepts no method", route.name),
            )
            .with_help("list at least one, e.g. `methods = [\"POST\"]`"),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, method) in route.methods.iter().enumerate() {
        if !seen.insert(method.as_str()) {
            found.push(
                Diagnostic::warning(
                    "duplicate",
                    at.key("methods").index(i),
                    format!("`{}` is listed twice", method.as_str()),
                )
                .with_help("remove the repeat"),
            );
        }
    }
    let path = &route.path;
    let body = path.strip_suffix("/*").unwrap_or(path);
    let segments_ok = body
        .split('/')
        .skip(1)
        .all(|s| s != "." && s != ".." && !s.contains(['*', '%', '?', '#']));
    if !path.starts_with('/') || !segments_ok {
        found.push(
            Diagnostic::error("path", at.key("path"), format!("`{path}` is not a route path"))
                .with_help("write an exact path like `/health` or a prefix ending in `/*` like `/v1/*`; `*` may appear only at the end"),
        );
    }
}

fn check_proxy_options(
    config: &Config,
    route: &Route,
    at: &ConfigPath,
    found: &mut Vec<Diagnostic>,
) {
    for (i, stage) in route.stages.iter().enumerate() {
        let Stage::Proxy {
            retry_on_status,
            deadline_ms,
            stream_usage,
            ..
        } = stage
        else {
            continue;
        };
        let at = at.key("stages").index(i);
        for (j, status) in retry_on_status.iter().enumerate() {
            if !(100..=599).contains(status) {
                found.push(
                    Diagnostic::error(
                        "range",
                        at.key("retry_on_status").index(j),
                        format!("{status} is not an HTTP status"),
                    )
                    .with_help("list statuses such as 502, 503, 504"),
                );
            } else if *status < 500 && *status != 429 {
                found.push(
                    Diagnostic::warning("retry-status", at.key("retry_on_status").index(j), format!("retrying on {status} repeats a request the upstream refused as the client's fault"))
                        .with_help("retry on 5xx (and perhaps 429) only"),
                );
            }
        }
        if *deadline_ms == Some(0) {
            found.push(
                Diagnostic::error(
                    "range",
                    at.key("deadline_ms"),
                    "a 0 ms deadline leaves no time for any attempt",
                )
                .with_help(
                    "remove `deadline_ms`, or give the attempts time, e.g. `deadline_ms = 90000`",
                ),
            );
        }
        let budgets_tokens = route.stages.iter().any(|s| matches!(s, Stage::Limit { limiter } if config.limiters.get(limiter).is_some_and(|l| l.tokens.is_some())));
        if budgets_tokens && !stream_usage {
            found.push(
                Diagnostic::warning("stream-usage", at.clone(), format!("route `{}` has a token budget, but streamed answers report no usage unless asked", route.name))
                    .with_help("add `stream_usage = true` to this proxy stage, or streamed tokens are only estimated"),
            );
        }
    }
}

fn check_stage_order(route: &Route, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    let stages = &route.stages;
    let at_stage = |i: usize| at.key("stages").index(i);
    let responders: Vec<usize> = (0..stages.len())
        .filter(|&i| matches!(stages[i], Stage::Proxy { .. } | Stage::Health))
        .collect();
    match responders.as_slice() {
        [] => found.push(
            Diagnostic::error("no-responder", at.key("stages"), format!("route `{}` has no stage that answers the request", route.name))
                .with_help("add `{ stage = \"proxy\", upstream = \"...\" }` (or `{ stage = \"health\" }`) after the auth-header and limit stages"),
        ),
        [_] => {}
        [_, extra @ ..] => {
            for &i in extra {
                found.push(
                    Diagnostic::error("two-responders", at_stage(i), format!("route `{}` already has a responder; this `{}` would never run", route.name, stages[i].kind()))
                        .with_help("keep one `proxy` or `health` stage per route"),
                );
            }
        }
    }
    let responder = responders.first().copied();
    let mut identified = false;
    let mut seen_auth = false;
    for (i, stage) in stages.iter().enumerate() {
        let after_responder = responder.is_some_and(|r| i > r);
        match stage {
            Stage::AuthHeader => {
                if seen_auth {
                    found.push(
                        Diagnostic::warning(
                            "duplicate",
                            at_stage(i),
                            "a second `auth-header` stage does nothing",
                        )
                        .with_help("remove it"),
                    );
                }
                seen_auth = true;
                identified = true;
                if after_responder {
                    found.push(order_error(at_stage(i), stage, "after the responder"));
                }
            }
            Stage::Limit { .. } => {
                if !identified {
                    found.push(
                        Diagnostic::error("order", at_stage(i), "`limit` comes before any `auth-header`: there is no user to count against")
                            .with_help("put `{ stage = \"auth-header\" }` before the `limit` stage"),
                    );
                }
                if after_responder {
                    found.push(order_error(
                        at_stage(i),
                        stage,
                        "after the responder, when the request has already been served",
                    ));
                }
            }
            Stage::Proxy { .. } => {
                if !identified {
                    found.push(
                        Diagnostic::error("order", at_stage(i), "`proxy` runs before any `auth-header`: requests would reach the upstream unidentified and unlimited")
                            .with_help("put `{ stage = \"auth-header\" }` and a `limit` stage before `proxy`"),
                    );
                } else if !stages[..i].iter().any(|s| matches!(s, Stage::Limit { .. })) {
                    found.push(
                        Diagnostic::warning("unlimited", at_stage(i), format!("route `{}` proxies without a `limit` stage: one client can take the whole upstream", route.name))
                            .with_help("add `{ stage = \"limit\", limiter = \"...\" }` before `proxy`"),
                    );
                }
            }
            Stage::Health | Stage::Log { .. } => {}
        }
    }
}

fn order_error(path: ConfigPath, stage: &Stage, when: &str) -> Diagnostic {
    Diagnostic::error(
        "order",
        path,
        format!("`{}` is placed {when}", stage.kind()),
    )
    .with_help(
        "order the stages auth-header → limit → proxy; `log` may go anywhere and always runs last",
    )
}

fn check_references(config: &Config, route: &Route, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    let mut logs_seen = BTreeSet::new();
    for (i, stage) in route.stages.iter().enumerate() {
        let at = at.key("stages").index(i);
        if let Stage::Log { log } = stage
            && !logs_seen.insert(log.as_str())
        {
            found.push(
                Diagnostic::error(
                    "duplicate",
                    at.clone(),
                    format!(
                        "route `{}` logs to `{log}` twice: every request would be two rows",
                        route.name
                    ),
                )
                .with_help("remove one of the `log` stages"),
            );
        }
        let mut upstreams_seen = BTreeSet::new();
        for reference in stage.references() {
            let declared: Vec<&str> = match reference.kind {
                RefKind::Limiter => config.limiters.keys().map(String::as_str).collect(),
                RefKind::Upstream => config.upstreams.keys().map(String::as_str).collect(),
                RefKind::Log => config.logs.keys().map(String::as_str).collect(),
            };
            let path = reference.path(&at);
            if !declared.contains(&reference.name) {
                found.push(unknown_reference(
                    path,
                    reference.kind.name(),
                    reference.name,
                    declared.into_iter(),
                ));
            } else if reference.kind == RefKind::Upstream && !upstreams_seen.insert(reference.name)
            {
                found.push(
                    Diagnostic::warning(
                        "duplicate",
                        path,
                        format!("`{}` is tried twice in one proxy stage", reference.name),
                    )
                    .with_help("list each upstream once: `upstream` first, then `failover`"),
                );
            }
        }
    }
}

/// A reference to a `[{kind}s]` entry that does not exist.
fn unknown_reference<'a>(
    at: ConfigPath,
    kind: &str,
    name: &str,
    declared: impl Iterator<Item = &'a (impl AsRef<str> + ?Sized + 'a)>,
) -> Diagnostic {
    let declared: Vec<&str> = declared.map(AsRef::as_ref).collect();
    let section = format!("{kind}s");
    let help = match did_you_mean(name, &declared) {
        Some(best) => format!("did you mean `{best}`?"),
        None if declared.is_empty() => format!("declare it: `[{section}.{name}]`"),
        None => format!("declared {section}: {}", declared.join(", ")),
    };
    Diagnostic::error(
        "unknown-reference",
        at,
        format!("no {kind} named `{name}` in `[{section}]`"),
    )
    .with_help(help)
}

fn check_unused(config: &Config, found: &mut Vec<Diagnostic>) {
    let used: BTreeSet<(&str, &str)> = config
        .routes
        .iter()
        .flat_map(|r| &r.stages)
        .flat_map(Stage::references)
        .map(|r| (r.kind.section(), r.name))
        .chain(
            config
                .gateway
                .unrouted_log
                .iter()
                .map(|l| ("logs", l.as_str())),
        )
        .collect();
    let declared = config
        .limiters
        .keys()
        .map(|k| ("limiters", k))
        .chain(config.upstreams.keys().map(|k| ("upstreams", k)))
        .chain(config.logs.keys().map(|k| ("logs", k)));
    for (section, name) in declared {
        if !used.contains(&(section, name.as_str())) {
            found.push(
                Diagnostic::warning(
                    "unused",
                    ConfigPath::root().key(section).key(name),
                    format!("`{section}.{name}` is declared but no route uses it"),
                )
                .with_help("reference it from a route's stages, or remove it"),
            );
        }
    }
}

fn check_binding_name(name: &str, at: &ConfigPath, found: &mut Vec<Diagnostic>) {
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        found.push(
            Diagnostic::error(
                "binding-name",
                at.clone(),
                format!("`{name}` is not a valid Worker binding or var name"),
            )
            .with_help("use letters, digits and `_`, e.g. `RATE_LIMIT`"),
        );
    }
}

fn is_sql_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !SQL_KEYWORDS.contains(&name.to_ascii_uppercase().as_str())
}

/// SQLite's keywords: a table or column named like one would need quoting in every query
/// an operator writes, so the names are refused instead.
const SQL_KEYWORDS: [&str; 147] = [
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];
