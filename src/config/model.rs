//! The configuration model: what `gateway.toml` may say.
//!
//! Every struct denies unknown keys, so a typo is an error instead of a silently ignored
//! setting. The doc comment on each field becomes its description in the JSON schema that
//! editors use, so it is written for the operator editing the file.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::source::ColumnSource;

/// A whole gateway: its identity, the named limiters, upstreams and logs, and the routes
/// that use them.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The gateway itself: the name `/health` reports and the version each log row carries.
    pub gateway: Gateway,
    /// How the user of a request is identified (the `auth-header` stage).
    #[serde(default)]
    pub identity: Identity,
    /// Rate limiters by name; a `limit` stage names one.
    #[serde(default)]
    pub limiters: BTreeMap<String, Limiter>,
    /// OpenAI-compatible servers by name; a `proxy` stage names one.
    #[serde(default)]
    pub upstreams: BTreeMap<String, Upstream>,
    /// Access logs (D1 tables) by name; a `log` stage names one.
    #[serde(default)]
    pub logs: BTreeMap<String, Log>,
    /// Routes, tried in order; the first whose method and path match serves the request.
    pub routes: Vec<Route>,
}

/// The gateway's own settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    /// The name `GET /health` reports, e.g. `organized-gateway`.
    pub name: String,
    /// A version string for this configuration; every log row can carry it
    /// (column source `config_version`), so rows can be traced to the config that served them.
    pub version: String,
    /// The largest request body accepted, in bytes; larger bodies get 413 and never reach
    /// the upstream.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: u64,
    /// The log (in `[logs]`) that records requests no route takes: 404s and refused paths.
    /// A 405 is recorded by the log of the route that owns the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unrouted_log: Option<String>,
    /// Which rate-limit headers responses of limited routes carry: `ietf` (`RateLimit-Policy`
    /// and `RateLimit`, the IETF httpapi draft) and `openai` (`x-ratelimit-limit-requests`,
    /// `-remaining-`, `-reset-`, and the `-tokens` ones). `[]` sends none; `Retry-After` is
    /// always sent with a 429.
    #[serde(default = "default_header_families")]
    pub rate_limit_headers: Vec<HeaderFamily>,
}

fn default_header_families() -> Vec<HeaderFamily> {
    vec![HeaderFamily::Ietf, HeaderFamily::Openai]
}

/// A family of rate-limit response headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderFamily {
    /// `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers).
    Ietf,
    /// `x-ratelimit-*-requests` and `x-ratelimit-*-tokens`, as OpenAI's API sends them.
    Openai,
}

fn default_max_body_bytes() -> u64 {
    1024 * 1024
}

/// How a request's user is identified. The identity keys the rate limit and is what the log's
/// `user_id` records.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Where the identity comes from: `header` (the header's value as sent; any client can
    /// claim any id), `bearer-hash` (a hash of the `Authorization` bearer key, so each key is
    /// its own user and the key itself is never stored or logged), or `signed-header` (the
    /// header carries `<user>.<signature>`, an HMAC-SHA256 of the user made with the secret
    /// in `secret_var`; `gateway sign USER` makes one).
    #[serde(default)]
    pub source: IdentitySource,
    /// (`signed-header`) The Worker secret that holds the HMAC key.
    #[serde(default = "default_identity_secret")]
    pub secret_var: String,
    /// The request header that names the user (`header` and `signed-header`).
    #[serde(default = "default_identity_header")]
    pub header: String,
    /// What happens when the header is absent: `fallback` uses the `fallback` identity (all
    /// such clients then share one bucket), `refuse` answers 401.
    #[serde(default)]
    pub on_missing: OnMissing,
    /// The identity used for requests without the header when `on_missing = "fallback"`.
    #[serde(default = "default_fallback_identity")]
    pub fallback: String,
}

impl Default for Identity {
    fn default() -> Self {
        Self {
            source: IdentitySource::default(),
            secret_var: default_identity_secret(),
            header: default_identity_header(),
            on_missing: OnMissing::default(),
            fallback: default_fallback_identity(),
        }
    }
}

fn default_identity_secret() -> String {
    "IDENTITY_SECRET".into()
}

/// Where a request's identity comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IdentitySource {
    /// The identity header as sent.
    #[default]
    Header,
    /// A hash of the `Authorization` bearer key.
    BearerHash,
    /// The identity header, verified by its HMAC signature.
    SignedHeader,
}

fn default_identity_header() -> String {
    "X-User-ID".into()
}

fn default_fallback_identity() -> String {
    "anonymous".into()
}

/// What to do with a request that carries no identity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OnMissing {
    /// Serve it as the fallback identity.
    #[default]
    Fallback,
    /// Refuse it with 401.
    Refuse,
}

/// A per-user limiter: requests (and optionally tokens) per window.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limiter {
    /// Where the counts live, which decides how exact the limit is: `kv` (soft: eventually
    /// consistent, concurrent requests can overshoot), `durable-object` (strict: one object
    /// per user serializes every count), `rate-limit-binding` (Cloudflare's native limiter:
    /// fast, counted per location, periods of 10 or 60 s, limit set in wrangler.toml).
    #[serde(default)]
    pub backend: Backend,
    /// How requests are counted: `fixed-window` (resets on each window boundary, so up to
    /// twice the limit can pass across one) or `sliding-window` (weighs the previous window
    /// in, which removes that burst). The native binding always counts its own way.
    #[serde(default)]
    pub algorithm: Algorithm,
    /// Requests each user may make per window.
    #[serde(default = "default_requests")]
    pub requests: u32,
    /// Tokens (the upstream's `usage.total_tokens`) each user may spend per window; a user
    /// over it gets 429 on the next request. Not available with `rate-limit-binding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    /// The window length in seconds; windows are aligned to the epoch (a 60 s window starts
    /// on each minute).
    #[serde(default = "default_window_seconds")]
    pub window_seconds: u32,
    /// (`kv` only) How long a window's counter lives in KV, in seconds. KV's minimum is 60
    /// and the TTL must cover the window (twice the window for `sliding-window`, which reads
    /// the previous one); longer tolerates write contention at the cost of staleness.
    #[serde(default = "default_kv_ttl_seconds")]
    pub kv_ttl_seconds: u32,
    /// The binding in wrangler.toml: a KV namespace (`kv`, default `RATE_LIMIT`), a Durable
    /// Object namespace (`durable-object`, default `LIMITER`) or a ratelimit binding
    /// (`rate-limit-binding`, default `RATE_LIMITER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    /// What to do when the counter store fails or is slower than `store_timeout_ms`: `open`
    /// lets the request through uncounted (the gateway stays up; the row says so), `closed`
    /// refuses it with 503 (the quota is never exceeded).
    #[serde(default)]
    pub on_store_error: FailMode,
    /// How long to wait for the counter store, in milliseconds, before `on_store_error`
    /// applies.
    #[serde(default = "default_store_timeout_ms")]
    pub store_timeout_ms: u64,
}

impl Limiter {
    /// The binding this limiter uses, with the backend's default filled in.
    pub fn binding(&self) -> &str {
        self.binding.as_deref().unwrap_or(match self.backend {
            Backend::Kv => "RATE_LIMIT",
            Backend::DurableObject => "LIMITER",
            Backend::RateLimitBinding => "RATE_LIMITER",
        })
    }
}

/// Where a limiter's counts live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// Workers KV: soft, eventually consistent.
    #[default]
    Kv,
    /// A Durable Object per user: strict.
    DurableObject,
    /// Cloudflare's rate-limiting binding: per location, 10 or 60 s periods.
    RateLimitBinding,
}

/// How requests are counted within windows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// Counts reset at each window boundary.
    #[default]
    FixedWindow,
    /// The previous window's count, weighted by how much of it still overlaps, is added.
    SlidingWindow,
}

/// What a limiter does when its store fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FailMode {
    /// Let the request through uncounted.
    #[default]
    Open,
    /// Refuse it with 503.
    Closed,
}

fn default_requests() -> u32 {
    50
}

fn default_window_seconds() -> u32 {
    60
}

fn default_kv_ttl_seconds() -> u32 {
    120
}

fn default_store_timeout_ms() -> u64 {
    1000
}

/// An OpenAI-compatible server the gateway forwards to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// A fixed base URL, e.g. `https://llm.example.com`. Give this or `url_var`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The Worker var or secret that holds the base URL, read at run time, so the origin can
    /// be swapped without a rebuild (e.g. `OPENCLAW_URL`). Give this or `url`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_var: Option<String>,
    /// How long to wait for the upstream's response headers, in milliseconds; past it the
    /// client gets 504. Streaming bodies are not cut by it.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// After a failed attempt, skip this upstream for this many seconds (when another is
    /// left), so a dead bridge does not cost every request a timeout. Each Worker instance
    /// learns this on its own.
    #[serde(default = "default_cooloff_seconds")]
    pub cooloff_seconds: u32,
}

fn default_cooloff_seconds() -> u32 {
    30
}

fn default_timeout_ms() -> u64 {
    60_000
}

/// An access log: one row per request in a D1 table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Log {
    /// The D1 database binding (declared in wrangler.toml).
    #[serde(default = "default_d1_binding")]
    pub binding: String,
    /// The table rows go into. `gateway migrate` writes its `CREATE TABLE`; every table also
    /// gets an `id INTEGER PRIMARY KEY AUTOINCREMENT`.
    #[serde(default = "default_table")]
    pub table: String,
    /// The table's columns, each filled from one fact about the request.
    pub columns: Vec<Column>,
}

fn default_d1_binding() -> String {
    "DB".into()
}

fn default_table() -> String {
    "requests".into()
}

/// One column of the access log.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The column name in SQL.
    pub name: String,
    /// What fills the column: `user_id`, `method`, `path`, `status`, `latency_ms`,
    /// `tokens_est`, `created_at`, `request_id`, `upstream`, `config_version`, `model`,
    /// `error`, `limit_state`, `tokens_source`, `outcome`, `attempts`, `response_bytes`, or
    /// `header:<Name>` for a request header (never `Authorization` or `Cookie`).
    pub source: ColumnSource,
    /// The SQL type; defaults to the source's natural type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub sql_type: Option<SqlType>,
}

/// The SQL column types D1 (SQLite) stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum SqlType {
    /// Text.
    Text,
    /// A 64-bit integer.
    Integer,
    /// A floating-point number.
    Real,
}

impl SqlType {
    /// The keyword in `CREATE TABLE`.
    pub fn as_sql(self) -> &'static str {
        match self {
            SqlType::Text => "TEXT",
            SqlType::Integer => "INTEGER",
            SqlType::Real => "REAL",
        }
    }
}

/// A route: which requests it takes and the stages they pass through.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// A name for diagnostics and the plan.
    pub name: String,
    /// The HTTP methods the route accepts; others get 405 with `Allow`.
    pub methods: Vec<Method>,
    /// The path: exact (`/health`) or a prefix ending in `/*` (`/v1/*` matches `/v1/` and
    /// everything below it).
    pub path: String,
    /// The stages, in order: `auth-header`, `limit`, then one responder (`proxy` or
    /// `health`); a `log` stage records every request, including refused ones.
    pub stages: Vec<Stage>,
}

fn default_retry_on_status() -> Vec<u16> {
    vec![502, 503, 504]
}

/// HTTP methods a route can accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    Get,
    /// HEAD
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
        }
    }
}

/// One step of a route's pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "stage", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Stage {
    /// Identify the user from the `[identity]` header (or refuse, per `on_missing`).
    AuthHeader,
    /// Count the request against a limiter; over the limit the client gets 429.
    Limit {
        /// The limiter's name in `[limiters]`.
        limiter: String,
    },
    /// Forward the request to an upstream and stream its answer back.
    Proxy {
        /// The upstream's name in `[upstreams]`: the one tried first.
        upstream: String,
        /// Upstreams to try next, in order, when the one before fails (connect error,
        /// timeout, or a status in `retry_on_status`) before anything was sent to the client,
        /// e.g. the Tailscale bridge first, then a Cloudflare Tunnel.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failover: Vec<String>,
        /// Upstream statuses that count as a failed attempt (and mark the upstream unhealthy)
        /// when another upstream is left to try. The last attempt's answer is passed on as is.
        #[serde(default = "default_retry_on_status")]
        retry_on_status: Vec<u16>,
        /// A deadline for all attempts together, in milliseconds; each attempt also has its
        /// upstream's `timeout_ms`. Unset: no overall deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline_ms: Option<u64>,
        /// Ask the upstream for token usage on streamed answers (adds
        /// `stream_options.include_usage = true` to a `"stream": true` request that lacks it),
        /// and hide that usage chunk from a client that did not ask for it. Without it, a
        /// streamed answer's tokens are estimated unless the client asked for usage itself.
        #[serde(default)]
        stream_usage: bool,
    },
    /// Answer `{"status":"ok","gateway":<name>}`.
    Health,
    /// Record the request in an access log after the response is sent.
    Log {
        /// The log's name in `[logs]`.
        log: String,
    },
}

/// What a stage's name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// An entry of `[limiters]`.
    Limiter,
    /// An entry of `[upstreams]`.
    Upstream,
    /// An entry of `[logs]`.
    Log,
}

impl RefKind {
    /// The singular word, for messages.
    pub fn name(self) -> &'static str {
        match self {
            RefKind::Limiter => "limiter",
            RefKind::Upstream => "upstream",
            RefKind::Log => "log",
        }
    }

    /// The table the names live in.
    pub fn section(self) -> &'static str {
        match self {
            RefKind::Limiter => "limiters",
            RefKind::Upstream => "upstreams",
            RefKind::Log => "logs",
        }
    }
}

/// A name a stage uses, and where in the stage it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    /// What it names.
    pub kind: RefKind,
    /// The key holding it, e.g. `upstream`, or `failover` with an index.
    pub key: &'static str,
    /// The index within `key`, for lists.
    pub index: Option<usize>,
    /// The name.
    pub name: &'a str,
}

impl Reference<'_> {
    /// Its path, below the stage's path `stage`.
    pub fn path(&self, stage: &super::ConfigPath) -> super::ConfigPath {
        let at = stage.key(self.key);
        match self.index {
            Some(i) => at.index(i),
            None => at,
        }
    }
}

impl Stage {
    /// Every name this stage refers to, in the order written.
    pub fn references(&self) -> Vec<Reference<'_>> {
        fn one<'a>(kind: RefKind, key: &'static str, name: &'a str) -> Reference<'a> {
            Reference {
                kind,
                key,
                index: None,
                name,
            }
        }
        match self {
            Stage::Limit { limiter } => vec![one(RefKind::Limiter, "limiter", limiter)],
            Stage::Log { log } => vec![one(RefKind::Log, "log", log)],
            Stage::Proxy {
                upstream, failover, ..
            } => std::iter::once(one(RefKind::Upstream, "upstream", upstream))
                .chain(failover.iter().enumerate().map(|(i, name)| Reference {
                    kind: RefKind::Upstream,
                    key: "failover",
                    index: Some(i),
                    name: name.as_str(),
                }))
                .collect(),
            Stage::AuthHeader | Stage::Health => Vec::new(),
        }
    }

    /// The stage's name as written in `stage = "..."`.
    pub fn kind(&self) -> &'static str {
        match self {
            Stage::AuthHeader => "auth-header",
            Stage::Limit { .. } => "limit",
            Stage::Proxy { .. } => "proxy",
            Stage::Health => "health",
            Stage::Log { .. } => "log",
        }
    }
}
