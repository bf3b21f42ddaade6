"""A stand-in for the OpenAI-compatible server behind the gateway (Python stdlib only).

It lets `scripts/dev.sh` and the end-to-end tests run the gateway with no real model server,
and it records what the gateway actually sent, so tests can check that the proxy is faithful.

    python3 tests/upstream/stand_in.py --port 8788    # --port 0 picks a free port

It binds 127.0.0.1 only and prints `listening on 127.0.0.1:PORT` (flushed) once it accepts.

Endpoints:
  POST /v1/...       a `chat.completion` answer. Every answer reports the same usage,
                     USAGE below: prompt_tokens 9, completion_tokens 3, total_tokens 12.
                     With `"stream": true` in the JSON body: a `text/event-stream` of
                     STREAM_PIECES as `chat.completion.chunk` events, one flush and one
                     `--chunk-delay` (default 0.3 s) apart, then a usage chunk (empty
                     `choices`) if `stream_options.include_usage` is true, then `data: [DONE]`.
  GET  /__requests   what was received so far (JSON list, newest last): method, path (with
                     query), headers as [name, value] pairs, body_b64. `/__requests` itself
                     is never recorded; every other request is.
  DELETE /__requests forgets them.
  GET  /health       200.

Per-request modes, in the `X-Stand-In` request header (comma-separated, combinable):
  slow:<seconds>  sleep before answering
  status:<code>   answer that status with an OpenAI-shaped error body
  no-usage        leave `usage` out (and the usage chunk of a stream)
  cut             (streaming) send two events, then drop the connection: no [DONE], no
                  terminating chunk
  echo            answer 200 with the request body bytes and its Content-Type
"""

import argparse
import base64
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USAGE = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
STREAM_PIECES = ["Hello", " from", " the", " stand-in", "!"]
CHUNK_DELAY = 0.3  # seconds between streamed events, unless --chunk-delay says otherwise
CONTROL_PATH = "/__requests"


class Recorder:
    """The requests received, in arrival order, shared by all handler threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items = []

    def add(self, item):
        with self._lock:
            self._items.append(item)

    def all(self):
        with self._lock:
            return list(self._items)

    def clear(self):
        with self._lock:
            self._items.clear()


def parse_modes(header):
    """`slow:1.5, no-usage` -> {"slow": "1.5", "no-usage": ""}."""
    modes = {}
    for part in (header or "").split(","):
        name, _, arg = part.strip().partition(":")
        if name:
            modes[name.lower()] = arg.strip()
    return modes


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; with Nagle's algorithm the body would wait
    # for the client's delayed ACK (~40 ms on a reused connection).
    disable_nagle_algorithm = True
    # HTTP/1.1 so a stream can be chunked: then a cut stream is detectably incomplete.
    protocol_version = "HTTP/1.1"
    server_version = "stand-in"

    def _handle(self):
        try:
            self._answer(self._read_body())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. a gateway timeout)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def _answer(self, body):
        if self.path.split("?")[0] == CONTROL_PATH:
            return self._control()
        self.server.recorder.add({
            "method": self.command,
            "path": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body_b64": base64.b64encode(body).decode("ascii"),
        })
        modes = parse_modes(self.headers.get("X-Stand-In"))
        if "slow" in modes:
            time.sleep(float(modes["slow"] or 1))
        if self.command == "GET" and self.path == "/health":
            return self._send_json(200, {"status": "ok"})
        if "status" in modes:
            code = int(modes["status"])
            return self._send_error(code, f"stand-in answered {code} as asked", f"status_{code}")
        if "echo" in modes:
            content_type = self.headers.get("Content-Type", "application/octet-stream")
            return self._send(200, content_type, body)
        if self.command != "POST" or not self.path.startswith("/v1/"):
            return self._send_error(404, f"no route for {self.command} {self.path}", "not_found")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        if not isinstance(request, dict):
            request = {}
        model = request.get("model") or "stand-in"
        if request.get("stream") is True:
            options = request.get("stream_options") or {}
            with_usage = options.get("include_usage") is True and "no-usage" not in modes
            return self._stream(model, with_usage, cut="cut" in modes)
        return self._send_json(200, completion(model, with_usage="no-usage" not in modes))

    def _control(self):
        if self.command == "GET":
            return self._send_json(200, self.server.recorder.all())
        if self.command == "DELETE":
            self.server.recorder.clear()
            return self._send_json(200, {"cleared": True})
        return self._send_error(405, "GET or DELETE only", "method_not_allowed")

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self):
        """A gateway that streams the request body upstream sends it chunked."""
        body = bytearray()
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            body += self.rfile.read(size)
            self.rfile.readline()  # the CRLF after each chunk

    def _send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, value):
        self._send(status, "application/json", json.dumps(value).encode())

    def _send_error(self, status, message, code):
        self._send_json(status, {"error": {"message": message, "type": "stand_in_error",
                                           "code": code}})

    def _stream(self, model, with_usage, cut):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        events = [chunk(model, {"role": "assistant", "content": ""})]
        events += [chunk(model, {"content": piece}) for piece in STREAM_PIECES]
        events.append(chunk(model, {}, finish_reason="stop"))
        if with_usage:
            events.append(dict(chunk(model, None), usage=USAGE))
        for number, event in enumerate(events):
            if number:
                time.sleep(self.server.chunk_delay)
            self._write_chunk(f"data: {json.dumps(event)}\n\n".encode())
            if cut and number == 1:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")  # the terminating chunk

    def _write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        super().log_message("stand-in: " + format, *args)


def completion(model, with_usage=True):
    answer = {
        "id": "chatcmpl-stand-in",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "".join(STREAM_PIECES)},
            "finish_reason": "stop",
        }],
    }
    if with_usage:
        answer["usage"] = USAGE
    return answer


def chunk(model, delta, finish_reason=None):
    """One streamed event; `delta=None` gives the empty `choices` of the usage chunk."""
    choices = [] if delta is None else [
        {"index": 0, "delta": delta, "finish_reason": finish_reason}]
    return {"id": "chatcmpl-stand-in", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model, "choices": choices}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8788, help="0 picks a free port")
    parser.add_argument("--chunk-delay", type=float, default=CHUNK_DELAY,
                        help=f"seconds between streamed events (default {CHUNK_DELAY})")
    args = parser.parse_args()
    ThreadingHTTPServer.request_queue_size = 128  # socketserver's 5 drops bursts of connections
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.recorder = Recorder()
    server.chunk_delay = args.chunk_delay
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
