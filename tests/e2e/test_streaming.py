"""Server-sent events pass through as they come: the client sees the first event long before
the upstream has finished, and every event arrives, ending with `data: [DONE]`."""

import json
import time

from support import chat, client
from support.upstream import reference


def read_events(gw, body):
    """POSTs a streamed completion; returns (response, [(seconds since sent, data)])."""
    conn = client.connect(gw.port)
    try:
        started = time.monotonic()
        response = client.send(conn, "POST", "/v1/chat/completions", body,
                               {"Content-Type": "application/json", "X-User-ID": "sse"})
        events = []
        while line := response.readline():
            if line.startswith(b"data:"):
                events.append((time.monotonic() - started, line[5:].strip().decode()))
        return response, events
    finally:
        conn.close()


def test_events_arrive_as_they_are_sent(gw):
    body = chat.body(stream=True, stream_options={"include_usage": True})
    response, events = read_events(gw, body)
    assert response.status == 200
    content_type = response.getheader("Content-Type") or ""
    assert content_type.split(";")[0].strip() == "text/event-stream", content_type

    payloads = [data for _, data in events]
    assert payloads[-1] == "[DONE]", payloads[-3:]
    chunks = [json.loads(data) for data in payloads[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "".join(reference.STREAM_PIECES)
    assert chunks[-1]["usage"] == reference.USAGE

    first, total = events[0][0], events[-1][0]
    assert first < total - reference.CHUNK_DELAY, f"first event at {first:.2f} s of {total:.2f} s"
