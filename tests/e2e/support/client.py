"""A plain HTTP client on http.client: it sends the path exactly as given (no
normalisation of `..`, no re-encoding), which the path tests need."""

import http.client
import json
import time
from dataclasses import dataclass

TIMEOUT = 30  # seconds; no request of the suite may hang the run


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float = 0.0

    def header(self, name):
        return self.headers.get(name)

    def json(self):
        return json.loads(self.body)


def connect(port, timeout=TIMEOUT):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def send(conn, method, path, body=None, headers=None):
    """Sends one request on `conn`. A server may answer before it has read the whole body
    (a 413, say) and close: the answer is still read."""
    try:
        conn.request(method, path, body=body, headers=headers or {})
    except (BrokenPipeError, ConnectionResetError):
        pass
    return conn.getresponse()


def request(port, method, path, body=None, headers=None, timeout=TIMEOUT):
    """One request on a fresh connection, read to the end."""
    conn = connect(port, timeout)
    try:
        started = time.monotonic()
        resp = send(conn, method, path, body, headers)
        data = resp.read()
        return Response(resp.status, resp.headers, data, time.monotonic() - started)
    finally:
        conn.close()
