//! The Worker: connects the pipeline's decisions to KV, D1 and `fetch` (wasm32 only).
//!
//! Per request: route → stages (auth-header, limit) → responder (health, or proxy with the
//! upstream's body streamed back through an observer) → the log row, written with
//! `wait_until` once the outcome is known, so logging never delays or breaks the response.

mod access_log;
mod counters;
mod meter;
mod strict;
mod upstream;

use std::sync::OnceLock;

use worker::{Context, Date, Env, Headers, Request, Response, event};

use crate::config::{self, IdentitySource, Log};
use crate::pipeline::row::BodyEnd;
use crate::pipeline::{ApiError, Facts, Gateway, Meter, Responder, estimate, time};

use meter::EdgeMeter;

/// The configuration chosen at build time (`GATEWAY_CONFIG`, see build.rs).
const CONFIG_TEXT: &str = include_str!(env!("GATEWAY_CONFIG_PATH"));
const CONFIG_NAME: &str = env!("GATEWAY_CONFIG_NAME");

/// Parsed once per isolate. An invalid embedded config is kept as its rendered diagnostics,
/// which every request then reports instead of panicking.
static GATEWAY: OnceLock<Result<Gateway, String>> = OnceLock::new();

fn gateway() -> &'static Result<Gateway, String> {
    GATEWAY.get_or_init(|| {
        config::load(CONFIG_NAME, CONFIG_TEXT)
            .map(|loaded| Gateway::new(loaded.config))
            .map_err(|report| report.to_string())
    })
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    match gateway() {
        Ok(gateway) => Ok(serve(gateway, req, env, &ctx).await),
        Err(report) => {
            worker::console_error!("{report}");
            let err = ApiError::misconfigured(format!(
                "The gateway's configuration `{CONFIG_NAME}` is invalid; run `gateway check` on it."
            ));
            Ok(error_response(&err, ""))
        }
    }
}

/// The parts of the request line the pipeline needs, as the client sent them.
struct Target {
    method: String,
    path: String,
    query: Option<String>,
}

/// The raw path and query: `Url` would resolve dot segments before they could be refused.
fn target(req: &Request) -> Target {
    let url = req.inner().url();
    let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let path_and_query = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (path_and_query, None),
    };
    Target {
        method: req.method().to_string(),
        path: path.to_string(),
        query,
    }
}

async fn serve(gateway: &'static Gateway, mut req: Request, env: Env, ctx: &Context) -> Response {
    let started = Date::now().as_millis();
    let target = target(&req);
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let request_id = request_id(&headers);
    let mut facts = Facts {
        method: target.method.clone(),
        path: target.path.clone(),
        created_at: time::sqlite_datetime(started),
        request_id: request_id.clone(),
        config_version: gateway.config.gateway.version.clone(),
        headers: headers.clone(),
        ..Facts::default()
    };
    let route = match gateway.route(&target.method, &target.path) {
        Ok(route) => route,
        Err(err) => {
            let log = gateway.log_of_unrouted(&target.path);
            return refuse(err, log, facts, started, env, ctx);
        }
    };
    let log = gateway.log_of(route);
    let meter = EdgeMeter::new(&env);
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let secret = signing_secret(gateway, &env);
    let secret = secret.as_deref().map(str::as_bytes);
    let admission = match gateway
        .admit(route, header, secret, &meter, started, &mut facts)
        .await
    {
        Ok(admission) => admission,
        Err(err) => return refuse(err, log, facts, started, env, ctx),
    };
    for problem in &admission.store_errors {
        worker::console_error!("{problem}");
    }
    let limit_headers = admission.limit_headers(&gateway.config.gateway.rate_limit_headers);
    let proxy = match admission.responder {
        Some(Responder::Proxy(proxy)) => proxy,
        Some(Responder::Health(body)) => {
            facts.status = 200;
            let response = with_headers(json_response(200, &body, &request_id), &limit_headers);
            finish_log(log, facts, started, env, ctx);
            return response;
        }
        None => {
            let err = ApiError::misconfigured(format!("route `{}` has no responder", route.name));
            return refuse(err, log, facts, started, env, ctx);
        }
    };
    let body = match read_body(gateway, &mut req).await {
        Ok(body) => body,
        Err(err) => return refuse(err, log, facts, started, env, ctx),
    };
    facts.model = crate::pipeline::row::model_of(&body);
    let request_chars = estimate::request_chars(&body);
    let call = upstream::Call {
        proxy: &proxy,
        target: &target,
        headers: &headers,
        body,
        started_ms: started,
    };
    let forwarded = match upstream::forward(&env, call).await {
        Ok(forwarded) => forwarded,
        Err(failed) => {
            facts.attempts = (failed.attempts > 0).then_some(failed.attempts);
            return refuse(failed.error, log, facts, started, env, ctx);
        }
    };
    facts.upstream = Some(forwarded.upstream.to_string());
    facts.attempts = Some(forwarded.attempts);
    facts.status = forwarded.response.status_code();
    facts.latency_ms = Date::now().as_millis().saturating_sub(started);
    let response = with_headers(
        with_request_id(forwarded.response, &request_id),
        &limit_headers,
    );
    let ended = forwarded.ended;
    let token_limiters: Vec<_> = admission
        .metered
        .iter()
        .filter(|m| m.limiter.tokens.is_some())
        .map(|m| (m.name, m.limiter))
        .collect();
    // After the body has passed: charge token budgets, then write the row.
    ctx.wait_until(async move {
        let (summary, end) = ended
            .await
            .unwrap_or((Default::default(), BodyEnd::ClientClosed));
        facts.settle(&summary, end, request_chars);
        let user = facts.user_id.clone().unwrap_or_default();
        let meter = EdgeMeter::new(&env);
        for (name, limiter) in token_limiters {
            if let Err(err) = meter
                .charge(name, limiter, &user, started, facts.tokens)
                .await
            {
                worker::console_error!(
                    "limiter `{name}` could not charge {} tokens to `{user}`: {}",
                    facts.tokens,
                    err.0
                );
            }
        }
        if let Some(log) = log {
            access_log::write(&env, log, &facts).await;
        }
    });
    response
}

/// Reads the body, refusing it unread when `Content-Length` already says it is too large.
async fn read_body(gateway: &Gateway, req: &mut Request) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = declared {
        gateway.check_body_len(len)?;
    }
    let body = req.bytes().await.map_err(|err| {
        ApiError::bad_request(
            "unreadable_body",
            format!("The request body could not be read: {err}"),
        )
    })?;
    gateway.check_body_len(body.len() as u64)?;
    Ok(body)
}

/// Answers with `err` and logs the request.
fn refuse(
    err: ApiError,
    log: Option<&'static Log>,
    mut facts: Facts,
    started: u64,
    env: Env,
    ctx: &Context,
) -> Response {
    facts.status = err.status;
    facts.error = Some(err.code);
    let response = error_response(&err, &facts.request_id);
    finish_log(log, facts, started, env, ctx);
    response
}

fn finish_log(log: Option<&'static Log>, mut facts: Facts, started: u64, env: Env, ctx: &Context) {
    facts.latency_ms = Date::now().as_millis().saturating_sub(started);
    if let Some(log) = log {
        ctx.wait_until(async move { access_log::write(&env, log, &facts).await });
    }
}

fn error_response(err: &ApiError, request_id: &str) -> Response {
    with_headers(
        json_response(err.status, &err.body(), request_id),
        &err.headers,
    )
}

fn json_response(status: u16, body: &str, request_id: &str) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/json");
    let response = Response::from_bytes(body.as_bytes().to_vec())
        .unwrap_or_else(|_| Response::empty().unwrap_or_else(|_| Response::builder().empty()))
        .with_status(status)
        .with_headers(headers);
    with_request_id(response, request_id)
}

fn with_request_id(response: Response, request_id: &str) -> Response {
    if !request_id.is_empty() {
        let _ = response.headers().set("x-request-id", request_id);
    }
    response
}

/// Cloudflare's ray id when there is one (it ties the row to Cloudflare's own logs), else a
/// random id.
fn request_id(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("cf-ray"))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| {
            let random = || (worker::js_sys::Math::random() * f64::from(u32::MAX)) as u32;
            format!("{:08x}{:08x}", random(), random())
        })
}

/// Sets `headers` on `response`, replacing any the upstream sent under the same names.
fn with_headers(response: Response, headers: &[(&str, String)]) -> Response {
    for (name, value) in headers {
        let _ = response.headers().set(name, value);
    }
    response
}

/// The HMAC key for signed identities, when the configuration uses them.
fn signing_secret(gateway: &Gateway, env: &Env) -> Option<String> {
    let identity = &gateway.config.identity;
    if identity.source != IdentitySource::SignedHeader {
        return None;
    }
    env.secret(&identity.secret_var).ok().map(|s| s.to_string())
}
