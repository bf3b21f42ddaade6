//! The `proxy` stage's I/O: send the request upstream with a deadline, and stream the answer
//! back through an [`Observer`] that reports usage once the body has passed.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures_channel::oneshot;
use futures_util::future::{Either, select};
use futures_util::{Stream, StreamExt};
use worker::js_sys::Uint8Array;
use worker::{
    AbortController, ByteStream, Delay, Env, Fetch, Headers, Method, Request, RequestInit,
    RequestRedirect, Response,
};

use super::Target;
use crate::config::Upstream;
use crate::pipeline::usage::{Observer, Summary};
use crate::pipeline::{ApiError, forward};

/// One request to forward.
pub struct Call<'a> {
    /// The upstream's name.
    pub name: &'a str,
    /// Its settings.
    pub upstream: &'a Upstream,
    /// Method, path and query as the client sent them.
    pub target: &'a Target,
    /// The client's headers.
    pub headers: &'a [(String, String)],
    /// The client's body, byte for byte.
    pub body: Vec<u8>,
}

/// The upstream's answer on its way to the client.
pub struct Forwarded {
    /// The response to return; its body streams as the upstream sends it.
    pub response: Response,
    /// Resolves with what the body contained once it has passed (or was cut off).
    pub ended: oneshot::Receiver<Summary>,
}

/// Sends `call` upstream. Errors are the 502/504 to answer.
pub async fn forward(env: &Env, call: Call<'_>) -> Result<Forwarded, ApiError> {
    let base = base_url(env, call.name, call.upstream)?;
    let url = forward::upstream_url(&base, &call.target.path, call.target.query.as_deref());
    let headers = Headers::new();
    for (name, value) in forward::request_headers(call.headers)? {
        headers.append(&name, &value).map_err(|e| {
            ApiError::bad_request(
                "invalid_header",
                format!("The `{name}` header cannot be forwarded: {e}"),
            )
        })?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(call.target.method.clone()))
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if !call.body.is_empty() {
        init.with_body(Some(Uint8Array::from(call.body.as_slice()).into()));
    }
    let request = Request::new_with_init(&url, &init).map_err(|e| {
        ApiError::upstream_unreachable(call.name, &format!("bad upstream URL: {e}"))
    })?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let deadline = Delay::from(Duration::from_millis(call.upstream.timeout_ms));
    let mut response = match select(Box::pin(fetch.send_with_signal(&signal)), deadline).await {
        Either::Left((Ok(response), _)) => response,
        Either::Left((Err(err), _)) => {
            return Err(ApiError::upstream_unreachable(call.name, &err.to_string()));
        }
        Either::Right(_) => {
            controller.abort();
            return Err(ApiError::upstream_timeout(
                call.name,
                call.upstream.timeout_ms,
            ));
        }
    };
    let status = response.status_code();
    let upstream_headers: Vec<(String, String)> = response.headers().entries().collect();
    let content_type = response.headers().get("content-type").ok().flatten();
    let (done, ended) = oneshot::channel();
    let client_headers = Headers::new();
    for (name, value) in forward::response_headers(&upstream_headers) {
        let _ = client_headers.append(&name, &value);
    }
    let response = match response.stream() {
        Ok(body) => {
            let observed = Observed {
                body,
                observer: Some(Observer::new(content_type.as_deref())),
                done: Some(done),
            };
            Response::from_stream(observed).map_err(|e| {
                ApiError::upstream_unreachable(call.name, &format!("unreadable body: {e}"))
            })?
        }
        // No body (204, 304, HEAD): nothing to observe.
        Err(_) => {
            let _ = done.send(Summary::default());
            Response::empty()
                .map_err(|e| ApiError::upstream_unreachable(call.name, &e.to_string()))?
        }
    };
    Ok(Forwarded {
        response: response.with_status(status).with_headers(client_headers),
        ended,
    })
}

/// The upstream's base URL: fixed, or read from a Worker var or secret at run time.
fn base_url(env: &Env, name: &str, upstream: &Upstream) -> Result<String, ApiError> {
    if let Some(url) = &upstream.url {
        return Ok(url.clone());
    }
    let var = upstream.url_var.as_deref().unwrap_or_default();
    env.var(var)
        .map(|v| v.to_string())
        .or_else(|_| env.secret(var).map(|s| s.to_string()))
        .map_err(|_| ApiError::misconfigured(format!("Upstream `{name}` reads its URL from `{var}`, which is not set; set it in wrangler.toml [vars] or as a secret.")))
}

/// The upstream body, passed through chunk by chunk while the observer takes notes.
struct Observed {
    body: ByteStream,
    observer: Option<Observer>,
    done: Option<oneshot::Sender<Summary>>,
}

impl Observed {
    fn finish(&mut self) {
        if let (Some(observer), Some(done)) = (self.observer.take(), self.done.take()) {
            let _ = done.send(observer.finish());
        }
    }
}

impl Stream for Observed {
    type Item = worker::Result<Vec<u8>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.body.poll_next_unpin(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(observer) = self.observer.as_mut() {
                    observer.observe(chunk);
                }
            }
            Poll::Ready(Some(Err(_)) | None) => self.finish(),
            Poll::Pending => {}
        }
        polled
    }
}

impl Drop for Observed {
    /// The client went away mid-body: report what passed.
    fn drop(&mut self) {
        self.finish();
    }
}
