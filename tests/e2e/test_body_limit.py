"""The body size limit (gateway.toml: max_body_bytes = 1 MiB): a body over it is refused
with 413 before anything reaches the upstream; a body of exactly the limit goes through."""

import json

from support.errors import assert_openai_error

MAX_BODY_BYTES = 1024 * 1024
HEADERS = {"Content-Type": "application/json", "X-User-ID": "big-body"}


def body_of(size):
    """A valid chat-completion JSON body of exactly `size` bytes."""
    empty = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": ""}]})
    text = empty.replace('"content": ""', '"content": "' + "a" * (size - len(empty)) + '"')
    assert len(text) == size
    return text.encode()


def test_body_over_the_limit_is_413(gw, upstream):
    response = gw.post("/v1/chat/completions", body_of(MAX_BODY_BYTES + 1), HEADERS)
    assert_openai_error(response, 413, "body_too_large")
    assert upstream.received() == []


def test_body_at_the_limit_goes_through(gw, upstream):
    body = body_of(MAX_BODY_BYTES)
    response = gw.post("/v1/chat/completions", body, HEADERS)
    assert response.status == 200, response.body[:500]
    [forwarded] = upstream.received()
    assert forwarded.body == body
