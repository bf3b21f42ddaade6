//! Asking the upstream for the usage of a streamed answer (`stream_options.include_usage`),
//! so streamed requests count their real tokens.

use serde_json::{Map, Value};

/// What a request body says about streaming and usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streaming {
    /// Not a streamed request.
    No,
    /// Streamed, and the client asked for the usage chunk itself.
    WithUsage,
    /// Streamed without usage.
    WithoutUsage,
}

fn object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// How `body` streams.
pub fn streaming(body: &[u8]) -> Streaming {
    let Some(request) = object(body) else {
        return Streaming::No;
    };
    if request.get("stream") != Some(&Value::Bool(true)) {
        return Streaming::No;
    }
    let asked = request
        .get("stream_options")
        .and_then(|o| o.get("include_usage"))
        == Some(&Value::Bool(true));
    if asked {
        Streaming::WithUsage
    } else {
        Streaming::WithoutUsage
    }
}

/// `body` with `stream_options.include_usage = true` added (other options kept). The body
/// is re-serialized, so this is only done for streamed requests that lack it.
pub fn with_usage(body: &[u8]) -> Option<Vec<u8>> {
    let mut request = object(body)?;
    let options = request
        .entry("stream_options")
        .or_insert_with(|| Value::Object(Map::new()));
    options
        .as_object_mut()?
        .insert("include_usage".into(), Value::Bool(true));
    serde_json::to_vec(&Value::Object(request)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_streamed_requests_apart() {
        assert_eq!(streaming(br#"{"stream":false}"#), Streaming::No);
        assert_eq!(streaming(b"[]"), Streaming::No);
        assert_eq!(streaming(br#"{"stream":true}"#), Streaming::WithoutUsage);
        assert_eq!(
            streaming(br#"{"stream":true,"stream_options":{"include_usage":true}}"#),
            Streaming::WithUsage
        );
    }

    #[test]
    fn adds_include_usage_and_keeps_the_rest() {
        let body =
            with_usage(br#"{"model":"m","stream":true,"stream_options":{"other":1}}"#).unwrap();
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["stream_options"]["include_usage"], true);
        assert_eq!(value["stream_options"]["other"], 1);
        assert_eq!(value["model"], "m");
        assert_eq!(streaming(&body), Streaming::WithUsage);
    }
}
