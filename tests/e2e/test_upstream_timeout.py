"""An upstream slower than the configured timeout: 504 upstream_timeout once the timeout
(1000 ms in configs/short-timeout.toml) has passed, not when the upstream finally answers."""

import uuid

import pytest
from support import chat
from support.errors import assert_openai_error

pytestmark = pytest.mark.gateway(config="tests/e2e/configs/short-timeout.toml")

TIMEOUT_S = 1.0  # configs/short-timeout.toml
UPSTREAM_DELAY_S = 3


def test_slow_upstream_is_504(gw):
    user = f"slow-{uuid.uuid4().hex[:12]}"
    response = gw.post("/v1/chat/completions", chat.body(), {
        "Content-Type": "application/json",
        "X-User-ID": user,
        "X-Stand-In": f"slow:{UPSTREAM_DELAY_S}",
    })
    assert_openai_error(response, 504, "upstream_timeout")
    assert TIMEOUT_S * 0.9 <= response.elapsed < UPSTREAM_DELAY_S - 0.5, response.elapsed
    [row] = gw.access_log.wait_for_rows(user_id=user)
    assert row["status"] == 504
