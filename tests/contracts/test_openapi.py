"""GET /openapi.json: OpenAPI 3.1 built from the same declarations."""

from infra.workspace import workspace


def test_openapi_lists_every_declared_route(api):
    r = api("GET", "/openapi.json")
    assert r.status == 200
    doc = r.json
    assert doc["openapi"].startswith("3.1")
    declared = {(str(route.method).lower(), route.path) for route, _ in workspace().routes()}
    served = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert served == declared
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    login = doc["paths"]["/v1/auth/login"]["post"]
    assert "security" not in login
    assert doc["paths"]["/v1/user/me"]["get"]["security"] == [{"bearer": []}]
    assert "201" in doc["paths"]["/v1/auth/signup"]["post"]["responses"]


def test_healthz_and_local_info(api, local_stack):
    assert api("GET", "/healthz").json == {"status": "ok"}
    info = api("GET", "/_local/info").json
    assert info["google_base_url"] == local_stack.google.url
    assert info["aws_endpoint_url"] == local_stack.aws_endpoint
