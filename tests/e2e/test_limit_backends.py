"""The limiter backends as their presets ship them, one user at 50 requests per 60 s:

- durable-object (examples/strict-quota.toml): strict. Of 200 requests that arrive together,
  exactly 50 pass, every time.
- rate-limit-binding (examples/native-limit.toml): Cloudflare's binding, whose local
  simulator counts exactly per wall-clock minute: the 51st request of a minute is refused.
- kv (gateway.toml): soft. Concurrent requests may overshoot the limit (the benchmark
  measures by how much), but never undershoot it. Sequential exactness is test_rate_limit.py's.

Each class names its gateway (`gw = serving(...)`). The module's marker only orders the
module (conftest groups modules by it): the strict gateway first, the KV one last, next to
test_limit_headers.py, whose first tests use the same gateway.
"""

import uuid
from collections import Counter

import pytest
from support import chat, limit_headers, limits
from support.errors import assert_openai_error
from support.serving import serving

STRICT = "examples/strict-quota.toml"
NATIVE = "examples/native-limit.toml"
KV = "gateway.toml"
LIMIT = 50  # requests per window in all three
CONCURRENT = 200
WORKERS = 100
EDGE_GUARD = 20  # seconds a burst needs before the minute ends

pytestmark = pytest.mark.gateway(config=STRICT)


def new_user(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def assert_refused(response, max_retry_after):
    assert_openai_error(response, 429, "rate_limit_exceeded", "rate_limit_error")
    assert limits.retry_after(response) <= max_retry_after


class TestStrict:
    gw = serving(STRICT)

    @pytest.fixture(scope="class")
    @classmethod
    def together(cls, gw):
        """CONCURRENT requests of one new user at once. A fresh user has no previous minute
        for the sliding window to weigh in; the guard keeps the burst inside one minute."""
        limits.at_start_of_window(EDGE_GUARD)
        user = new_user("strict")
        return user, limits.concurrent_burst(gw, user, CONCURRENT, chat.body(), WORKERS)

    def test_exactly_the_limit_passes(self, together):
        _, responses = together
        assert Counter(r.status for r in responses) == {200: LIMIT, 429: CONCURRENT - LIMIT}

    def test_the_rest_are_told_when_to_retry(self, together):
        _, responses = together
        for response in responses:
            if response.status == 429:
                # Sliding window: the spent minute must slide out, up to two windows away.
                assert_refused(response, 2 * limits.WINDOW)

    def test_every_request_is_logged_with_its_status(self, gw, together):
        user, _ = together
        rows = gw.access_log.wait_for_rows(count=CONCURRENT, user_id=user)
        assert Counter(row["status"] for row in rows) == {200: LIMIT, 429: CONCURRENT - LIMIT}

    @pytest.mark.parametrize("run", [2, 3])
    def test_exactly_the_limit_passes_every_run(self, gw, run):
        limits.at_start_of_window(EDGE_GUARD)
        responses = limits.concurrent_burst(gw, new_user(f"strict-{run}"), CONCURRENT,
                                            chat.body(), WORKERS)
        assert Counter(r.status for r in responses) == {200: LIMIT, 429: CONCURRENT - LIMIT}


class TestNative:
    gw = serving(NATIVE)

    @pytest.fixture(scope="class")
    @classmethod
    def in_one_minute(cls, gw):
        """LIMIT + 1 sequential requests of one new user within one wall-clock minute (the
        simulator's window), then one of another user."""
        limits.at_start_of_window(EDGE_GUARD)
        responses = limits.burst(gw, new_user("native"), LIMIT + 1, chat.body())
        [other] = limits.burst(gw, new_user("native-other"), 1, chat.body())
        return responses, other

    def test_requests_up_to_the_limit_pass(self, in_one_minute):
        responses, _ = in_one_minute
        assert [r.status for r in responses[:LIMIT]] == [200] * LIMIT

    def test_the_next_is_refused_with_retry_after(self, in_one_minute):
        responses, _ = in_one_minute
        assert_refused(responses[LIMIT], limits.WINDOW)

    def test_another_user_still_passes(self, in_one_minute):
        _, other = in_one_minute
        assert other.status == 200, other.body[:500]

    def test_no_remaining_count_is_claimed(self, in_one_minute):
        """The binding says yes or no, not how much is left: the headers give the policy
        and never a made-up remaining count."""
        responses, _ = in_one_minute
        for response in (responses[0], responses[LIMIT]):
            assert limit_headers.policies(response.header("RateLimit-Policy")) == {
                "per-user": {"q": LIMIT, "w": limits.WINDOW}}
            assert response.header("x-ratelimit-limit-requests") == str(LIMIT)
            assert response.header("RateLimit") is None
            assert response.header("x-ratelimit-remaining-requests") is None


class TestKv:
    gw = serving(KV)

    def test_concurrent_requests_never_undershoot_the_limit(self, gw):
        """No exact count: KV is eventually consistent, so concurrent requests can read the
        same count and overshoot. But a request is only refused once LIMIT have been
        counted, so at least LIMIT pass, and the others are proper 429s."""
        limits.at_start_of_window(EDGE_GUARD)
        responses = limits.concurrent_burst(gw, new_user("kv"), CONCURRENT, chat.body(),
                                            WORKERS)
        statuses = Counter(r.status for r in responses)
        assert set(statuses) <= {200, 429}, statuses
        assert statuses[200] >= LIMIT, statuses
        for response in responses:
            if response.status == 429:
                assert_refused(response, limits.WINDOW)
