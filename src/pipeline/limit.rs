//! The `limit` stage: a fixed-window request counter per user.
//!
//! The arithmetic is here; the counts live behind [`Counters`] (KV in the Worker, a map in
//! tests), and time comes in as a number, so tests move a clock instead of sleeping.

use crate::config::Limiter;

/// Why the counter store could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

/// Where counters live. `binding` names the namespace (a limiter's `binding`).
///
/// Static dispatch only: the Worker is single-threaded, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Counters {
    /// The current count under `key`, if any.
    async fn get(&self, binding: &str, key: &str) -> Result<Option<u64>, StoreError>;
    /// Stores `value` under `key`, expiring after `ttl_seconds`.
    async fn put(
        &self,
        binding: &str,
        key: &str,
        value: u64,
        ttl_seconds: u32,
    ) -> Result<(), StoreError>;
}

/// The limiter's answer for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests per window.
    pub limit: u32,
    /// Requests left in this window after this one.
    pub remaining: u32,
    /// Seconds until the window resets (at least 1).
    pub reset_seconds: u64,
}

/// The window containing `now_ms`: its start (epoch seconds) and the seconds left in it.
pub fn window(now_ms: u64, window_seconds: u32) -> (u64, u64) {
    let length_ms = u64::from(window_seconds.max(1)) * 1000;
    let start_ms = now_ms - now_ms % length_ms;
    let left_ms = start_ms + length_ms - now_ms;
    (start_ms / 1000, left_ms.div_ceil(1000).max(1))
}

/// Counts a request of `user` against limiter `name` at `now_ms`. A request over the limit is
/// not counted, so a refused client does not push its own reset further away.
pub async fn check<C: Counters>(
    counters: &C,
    name: &str,
    limiter: &Limiter,
    user: &str,
    now_ms: u64,
) -> Result<Verdict, StoreError> {
    let (start, reset_seconds) = window(now_ms, limiter.window_seconds);
    let key = format!("rl:{name}:{start}:{user}");
    let used = counters.get(&limiter.binding, &key).await?.unwrap_or(0);
    let limit = limiter.requests;
    if used >= u64::from(limit) {
        return Ok(Verdict {
            allowed: false,
            limit,
            remaining: 0,
            reset_seconds,
        });
    }
    counters
        .put(&limiter.binding, &key, used + 1, limiter.kv_ttl_seconds)
        .await?;
    let remaining = u32::try_from(u64::from(limit) - used - 1).unwrap_or(0);
    Ok(Verdict {
        allowed: true,
        limit,
        remaining,
        reset_seconds,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;

    /// Counters in a map, with a switch to make the store fail.
    #[derive(Default)]
    pub struct MapCounters {
        pub values: RefCell<HashMap<String, u64>>,
        pub failing: bool,
    }

    impl Counters for MapCounters {
        async fn get(&self, _: &str, key: &str) -> Result<Option<u64>, StoreError> {
            if self.failing {
                return Err(StoreError("store down".into()));
            }
            Ok(self.values.borrow().get(key).copied())
        }

        async fn put(&self, _: &str, key: &str, value: u64, _: u32) -> Result<(), StoreError> {
            self.values.borrow_mut().insert(key.to_string(), value);
            Ok(())
        }
    }

    /// Drives a future whose I/O is all in memory (the fakes never wait).
    pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    fn limiter(requests: u32) -> Limiter {
        Limiter {
            requests,
            window_seconds: 60,
            kv_ttl_seconds: 120,
            binding: "RATE_LIMIT".into(),
        }
    }

    fn admitted(counters: &MapCounters, l: &Limiter, user: &str, at_ms: u64, n: u32) -> u32 {
        (0..n)
            .filter(|_| {
                block_on(check(counters, "per-user", l, user, at_ms))
                    .unwrap()
                    .allowed
            })
            .count() as u32
    }

    #[test]
    fn the_51st_request_in_a_window_is_refused_until_the_next_window() {
        let counters = MapCounters::default();
        let l = limiter(50);
        let t0 = 1_800_000_000_000; // a minute boundary
        assert_eq!(admitted(&counters, &l, "alice", t0 + 5_000, 50), 50);
        let refused = block_on(check(&counters, "per-user", &l, "alice", t0 + 20_000)).unwrap();
        assert_eq!(
            (refused.allowed, refused.remaining, refused.reset_seconds),
            (false, 0, 40)
        );
        // Another user has a bucket of their own.
        assert_eq!(admitted(&counters, &l, "bob", t0 + 20_000, 1), 1);
        // The next window starts fresh.
        assert_eq!(admitted(&counters, &l, "alice", t0 + 60_000, 1), 1);
    }

    #[test]
    fn a_fixed_window_admits_twice_the_limit_across_its_edge() {
        let counters = MapCounters::default();
        let l = limiter(50);
        let edge = 1_800_000_060_000;
        let before = admitted(&counters, &l, "alice", edge - 1_000, 50);
        let after = admitted(&counters, &l, "alice", edge, 50);
        assert_eq!(
            before + after,
            100,
            "100 requests within two seconds pass a 50/min fixed window"
        );
    }

    #[test]
    fn remaining_counts_down_and_reset_rounds_up() {
        let counters = MapCounters::default();
        let l = limiter(3);
        let v = block_on(check(&counters, "l", &l, "u", 1_800_000_000_500)).unwrap();
        assert_eq!((v.remaining, v.reset_seconds), (2, 60));
        assert_eq!(window(1_800_000_059_001, 60).1, 1);
    }
}
