"""Waiting for a condition by polling it, never by a fixed sleep."""

import time


def wait_until(check, timeout, what, interval=0.25):
    """Calls `check()` until it returns something truthy and returns that; raises
    TimeoutError naming `what` after `timeout` seconds. `check` may raise to give up early."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)
