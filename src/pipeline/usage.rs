//! Watches an upstream answer as it streams past, without holding it back, to learn its
//! token usage and whether it completed.

/// JSON answers larger than this are passed through but not parsed for usage.
const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;
/// An SSE line longer than this is skipped, so a hostile stream cannot grow the buffer.
const MAX_SSE_LINE: usize = 1024 * 1024;

/// What the answer turned out to be, once it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Body bytes that passed to the client.
    pub bytes: u64,
    /// `usage.total_tokens`, when the answer reported it.
    pub total_tokens: Option<u64>,
    /// Whether an SSE answer ended with `data: [DONE]`.
    pub saw_done: bool,
}

/// Feeds on body chunks; the chunks themselves go on to the client unchanged.
#[derive(Debug)]
pub struct Observer {
    format: Format,
    summary: Summary,
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

impl Observer {
    /// An observer for a body of this `Content-Type`.
    pub fn new(content_type: Option<&str>) -> Self {
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
        Self {
            format,
            summary: Summary::default(),
        }
    }

    /// Takes note of one chunk.
    pub fn observe(&mut self, chunk: &[u8]) {
        self.summary.bytes += chunk.len() as u64;
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

    /// The summary of everything observed.
    pub fn finish(mut self) -> Summary {
        match std::mem::replace(&mut self.format, Format::Other) {
            Format::Json(buffer) => self.summary.total_tokens = total_tokens(&buffer),
            Format::Sse {
                line,
                skipping: false,
            } => sse_line(&mut self.summary, &line),
            _ => {}
        }
        self.summary
    }
}

fn sse_line(summary: &mut Summary, line: &[u8]) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(data) = line.strip_prefix(b"data:") else {
        return;
    };
    let data = data.trim_ascii();
    if data == b"[DONE]" {
        summary.saw_done = true;
    } else if let Some(tokens) = total_tokens(data) {
        summary.total_tokens = Some(tokens);
    }
}

fn total_tokens(json: &[u8]) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct WithUsage {
        usage: Option<Usage>,
    }
    #[derive(serde::Deserialize)]
    struct Usage {
        total_tokens: Option<u64>,
    }
    serde_json::from_slice::<WithUsage>(json)
        .ok()?
        .usage?
        .total_tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_usage_in_a_json_answer_split_anywhere() {
        let body = br#"{"id":"x","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}"#;
        for split in [1, 10, body.len() - 1] {
            let mut o = Observer::new(Some("application/json; charset=utf-8"));
            o.observe(&body[..split]);
            o.observe(&body[split..]);
            let s = o.finish();
            assert_eq!((s.total_tokens, s.bytes), (Some(12), body.len() as u64));
        }
    }

    #[test]
    fn finds_usage_and_done_in_an_event_stream_across_chunks() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"total_tokens\":7}}\r\n\r\ndata: [DONE]\n\n";
        let mut o = Observer::new(Some("text/event-stream"));
        for chunk in stream.as_bytes().chunks(5) {
            o.observe(chunk);
        }
        let s = o.finish();
        assert_eq!((s.total_tokens, s.saw_done), (Some(7), true));
    }

    #[test]
    fn a_stream_without_usage_or_done_says_so() {
        let mut o = Observer::new(Some("text/event-stream"));
        o.observe(b"data: {\"choices\":[]}\n\n");
        assert_eq!(
            o.finish(),
            Summary {
                bytes: 22,
                total_tokens: None,
                saw_done: false
            }
        );
        let mut o = Observer::new(Some("application/json"));
        o.observe(b"{\"usage\":null}");
        assert_eq!(o.finish().total_tokens, None);
    }
}
