//! Errors a client can act on, in the OpenAI shape `{"error":{"message","type","code"}}`.

use serde::Serialize;

/// A request the gateway answers itself with an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// OpenAI's error `type`, e.g. `invalid_request_error`.
    pub kind: &'static str,
    /// A stable machine-readable `code`, e.g. `rate_limit_exceeded`; also the log's `error`.
    pub code: &'static str,
    /// What happened and what to do, for a person.
    pub message: String,
    /// Extra response headers (`Allow`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    code: &'a str,
}

impl ApiError {
    fn new(status: u16, kind: &'static str, code: &'static str, message: String) -> Self {
        Self {
            status,
            kind,
            code,
            message,
            headers: Vec::new(),
        }
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(code: &'static str, message: String) -> Self {
        Self::new(400, "invalid_request_error", code, message)
    }

    /// 401: the request carries no identity and the gateway requires one.
    pub fn unauthenticated(code: &'static str, message: String) -> Self {
        Self::new(401, "authentication_error", code, message)
    }

    /// 404: no route takes this path.
    pub fn not_found(path: &str) -> Self {
        Self::new(
            404,
            "invalid_request_error",
            "route_not_found",
            format!("No route for `{path}` on this gateway."),
        )
    }

    /// 405: a route takes this path, but not with this method.
    pub fn method_not_allowed(method: &str, path: &str, allowed: &[&str]) -> Self {
        let mut err = Self::new(
            405,
            "invalid_request_error",
            "method_not_allowed",
            format!(
                "`{method}` is not allowed on `{path}`; use {}.",
                allowed.join(" or ")
            ),
        );
        err.headers.push(("Allow", allowed.join(", ")));
        err
    }

    /// 413: the body is larger than the gateway accepts.
    pub fn body_too_large(size: u64, max: u64) -> Self {
        Self::new(
            413,
            "invalid_request_error",
            "body_too_large",
            format!("The request body is {size} bytes; this gateway accepts at most {max}."),
        )
    }

    /// 429: the user is over a limit; `retry_after` seconds until the window resets.
    pub fn rate_limited(message: String, retry_after: u64) -> Self {
        let mut err = Self::new(429, "rate_limit_error", "rate_limit_exceeded", message);
        err.headers.push(("Retry-After", retry_after.to_string()));
        err
    }

    /// 429 for a spent token budget.
    pub fn token_limited(message: String, retry_after: u64) -> Self {
        let mut err = Self::new(429, "rate_limit_error", "token_limit_exceeded", message);
        err.headers.push(("Retry-After", retry_after.to_string()));
        err
    }

    /// 503: a fail-closed limiter's store is down, so the request cannot be counted.
    pub fn limiter_unavailable(limiter: &str) -> Self {
        let mut err = Self::new(
            503,
            "server_error",
            "limiter_unavailable",
            format!(
                "The rate limiter `{limiter}` is unavailable, and this gateway refuses requests it cannot count. Retry shortly."
            ),
        );
        err.headers.push(("Retry-After", "1".to_string()));
        err
    }

    /// 502: the upstream could not be reached or answered unusably.
    pub fn upstream_unreachable(upstream: &str, detail: &str) -> Self {
        Self::new(
            502,
            "upstream_error",
            "upstream_unreachable",
            format!(
                "The upstream `{upstream}` could not be reached ({detail}). Try again shortly; if it persists, tell the gateway's operator."
            ),
        )
    }

    /// 504: the upstream did not answer in time.
    pub fn upstream_timeout(upstream: &str, timeout_ms: u64) -> Self {
        Self::new(
            504,
            "upstream_error",
            "upstream_timeout",
            format!(
                "The upstream `{upstream}` did not answer within {timeout_ms} ms. Try again, or ask for a shorter completion."
            ),
        )
    }

    /// 500: the gateway itself is misconfigured (a var or binding is missing).
    pub fn misconfigured(message: String) -> Self {
        Self::new(500, "server_error", "gateway_misconfigured", message)
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let envelope = Envelope {
            error: Body {
                message: &self.message,
                kind: self.kind,
                code: self.code,
            },
        };
        serde_json::to_string(&envelope).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_in_the_openai_shape() {
        let err = ApiError::not_found("/nope");
        let json: serde_json::Value = serde_json::from_str(&err.body()).unwrap();
        assert_eq!(json["error"]["type"], "invalid_request_error");
        assert_eq!(json["error"]["code"], "route_not_found");
        assert!(json["error"]["message"].as_str().unwrap().contains("/nope"));
    }

    #[test]
    fn method_not_allowed_lists_the_methods_in_allow() {
        let err = ApiError::method_not_allowed("GET", "/v1/x", &["POST"]);
        assert_eq!(err.status, 405);
        assert_eq!(err.headers, vec![("Allow", "POST".to_string())]);
    }
}
