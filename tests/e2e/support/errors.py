"""The one shape of every error the gateway answers itself (OpenAI's):
`{"error": {"message": str, "type": str, "code": str}}`, as application/json."""


def assert_openai_error(response, status, code, type_=None):
    """Checks status, content type and shape; returns the `error` object."""
    assert response.status == status, (response.status, response.body[:500])
    content_type = response.header("Content-Type") or ""
    assert content_type.split(";")[0].strip() == "application/json", content_type
    document = response.json()
    assert isinstance(document, dict) and set(document) == {"error"}, document
    error = document["error"]
    for field in ("message", "type", "code"):
        assert isinstance(error.get(field), str), (field, error)
    assert error["code"] == code, error
    if type_ is not None:
        assert error["type"] == type_, error
    return error
