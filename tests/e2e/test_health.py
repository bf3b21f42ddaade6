"""GET /health: the gateway answers it itself, for monitors and for readiness checks."""


def test_health_says_ok(gw):
    response = gw.get("/health")
    assert response.status == 200
    assert (response.header("Content-Type") or "").startswith("application/json")
    assert response.json() == {"status": "ok", "gateway": "organized-gateway"}
