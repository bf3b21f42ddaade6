"""Reading the rate-limit headers of a response: the IETF fields (`RateLimit-Policy`,
`RateLimit`: draft-ietf-httpapi-ratelimit-headers) and OpenAI's `x-ratelimit-*`."""

import re

IETF = ("RateLimit-Policy", "RateLimit")
OPENAI_REQUESTS = ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
                   "x-ratelimit-reset-requests")
OPENAI_TOKENS = ("x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens",
                 "x-ratelimit-reset-tokens")
ALL = IETF + OPENAI_REQUESTS + OPENAI_TOKENS

_ITEM = re.compile(r'"(?P<name>[^"]+)"(?P<params>(?:;[a-z]+=\d+)+)')
_DURATION = re.compile(r"(?:(?P<m>[1-9]\d*)m)?(?P<s>\d+)s")


def present(response):
    """The rate-limit headers that `response` carries (names as in ALL)."""
    return {name for name in ALL if response.header(name) is not None}


def policies(value):
    """`"per-user";q=50;w=60, "per-user-tokens";r=0;t=5` -> {"per-user": {"q": 50, "w": 60},
    ...}. Anything that is not a list of such items fails the assertion."""
    assert value is not None, "the header is missing"
    out = {}
    for item in value.split(", "):
        match = _ITEM.fullmatch(item)
        assert match, f"not a quoted name with integer parameters: {item!r} in {value!r}"
        params = dict(p.split("=") for p in match["params"][1:].split(";"))
        out[match["name"]] = {key: int(number) for key, number in params.items()}
    return out


def duration(value):
    """OpenAI's reset durations (`12s`, `1m0s`, `1m30s`) in seconds."""
    match = _DURATION.fullmatch(value or "")
    assert match, f"not a duration like 12s or 1m30s: {value!r}"
    seconds = int(match["s"])
    assert not match["m"] or seconds < 60, f"more than 59 s after the minutes: {value!r}"
    return 60 * int(match["m"] or 0) + seconds
