"""``/api/v1/reports``: typed JSON, auth (needs ``config/api.py`` to mount the router)."""

from accord.accounts.api_keys import api_key_create


def test_funnel_for_a_signed_in_user(company, client, sales_user):
    client.force_login(sales_user)
    response = client.get("/api/v1/reports/funnel?start=2025-03-01&end=2025-03-31&by=channel")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [s["count"] for s in body["total"]["steps"]] == [3, 3, 2, 1, 1, 1]
    assert {g["label"] for g in body["groups"]} == {"email", "paid-search"}
    assert body["data_as_of"]


def test_every_report_with_an_api_key(company, client, admin_user):
    _, secret = api_key_create(name="r", scopes=["*:read"], created_by=admin_user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    for name in ("kpis", "velocity", "quality", "reps"):
        response = client.get(f"/api/v1/reports/{name}?start=2025-03-01&end=2025-03-31", **auth)
        assert response.status_code == 200, (name, response.content)
    kpis = client.get("/api/v1/reports/kpis?start=2025-03-01&end=2025-03-31", **auth).json()
    assert kpis["total"]["revenue"] == 1000


def test_anonymous_and_bad_input(company, client, sales_user):
    assert client.get("/api/v1/reports/funnel").status_code == 401
    client.force_login(sales_user)
    bad = client.get("/api/v1/reports/funnel?start=2025-04-01&end=2025-03-01")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "start"


def test_dates_outside_the_supported_range_are_422_naming_the_field(company, client, sales_user):
    client.force_login(sales_user)
    for name in ("funnel", "kpis", "velocity", "quality", "reps", "attribution"):
        response = client.get(f"/api/v1/reports/{name}?end=0001-01-01")
        assert response.status_code == 422, (name, response.content)
        assert response.json()["error"]["field"] == "end"
