//! What the `proxy` stage sends upstream and what it passes back: the client's headers as
//! sent, minus hop-by-hop ones; nothing of the gateway's own.

use super::error::ApiError;

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the ones the
/// runtime sets for the new connection itself.
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// Whether a header belongs to one hop. `connection` lists further ones by name.
fn is_hop_by_hop(name: &str, connection: &[String]) -> bool {
    let name = name.to_ascii_lowercase();
    HOP_BY_HOP.contains(&name.as_str()) || connection.contains(&name)
        // Set by Cloudflare's edge for this hop; the upstream gets its own.
        || name.starts_with("cf-")
        || name == "content-length"
}

fn connection_tokens(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, v)| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The headers to send upstream: every end-to-end header of the client's, value untouched
/// (`Authorization` included: the client's key is the upstream's business, the gateway adds
/// none). A value with a control character is refused rather than passed on.
pub fn request_headers(incoming: &[(String, String)]) -> Result<Vec<(String, String)>, ApiError> {
    let connection = connection_tokens(incoming);
    let mut out = Vec::new();
    for (name, value) in incoming {
        if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(ApiError::bad_request(
                "invalid_header",
                format!("The `{name}` header contains control characters."),
            ));
        }
        if !is_hop_by_hop(name, &connection) {
            out.push((name.clone(), value.clone()));
        }
    }
    Ok(out)
}

/// The upstream's headers to pass back to the client: end-to-end ones only.
pub fn response_headers(upstream: &[(String, String)]) -> Vec<(String, String)> {
    let connection = connection_tokens(upstream);
    upstream
        .iter()
        .filter(|(name, _)| !is_hop_by_hop(name, &connection))
        .cloned()
        .collect()
}

/// The upstream URL for a request: its base URL, then the request's path and query as sent.
pub fn upstream_url(base: &str, path: &str, query: Option<&str>) -> String {
    let mut url = format!("{}{path}", base.trim_end_matches('/'));
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn end_to_end_headers_pass_and_hop_by_hop_ones_do_not() {
        let incoming = h(&[
            ("Authorization", "Bearer sk-client"),
            ("Content-Type", "application/json"),
            ("Connection", "keep-alive, X-Hop"),
            ("X-Hop", "1"),
            ("Host", "gateway.example"),
            ("cf-connecting-ip", "1.2.3.4"),
            ("X-User-ID", "alice"),
        ]);
        let out = request_headers(&incoming).unwrap();
        assert_eq!(
            out,
            h(&[
                ("Authorization", "Bearer sk-client"),
                ("Content-Type", "application/json"),
                ("X-User-ID", "alice")
            ])
        );
    }

    #[test]
    fn control_characters_in_values_are_refused() {
        let err = request_headers(&h(&[("X-Note", "a\r\nX-Injected: 1")])).unwrap_err();
        assert_eq!((err.status, err.code), (400, "invalid_header"));
    }

    #[test]
    fn joins_base_path_and_query() {
        assert_eq!(
            upstream_url(
                "http://127.0.0.1:8788/",
                "/v1/chat/completions",
                Some("x=1")
            ),
            "http://127.0.0.1:8788/v1/chat/completions?x=1"
        );
        assert_eq!(
            upstream_url("https://llm.example", "/v1/models", None),
            "https://llm.example/v1/models"
        );
    }
}
