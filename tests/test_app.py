def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_readyz_reports_an_unreachable_database(app, client, tmp_path):
    from widget_server import db

    db.get_database(app).engine.dispose()
    db.get_database(app).engine = db.make_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_unknown_v1_path_uses_the_error_shape(client):
    response = client.get("/v1/does-not-exist")
    assert response.status_code == 404
    assert set(response.json) == {"error"}
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["message"]


def test_pages_cannot_be_framed_by_default(client):
    response = client.get("/healthz")
    policy = response.headers["Content-Security-Policy"]
    assert policy == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
