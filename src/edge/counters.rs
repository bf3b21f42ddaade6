//! Rate-limit counters in Workers KV: eventually consistent, so a soft limit.

use worker::Env;

use crate::pipeline::{Counters, StoreError};

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
        Ok(text.and_then(|t| t.parse().ok()))
    }

    async fn put(
        &self,
        binding: &str,
        key: &str,
        value: u64,
        ttl_seconds: u32,
    ) -> Result<(), StoreError> {
        let kv = self.env.kv(binding).map_err(|e| store_error(binding, e))?;
        kv.put(key, value.to_string())
            .map_err(|e| store_error(binding, e))?
            .expiration_ttl(u64::from(ttl_seconds))
            .execute()
            .await
            .map_err(|e| store_error(binding, e))
    }
}
