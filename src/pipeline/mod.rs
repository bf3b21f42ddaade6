//! The request pipeline's decisions, independent of the runtime: which route, who is asking,
//! whether the limit allows it, what goes upstream, what the log row says.
//!
//! Stages run in the route's order; the first that refuses ends the request with an
//! [`ApiError`]. Logging is not a step here: the adapter writes the row for every outcome.

pub mod error;
pub mod estimate;
pub mod failover;
pub mod forward;
pub mod identity;
pub mod limit;
pub mod limit_headers;
pub mod route;
pub mod row;
pub mod stream_request;
pub mod time;
pub mod usage;

use serde::Serialize;

pub use error::ApiError;
pub use limit::{Counted, Counters, Exceeded, Meter, StoreError, Verdict};
pub use row::{Facts, Row, SqlValue};

use crate::config::{Config, FailMode, HeaderFamily, Limiter, Log, Route, Stage, Upstream};

/// A loaded configuration, ready to serve requests.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// The configuration being served.
    pub config: Config,
}

/// What answers a request that passed its stages.
#[derive(Debug, Clone, PartialEq)]
pub enum Responder<'a> {
    /// The health check, with its JSON body.
    Health(String),
    /// Forward to an upstream (failing over to the others).
    Proxy(Proxy<'a>),
}

/// How a request is forwarded.
#[derive(Debug, Clone, PartialEq)]
pub struct Proxy<'a> {
    /// The upstreams in the order listed: first the primary, then the failover ones.
    pub upstreams: Vec<(&'a str, &'a Upstream)>,
    /// Upstream statuses that count as a failed attempt.
    pub retry_on_status: &'a [u16],
    /// A deadline for all attempts together.
    pub deadline_ms: Option<u64>,
    /// Whether to ask for (and hide) usage on streamed requests.
    pub stream_usage: bool,
}

/// The outcome of a request's stages before the responder.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission<'a> {
    /// Who answers; set by the responder stage.
    pub responder: Option<Responder<'a>>,
    /// The limiters that counted the request, in stage order.
    pub metered: Vec<Metered<'a>>,
    /// Counter-store failures the request was let through despite (fail-open), for the console.
    pub store_errors: Vec<String>,
}

/// A limiter that counted a request, and what it said.
#[derive(Debug, Clone, PartialEq)]
pub struct Metered<'a> {
    /// The limiter's name.
    pub name: &'a str,
    /// Its settings (token limiters are charged after the answer).
    pub limiter: &'a Limiter,
    /// Its verdict.
    pub verdict: Verdict,
}

#[derive(Serialize)]
struct Health<'a> {
    status: &'a str,
    gateway: &'a str,
}

impl Gateway {
    /// A gateway serving `config` (which has passed validation).
    pub fn new(config: Config) -> Self {
        Self { config }
    }

    /// The route for `method` and `path`, or the 400/404/405 to answer.
    pub fn route(&self, method: &str, path: &str) -> Result<&Route, ApiError> {
        route::check_path(path)?;
        route::select(&self.config.routes, method, path).map(|i| &self.config.routes[i])
    }

    /// The log that records a request on `route`.
    pub fn log_of(&self, route: &Route) -> Option<&Log> {
        route.stages.iter().find_map(|s| match s {
            Stage::Log { log } => self.config.logs.get(log),
            _ => None,
        })
    }

    /// The log that records a request no route took: the log of the route owning the path
    /// (a 405), else `gateway.unrouted_log` (a 404 or a refused path).
    pub fn log_of_unrouted(&self, path: &str) -> Option<&Log> {
        route::by_path(&self.config.routes, path)
            .and_then(|r| self.log_of(r))
            .or_else(|| {
                self.config
                    .gateway
                    .unrouted_log
                    .as_ref()
                    .and_then(|l| self.config.logs.get(l))
            })
    }

    /// Refuses a body larger than `gateway.max_body_bytes`.
    pub fn check_body_len(&self, len: u64) -> Result<(), ApiError> {
        let max = self.config.gateway.max_body_bytes;
        if len > max {
            Err(ApiError::body_too_large(len, max))
        } else {
            Ok(())
        }
    }

    /// Runs `route`'s stages up to its responder. `header` reads a request header by name;
    /// `secret` is the signed-identity key when the Worker has one; `facts` collects what the
    /// log row will say. A refusal comes back as the error to answer, rate-limit headers
    /// included.
    pub async fn admit<'a, M: Meter>(
        &'a self,
        route: &'a Route,
        header: impl Fn(&str) -> Option<String>,
        secret: Option<&[u8]>,
        meter: &M,
        now_ms: u64,
        facts: &mut Facts,
    ) -> Result<Admission<'a>, ApiError> {
        let mut admission = Admission {
            responder: None,
            metered: Vec::new(),
            store_errors: Vec::new(),
        };
        for stage in &route.stages {
            match stage {
                Stage::AuthHeader => {
                    facts.user_id =
                        Some(identity::identify(&self.config.identity, &header, secret)?);
                }
                Stage::Limit { limiter: name } => {
                    let (Some((name, limiter)), Some(user)) = (
                        self.config.limiters.get_key_value(name),
                        facts.user_id.clone(),
                    ) else {
                        continue;
                    };
                    self.limit(name, limiter, &user, meter, now_ms, facts, &mut admission)
                        .await?;
                }
                Stage::Health => {
                    let body = Health {
                        status: "ok",
                        gateway: &self.config.gateway.name,
                    };
                    admission.responder = Some(Responder::Health(
                        serde_json::to_string(&body).unwrap_or_default(),
                    ));
                    return Ok(admission);
                }
                Stage::Proxy {
                    upstream,
                    failover,
                    retry_on_status,
                    deadline_ms,
                    stream_usage,
                } => {
                    let upstreams = std::iter::once(upstream)
                        .chain(failover)
                        .filter_map(|name| self.config.upstreams.get_key_value(name))
                        .map(|(name, upstream)| (name.as_str(), upstream))
                        .collect();
                    admission.responder = Some(Responder::Proxy(Proxy {
                        upstreams,
                        retry_on_status,
                        deadline_ms: *deadline_ms,
                        stream_usage: *stream_usage,
                    }));
                    return Ok(admission);
                }
                Stage::Log { .. } => {}
            }
        }
        Err(ApiError::misconfigured(format!(
            "route `{}` has no responder",
            route.name
        )))
    }

    #[allow(clippy::too_many_arguments)]
    async fn limit<'a, M: Meter>(
        &self,
        name: &'a str,
        limiter: &'a Limiter,
        user: &str,
        meter: &M,
        now_ms: u64,
        facts: &mut Facts,
        admission: &mut Admission<'a>,
    ) -> Result<(), ApiError> {
        let verdict = match meter.check(name, limiter, user, now_ms).await {
            Ok(verdict) => verdict,
            Err(StoreError(why)) => {
                return match limiter.on_store_error {
                    FailMode::Open => {
                        facts.limit = Some("failed-open");
                        admission.store_errors.push(format!(
                            "limiter `{name}` let a request of `{user}` through uncounted: {why}"
                        ));
                        Ok(())
                    }
                    FailMode::Closed => {
                        facts.limit = Some("failed-closed");
                        Err(ApiError::limiter_unavailable(name))
                    }
                };
            }
        };
        let refused = verdict.refused;
        admission.metered.push(Metered {
            name,
            limiter,
            verdict,
        });
        let Some(exceeded) = refused else {
            facts.limit.get_or_insert("within");
            return Ok(());
        };
        facts.limit = Some("exceeded");
        let verdict = &admission.metered[admission.metered.len() - 1].verdict;
        let mut err = match (exceeded, &verdict.tokens) {
            (Exceeded::Tokens, Some(tokens)) => ApiError::token_limited(
                format!(
                    "Token budget spent for user `{user}`: {} tokens per {} s. Retry in {} s.",
                    tokens.limit, limiter.window_seconds, tokens.reset_seconds
                ),
                tokens.reset_seconds,
            ),
            _ => ApiError::rate_limited(
                format!(
                    "Rate limit reached for user `{user}`: {} requests per {} s. Retry in {} s.",
                    limiter.requests, limiter.window_seconds, verdict.requests.reset_seconds
                ),
                verdict.requests.reset_seconds,
            ),
        };
        err.headers
            .extend(admission.limit_headers(&self.config.gateway.rate_limit_headers));
        Err(err)
    }
}

impl Admission<'_> {
    /// The rate-limit headers of this request's verdicts, in the chosen families.
    pub fn limit_headers(&self, families: &[HeaderFamily]) -> Vec<(&'static str, String)> {
        let verdicts: Vec<(&str, Verdict)> = self
            .metered
            .iter()
            .map(|m| (m.name, m.verdict.clone()))
            .collect();
        limit_headers::headers(families, &verdicts)
    }
}

#[cfg(test)]
mod tests {
    use super::limit::tests::{MapCounters, block_on};
    use super::*;

    fn gateway() -> Gateway {
        let text = include_str!("../../gateway.toml");
        Gateway::new(crate::config::load("gateway.toml", text).unwrap().config)
    }

    fn admit<'a>(
        g: &'a Gateway,
        route: &'a Route,
        user: Option<&str>,
        meter: &Counted<MapCounters>,
        facts: &mut Facts,
    ) -> Result<Admission<'a>, ApiError> {
        let header = |name: &str| {
            (name == "X-User-ID")
                .then(|| user.map(String::from))
                .flatten()
        };
        block_on(g.admit(route, header, None, meter, 1_000, facts))
    }

    #[test]
    fn health_answers_with_the_gateway_name() {
        let g = gateway();
        let route = g.route("GET", "/health").unwrap();
        let a = admit(
            &g,
            route,
            None,
            &Counted(MapCounters::default()),
            &mut Facts::default(),
        )
        .unwrap();
        assert_eq!(
            a.responder,
            Some(Responder::Health(
                r#"{"status":"ok","gateway":"organized-gateway"}"#.into()
            ))
        );
    }

    #[test]
    fn api_requests_are_identified_limited_and_proxied() {
        let g = gateway();
        let route = g.route("POST", "/v1/chat/completions").unwrap();
        let meter = Counted(MapCounters::default());
        let mut facts = Facts::default();
        for i in 0..50 {
            let a = admit(&g, route, Some("alice"), &meter, &mut facts).unwrap();
            let Some(Responder::Proxy(proxy)) = &a.responder else {
                panic!("not proxied")
            };
            assert_eq!(proxy.upstreams[0].0, "openclaw");
            assert_eq!(a.metered[0].verdict.requests.remaining, Some(49 - i));
            let headers = a.limit_headers(&g.config.gateway.rate_limit_headers);
            assert!(headers.contains(&("x-ratelimit-remaining-requests", (49 - i).to_string())));
        }
        assert_eq!(
            (facts.user_id.as_deref(), facts.limit),
            (Some("alice"), Some("within"))
        );
        let err = admit(&g, route, Some("alice"), &meter, &mut facts).unwrap_err();
        assert_eq!(
            (err.status, err.code, facts.limit),
            (429, "rate_limit_exceeded", Some("exceeded"))
        );
        assert!(err.headers.contains(&("Retry-After", "59".to_string())));
        assert!(
            err.headers
                .contains(&("RateLimit", r#""per-user";r=0;t=59"#.to_string()))
        );
    }

    #[test]
    fn a_failing_store_fails_open_or_closed_as_configured() {
        let mut g = gateway();
        let meter = Counted(MapCounters {
            failing: true,
            ..MapCounters::default()
        });
        let mut facts = Facts::default();
        let route = g.route("POST", "/v1/x").unwrap().clone();
        let a = admit(&g, &route, None, &meter, &mut facts).unwrap();
        assert_eq!(
            (a.store_errors.len(), facts.limit),
            (1, Some("failed-open"))
        );
        g.config
            .limiters
            .get_mut("per-user")
            .unwrap()
            .on_store_error = FailMode::Closed;
        let err = admit(&g, &route, None, &meter, &mut facts).unwrap_err();
        assert_eq!(
            (err.status, err.code, facts.limit),
            (503, "limiter_unavailable", Some("failed-closed"))
        );
    }

    #[test]
    fn unrouted_and_misrouted_requests_are_refused_and_still_logged() {
        let g = gateway();
        assert_eq!(g.route("GET", "/nope").unwrap_err().status, 404);
        assert_eq!(
            g.route("GET", "/v1/chat/completions").unwrap_err().status,
            405
        );
        assert_eq!(g.route("POST", "/v1/..%2fadmin").unwrap_err().status, 400);
        assert!(g.log_of_unrouted("/v1/chat/completions").is_some());
        assert!(g.log_of_unrouted("/nope").is_some());
        assert_eq!(g.check_body_len(1024 * 1024 + 1).unwrap_err().status, 413);
    }
}
