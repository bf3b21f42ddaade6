"""A limiter whose counter store fails: `on_store_error = "open"` lets requests through
uncounted, `"closed"` refuses them with 503 limiter_unavailable. Either way the row says
which (the `limit` column source: failed-open / failed-closed).

The store fails because the configs (configs/undeclared-binding/) point the limiter at a KV
binding that wrangler.toml does not declare, so every counter call fails in the Worker.
Their log table, with two more columns than gateway.toml's, is one the harness creates
from `gateway migrate --print` of the config.

Each class names its gateway (`gw = serving(...)`); the module's marker only orders the
module (conftest groups modules by it).
"""

import uuid
from collections import Counter

import pytest
from support import chat, cli, limits
from support.errors import assert_openai_error
from support.serving import serving

OPEN = "tests/e2e/configs/undeclared-binding/store-down-open.toml"
CLOSED = "tests/e2e/configs/undeclared-binding/store-down-closed.toml"
TABLE = "requests_store_down"  # both configs: logs.access.table
LIMIT = 50

pytestmark = pytest.mark.gateway(config=OPEN)


def new_user(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("config", [OPEN, CLOSED], ids=["open", "closed"])
def test_only_the_binding_is_wrong(config):
    """The premise: each config is valid, and checked against wrangler.toml its one problem
    is the undeclared binding."""
    cli.gateway_ok("check", config)
    code, out, err = cli.gateway("check", config, "--wrangler", "wrangler.toml")
    assert code == 1, out + err
    assert "uses binding `NO_SUCH_KV`, which wrangler.toml does not declare" in out + err
    assert "wrangler.toml: 1 error," in out + err, out + err


class TestFailOpen:
    gw = serving(OPEN)

    @pytest.fixture(scope="class")
    @classmethod
    def over_the_limit(cls, gw, upstream):
        """LIMIT + 1 requests of one user: more than the limit would let through."""
        log = gw.access_log.in_table(TABLE)
        limits.at_start_of_window()
        user = new_user("open")
        upstream.clear()
        responses = limits.burst(gw, user, LIMIT + 1, chat.body())
        return user, responses, upstream.received(), log

    def test_every_request_passes(self, over_the_limit):
        _, responses, received, _ = over_the_limit
        assert [r.status for r in responses] == [200] * (LIMIT + 1)
        assert len(received) == LIMIT + 1

    def test_rows_say_failed_open(self, over_the_limit):
        user, _, _, log = over_the_limit
        rows = log.wait_for_rows(count=LIMIT + 1, user_id=user)
        assert Counter((r["status"], r["limit_state"], r["error"]) for r in rows) == {
            (200, "failed-open", None): LIMIT + 1}


class TestFailClosed:
    gw = serving(CLOSED)

    @pytest.fixture(scope="class")
    @classmethod
    def refused(cls, gw, upstream):
        log = gw.access_log.in_table(TABLE)
        user = new_user("closed")
        upstream.clear()
        response = gw.post("/v1/chat/completions", chat.body(),
                           {"Content-Type": "application/json", "X-User-ID": user})
        return user, response, upstream.received(), log

    def test_request_is_503_with_retry_after(self, refused):
        _, response, received, _ = refused
        assert_openai_error(response, 503, "limiter_unavailable", "server_error")
        limits.retry_after(response)
        assert received == []

    def test_row_says_failed_closed(self, refused):
        user, _, _, log = refused
        [row] = log.wait_for_rows(user_id=user)
        assert (row["status"], row["limit_state"], row["error"]) == \
            (503, "failed-closed", "limiter_unavailable")

    def test_unlimited_routes_still_answer(self, gw):
        assert gw.get("/health").status == 200
