//! Watches an upstream answer as it streams past, without holding it back: its token usage,
//! how much text it carried (for the estimate when usage is missing), whether an event
//! stream finished with `[DONE]`, and, when the gateway asked for usage on the client's
//! behalf, the usage chunk the client did not ask for, which it removes.

use serde::Deserialize;

/// JSON answers larger than this are passed through but not parsed.
const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;
/// An SSE line longer than this is passed through but not parsed, so a hostile stream
/// cannot grow the buffer.
const MAX_SSE_LINE: usize = 1024 * 1024;

/// What the answer turned out to be, once it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Body bytes that passed to the client.
    pub bytes: u64,
    /// `usage.total_tokens`, when the answer reported it.
    pub total_tokens: Option<u64>,
    /// Characters of generated text (message content, deltas, completion text).
    pub content_chars: u64,
    /// Whether an event stream ended with `data: [DONE]`.
    pub saw_done: bool,
}

/// Feeds on body chunks and returns what to pass on to the client.
#[derive(Debug)]
pub struct Observer {
    format: Format,
    summary: Summary,
    /// Remove usage-only events (the gateway asked for them, the client did not); events are
    /// then passed on whole, as each one completes.
    strip_usage: bool,
    pending: Vec<u8>,
}

#[derive(Debug)]
enum Format {
    /// A JSON document, kept (up to a bound) to parse at the end.
    Json(Vec<u8>),
    /// Server-sent events, parsed line by line as they arrive.
    Sse { line: Vec<u8>, skipping: bool },
    /// Anything else: only counted.
    Other,
}

/// The parts of an OpenAI chat or completion object (or chunk) the gateway reads.
#[derive(Deserialize)]
struct Answer {
    usage: Option<Usage>,
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Usage {
    total_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<Content>,
    delta: Option<Content>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    content: Option<String>,
}

impl Answer {
    fn content_chars(&self) -> u64 {
        self.choices
            .iter()
            .flat_map(|c| {
                [
                    c.message.as_ref().and_then(|m| m.content.as_ref()),
                    c.delta.as_ref().and_then(|d| d.content.as_ref()),
                    c.text.as_ref(),
                ]
            })
            .flatten()
            .map(|t| t.chars().count() as u64)
            .sum()
    }
}

impl Observer {
    /// An observer for a body of this `Content-Type`; `strip_usage` removes usage-only events
    /// from an event stream.
    pub fn new(content_type: Option<&str>, strip_usage: bool) -> Self {
        let media = content_type
            .and_then(|c| c.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let format = match media.as_str() {
            "text/event-stream" => Format::Sse {
                line: Vec::new(),
                skipping: false,
            },
            m if m == "application/json" || m.ends_with("+json") => Format::Json(Vec::new()),
            _ => Format::Other,
        };
        let strip_usage = strip_usage && matches!(format, Format::Sse { .. });
        Self {
            format,
            summary: Summary::default(),
            strip_usage,
            pending: Vec::new(),
        }
    }

    /// Takes note of one chunk and returns the bytes to pass on now (the chunk itself, unless
    /// usage events are being removed).
    pub fn pass(&mut self, chunk: Vec<u8>) -> Vec<u8> {
        self.observe(&chunk);
        if !self.strip_usage {
            self.summary.bytes += chunk.len() as u64;
            return chunk;
        }
        self.pending.extend_from_slice(&chunk);
        let complete = last_event_end(&self.pending);
        let ready: Vec<u8> = self.pending.drain(..complete).collect();
        let out = without_usage_events(&ready);
        self.summary.bytes += out.len() as u64;
        out
    }

    fn observe(&mut self, chunk: &[u8]) {
        match &mut self.format {
            Format::Json(buffer) => {
                if buffer.len() + chunk.len() <= MAX_JSON_BYTES {
                    buffer.extend_from_slice(chunk);
                } else {
                    self.format = Format::Other;
                }
            }
            Format::Sse { line, skipping } => {
                for &byte in chunk {
                    if byte == b'\n' {
                        if !*skipping {
                            sse_line(&mut self.summary, line);
                        }
                        line.clear();
                        *skipping = false;
                    } else if line.len() < MAX_SSE_LINE {
                        line.push(byte);
                    } else {
                        *skipping = true;
                    }
                }
            }
            Format::Other => {}
        }
    }

    /// The summary of everything observed, and any bytes still held back (an unfinished last
    /// event), which go to the client too.
    pub fn finish(mut self) -> (Summary, Vec<u8>) {
        let rest = std::mem::take(&mut self.pending);
        self.summary.bytes += rest.len() as u64;
        match std::mem::replace(&mut self.format, Format::Other) {
            Format::Json(buffer) => {
                if let Ok(answer) = serde_json::from_slice::<Answer>(&buffer) {
                    self.summary.content_chars = answer.content_chars();
                    self.summary.total_tokens = answer.usage.and_then(|u| u.total_tokens);
                }
            }
            Format::Sse {
                line,
                skipping: false,
            } => sse_line(&mut self.summary, &line),
            _ => {}
        }
        (self.summary, rest)
    }
}

fn sse_line(summary: &mut Summary, line: &[u8]) {
    let Some(data) = sse_data(line) else { return };
    if data == b"[DONE]" {
        summary.saw_done = true;
    } else if let Ok(answer) = serde_json::from_slice::<Answer>(data) {
        summary.content_chars += answer.content_chars();
        if let Some(tokens) = answer.usage.and_then(|u| u.total_tokens) {
            summary.total_tokens = Some(tokens);
        }
    }
}

/// The payload of a `data:` line.
fn sse_data(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some(line.strip_prefix(b"data:")?.trim_ascii())
}

/// The end of the last complete event in `buffer` (just past its blank line), or 0.
fn last_event_end(buffer: &[u8]) -> usize {
    (1..buffer.len())
        .rev()
        .find(|&i| buffer[i] == b'\n' && is_blank_line_end(buffer, i))
        .map_or(0, |i| i + 1)
}

/// Whether the `\n` at `i` ends an empty line (`\n\n` or `\n\r\n`).
fn is_blank_line_end(buffer: &[u8], i: usize) -> bool {
    buffer[i - 1] == b'\n' || (i >= 2 && buffer[i - 1] == b'\r' && buffer[i - 2] == b'\n')
}

/// `events` (complete ones) without the usage-only ones, other bytes untouched.
fn without_usage_events(events: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(events.len());
    let mut start = 0;
    for i in 1..events.len() {
        if events[i] == b'\n' && is_blank_line_end(events, i) {
            let event = &events[start..=i];
            if !is_usage_only(event) {
                out.extend_from_slice(event);
            }
            start = i + 1;
        }
    }
    out.extend_from_slice(&events[start..]);
    out
}

/// An event whose data is a chunk with usage and no choices: the one `include_usage` adds.
fn is_usage_only(event: &[u8]) -> bool {
    event
        .split(|&b| b == b'\n')
        .filter_map(sse_data)
        .any(|data| {
            serde_json::from_slice::<Answer>(data)
                .is_ok_and(|a| a.usage.is_some() && a.choices.is_empty())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(content_type: &str, strip: bool, body: &[u8], chunk: usize) -> (Summary, Vec<u8>) {
        let mut o = Observer::new(Some(content_type), strip);
        let mut out = Vec::new();
        for piece in body.chunks(chunk) {
            out.extend(o.pass(piece.to_vec()));
        }
        let (summary, rest) = o.finish();
        out.extend(rest);
        (summary, out)
    }

    const STREAM: &str = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\" you\"}}]}\r\n\r\ndata: {\"choices\":[],\"usage\":{\"total_tokens\":7}}\n\ndata: [DONE]\n\n";

    #[test]
    fn finds_usage_and_text_in_a_json_answer_split_anywhere() {
        let body = br#"{"id":"x","choices":[{"message":{"content":"Hello!"}}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}"#;
        for split in [1, 10, body.len()] {
            let (s, out) = run("application/json; charset=utf-8", false, body, split);
            assert_eq!(
                (s.total_tokens, s.content_chars, s.bytes),
                (Some(12), 6, body.len() as u64)
            );
            assert_eq!(out, body);
        }
    }

    #[test]
    fn finds_usage_text_and_done_in_an_event_stream_passed_through_unchanged() {
        for chunk in [1, 5, STREAM.len()] {
            let (s, out) = run("text/event-stream", false, STREAM.as_bytes(), chunk);
            assert_eq!(
                (s.total_tokens, s.content_chars, s.saw_done),
                (Some(7), 6, true)
            );
            assert_eq!(out, STREAM.as_bytes());
        }
    }

    #[test]
    fn removes_only_the_usage_event_when_asked_and_still_counts_it() {
        for chunk in [1, 7, STREAM.len()] {
            let (s, out) = run("text/event-stream", true, STREAM.as_bytes(), chunk);
            let expected = STREAM.replace(
                "data: {\"choices\":[],\"usage\":{\"total_tokens\":7}}\n\n",
                "",
            );
            assert_eq!(String::from_utf8(out).unwrap(), expected);
            assert_eq!((s.total_tokens, s.bytes), (Some(7), expected.len() as u64));
        }
    }

    #[test]
    fn an_event_is_passed_on_as_soon_as_it_is_complete() {
        let mut o = Observer::new(Some("text/event-stream"), true);
        assert!(o.pass(b"data: {\"choices\":[]".to_vec()).is_empty());
        assert_eq!(
            o.pass(b"}\n\ndata: x".to_vec()),
            b"data: {\"choices\":[]}\n\n"
        );
        assert_eq!(o.finish().1, b"data: x");
    }

    #[test]
    fn an_answer_without_usage_says_so() {
        let (s, _) = run("text/event-stream", false, b"data: {\"choices\":[]}\n\n", 4);
        assert_eq!(
            s,
            Summary {
                bytes: 22,
                total_tokens: None,
                content_chars: 0,
                saw_done: false
            }
        );
        assert_eq!(
            run("application/json", false, b"{\"usage\":null}", 3)
                .0
                .total_tokens,
            None
        );
    }
}
