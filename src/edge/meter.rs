//! The Worker's limiters: one [`Meter`] over the three backends, each call bounded by the
//! limiter's store timeout so a slow store cannot hold a request.

use std::time::Duration;

use futures_util::future::{Either, select};
use worker::{Delay, Env};

use super::counters::KvCounters;
use super::strict;
use crate::config::{Backend, Limiter};
use crate::pipeline::limit::Budget;
use crate::pipeline::{Counted, Exceeded, Meter, StoreError, Verdict};

/// Limiters over the bindings in `env`.
pub struct EdgeMeter<'a> {
    env: &'a Env,
}

impl<'a> EdgeMeter<'a> {
    /// Limiters over the bindings in `env`.
    pub fn new(env: &'a Env) -> Self {
        Self { env }
    }
}

/// `work`, or a [`StoreError`] once `timeout_ms` has passed.
async fn within<T>(
    timeout_ms: u64,
    work: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let deadline = Delay::from(Duration::from_millis(timeout_ms));
    match select(Box::pin(work), deadline).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => Err(StoreError(format!("no answer within {timeout_ms} ms"))),
    }
}

impl Meter for EdgeMeter<'_> {
    async fn check(
        &self,
        name: &str,
        limiter: &Limiter,
        user: &str,
        now_ms: u64,
    ) -> Result<Verdict, StoreError> {
        within(limiter.store_timeout_ms, async {
            match limiter.backend {
                Backend::Kv => {
                    Counted(KvCounters::new(self.env))
                        .check(name, limiter, user, now_ms)
                        .await
                }
                Backend::DurableObject => {
                    strict::check(self.env, name, limiter, user, now_ms).await
                }
                Backend::RateLimitBinding => native(self.env, name, limiter, user).await,
            }
        })
        .await
    }

    async fn charge(
        &self,
        name: &str,
        limiter: &Limiter,
        user: &str,
        at_ms: u64,
        tokens: u64,
    ) -> Result<(), StoreError> {
        within(limiter.store_timeout_ms, async {
            match limiter.backend {
                Backend::Kv => {
                    Counted(KvCounters::new(self.env))
                        .charge(name, limiter, user, at_ms, tokens)
                        .await
                }
                Backend::DurableObject => {
                    strict::charge(self.env, name, limiter, user, at_ms, tokens).await
                }
                // Validation refuses token budgets on the native binding.
                Backend::RateLimitBinding => Ok(()),
            }
        })
        .await
    }
}

/// Cloudflare's rate-limiting binding: it says yes or no, not how much is left, and its
/// period's edges are its own, so the reset is given as the whole period (an upper bound).
async fn native(
    env: &Env,
    name: &str,
    limiter: &Limiter,
    user: &str,
) -> Result<Verdict, StoreError> {
    let binding = limiter.binding();
    let error = |e: worker::Error| StoreError(format!("rate-limit binding `{binding}`: {e}"));
    let outcome = env
        .rate_limiter(binding)
        .map_err(error)?
        .limit(format!("{name}:{user}"))
        .await
        .map_err(error)?;
    Ok(Verdict {
        refused: (!outcome.success).then_some(Exceeded::Requests),
        requests: Budget {
            limit: u64::from(limiter.requests),
            remaining: None,
            reset_seconds: u64::from(limiter.window_seconds),
            window_seconds: limiter.window_seconds,
        },
        tokens: None,
    })
}
