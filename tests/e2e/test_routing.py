"""What the gateway refuses before any upstream sees it: unknown routes, wrong methods and
paths that try to climb out of /v1/."""

import pytest
from support import chat
from support.errors import assert_openai_error


def test_unknown_path_is_404(gw):
    assert_openai_error(gw.get("/nope"), 404, "route_not_found")


def test_wrong_method_is_405_with_allow(gw, upstream):
    response = gw.get("/v1/chat/completions")
    assert_openai_error(response, 405, "method_not_allowed")
    allowed = {method.strip() for method in (response.header("Allow") or "").split(",")}
    assert allowed == {"POST"}, response.header("Allow")
    assert upstream.received() == []


# These reach the Worker as written: an upstream that decodes %2f or %5c could be climbed out of.
ENCODED_TRAVERSALS = ["/v1/..%2fadmin", "/v1/%2e%2e%2fadmin", "/v1/..%5cadmin"]
# workerd resolves dot segments, encoded or not, before the Worker sees the URL: these
# arrive as POST /admin, a route that does not exist.
DOT_SEGMENTS = ["/v1/../admin", "/v1/%2e%2e/admin"]


@pytest.mark.parametrize("path", ENCODED_TRAVERSALS)
def test_encoded_traversal_is_400(gw, upstream, path):
    response = gw.post(path, chat.body(), {"Content-Type": "application/json"})
    assert_openai_error(response, 400, "invalid_path")
    assert upstream.received() == []


@pytest.mark.parametrize("path", DOT_SEGMENTS)
def test_dot_segments_never_reach_the_upstream(gw, upstream, path):
    response = gw.post(path, chat.body(), {"Content-Type": "application/json"})
    assert_openai_error(response, 404, "route_not_found")
    assert upstream.received() == []
