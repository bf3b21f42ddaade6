"""The default per-user limit: 50 requests per fixed 60 s window, counted in KV. The 51st
is refused with 429 and Retry-After, other users are not affected, and refusals are logged."""

import uuid

import pytest
from support import chat, limits
from support.errors import assert_openai_error

LIMIT = 50  # gateway.toml: [limiters.per-user] requests


@pytest.fixture(scope="module")
def burst(gw):
    """LIMIT + 1 requests of one new user in one window, then one of another user."""
    user = f"rl-{uuid.uuid4().hex[:12]}"
    limits.at_start_of_window()
    responses = limits.burst(gw, user, LIMIT + 1, chat.body())
    [other] = limits.burst(gw, f"rl-other-{uuid.uuid4().hex[:12]}", 1, chat.body())
    return user, responses, other


def test_requests_up_to_the_limit_pass(burst):
    _, responses, _ = burst
    assert [r.status for r in responses[:LIMIT]] == [200] * LIMIT


def test_request_over_the_limit_is_refused(burst):
    _, responses, _ = burst
    refused = responses[LIMIT]
    assert_openai_error(refused, 429, "rate_limit_exceeded", "rate_limit_error")
    assert limits.retry_after(refused) <= limits.WINDOW


def test_other_users_are_not_limited(burst):
    _, _, other = burst
    assert other.status == 200, other.body[:500]


def test_refusal_is_logged(burst, gw):
    user, _, _ = burst
    [row] = gw.access_log.wait_for_rows(user_id=user, status=429)
    assert row["path"] == "/v1/chat/completions"
