"""The import pages through the real HTTP stack: roles, upload limits, mapping, preview, import."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from accord.contacts.models import Contact, Lead
from accord.integrations.models import ImportRecord

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accord.integrations.tests.import_urls")]

CSV = (
    "Email;First Name;Lifecycle Stage;Notes\n"
    "ann@example.com;Анна;Marketing Qualified Lead;VIP\n"
    "bad-email;Bob;lead;\n"
    "cid@example.com;Cid;lead;\n"
).encode("cp1251")


def upload(client, content=CSV, name="leads.csv", entity="leads", preset="hubspot"):
    return client.post(
        "/import/",
        {
            "entity": entity,
            "preset": preset,
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        },
    )


def test_sales_reps_may_not_import(client, sales_user):
    client.force_login(sales_user)
    assert client.get("/import/").status_code == 403
    assert client.get("/import/history/").status_code == 403
    assert upload(client).status_code == 403


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get("/import/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role_user", ["admin_user", "marketing_user", "manager_user"])
def test_allowed_roles_see_the_upload_form(client, request, role_user):
    client.force_login(request.getfixturevalue(role_user))
    response = client.get("/import/")
    assert response.status_code == 200
    assert b'type="file"' in response.content


@override_settings(ACCORD_IMPORT_MAX_BYTES=10)
def test_a_file_over_the_limit_is_refused_with_a_clear_error(client, marketing_user):
    client.force_login(marketing_user)
    response = upload(client)
    assert response.status_code == 200
    assert "the limit is 10\xa0bytes" in response.content.decode()


def test_a_non_csv_file_is_refused(client, marketing_user):
    client.force_login(marketing_user)
    response = upload(client, name="leads.xlsx")
    assert "Upload a .csv file" in response.content.decode()


def test_upload_map_preview_then_import_valid_rows(client, marketing_user):
    client.force_login(marketing_user)
    response = upload(client)
    assert response.status_code == 302
    mapping_url = response["Location"]
    token = re.search(r"/import/([^/]+)/mapping/", mapping_url).group(1)

    page = client.get(mapping_url).content.decode()
    # Suggestions from the HubSpot preset are pre-selected; the unknown column is ignored.
    assert re.search(r'name="col_0".*?<option value="email" selected>', page, re.S)
    assert re.search(r'name="col_2".*?<option value="stage" selected>', page, re.S)
    assert re.search(r'name="col_3".*?<option value="" selected>', page, re.S)

    form = {
        "col_0": "email",
        "col_1": "first_name",
        "col_2": "stage",
        "col_3": "__property__",
        "timezone": "UTC",
    }
    response = client.post(mapping_url, form)
    assert response.status_code == 302 and response["Location"].endswith(f"/{token}/preview/")
    preview = client.get(response["Location"]).content.decode()
    assert "Row 3, column “Email”:" in preview
    assert "Nothing can be imported while rows are invalid" in preview
    assert Contact.objects.count() == 0
    # Importing without --skip-invalid does nothing.
    result = client.post(f"/import/{token}/preview/").content.decode()
    assert "Nothing was imported" in result and Lead.objects.count() == 0

    client.post(mapping_url, {**form, "skip_invalid": "on"})
    result = client.post(f"/import/{token}/preview/").content.decode()
    assert "Import finished" in result
    assert re.search(r'data-count="created">2<', result)
    assert sorted(Contact.objects.values_list("email", "first_name")) == [
        ("ann@example.com", "Анна"),
        ("cid@example.com", "Cid"),
    ]
    assert Lead.objects.get(contact__email="ann@example.com").properties == {"notes": "VIP"}
    # Both real runs are in the history (a preview is not): the refused one says why.
    records = list(ImportRecord.objects.order_by("pk"))
    assert [(r.imported, r.created, r.rejected) for r in records] == [(False, 0, 1), (True, 2, 1)]
    assert records[0].problem.startswith("row 3") and records[1].user == marketing_user
    assert records[1].file_name == "leads.csv" and records[1].source == "web"
    history = client.get("/import/history/?entity=leads").content.decode()
    assert history.count('data-imported="') == 2 and "leads.csv" in history
    assert 'data-imported="' not in client.get("/import/history/?entity=spend").content.decode()
    assert "leads.csv" in client.get("/import/").content.decode()  # recent imports
    rejected = client.get(f"/import/{token}/rejected.csv")
    assert rejected.status_code == 200
    assert (
        b"".join(rejected.streaming_content)
        .decode("utf-8-sig")
        .splitlines()[1]
        .startswith("bad-email;Bob;lead;;Email: ")
    )


def test_another_persons_upload_is_not_reachable(client, marketing_user, manager_user):
    client.force_login(marketing_user)
    mapping_url = upload(client)["Location"]
    client.force_login(manager_user)
    assert client.get(mapping_url).status_code == 404
