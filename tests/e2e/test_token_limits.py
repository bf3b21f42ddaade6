"""Token budgets: each answer's usage.total_tokens is charged to its user after the answer,
and once a user's tokens in the window reach the budget, the next request gets 429
token_limit_exceeded. configs/token-budget.toml allows 30 tokens per 60 s and the stand-in
reports 12 per answer: requests 1-3 pass (12, 24, 36 tokens charged), the 4th is refused.

Both backends that hold token budgets: KV (token-budget.toml) and a Durable Object
(token-budget-strict.toml); every test runs against each.
"""

import uuid

import pytest
from support import chat, limit_headers, limits
from support.errors import assert_openai_error
from support.upstream import reference

KV = "tests/e2e/configs/token-budget.toml"
STRICT = "tests/e2e/configs/token-budget-strict.toml"
TOKENS = 30  # both configs: limiters.per-user.tokens
REQUESTS = 50
PER_ANSWER = reference.USAGE["total_tokens"]  # 12
PASSING = 3  # 0, 12 and 24 tokens spent fit under 30; 36 does not

pytestmark = pytest.mark.gateway(config=KV)


@pytest.fixture(scope="module", params=[KV, STRICT], ids=["kv", "durable-object"])
def gw(request, gateway):
    return gateway(request.param)


@pytest.fixture(scope="module")
def spent(gw, upstream):
    """PASSING + 1 requests of one new user in one window. Tokens are charged after the
    answer, before its row is written, so each request waits for the previous one's row."""
    limits.at_start_of_window(30)
    user = f"tok-{uuid.uuid4().hex[:12]}"
    upstream.clear()
    responses = []
    for number in range(1, PASSING + 2):
        responses.append(gw.post("/v1/chat/completions", chat.body(),
                                 {"Content-Type": "application/json", "X-User-ID": user}))
        gw.access_log.wait_for_rows(count=number, user_id=user)
    return user, responses, upstream.received()


def test_requests_within_the_budget_pass(spent):
    _, responses, _ = spent
    assert [r.status for r in responses[:PASSING]] == [200] * PASSING


def test_each_answer_is_charged(spent):
    """What was left when each request was admitted: the budget less the answers before."""
    _, responses, _ = spent
    remaining = [r.header("x-ratelimit-remaining-tokens") for r in responses[:PASSING]]
    assert remaining == [str(TOKENS - PER_ANSWER * n) for n in range(PASSING)]
    for response in responses[:PASSING]:
        assert response.header("x-ratelimit-limit-tokens") == str(TOKENS)


def test_the_request_over_the_budget_is_refused(spent):
    _, responses, _ = spent
    refused = responses[PASSING]
    assert_openai_error(refused, 429, "token_limit_exceeded", "rate_limit_error")
    retry_after = limits.retry_after(refused)
    assert retry_after <= limits.WINDOW
    assert refused.header("x-ratelimit-limit-tokens") == str(TOKENS)
    assert refused.header("x-ratelimit-remaining-tokens") == "0"
    assert limit_headers.duration(refused.header("x-ratelimit-reset-tokens")) == retry_after


def test_the_refusal_names_both_budgets(spent):
    """Requests are far from their limit (the refused one is not counted); tokens are spent."""
    _, responses, _ = spent
    refused = responses[PASSING]
    assert limit_headers.policies(refused.header("RateLimit-Policy")) == {
        "per-user": {"q": REQUESTS, "w": limits.WINDOW},
        "per-user-tokens": {"q": TOKENS, "w": limits.WINDOW}}
    state = limit_headers.policies(refused.header("RateLimit"))
    assert state["per-user"]["r"] == REQUESTS - PASSING, state
    assert state["per-user-tokens"] == {"r": 0, "t": int(refused.header("Retry-After"))}
    assert refused.header("x-ratelimit-remaining-requests") == str(REQUESTS - PASSING)


def test_only_the_admitted_requests_reach_the_upstream(spent):
    _, _, received = spent
    assert len(received) == PASSING, [r.path for r in received]


def test_the_log_has_the_tokens_and_the_refusal(gw, spent):
    user, _, _ = spent
    rows = gw.access_log.rows(user_id=user)
    assert [(r["status"], r["tokens_est"]) for r in rows] == \
        [(200, PER_ANSWER)] * PASSING + [(429, 0)]
