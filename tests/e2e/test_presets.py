"""A preset embedded at build time changes the gateway's behaviour:
examples/high-concurrency.toml allows 30 requests per user per minute."""

import uuid

import pytest
from support import chat, limits

pytestmark = pytest.mark.gateway(config="examples/high-concurrency.toml")

LIMIT = 30  # examples/high-concurrency.toml: requests per window


def test_high_concurrency_preset_limits_at_30(gw):
    limits.at_start_of_window()
    responses = limits.burst(gw, f"preset-{uuid.uuid4().hex[:12]}", LIMIT + 1, chat.body())
    assert [r.status for r in responses] == [200] * LIMIT + [429]
