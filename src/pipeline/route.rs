//! Which route takes a request: path patterns, methods, and paths that try to escape them.

use super::error::ApiError;
use crate::config::Route;

/// Whether `path` matches the route pattern: exact, or a prefix pattern ending in `/*`
/// that takes the prefix's directory and everything below it.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix) || path == prefix.trim_end_matches('/'),
        None => pattern == path,
    }
}

/// Refuses paths that could mean something else once an upstream decodes them: dot segments
/// (also percent-encoded), encoded slashes and backslashes. Such a path could match `/v1/*`
/// here and resolve outside `/v1/` upstream.
pub fn check_path(path: &str) -> Result<(), ApiError> {
    let lower = path.to_ascii_lowercase();
    let encoded_separator = ["%2f", "%5c", "%2e"].iter().any(|e| lower.contains(e));
    let dot_segment = path.split('/').any(|s| s == "." || s == "..");
    if encoded_separator || dot_segment || path.contains('\\') || !path.starts_with('/') {
        return Err(ApiError::bad_request(
            "invalid_path",
            format!(
                "The path `{path}` contains dot segments or encoded separators; send the plain path."
            ),
        ));
    }
    Ok(())
}

/// The index of the first route that takes `method` on `path`, or the 404/405 to answer.
pub fn select(routes: &[Route], method: &str, path: &str) -> Result<usize, ApiError> {
    let mut allowed: Vec<&str> = Vec::new();
    for (i, route) in routes.iter().enumerate() {
        if !path_matches(&route.path, path) {
            continue;
        }
        if route.methods.iter().any(|m| m.as_str() == method) {
            return Ok(i);
        }
        for m in &route.methods {
            if !allowed.contains(&m.as_str()) {
                allowed.push(m.as_str());
            }
        }
    }
    if allowed.is_empty() {
        Err(ApiError::not_found(path))
    } else {
        Err(ApiError::method_not_allowed(method, path, &allowed))
    }
}

/// The route that would take `path` with some method: its log records a 405.
pub fn by_path<'a>(routes: &'a [Route], path: &str) -> Option<&'a Route> {
    routes.iter().find(|r| path_matches(&r.path, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_patterns_take_their_subtree_only() {
        assert!(path_matches("/v1/*", "/v1/chat/completions"));
        assert!(path_matches("/v1/*", "/v1"));
        assert!(path_matches("/v1/*", "/v1/"));
        assert!(!path_matches("/v1/*", "/v10/models"));
        assert!(path_matches("/health", "/health"));
        assert!(!path_matches("/health", "/health/x"));
    }

    #[test]
    fn escaping_paths_are_refused() {
        for path in [
            "/v1/../admin",
            "/v1/%2e%2e/admin",
            "/v1/%2E./x",
            "/v1/..%2fadmin",
            "/v1/a%5cb",
            "/v1/./x",
            "/v1\\x",
        ] {
            let err = check_path(path).unwrap_err();
            assert_eq!((err.status, err.code), (400, "invalid_path"), "{path}");
        }
        assert!(check_path("/v1/chat/completions").is_ok());
        assert!(check_path("/v1/files/a.b..c").is_ok());
    }
}
