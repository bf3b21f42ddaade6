"""Streams and failover, with tests/e2e/configs/streaming-failover.toml: two upstreams
(primary, then secondary) with 1 s attempts and a 3 s cool-off, usage asked for on streamed
requests, and a log with the stream outcome, token source, upstream and attempt count.

The primary is a stand-in of this module's own on a port of its own, so that it can be
taken down and brought back; the secondary is the session's stand-in."""

import json
import time

import openai
import pytest
from support import chat, client, processes
from support.polling import wait_until
from support.upstream import StandIn, reference

CONFIG = "tests/e2e/configs/streaming-failover.toml"
TABLE = "requests_streaming"
COOLOFF = 3  # seconds, as the config says


@pytest.fixture(scope="module")
def primary_port():
    return processes.free_port()


@pytest.fixture(scope="module")
def primary(primary_port, tmp_path_factory):
    """The primary upstream, up; `primary.stop()` takes it down."""
    stand_in = StandIn(tmp_path_factory.mktemp("primary") / "primary.log", primary_port)
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def gw(gateway, upstream, primary_port):
    return gateway(CONFIG, {"PRIMARY_URL": f"http://127.0.0.1:{primary_port}",
                            "SECONDARY_URL": upstream.url})


@pytest.fixture(scope="module")
def log(gw):
    return gw.access_log.in_table(TABLE)


def post(gw, user, headers=None, **fields):
    return gw.post("/v1/chat/completions", chat.body(**fields), {"X-User-ID": user, **(headers or {})})


def stream_lines(gw, user, headers=None, **fields):
    """A streamed completion read line by line: (status, [data payloads])."""
    conn = client.connect(gw.port)
    try:
        response = client.send(conn, "POST", "/v1/chat/completions", chat.body(stream=True, **fields),
                               {"Content-Type": "application/json", "X-User-ID": user, **(headers or {})})
        payloads = []
        try:
            while line := response.readline():
                if line.startswith(b"data:"):
                    payloads.append(line[5:].strip().decode())
        except OSError:
            pass  # a cut stream ends the read with an error
        return response.status, payloads
    finally:
        conn.close()


def test_streamed_usage_is_counted_and_hidden_from_a_client_that_did_not_ask(gw, log, primary):
    after = log.last_id()
    status, payloads = stream_lines(gw, "stream-hidden")
    assert status == 200 and payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert not any(c.get("usage") for c in chunks), "the usage chunk the gateway asked for is hidden"
    sent = json.loads(primary.received()[-1].body)
    assert sent["stream_options"] == {"include_usage": True}
    [row] = log.wait_for_rows(after_id=after, user_id="stream-hidden")
    assert (row["tokens_est"], row["tokens_source"], row["outcome"]) == (reference.USAGE["total_tokens"], "usage", "complete")


def test_a_client_that_asked_for_usage_gets_it_and_its_body_is_sent_as_is(gw, log, primary):
    body = chat.body(stream=True, stream_options={"include_usage": True})
    conn = client.connect(gw.port)
    try:
        response = client.send(conn, "POST", "/v1/chat/completions", body, {"Content-Type": "application/json", "X-User-ID": "stream-asked"})
        text = response.read().decode()
    finally:
        conn.close()
    usage = [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data: {")]
    assert usage[-1]["usage"] == reference.USAGE
    assert primary.received()[-1].body == body


def test_a_stream_cut_midway_is_logged_as_cut_with_what_had_passed(gw, log):
    after = log.last_id()
    status, payloads = stream_lines(gw, "stream-cut", headers={"X-Stand-In": "cut"})
    assert status == 200 and "[DONE]" not in payloads
    [row] = log.wait_for_rows(after_id=after, user_id="stream-cut")
    assert (row["outcome"], row["error"], row["status"]) == ("cut", "stream_cut", 200)
    assert row["response_bytes"] > 0
    assert row["tokens_source"] == "estimate"


def test_without_usage_the_tokens_are_estimated_and_say_so(gw, log):
    after = log.last_id()
    content = "How many tokens is this sentence, roughly?"
    response = post(gw, "no-usage", headers={"X-Stand-In": "no-usage"}, content=content)
    assert response.status == 200
    answer = response.json()["choices"][0]["message"]["content"]
    [row] = log.wait_for_rows(after_id=after, user_id="no-usage")
    expected = -(-(len(content) + len(answer)) // 4)  # the documented rule: 4 characters a token
    assert (row["tokens_est"], row["tokens_source"]) == (expected, "estimate")


def test_the_official_openai_client_works_streamed_and_not(gw, log):
    api = openai.OpenAI(base_url=f"http://127.0.0.1:{gw.port}/v1", api_key="sk-python-client",
                        default_headers={"X-User-ID": "openai-python"}, max_retries=0)
    after = log.last_id()
    completion = api.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    assert completion.choices[0].message.content
    assert completion.usage.total_tokens == reference.USAGE["total_tokens"]
    stream = api.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "".join(reference.STREAM_PIECES)
    rows = log.wait_for_rows(count=2, after_id=after, user_id="openai-python")
    assert [(r["tokens_est"], r["tokens_source"]) for r in rows] == [(reference.USAGE["total_tokens"], "usage")] * 2


def test_primary_down_the_secondary_serves_and_the_primary_is_used_again_after_its_cooloff(gw, log, primary, upstream):
    primary.stop()
    after = log.last_id()
    first = post(gw, "failover-1")
    assert first.status == 200
    [row] = log.wait_for_rows(after_id=after, user_id="failover-1")
    assert (row["upstream"], row["attempts"]) == ("secondary", 2)
    second = post(gw, "failover-2")
    assert second.status == 200
    [row] = log.wait_for_rows(after_id=after, user_id="failover-2")
    assert (row["upstream"], row["attempts"]) == ("secondary", 1), "the cooling primary is skipped"
    assert second.elapsed < 1.0, "no attempt was spent on the dead primary"

    back = StandIn(primary.log_path, primary.port)
    try:
        time.sleep(COOLOFF)  # the cool-off is the behaviour under test: wait it out
        def served_by_primary():
            mark = log.last_id()
            post(gw, "failover-3")
            rows = log.wait_for_rows(after_id=mark, user_id="failover-3")
            return rows[-1]["upstream"] == "primary" and rows[-1]
        row = wait_until(served_by_primary, 15, "the primary serving again", interval=0.5)
        assert row["attempts"] == 1
    finally:
        back.stop()
