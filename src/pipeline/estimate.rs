//! The fallback token estimate, for answers that report no usage.
//!
//! The rule: one token per 4 characters (OpenAI's rule of thumb for English text) of the
//! request's text (chat `messages[].content`, completion `prompt`, embedding `input`) plus
//! the answer's generated text, rounded up. It is an estimate for dashboards and budgets,
//! not for billing; the log's `tokens_source` says which rows carry it.

use serde::Deserialize;
use serde_json::Value;

/// Characters per token in the estimate.
pub const CHARS_PER_TOKEN: u64 = 4;

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    messages: Vec<Message>,
    prompt: Option<Value>,
    input: Option<Value>,
}

#[derive(Deserialize)]
struct Message {
    content: Option<Value>,
}

/// Characters of text in a request body (0 when it is not an OpenAI-style JSON request).
pub fn request_chars(body: &[u8]) -> u64 {
    let Ok(request) = serde_json::from_slice::<Request>(body) else {
        return 0;
    };
    let messages = request.messages.iter().filter_map(|m| m.content.as_ref());
    messages
        .chain(request.prompt.as_ref())
        .chain(request.input.as_ref())
        .map(text_chars)
        .sum()
}

/// Text characters in a content value: a string, a list of strings, or a list of parts
/// with `text`.
fn text_chars(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.chars().count() as u64,
        Value::Array(items) => items.iter().map(text_chars).sum(),
        Value::Object(part) => part.get("text").map_or(0, text_chars),
        _ => 0,
    }
}

/// Tokens for `chars` characters of text.
pub fn tokens(chars: u64) -> u64 {
    chars.div_ceil(CHARS_PER_TOKEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_text_of_chat_completion_and_embedding_requests() {
        let chat = br#"{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"image_url","image_url":{"url":"x"}}]}]}"#;
        assert_eq!(request_chars(chat), 9 + 5);
        assert_eq!(request_chars(br#"{"prompt":["ab","cde"]}"#), 5);
        assert_eq!(request_chars(br#"{"input":"four"}"#), 4);
        assert_eq!(request_chars(b"not json"), 0);
    }

    #[test]
    fn rounds_up_at_four_characters_a_token() {
        assert_eq!((tokens(0), tokens(1), tokens(4), tokens(5)), (0, 1, 1, 2));
    }
}
