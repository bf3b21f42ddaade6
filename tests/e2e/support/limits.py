"""Driving a rate limiter: fixed 60 s windows aligned to the epoch minute."""

import time
from concurrent.futures import ThreadPoolExecutor

WINDOW = 60


def at_start_of_window(seconds_needed=15):
    """Waits for the next window if fewer than `seconds_needed` are left in this one, so a
    burst does not straddle a window boundary (the clock decides here: nothing to poll)."""
    left = WINDOW - time.time() % WINDOW
    if left < seconds_needed:
        time.sleep(left + 0.5)


def retry_after(response):
    """The response's `Retry-After` in seconds, asserted to be a whole number of at least 1."""
    value = response.header("Retry-After")
    assert value is not None and value.isdigit() and int(value) >= 1, value
    return int(value)


def burst(gw, user, count, body):
    """`count` sequential requests as `user`; their responses."""
    headers = {"Content-Type": "application/json", "X-User-ID": user}
    return [gw.post("/v1/chat/completions", body, headers) for _ in range(count)]


def concurrent_burst(gw, user, count, body, workers=100):
    """`count` requests as `user`, up to `workers` of them in flight at once; their
    responses, in no particular order."""
    headers = {"Content-Type": "application/json", "X-User-ID": user}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda _: gw.post("/v1/chat/completions", body, headers),
                             range(count)))


def seconds_left():
    """Seconds until the current window ends."""
    return WINDOW - time.time() % WINDOW
