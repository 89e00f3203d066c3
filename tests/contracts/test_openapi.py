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


def _op(doc, method, path):
    return doc["paths"][path][method]


def test_parameters_bodies_and_statuses_are_documented(api):
    doc = api("GET", "/openapi.json").json
    params = {
        (p["in"], p["name"])
        for ops in doc["paths"].values()
        for op in ops.values()
        for p in op["parameters"]
    }
    assert {("query", n) for n in ("counts", "subtype", "invoice-id", "limit", "cursor")} <= params
    assert {("path", "invoice_id"), ("path", "token")} <= params
    ingest = _op(doc, "post", "/v1/invoices/retail/ingest")
    body = ingest["requestBody"]["content"]["application/json"]["schema"]
    fields = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert {"start_date", "end_date", "vendor_category"} <= set(fields)
    for path in ("/v1/auth/login", "/v1/auth/signup", "/v1/auth/gmail/store-tokens"):
        content = _op(doc, "post", path)["requestBody"]["content"]
        assert {"application/json", "application/x-www-form-urlencoded"} <= set(content)
    assert "201" in _op(doc, "post", "/v1/user/devices")["responses"]
    latest = _op(doc, "post", "/v1/invoices/rental/ingest/latest")["responses"]
    assert {"200", "201", "204"} <= set(latest) and "content" not in latest["204"]
    deleted = _op(doc, "delete", "/v1/invoices/retail/{invoice_id}")["responses"]["200"]
    data = deleted["content"]["application/json"]["schema"]["properties"]["data"]
    assert data == {"$ref": "#/components/schemas/DeletedRetailInvoice"}
    errors = _op(doc, "post", "/v1/auth/login")["responses"]
    codes = {
        s: e["content"]["application/json"]["schema"]["allOf"][1]
        for s, e in errors.items()
        if s >= "400"
    }
    assert set(codes) == {"400", "401", "413", "429", "500", "502"}
    assert codes["429"]["properties"]["error"]["properties"]["code"]["enum"] == [
        "TOO_MANY_ATTEMPTS"
    ]


def test_login_and_signup_accept_the_form_bodies_the_document_lists(api):
    form = [("name", "Eva"), ("email", "eva@example.se"), ("password", "hemligt-123")]
    r = api("POST", "/v1/auth/signup", form=form)
    assert r.status == 201 and r.json["data"]["token_type"] == "Bearer"
    r = api("POST", "/v1/auth/login", form=form[1:])
    assert r.status == 200 and r.json["data"]["access_token"]
    r = api("POST", "/v1/auth/login", form=[("email", "eva@example.se")])
    assert (r.status, r.error_code) == (400, "MISSING_FIELDS")
