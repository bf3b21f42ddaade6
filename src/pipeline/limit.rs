//! The `limit` stage's arithmetic: requests and tokens per user per window, fixed or sliding.
//!
//! Counts live behind [`Counters`] (KV in the Worker, Durable Object storage inside the
//! strict limiter, a map in tests); the Worker reaches a limiter through [`Meter`], which
//! hides the backend. Time comes in as a number, so tests move a clock instead of sleeping.

use serde::{Deserialize, Serialize};

use crate::config::{Algorithm, Limiter};

/// Why the counter store could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

/// A key-value store of counts. `binding` names the namespace (a limiter's binding).
///
/// Static dispatch only: the Worker is single-threaded, so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Counters {
    /// The current count under `key`, if any.
    async fn get(&self, binding: &str, key: &str) -> Result<Option<u64>, StoreError>;
    /// Stores `value` under `key`, to expire after `ttl_seconds`.
    async fn put(
        &self,
        binding: &str,
        key: &str,
        value: u64,
        ttl_seconds: u32,
    ) -> Result<(), StoreError>;
}

/// A limiter as the pipeline sees it, whatever its backend.
#[allow(async_fn_in_trait)]
pub trait Meter {
    /// Counts one request of `user` against limiter `name` at `now_ms`.
    async fn check(
        &self,
        name: &str,
        limiter: &Limiter,
        user: &str,
        now_ms: u64,
    ) -> Result<Verdict, StoreError>;
    /// Charges `tokens` that a request begun at `at_ms` used to the user's token budget.
    async fn charge(
        &self,
        name: &str,
        limiter: &Limiter,
        user: &str,
        at_ms: u64,
        tokens: u64,
    ) -> Result<(), StoreError>;
}

/// Any [`Counters`] is a [`Meter`] through the arithmetic in this module.
pub struct Counted<C>(pub C);

impl<C: Counters> Meter for Counted<C> {
    async fn check(
        &self,
        name: &str,
        limiter: &Limiter,
        user: &str,
        now_ms: u64,
    ) -> Result<Verdict, StoreError> {
        check(&self.0, name, limiter, user, now_ms).await
    }

    async fn charge(
        &self,
        name: &str,
        limiter: &Limiter,
        user: &str,
        at_ms: u64,
        tokens: u64,
    ) -> Result<(), StoreError> {
        charge(&self.0, name, limiter, user, at_ms, tokens).await
    }
}

/// Which budget a refused request exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Exceeded {
    /// Requests per window.
    Requests,
    /// Tokens per window.
    Tokens,
}

/// Where a user stands against one budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// The budget per window.
    pub limit: u64,
    /// What is left after this request; unknown for the native binding.
    pub remaining: Option<u64>,
    /// Seconds until the budget allows again (refused) or resets (allowed); at least 1.
    pub reset_seconds: u64,
    /// The window length, for the policy headers.
    pub window_seconds: u32,
}

/// A limiter's answer for one request (it travels as JSON from the strict limiter's object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// `None` when the request may go on.
    pub refused: Option<Exceeded>,
    /// The request budget.
    pub requests: Budget,
    /// The token budget, when the limiter has one.
    pub tokens: Option<Budget>,
}

impl Verdict {
    /// Whether the request may go on.
    pub fn allowed(&self) -> bool {
        self.refused.is_none()
    }
}

/// A window's position in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    /// Start of the current window, in epoch seconds.
    start: u64,
    /// The window length in milliseconds.
    length_ms: u64,
    /// Milliseconds since the current window began.
    elapsed_ms: u64,
}

impl Window {
    fn at(now_ms: u64, window_seconds: u32) -> Self {
        let length_ms = u64::from(window_seconds.max(1)) * 1000;
        let elapsed_ms = now_ms % length_ms;
        Self {
            start: (now_ms - elapsed_ms) / 1000,
            length_ms,
            elapsed_ms,
        }
    }

    fn previous_start(&self) -> u64 {
        self.start.saturating_sub(self.length_ms / 1000)
    }

    fn left_ms(&self) -> u64 {
        self.length_ms - self.elapsed_ms
    }
}

/// The counts that matter for one budget at one moment.
#[derive(Debug, Clone, Copy)]
struct Usage {
    algorithm: Algorithm,
    window: Window,
    current: u64,
    previous: u64,
}

impl Usage {
    /// The sliding estimate (the previous window weighted by how much of it still overlaps
    /// the last `window` of time), or the current count for a fixed window.
    fn estimate(&self) -> f64 {
        match self.algorithm {
            Algorithm::FixedWindow => self.current as f64,
            Algorithm::SlidingWindow => {
                let overlap = self.window.left_ms() as f64 / self.window.length_ms as f64;
                self.previous as f64 * overlap + self.current as f64
            }
        }
    }

    /// Whether one more unit fits under `limit`.
    fn fits(&self, limit: u64) -> bool {
        self.estimate() + 1.0 <= limit as f64
    }

    /// Seconds until one more unit fits under `limit` (at least 1), assuming no new traffic.
    fn seconds_until_fits(&self, limit: u64) -> u64 {
        let w = self.window.length_ms as f64;
        let room = limit as f64 - 1.0;
        let wait_ms = match self.algorithm {
            Algorithm::FixedWindow => self.window.left_ms() as f64,
            // Within this window the previous one slides out: fits once
            // previous·(left − t)/w + current ≤ room.
            Algorithm::SlidingWindow if self.current as f64 <= room && self.previous > 0 => {
                let t = self.window.left_ms() as f64
                    - (room - self.current as f64) * w / self.previous as f64;
                t.max(0.0)
            }
            Algorithm::SlidingWindow if self.current as f64 <= room => 0.0,
            // Otherwise this window becomes the previous one and must slide out in turn.
            Algorithm::SlidingWindow => {
                let s = w * (1.0 - room.max(0.0) / self.current as f64);
                self.window.left_ms() as f64 + s
            }
        };
        ((wait_ms / 1000.0).ceil() as u64).max(1)
    }
}

fn key(kind: &str, name: &str, user: &str, window_start: u64) -> String {
    format!("{kind}:{name}:{user}:{window_start}")
}

async fn usage<C: Counters>(
    counters: &C,
    limiter: &Limiter,
    kind: &str,
    name: &str,
    user: &str,
    window: Window,
) -> Result<Usage, StoreError> {
    let binding = limiter.binding();
    let previous = match limiter.algorithm {
        Algorithm::FixedWindow => 0,
        Algorithm::SlidingWindow => counters
            .get(binding, &key(kind, name, user, window.previous_start()))
            .await?
            .unwrap_or(0),
    };
    let current = counters
        .get(binding, &key(kind, name, user, window.start))
        .await?
        .unwrap_or(0);
    Ok(Usage {
        algorithm: limiter.algorithm,
        window,
        current,
        previous,
    })
}

fn budget(usage: &Usage, limit: u64, window_seconds: u32, allowed: bool, cost: f64) -> Budget {
    let remaining = (limit as f64 - usage.estimate() - cost).floor().max(0.0) as u64;
    let reset_seconds = if allowed {
        (usage.window.left_ms().div_ceil(1000)).max(1)
    } else {
        usage.seconds_until_fits(limit)
    };
    Budget {
        limit,
        remaining: Some(remaining),
        reset_seconds,
        window_seconds,
    }
}

/// Counts a request of `user` against limiter `name` at `now_ms`. A refused request is not
/// counted, so a client that keeps retrying does not push its own reset further away.
pub async fn check<C: Counters>(
    counters: &C,
    name: &str,
    limiter: &Limiter,
    user: &str,
    now_ms: u64,
) -> Result<Verdict, StoreError> {
    let window = Window::at(now_ms, limiter.window_seconds);
    let tokens = match limiter.tokens {
        Some(limit) => Some((
            limit,
            usage(counters, limiter, "rt", name, user, window).await?,
        )),
        None => None,
    };
    // The count this request writes is read last: between that read and the write there is
    // no other wait, so a store that remembers its own writes (the KV counters do, per
    // instance) never loses an increment to requests in flight beside it.
    let requests = usage(counters, limiter, "rl", name, user, window).await?;
    let tokens_fit = tokens.as_ref().is_none_or(|(limit, u)| u.fits(*limit));
    let requests_fit = requests.fits(u64::from(limiter.requests));
    let refused = match (requests_fit, tokens_fit) {
        (true, true) => None,
        (false, _) => Some(Exceeded::Requests),
        (true, false) => Some(Exceeded::Tokens),
    };
    if refused.is_none() {
        let k = key("rl", name, user, window.start);
        counters
            .put(
                limiter.binding(),
                &k,
                requests.current + 1,
                limiter.kv_ttl_seconds,
            )
            .await?;
    }
    let allowed = refused.is_none();
    let cost = if allowed { 1.0 } else { 0.0 };
    Ok(Verdict {
        refused,
        requests: budget(
            &requests,
            u64::from(limiter.requests),
            limiter.window_seconds,
            refused != Some(Exceeded::Requests),
            cost,
        ),
        tokens: tokens.map(|(limit, u)| {
            budget(
                &u,
                limit,
                limiter.window_seconds,
                refused != Some(Exceeded::Tokens),
                0.0,
            )
        }),
    })
}

/// Adds `tokens` to the user's token count for the window in which the request began.
/// The count is read just before it is written, as in [`check`].
pub async fn charge<C: Counters>(
    counters: &C,
    name: &str,
    limiter: &Limiter,
    user: &str,
    at_ms: u64,
    tokens: u64,
) -> Result<(), StoreError> {
    if limiter.tokens.is_none() || tokens == 0 {
        return Ok(());
    }
    let window = Window::at(at_ms, limiter.window_seconds);
    let k = key("rt", name, user, window.start);
    let used = counters.get(limiter.binding(), &k).await?.unwrap_or(0);
    counters
        .put(limiter.binding(), &k, used + tokens, limiter.kv_ttl_seconds)
        .await
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;
    use crate::config::{Backend, FailMode};

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

    pub fn limiter(requests: u32, algorithm: Algorithm) -> Limiter {
        Limiter {
            backend: Backend::Kv,
            algorithm,
            requests,
            tokens: None,
            window_seconds: 60,
            kv_ttl_seconds: 120,
            binding: None,
            on_store_error: FailMode::Open,
            store_timeout_ms: 1000,
        }
    }

    /// A moving clock and a store: a fake user sending requests.
    struct Client<'a> {
        counters: &'a MapCounters,
        limiter: &'a Limiter,
        user: &'a str,
    }

    impl<'a> Client<'a> {
        fn new(counters: &'a MapCounters, limiter: &'a Limiter, user: &'a str) -> Self {
            Self {
                counters,
                limiter,
                user,
            }
        }

        fn send(&self, at_ms: u64) -> Verdict {
            block_on(check(
                self.counters,
                "per-user",
                self.limiter,
                self.user,
                at_ms,
            ))
            .unwrap()
        }

        fn admitted(&self, at_ms: u64, n: u32) -> u32 {
            (0..n).filter(|_| self.send(at_ms).allowed()).count() as u32
        }
    }

    const MINUTE: u64 = 1_800_000_000_000; // a minute boundary

    #[test]
    fn the_51st_request_in_a_window_is_refused_until_the_next_window() {
        let counters = MapCounters::default();
        let l = limiter(50, Algorithm::FixedWindow);
        let alice = Client::new(&counters, &l, "alice");
        assert_eq!(alice.admitted(MINUTE + 5_000, 50), 50);
        let refused = alice.send(MINUTE + 20_000);
        assert_eq!(refused.refused, Some(Exceeded::Requests));
        assert_eq!(
            (refused.requests.remaining, refused.requests.reset_seconds),
            (Some(0), 40)
        );
        let bob = Client {
            user: "bob",
            ..alice
        };
        assert_eq!(
            bob.admitted(MINUTE + 20_000, 1),
            1,
            "another user has a bucket of their own"
        );
        assert_eq!(
            alice.admitted(MINUTE + 60_000, 1),
            1,
            "the next window starts fresh"
        );
    }

    /// Requests admitted when a client sends the limit in the last second of a window and
    /// the limit again at the first instant of the next.
    fn edge_burst(algorithm: Algorithm) -> u32 {
        let counters = MapCounters::default();
        let l = limiter(50, algorithm);
        let alice = Client::new(&counters, &l, "alice");
        let edge = MINUTE + 60_000;
        alice.admitted(edge - 1_000, 50) + alice.admitted(edge, 50)
    }

    #[test]
    fn a_fixed_window_admits_twice_the_limit_across_its_edge() {
        assert_eq!(
            edge_burst(Algorithm::FixedWindow),
            100,
            "100 requests within one second pass a 50/min fixed window"
        );
    }

    #[test]
    fn a_sliding_window_has_no_boundary_burst() {
        assert_eq!(
            edge_burst(Algorithm::SlidingWindow),
            50,
            "across the edge the previous minute still counts in full"
        );
        let counters = MapCounters::default();
        let l = limiter(50, Algorithm::SlidingWindow);
        let alice = Client::new(&counters, &l, "alice");
        let edge = MINUTE + 60_000;
        // Any 60 s span admits at most the limit (plus the one request rounding allows).
        let mut admitted_at = Vec::new();
        for second in 0..180u64 {
            let t = edge + second * 1000;
            for _ in 0..3 {
                if alice.send(t).allowed() {
                    admitted_at.push(t);
                }
            }
        }
        for &start in &admitted_at {
            let in_span = admitted_at
                .iter()
                .filter(|&&t| t >= start && t < start + 60_000)
                .count();
            assert!(
                in_span <= 51,
                "{in_span} requests admitted in the 60 s from {start}"
            );
        }
    }

    #[test]
    fn a_refused_client_is_told_when_to_retry_and_is_admitted_then() {
        for algorithm in [Algorithm::FixedWindow, Algorithm::SlidingWindow] {
            let counters = MapCounters::default();
            let l = limiter(10, algorithm);
            let alice = Client::new(&counters, &l, "alice");
            assert_eq!(alice.admitted(MINUTE + 30_000, 10), 10);
            let refused = alice.send(MINUTE + 30_000);
            let retry = refused.requests.reset_seconds;
            assert!(!refused.allowed());
            assert!(
                !alice.send(MINUTE + 30_000 + (retry - 1) * 1000).allowed(),
                "{algorithm:?}: too early"
            );
            assert!(
                alice.send(MINUTE + 30_000 + retry * 1000).allowed(),
                "{algorithm:?}: retry after {retry} s"
            );
        }
    }

    #[test]
    fn remaining_counts_down() {
        let counters = MapCounters::default();
        let l = limiter(3, Algorithm::FixedWindow);
        let alice = Client::new(&counters, &l, "u");
        let remaining: Vec<_> = (0..4)
            .map(|_| alice.send(MINUTE + 500).requests.remaining)
            .collect();
        assert_eq!(remaining, vec![Some(2), Some(1), Some(0), Some(0)]);
    }

    #[test]
    fn tokens_used_past_the_budget_refuse_the_next_request() {
        let counters = MapCounters::default();
        let mut l = limiter(50, Algorithm::FixedWindow);
        l.tokens = Some(100);
        let alice = Client::new(&counters, &l, "alice");
        let first = alice.send(MINUTE);
        assert_eq!(first.tokens.as_ref().and_then(|t| t.remaining), Some(100));
        block_on(charge(&counters, "per-user", &l, "alice", MINUTE, 60)).unwrap();
        assert!(alice.send(MINUTE + 1_000).allowed(), "40 tokens are left");
        block_on(charge(
            &counters,
            "per-user",
            &l,
            "alice",
            MINUTE + 1_000,
            60,
        ))
        .unwrap();
        let refused = alice.send(MINUTE + 2_000);
        assert_eq!(refused.refused, Some(Exceeded::Tokens));
        assert_eq!(
            refused.tokens.map(|t| (t.remaining, t.reset_seconds)),
            Some((Some(0), 58))
        );
        assert!(
            alice.send(MINUTE + 60_000).allowed(),
            "a new window brings a new budget"
        );
    }
}
