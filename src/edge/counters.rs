//! Rate-limit counters in Workers KV: a soft limit, made exact within one Worker instance.
//!
//! KV is eventually consistent and accepts about one write per second per key, so a plain
//! read-then-write counter loses increments when one user's requests arrive together (they
//! all read the same count). Each instance therefore remembers the highest count it has
//! written or read per key, and a read answers at least that: the limiter reads a count
//! right before writing it (see `pipeline::limit::check`), with no wait in between, so the
//! requests one instance serves are counted exactly, and a stale or failed KV read or write
//! cannot lower the count. Across instances and locations the limit stays soft.
//!
//! (Requests are not made to wait for each other: waking one request's task from another's
//! would run its I/O in the wrong request context, which the runtime refuses.)

use std::cell::RefCell;
use std::collections::HashMap;

use worker::{Date, Env};

use crate::pipeline::{Counters, StoreError};

/// Above this many entries, expired ones are dropped.
const PRUNE_AT: usize = 10_000;

thread_local! {
    /// The highest count this instance has seen per key, with when it expires (epoch ms).
    static SEEN: RefCell<HashMap<String, (u64, u64)>> = RefCell::default();
}

fn remember(key: &str, value: u64, ttl_seconds: u32) -> u64 {
    let now = Date::now().as_millis();
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.len() > PRUNE_AT {
            seen.retain(|_, (_, expires)| *expires > now);
        }
        let entry = seen.entry(key.to_string()).or_insert((0, 0));
        if entry.1 <= now {
            *entry = (0, 0);
        }
        entry.0 = entry.0.max(value);
        entry.1 = entry.1.max(now + u64::from(ttl_seconds) * 1000);
        entry.0
    })
}

fn seen(key: &str) -> u64 {
    let now = Date::now().as_millis();
    SEEN.with(|seen| {
        seen.borrow()
            .get(key)
            .filter(|(_, expires)| *expires > now)
            .map_or(0, |(v, _)| *v)
    })
}

/// The `Counters` of the `kv` limiter: one KV key per user and window.
pub struct KvCounters<'a> {
    env: &'a Env,
}

impl<'a> KvCounters<'a> {
    /// Counters over the KV namespaces bound in `env`.
    pub fn new(env: &'a Env) -> Self {
        Self { env }
    }
}

fn store_error(binding: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError(format!("KV `{binding}`: {err}"))
}

impl Counters for KvCounters<'_> {
    async fn get(&self, binding: &str, key: &str) -> Result<Option<u64>, StoreError> {
        let kv = self.env.kv(binding).map_err(|e| store_error(binding, e))?;
        let text = kv
            .get(key)
            .text()
            .await
            .map_err(|e| store_error(binding, e))?;
        let stored = text.and_then(|t| t.parse::<u64>().ok());
        let known = stored.unwrap_or(0).max(seen(key));
        Ok((stored.is_some() || known > 0).then_some(known))
    }

    async fn put(
        &self,
        binding: &str,
        key: &str,
        value: u64,
        ttl_seconds: u32,
    ) -> Result<(), StoreError> {
        let value = remember(key, value, ttl_seconds);
        let kv = self.env.kv(binding).map_err(|e| store_error(binding, e))?;
        let written = match kv.put(key, value.to_string()) {
            Ok(put) => put.expiration_ttl(u64::from(ttl_seconds)).execute().await,
            Err(e) => Err(e),
        };
        // This instance keeps counting from what it remembers; other instances see the count
        // late (KV refuses more than about one write per second to a key).
        if let Err(err) = written {
            worker::console_warn!(
                "KV `{binding}`: count {value} of `{key}` kept in this instance only: {err}"
            );
        }
        Ok(())
    }
}
