//! The `proxy` stage's I/O: send the request upstream with a deadline, fail over to the next
//! upstream while nothing has reached the client, and stream the answer back through an
//! [`Observer`] that reports usage and how the body ended.

use std::cell::RefCell;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures_channel::oneshot;
use futures_util::future::{Either, select};
use futures_util::{Stream, StreamExt};
use worker::js_sys::Uint8Array;
use worker::{
    AbortController, ByteStream, Date, Delay, Env, Fetch, Headers, Method, Request, RequestInit,
    RequestRedirect, Response,
};

use super::Target;
use crate::config::Upstream;
use crate::pipeline::failover::{Cooloffs, is_failure};
use crate::pipeline::row::BodyEnd;
use crate::pipeline::stream_request::{self, Streaming};
use crate::pipeline::usage::{Observer, Summary};
use crate::pipeline::{ApiError, Proxy, forward};

thread_local! {
    /// Passive health, per Worker instance: which upstreams failed recently.
    static COOLOFFS: RefCell<Cooloffs> = RefCell::default();
}

/// One request to forward.
pub struct Call<'a> {
    /// Where and how to forward it.
    pub proxy: &'a Proxy<'a>,
    /// Method, path and query as the client sent them.
    pub target: &'a Target,
    /// The client's headers.
    pub headers: &'a [(String, String)],
    /// The client's body, byte for byte.
    pub body: Vec<u8>,
    /// When the request arrived (epoch ms), for the overall deadline.
    pub started_ms: u64,
}

/// The upstream's answer on its way to the client.
pub struct Forwarded<'a> {
    /// The response to return; its body streams as the upstream sends it.
    pub response: Response,
    /// Resolves once the body has passed (or was cut off), with what it contained.
    pub ended: oneshot::Receiver<(Summary, BodyEnd)>,
    /// The upstream that answered.
    pub upstream: &'a str,
    /// Attempts made, this one included.
    pub attempts: u32,
}

/// No upstream gave a usable answer.
pub struct Failed {
    /// The 502/504 to answer.
    pub error: ApiError,
    /// Attempts made.
    pub attempts: u32,
}

/// Sends `call` to its upstreams in order until one answers.
pub async fn forward<'a>(env: &Env, call: Call<'a>) -> Result<Forwarded<'a>, Failed> {
    let headers = Headers::new();
    let forwarded_headers =
        forward::request_headers(call.headers).map_err(|error| Failed { error, attempts: 0 })?;
    for (name, value) in forwarded_headers {
        if let Err(e) = headers.append(&name, &value) {
            let error = ApiError::bad_request(
                "invalid_header",
                format!("The `{name}` header cannot be forwarded: {e}"),
            );
            return Err(Failed { error, attempts: 0 });
        }
    }
    let (body, strip_usage) = match stream_request::streaming(&call.body) {
        Streaming::WithoutUsage if call.proxy.stream_usage => {
            match stream_request::with_usage(&call.body) {
                Some(body) => (body, true),
                None => (call.body, false),
            }
        }
        _ => (call.body, false),
    };
    let names: Vec<&str> = call.proxy.upstreams.iter().map(|(name, _)| *name).collect();
    let order = COOLOFFS.with(|c| c.borrow().order(&names, Date::now().as_millis()));
    let deadline = call.proxy.deadline_ms.map(|ms| call.started_ms + ms);
    let mut failures: Vec<Failure> = Vec::new();
    for (i, name) in order.iter().enumerate() {
        let Some(&(name, upstream)) = call.proxy.upstreams.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let now = Date::now().as_millis();
        let timeout_ms = match deadline {
            Some(deadline) if deadline <= now => break,
            Some(deadline) => upstream.timeout_ms.min(deadline - now),
            None => upstream.timeout_ms,
        };
        let is_last = i + 1 == order.len();
        match attempt(
            env,
            name,
            upstream,
            call.target,
            &headers,
            &body,
            timeout_ms,
        )
        .await
        {
            Ok(response) => {
                let status = response.status_code();
                let failed = is_failure(status, call.proxy.retry_on_status);
                COOLOFFS.with(|c| {
                    let mut c = c.borrow_mut();
                    if failed {
                        c.failed(name, Date::now().as_millis(), upstream.cooloff_seconds)
                    } else {
                        c.succeeded(name)
                    }
                });
                if failed && !is_last {
                    let detail = format!("`{name}` answered {status}");
                    failures.push(Failure {
                        error: ApiError::upstream_unreachable(name, &detail),
                        detail,
                    });
                    continue;
                }
                let attempts = failures.len() as u32 + 1;
                return stream_back(response, strip_usage, name, attempts)
                    .map_err(|error| Failed { error, attempts });
            }
            Err(failure) => {
                COOLOFFS.with(|c| {
                    c.borrow_mut()
                        .failed(name, Date::now().as_millis(), upstream.cooloff_seconds)
                });
                failures.push(failure);
            }
        }
    }
    Err(all_failed(failures, call.proxy.deadline_ms))
}

/// A failed attempt: the error to answer if it is the last, and a line for the summary.
struct Failure {
    error: ApiError,
    detail: String,
}

/// The error for a request no upstream served: the last failure's, naming every attempt
/// when there were several.
fn all_failed(mut failures: Vec<Failure>, deadline_ms: Option<u64>) -> Failed {
    let attempts = failures.len() as u32;
    let details: Vec<String> = failures.iter().map(|f| f.detail.clone()).collect();
    let Some(last) = failures.pop() else {
        // The overall deadline passed before any attempt could start.
        return Failed {
            error: ApiError::upstream_timeout("any upstream", deadline_ms.unwrap_or(0)),
            attempts,
        };
    };
    let mut error = last.error;
    if attempts > 1 {
        error.message = format!(
            "No upstream could answer ({attempts} attempts: {}). Try again shortly; if it persists, tell the gateway's operator.",
            details.join("; ")
        );
    }
    Failed { error, attempts }
}

/// One attempt at one upstream, bounded by `timeout_ms`.
async fn attempt(
    env: &Env,
    name: &str,
    upstream: &Upstream,
    target: &Target,
    headers: &Headers,
    body: &[u8],
    timeout_ms: u64,
) -> Result<Response, Failure> {
    let unreachable = |detail: String| Failure {
        error: ApiError::upstream_unreachable(name, &detail),
        detail: format!("`{name}` unreachable: {detail}"),
    };
    let base = base_url(env, name, upstream).map_err(|error| Failure {
        detail: format!("`{name}` has no URL"),
        error,
    })?;
    let url = forward::upstream_url(&base, &target.path, target.query.as_deref());
    let mut init = RequestInit::new();
    init.with_method(Method::from(target.method.clone()))
        .with_headers(headers.clone())
        .with_redirect(RequestRedirect::Manual);
    if !body.is_empty() {
        init.with_body(Some(Uint8Array::from(body).into()));
    }
    let request = Request::new_with_init(&url, &init)
        .map_err(|e| unreachable(format!("bad upstream URL: {e}")))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let deadline = Delay::from(Duration::from_millis(timeout_ms));
    match select(Box::pin(fetch.send_with_signal(&signal)), deadline).await {
        Either::Left((Ok(response), _)) => Ok(response),
        Either::Left((Err(err), _)) => Err(unreachable(err.to_string())),
        Either::Right(_) => {
            controller.abort();
            let detail = format!("`{name}` timed out after {timeout_ms} ms");
            Err(Failure {
                error: ApiError::upstream_timeout(name, timeout_ms),
                detail,
            })
        }
    }
}

/// The upstream's response, its body flowing through an observer to the client.
fn stream_back(
    mut response: Response,
    strip_usage: bool,
    name: &str,
    attempts: u32,
) -> Result<Forwarded<'_>, ApiError> {
    let status = response.status_code();
    let upstream_headers: Vec<(String, String)> = response.headers().entries().collect();
    let content_type = response.headers().get("content-type").ok().flatten();
    let client_headers = Headers::new();
    for (header, value) in forward::response_headers(&upstream_headers) {
        let _ = client_headers.append(&header, &value);
    }
    let (done, ended) = oneshot::channel();
    let response = match response.stream() {
        Ok(body) => {
            let observer = Observer::new(content_type.as_deref(), strip_usage);
            let observed = Observed {
                body,
                observer: Some(observer),
                done: Some(done),
                ended: false,
            };
            Response::from_stream(observed).map_err(|e| {
                ApiError::upstream_unreachable(name, &format!("unreadable body: {e}"))
            })?
        }
        // No body (204, 304, HEAD): nothing to observe.
        Err(_) => {
            let _ = done.send((Summary::default(), BodyEnd::Complete));
            Response::empty().map_err(|e| ApiError::upstream_unreachable(name, &e.to_string()))?
        }
    };
    Ok(Forwarded {
        response: response.with_status(status).with_headers(client_headers),
        ended,
        upstream: name,
        attempts,
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

/// The upstream body, passed through as it arrives while the observer takes notes.
struct Observed {
    body: ByteStream,
    observer: Option<Observer>,
    done: Option<oneshot::Sender<(Summary, BodyEnd)>>,
    /// Whether the upstream body has ended (it is not polled again).
    ended: bool,
}

impl Observed {
    /// Reports the end once; returns what the observer still held.
    fn finish(&mut self, end: BodyEnd) -> Vec<u8> {
        let Some(observer) = self.observer.take() else {
            return Vec::new();
        };
        let (summary, rest) = observer.finish();
        if let Some(done) = self.done.take() {
            let _ = done.send((summary, end));
        }
        rest
    }
}

impl Stream for Observed {
    type Item = worker::Result<Vec<u8>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        loop {
            match self.body.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    let Some(observer) = self.observer.as_mut() else {
                        return Poll::Ready(Some(Ok(chunk)));
                    };
                    let out = observer.pass(chunk);
                    // A chunk that held only part of an event: wait for the rest.
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(out)));
                    }
                }
                Poll::Ready(Some(Err(err))) => {
                    self.ended = true;
                    self.finish(BodyEnd::Cut);
                    return Poll::Ready(Some(Err(err)));
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    let rest = self.finish(BodyEnd::Complete);
                    return Poll::Ready((!rest.is_empty()).then_some(Ok(rest)));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Drop for Observed {
    /// The client went away mid-body: report what passed.
    fn drop(&mut self) {
        self.finish(BodyEnd::ClientClosed);
    }
}
