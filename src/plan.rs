//! `gateway plan`: what a configuration does, route by route and stage by stage, in words,
//! and what it costs in D1 when every user runs at the limit.

use std::fmt::Write as _;

use crate::config::{
    Algorithm, Backend, Config, FailMode, IdentitySource, Limiter, OnMissing, Stage, Upstream,
};

/// D1's free tier allows this many rows written per day.
pub const D1_FREE_ROWS_WRITTEN_PER_DAY: u64 = 100_000;
/// D1's free tier allows this many rows read per day.
pub const D1_FREE_ROWS_READ_PER_DAY: u64 = 5_000_000;

/// The load the capacity arithmetic assumes.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Concurrent users, each sending as fast as its limiter allows.
    pub users: u64,
    /// Hours a day they keep it up.
    pub hours: u64,
}

impl Default for Load {
    /// The seed's single event: 50 users for 8 hours.
    fn default() -> Self {
        Self {
            users: 50,
            hours: 8,
        }
    }
}

/// The plan of `config` (loaded from `file`) as text.
pub fn render(config: &Config, file: &str, load: Load) -> String {
    let mut out = String::new();
    let g = &config.gateway;
    let _ = writeln!(
        out,
        "gateway `{}`, config version {}, from {file}",
        g.name, g.version
    );
    let _ = writeln!(
        out,
        "request bodies up to {}; routes are tried in order",
        bytes(g.max_body_bytes)
    );
    match &g.unrouted_log {
        Some(log) => {
            let _ = writeln!(
                out,
                "requests no route takes (404s, refused paths) are logged to `{log}`\n"
            );
        }
        None => out.push_str("requests no route takes (404s, refused paths) are not logged\n\n"),
    }
    for route in &config.routes {
        let methods: Vec<&str> = route.methods.iter().map(|m| m.as_str()).collect();
        let _ = writeln!(
            out,
            "route `{}`: {} {}",
            route.name,
            methods.join(", "),
            route.path
        );
        for (i, stage) in route.stages.iter().enumerate() {
            let _ = writeln!(
                out,
                "  {}. {:<12} {}",
                i + 1,
                stage.kind(),
                describe(config, stage)
            );
        }
        out.push('\n');
    }
    render_capacity(config, load, &mut out);
    out
}

fn describe(config: &Config, stage: &Stage) -> String {
    match stage {
        Stage::AuthHeader => {
            let id = &config.identity;
            let missing = match id.on_missing {
                OnMissing::Fallback => format!(
                    "is served as `{}` (all such clients share one bucket and one log stream)",
                    id.fallback
                ),
                OnMissing::Refuse => "is refused with 401".to_string(),
            };
            match id.source {
                IdentitySource::Header => format!(
                    "user = the `{}` header as sent (clients can claim any id); a request without it {missing}",
                    id.header
                ),
                IdentitySource::BearerHash => format!(
                    "user = a hash of the `Authorization` bearer key (the key is never stored); a request without one {missing}"
                ),
                IdentitySource::SignedHeader => format!(
                    "user = the `{}` header, verified against its HMAC signature (secret `{}`); a forged one is refused with 401, a missing one {missing}",
                    id.header, id.secret_var
                ),
            }
        }
        Stage::Limit { limiter } => match config.limiters.get(limiter) {
            Some(l) => describe_limiter(limiter, l),
            None => format!("`{limiter}` (not declared)"),
        },
        Stage::Proxy {
            upstream,
            failover,
            retry_on_status,
            deadline_ms,
            stream_usage,
        } => describe_proxy(
            config,
            std::iter::once(upstream).chain(failover),
            retry_on_status,
            *deadline_ms,
            *stream_usage,
        ),
        Stage::Health => format!(
            "answers 200 {{\"status\":\"ok\",\"gateway\":\"{}\"}}",
            config.gateway.name
        ),
        Stage::Log { log } => match config.logs.get(log) {
            Some(l) => {
                let columns: Vec<&str> = l.columns.iter().map(|c| c.name.as_str()).collect();
                format!(
                    "`{log}`: a row in D1 `{}` table `{}` ({}) for every request, 429s and errors included; written after the response, never delaying it",
                    l.binding,
                    l.table,
                    columns.join(", ")
                )
            }
            None => format!("`{log}` (not declared)"),
        },
    }
}

fn describe_limiter(name: &str, l: &Limiter) -> String {
    let counting = match (l.backend, l.algorithm) {
        (Backend::RateLimitBinding, _) => "counted per location by the binding",
        (_, Algorithm::FixedWindow) => {
            "fixed window (up to twice the limit can pass across a window edge)"
        }
        (_, Algorithm::SlidingWindow) => "sliding window (no burst across window edges)",
    };
    let store = match l.backend {
        Backend::Kv => format!(
            "in KV `{}` (counter TTL {} s): soft: exact within one Worker instance, but instances and locations share counts through KV late (eventually consistent, about one write per second per key), so the total can overshoot",
            l.binding(),
            l.kv_ttl_seconds
        ),
        Backend::DurableObject => format!(
            "in Durable Object `{}`, one per user: strict, every count is serialized, so exactly the limit passes",
            l.binding()
        ),
        Backend::RateLimitBinding => format!(
            "by the rate-limit binding `{}` (limit and period from wrangler.toml): approximate and per Cloudflare location, no storage cost",
            l.binding()
        ),
    };
    let tokens = l.tokens.map_or(String::new(), |t| {
        format!(" and {t} tokens (charged after each answer)")
    });
    let on_error = match l.on_store_error {
        FailMode::Open => "let through uncounted",
        FailMode::Closed => "refused with 503",
    };
    format!(
        "`{name}`: {} requests{tokens} per {} s per user, {counting}, counted {store}; over the limit → 429 with Retry-After; if the store fails or takes over {}, requests are {on_error}",
        l.requests,
        l.window_seconds,
        millis(l.store_timeout_ms)
    )
}

fn describe_proxy<'a>(
    config: &Config,
    names: impl Iterator<Item = &'a String>,
    retry_on_status: &[u16],
    deadline_ms: Option<u64>,
    stream_usage: bool,
) -> String {
    let attempts: Vec<String> = names
        .map(|name| match config.upstreams.get(name) {
            Some(u) => describe_upstream(name, u),
            None => format!("`{name}` (not declared)"),
        })
        .collect();
    let mut out = format!(
        "forward to {}",
        attempts.first().map_or("nothing", String::as_str)
    );
    if attempts.len() > 1 {
        let statuses: Vec<String> = retry_on_status.iter().map(u16::to_string).collect();
        for next in &attempts[1..] {
            out.push_str(&format!("; if it fails (connect error, timeout or status {}) before anything reached the client, then {next}", statuses.join("/")));
        }
        out.push_str("; a failed upstream is skipped for its cool-off");
    }
    if let Some(ms) = deadline_ms {
        out.push_str(&format!("; all attempts within {}", millis(ms)));
    }
    out.push_str(if stream_usage {
        "; streamed requests ask for usage (the usage chunk is hidden from clients that did not ask)"
    } else {
        "; streamed answers without usage get an estimated token count"
    });
    out.push_str("; unreachable → 502, too slow → 504; the answer streams back unbuffered");
    out
}

fn describe_upstream(name: &str, u: &Upstream) -> String {
    let address = match (&u.url, &u.url_var) {
        (Some(url), _) => url.clone(),
        (None, Some(var)) => format!("the URL in Worker var `{var}` (swap it without a rebuild)"),
        (None, None) => "no address".to_string(),
    };
    format!(
        "`{name}` at {address}, timeout {}, cool-off {} s",
        millis(u.timeout_ms),
        u.cooloff_seconds
    )
}

fn render_capacity(config: &Config, load: Load, out: &mut String) {
    let _ = writeln!(
        out,
        "capacity: {} users × {} h a day, each at its limit",
        load.users, load.hours
    );
    let mut rows_per_day = 0u64;
    for route in &config.routes {
        // Each row costs one write, plus one per index on the table.
        let logged: u64 = route
            .stages
            .iter()
            .filter_map(|s| match s {
                Stage::Log { log } => config.logs.get(log),
                _ => None,
            })
            .map(|log| 1 + crate::migrate::indexed_columns(log).count() as u64)
            .sum();
        let limiter = route.stages.iter().find_map(|s| match s {
            Stage::Limit { limiter } => config.limiters.get(limiter),
            _ => None,
        });
        let (Some(limiter), true) = (limiter, logged > 0) else {
            continue;
        };
        let per_minute =
            f64::from(limiter.requests) * 60.0 / f64::from(limiter.window_seconds.max(1));
        let requests = (load.users as f64 * per_minute * 60.0 * load.hours as f64).round() as u64;
        rows_per_day += requests * logged;
        let _ = writeln!(
            out,
            "  route `{}`: {} users × {} req/min × 60 min × {} h = {} requests/day → {} D1 rows written/day ({logged} per request, index updates included)",
            route.name,
            load.users,
            trim(per_minute),
            load.hours,
            thousands(requests),
            thousands(requests * logged)
        );
    }
    if rows_per_day == 0 {
        let _ = writeln!(
            out,
            "  no limited, logged route: D1 usage is bounded by traffic alone"
        );
        return;
    }
    let ratio = rows_per_day as f64 / D1_FREE_ROWS_WRITTEN_PER_DAY as f64;
    let verdict = if ratio <= 1.0 {
        "fits the free tier".to_string()
    } else {
        format!(
            "{:.1}× the free tier: use Workers Paid (or lower the rate) for this load",
            ratio
        )
    };
    let _ = writeln!(
        out,
        "  D1 free tier: {} rows written/day → {verdict}",
        thousands(D1_FREE_ROWS_WRITTEN_PER_DAY)
    );
    let _ = writeln!(
        out,
        "  D1 free tier: {} rows read/day; each monitoring query over the log reads the rows it scans, so archive old rows (e.g. weekly to R2) on long-running gateways",
        thousands(D1_FREE_ROWS_READ_PER_DAY)
    );
}

/// 60000 → "60 s"; 1500 → "1500 ms".
fn millis(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

/// 1048576 → "1 MiB"; sizes that are not whole KiB or MiB stay in bytes.
fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n.is_multiple_of(1 << 20) => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n.is_multiple_of(1 << 10) => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

fn trim(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// 1200000 → "1,200,000".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits_in_thousands() {
        assert_eq!(thousands(1_200_000), "1,200,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
    }
}
