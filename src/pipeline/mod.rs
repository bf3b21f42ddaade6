//! The request pipeline's decisions, independent of the runtime: which route, who is asking,
//! whether the limit allows it, what goes upstream, what the log row says.
//!
//! Stages run in the route's order; the first that refuses ends the request with an
//! [`ApiError`]. Logging is not a step here: the adapter writes the row for every outcome.

pub mod error;
pub mod forward;
pub mod identity;
pub mod limit;
pub mod route;
pub mod row;
pub mod time;
pub mod usage;

use serde::Serialize;

pub use error::ApiError;
pub use limit::{Counters, StoreError, Verdict};
pub use row::{Facts, Row, SqlValue};

use crate::config::{Config, Log, Route, Stage, Upstream};

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
    /// Forward to an upstream.
    Proxy {
        /// The upstream's name.
        name: &'a str,
        /// Its settings.
        upstream: &'a Upstream,
    },
}

/// The outcome of a request's stages before the responder.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission<'a> {
    /// Who answers.
    pub responder: Responder<'a>,
    /// Each limiter's verdict, in stage order.
    pub verdicts: Vec<Verdict>,
    /// Counter-store failures the request was let through despite (fail-open), for the console.
    pub store_errors: Vec<String>,
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
    /// `facts` collects what the log row will say.
    pub async fn admit<'a, C: Counters>(
        &'a self,
        route: &'a Route,
        header: impl Fn(&str) -> Option<String>,
        counters: &C,
        now_ms: u64,
        facts: &mut Facts,
    ) -> Result<Admission<'a>, ApiError> {
        let mut verdicts = Vec::new();
        let mut store_errors = Vec::new();
        for stage in &route.stages {
            match stage {
                Stage::AuthHeader => {
                    let identity = &self.config.identity;
                    facts.user_id = Some(identity::identify(
                        identity,
                        header(&identity.header).as_deref(),
                    )?);
                }
                Stage::Limit { limiter: name } => {
                    let (Some(limiter), Some(user)) =
                        (self.config.limiters.get(name), facts.user_id.as_deref())
                    else {
                        continue;
                    };
                    match limit::check(counters, name, limiter, user, now_ms).await {
                        Ok(verdict) if verdict.allowed => verdicts.push(verdict),
                        Ok(verdict) => {
                            let message = format!(
                                "Rate limit reached for user `{user}`: {} requests per {} s. Retry in {} s.",
                                verdict.limit, limiter.window_seconds, verdict.reset_seconds
                            );
                            return Err(ApiError::rate_limited(message, verdict.reset_seconds));
                        }
                        Err(StoreError(why)) => store_errors.push(format!(
                            "limiter `{name}` let a request through unchecked: {why}"
                        )),
                    }
                }
                Stage::Health => {
                    let body = Health {
                        status: "ok",
                        gateway: &self.config.gateway.name,
                    };
                    let json = serde_json::to_string(&body).unwrap_or_default();
                    return Ok(Admission {
                        responder: Responder::Health(json),
                        verdicts,
                        store_errors,
                    });
                }
                Stage::Proxy { upstream: name } => {
                    if let Some((name, upstream)) = self.config.upstreams.get_key_value(name) {
                        let responder = Responder::Proxy { name, upstream };
                        return Ok(Admission {
                            responder,
                            verdicts,
                            store_errors,
                        });
                    }
                }
                Stage::Log { .. } => {}
            }
        }
        Err(ApiError::misconfigured(format!(
            "route `{}` has no responder",
            route.name
        )))
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

    #[test]
    fn health_answers_with_the_gateway_name() {
        let g = gateway();
        let route = g.route("GET", "/health").unwrap();
        let a = block_on(g.admit(
            route,
            |_| None,
            &MapCounters::default(),
            0,
            &mut Facts::default(),
        ))
        .unwrap();
        assert_eq!(
            a.responder,
            Responder::Health(r#"{"status":"ok","gateway":"organized-gateway"}"#.into())
        );
    }

    #[test]
    fn api_requests_are_identified_limited_and_proxied() {
        let g = gateway();
        let route = g.route("POST", "/v1/chat/completions").unwrap();
        let counters = MapCounters::default();
        let header = |name: &str| (name == "X-User-ID").then(|| "alice".to_string());
        let mut facts = Facts::default();
        for i in 0..50 {
            let a = block_on(g.admit(route, header, &counters, 1_000, &mut facts)).unwrap();
            assert!(matches!(
                a.responder,
                Responder::Proxy {
                    name: "openclaw",
                    ..
                }
            ));
            assert_eq!(a.verdicts[0].remaining, 49 - i);
        }
        assert_eq!(facts.user_id.as_deref(), Some("alice"));
        let err = block_on(g.admit(route, header, &counters, 1_000, &mut facts)).unwrap_err();
        assert_eq!((err.status, err.code), (429, "rate_limit_exceeded"));
        assert_eq!(err.headers, vec![("Retry-After", "59".to_string())]);
    }

    #[test]
    fn a_failing_counter_store_lets_requests_through_and_says_so() {
        let g = gateway();
        let route = g.route("POST", "/v1/x").unwrap();
        let counters = MapCounters {
            failing: true,
            ..MapCounters::default()
        };
        let a = block_on(g.admit(route, |_| None, &counters, 0, &mut Facts::default())).unwrap();
        assert_eq!(a.store_errors.len(), 1);
    }

    #[test]
    fn unrouted_and_misrouted_requests_are_refused_and_still_logged() {
        let g = gateway();
        assert_eq!(g.route("GET", "/nope").unwrap_err().status, 404);
        assert_eq!(
            g.route("GET", "/v1/chat/completions").unwrap_err().status,
            405
        );
        assert_eq!(g.route("POST", "/v1/../admin").unwrap_err().status, 400);
        assert!(g.log_of_unrouted("/v1/chat/completions").is_some());
        assert!(g.log_of_unrouted("/nope").is_some());
        assert_eq!(g.check_body_len(1024 * 1024 + 1).unwrap_err().status, 413);
    }
}
