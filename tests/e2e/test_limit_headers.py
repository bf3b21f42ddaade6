"""Rate-limit headers on the responses of a limited route, so clients see where they stand
before they hit 429. gateway.toml (50 per fixed 60 s window) sends both families:

    RateLimit-Policy: "per-user";q=50;w=60
    RateLimit: "per-user";r=<remaining>;t=<seconds to reset>
    x-ratelimit-limit-requests: 50
    x-ratelimit-remaining-requests: <remaining>
    x-ratelimit-reset-requests: 12s | 1m0s

and configs/openai-headers-only.toml (rate_limit_headers = ["openai"]) only the second.

The module's marker only orders the module (conftest groups modules by it); each class names
its gateway. The gateway.toml class comes first: the module before this one
(test_limit_backends.py) ends on that gateway, so it is not built again.
"""

import math
import uuid

import pytest
from support import chat, limit_headers, limits
from support.errors import assert_openai_error
from support.serving import serving

DEFAULT = "gateway.toml"
OPENAI_ONLY = "tests/e2e/configs/openai-headers-only.toml"
LIMIT = 50
POLICY = {"per-user": {"q": LIMIT, "w": limits.WINDOW}}

pytestmark = pytest.mark.gateway(config=OPENAI_ONLY)


def new_user(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def timed_post(gw, user):
    """One request as `user`, with the seconds left in the window before and after it."""
    before = limits.seconds_left()
    response = gw.post("/v1/chat/completions", chat.body(),
                       {"Content-Type": "application/json", "X-User-ID": user})
    return response, before, limits.seconds_left()


def assert_reset_in_window(t, before, after):
    """`t` (whole seconds to the window's end) as the Worker saw it during the request."""
    assert math.floor(after) - 1 <= t <= math.ceil(before) + 1, (t, before, after)


class TestBothFamilies:
    gw = serving(DEFAULT)

    @pytest.fixture(scope="class")
    @classmethod
    def two(cls, gw):
        """Two requests of a new user in one window, each with the window's time left."""
        limits.at_start_of_window()
        user = new_user("hdr")
        return [timed_post(gw, user) for _ in range(2)]

    def test_policy_names_the_limit_and_window(self, two):
        for response, _, _ in two:
            assert response.status == 200, response.body[:500]
            assert response.header("RateLimit-Policy") == '"per-user";q=50;w=60'
            assert limit_headers.policies(response.header("RateLimit-Policy")) == POLICY

    def test_ratelimit_counts_down(self, two):
        states = [limit_headers.policies(r.header("RateLimit")) for r, _, _ in two]
        assert [set(s) for s in states] == [{"per-user"}] * 2, states
        assert [s["per-user"]["r"] for s in states] == [LIMIT - 1, LIMIT - 2]
        for state, (_, before, after) in zip(states, two):
            assert set(state["per-user"]) == {"r", "t"}
            assert_reset_in_window(state["per-user"]["t"], before, after)

    def test_openai_headers_say_the_same(self, two):
        for response, _, _ in two:
            state = limit_headers.policies(response.header("RateLimit"))["per-user"]
            assert response.header("x-ratelimit-limit-requests") == str(LIMIT)
            assert response.header("x-ratelimit-remaining-requests") == str(state["r"])
            reset = response.header("x-ratelimit-reset-requests")
            assert limit_headers.duration(reset) == state["t"], reset

    def test_no_token_headers_without_a_token_budget(self, two):
        for response, _, _ in two:
            assert limit_headers.present(response) & set(limit_headers.OPENAI_TOKENS) == set()

    def test_refusal_says_none_remain_and_when_to_retry(self, gw):
        limits.at_start_of_window()
        user = new_user("hdr-429")
        assert [r.status for r in limits.burst(gw, user, LIMIT, chat.body())] == [200] * LIMIT
        refused, before, after = timed_post(gw, user)
        assert_openai_error(refused, 429, "rate_limit_exceeded")
        retry_after = limits.retry_after(refused)
        assert_reset_in_window(retry_after, before, after)
        assert limit_headers.policies(refused.header("RateLimit-Policy")) == POLICY
        assert limit_headers.policies(refused.header("RateLimit")) == {
            "per-user": {"r": 0, "t": retry_after}}
        assert refused.header("x-ratelimit-limit-requests") == str(LIMIT)
        assert refused.header("x-ratelimit-remaining-requests") == "0"
        assert limit_headers.duration(refused.header("x-ratelimit-reset-requests")) == retry_after

    def test_unlimited_routes_carry_none(self, gw):
        response = gw.get("/health")
        assert response.status == 200
        assert limit_headers.present(response) == set()


class TestOpenaiOnly:
    gw = serving(OPENAI_ONLY)

    def test_only_the_openai_family_is_sent(self, gw):
        limits.at_start_of_window(5)
        response, before, after = timed_post(gw, new_user("hdr-openai"))
        assert response.status == 200, response.body[:500]
        assert limit_headers.present(response) == set(limit_headers.OPENAI_REQUESTS)
        assert response.header("x-ratelimit-limit-requests") == str(LIMIT)
        assert response.header("x-ratelimit-remaining-requests") == str(LIMIT - 1)
        reset = limit_headers.duration(response.header("x-ratelimit-reset-requests"))
        assert_reset_in_window(reset, before, after)

    def test_a_refusal_still_says_when_to_retry(self, gw):
        """Retry-After is not a rate-limit header family: it comes with every 429."""
        limits.at_start_of_window()
        user = new_user("hdr-openai-429")
        limits.burst(gw, user, LIMIT, chat.body())
        refused, _, _ = timed_post(gw, user)
        assert_openai_error(refused, 429, "rate_limit_exceeded")
        limits.retry_after(refused)
        assert limit_headers.present(refused) == set(limit_headers.OPENAI_REQUESTS)
        assert refused.header("x-ratelimit-remaining-requests") == "0"
