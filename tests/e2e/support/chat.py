"""Chat-completion request bodies, shaped like the ones the gateway's users send."""

import json


def body(content="Hello", model="gpt-4o", **fields):
    """A JSON body for POST /v1/chat/completions; extra fields are added (stream=True, ...)."""
    return json.dumps({"model": model, "messages": [{"role": "user", "content": content}],
                       **fields}).encode()
