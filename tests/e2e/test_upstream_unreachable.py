"""An upstream that refuses connections: 502 upstream_unreachable, and the failure is logged."""

import uuid

import pytest
from support import chat
from support.errors import assert_openai_error
from support.processes import refused_port

pytestmark = pytest.mark.gateway(vars={"OPENCLAW_URL": f"http://127.0.0.1:{refused_port()}"})


def test_unreachable_upstream_is_502(gw):
    user = f"down-{uuid.uuid4().hex[:12]}"
    response = gw.post("/v1/chat/completions", chat.body(),
                       {"Content-Type": "application/json", "X-User-ID": user})
    assert_openai_error(response, 502, "upstream_unreachable", "upstream_error")
    [row] = gw.access_log.wait_for_rows(user_id=user)
    assert row["status"] == 502
