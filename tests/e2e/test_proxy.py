"""A proxied chat completion: the client gets the upstream's answer, the upstream gets the
client's request unchanged (path, query, Authorization, body bytes), and it is logged."""

import json
import re

import pytest
from support import chat
from support.upstream import reference

# Valid JSON with bytes a re-serialising proxy would change: non-ASCII, escapes, odd spacing.
ODD_BODY = ('{ "model" :"gpt-4o",\n\t"messages":[ {"role":"user", "content":'
            '"h\\u00e9llo — 日本語 🦀 \\"q\\" \\/ end"} ] ,"temperature":0.50 }  ').encode()


@pytest.fixture(scope="module")
def exchange(gw, upstream):
    """One proxied request, and what the upstream received because of it."""
    upstream.clear()
    response = gw.post("/v1/chat/completions?x=1", ODD_BODY, {
        "Content-Type": "application/json",
        "Authorization": "Bearer sk-test",
        "X-User-ID": "alice",
    })
    return response, upstream.received()


def test_client_gets_the_upstream_answer(exchange):
    response, _ = exchange
    assert response.status == 200, response.body[:500]
    assert (response.header("Content-Type") or "").startswith("application/json")
    answer = response.json()
    assert answer["object"] == "chat.completion"
    assert answer["usage"] == reference.USAGE


def test_upstream_gets_the_request_unchanged(exchange):
    _, received = exchange
    assert len(received) == 1, received
    forwarded = received[0]
    assert forwarded.method == "POST"
    assert forwarded.path == "/v1/chat/completions?x=1"
    assert forwarded.header_values("Authorization") == ["Bearer sk-test"]
    assert forwarded.body == ODD_BODY


def test_gateway_adds_no_authorization(gw, upstream):
    response = gw.post("/v1/chat/completions", chat.body(),
                       {"Content-Type": "application/json", "X-User-ID": "no-auth"})
    assert response.status == 200, response.body[:500]
    [forwarded] = upstream.received()
    assert forwarded.header_values("Authorization") == []


def test_request_is_logged(exchange, gw):
    [row] = gw.access_log.wait_for_rows(user_id="alice")
    # The shipped migrations also add the audit preset's columns; gateway.toml leaves them NULL.
    filled = {column for column, value in row.items() if value is not None}
    assert filled == {"id", "user_id", "path", "status", "latency_ms", "tokens_est", "created_at"}
    assert row["path"] == "/v1/chat/completions"
    assert row["status"] == 200
    assert isinstance(row["latency_ms"], int) and row["latency_ms"] >= 0
    assert row["tokens_est"] == reference.USAGE["total_tokens"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row["created_at"]), row


def test_missing_user_header_is_logged_as_anonymous(gw):
    before = gw.access_log.last_id()
    response = gw.post("/v1/chat/completions", chat.body(),
                       {"Content-Type": "application/json"})
    assert response.status == 200, response.body[:500]
    rows = gw.access_log.wait_for_rows(after_id=before, user_id="anonymous",
                                       path="/v1/chat/completions")
    assert len(rows) == 1, rows


def test_odd_body_is_valid_json():
    """The test's own premise: the odd body is valid JSON, so the gateway may parse it."""
    assert json.loads(ODD_BODY)["messages"][0]["role"] == "user"
