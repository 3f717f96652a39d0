"""A request Django refuses before any view (a Host header that is not a domain) still gets
the API's JSON error under /api/, and the usual page elsewhere (found by schemathesis)."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_bad_host_header_gets_a_json_400_from_the_api_and_a_page_elsewhere():
    api = Client(HTTP_HOST="+JIWX~").get("/api/v1/activities")
    assert api.status_code == 400
    assert api["Content-Type"] == "application/json"
    assert api.json()["error"]["code"] == "bad_request"
    page = Client(HTTP_HOST="+JIWX~").get("/login/")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
