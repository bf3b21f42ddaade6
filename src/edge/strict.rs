//! The strict limiter: one Durable Object per limiter and user. The object handles one
//! request at a time and its storage reads see its own writes, so every count is exact: of
//! N concurrent requests against a limit L, exactly L pass. It runs the same arithmetic as
//! the KV limiter, over its own storage.

use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, Method, Request, RequestInit, Response, State, Storage, durable_object,
};

use crate::config::Limiter;
use crate::pipeline::{Counted, Counters, Meter, StoreError, Verdict};

/// One call from the Worker to a counter object.
#[derive(Serialize, Deserialize)]
struct Call {
    name: String,
    limiter: Limiter,
    user: String,
    at_ms: u64,
    /// `None` counts a request; `Some(n)` charges n tokens.
    tokens: Option<u64>,
}

/// Counts a request in the user's object.
pub async fn check(
    env: &Env,
    name: &str,
    limiter: &Limiter,
    user: &str,
    now_ms: u64,
) -> Result<Verdict, StoreError> {
    let answer = call(
        env,
        Call {
            name: name.into(),
            limiter: limiter.clone(),
            user: user.into(),
            at_ms: now_ms,
            tokens: None,
        },
    )
    .await?;
    serde_json::from_str(&answer)
        .map_err(|e| StoreError(format!("counter object answered {answer:?}: {e}")))
}

/// Charges tokens in the user's object.
pub async fn charge(
    env: &Env,
    name: &str,
    limiter: &Limiter,
    user: &str,
    at_ms: u64,
    tokens: u64,
) -> Result<(), StoreError> {
    call(
        env,
        Call {
            name: name.into(),
            limiter: limiter.clone(),
            user: user.into(),
            at_ms,
            tokens: Some(tokens),
        },
    )
    .await
    .map(drop)
}

async fn call(env: &Env, call: Call) -> Result<String, StoreError> {
    let binding = call.limiter.binding().to_string();
    let error = |e: worker::Error| StoreError(format!("Durable Object `{binding}`: {e}"));
    let body = serde_json::to_string(&call).map_err(|e| StoreError(e.to_string()))?;
    let stub = env
        .durable_object(&binding)
        .and_then(|ns| {
            ns.id_from_name(&format!("{}:{}", call.name, call.user))?
                .get_stub()
        })
        .map_err(error)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let request = Request::new_with_init("https://limiter.internal/count", &init).map_err(error)?;
    let mut response = stub.fetch_with_request(request).await.map_err(error)?;
    let text = response.text().await.map_err(error)?;
    if response.status_code() != 200 {
        return Err(StoreError(format!(
            "Durable Object `{binding}` answered {}: {text}",
            response.status_code()
        )));
    }
    Ok(text)
}

/// The Durable Object class (`RateLimiter` in wrangler.toml) that holds strict counters.
#[durable_object]
pub struct RateLimiter {
    state: State,
}

/// Counters in the object's own storage. Expiry is the object's alarm, not a per-key TTL.
struct StorageCounters(Storage);

impl Counters for StorageCounters {
    async fn get(&self, _: &str, key: &str) -> Result<Option<u64>, StoreError> {
        self.0
            .get::<u64>(key)
            .await
            .map_err(|e| StoreError(e.to_string()))
    }

    async fn put(&self, _: &str, key: &str, value: u64, _: u32) -> Result<(), StoreError> {
        self.0
            .put(key, value)
            .await
            .map_err(|e| StoreError(e.to_string()))
    }
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let call: Call = req.json().await?;
        let counters = Counted(StorageCounters(self.state.storage()));
        let answer = match call.tokens {
            None => counters
                .check(&call.name, &call.limiter, &call.user, call.at_ms)
                .await
                .map(|v| serde_json::to_string(&v).unwrap_or_default()),
            Some(tokens) => counters
                .charge(&call.name, &call.limiter, &call.user, call.at_ms, tokens)
                .await
                .map(|()| "{}".to_string()),
        };
        // Forget the user once the windows that could still count have passed.
        let idle_ms = 2 * u64::from(call.limiter.window_seconds) * 1000 + 1000;
        self.state
            .storage()
            .set_alarm(std::time::Duration::from_millis(idle_ms))
            .await?;
        match answer {
            Ok(json) => Response::from_bytes(json.into_bytes()),
            Err(StoreError(why)) => Response::error(why, 500),
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.state.storage().delete_all().await?;
        Response::empty()
    }
}
