"""Attachments: refused by their content (not their name) and by size, with nothing written;
stored under random names; served only through the policy-checked view, with nosniff and a
Content-Disposition."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.core.errors import InvalidInput
from accord.intel.attachments import upload_check
from accord.intel.models import Attachment, Post
from accord.intel.services import post_create

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
# The start of a Windows program: "MZ", then a DOS header.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _files(directory) -> list:
    return list(directory.iterdir()) if directory.exists() else []


def test_a_program_named_png_is_refused_by_its_content():
    with pytest.raises(InvalidInput) as refused:
        upload_check(name="chart.png", stream=io.BytesIO(EXE))
    assert refused.value.field == "attachments"
    assert "chart.png" in refused.value.message
    assert "x-msdownload" in refused.value.message


def test_binary_without_a_known_signature_is_refused():
    with pytest.raises(InvalidInput):
        upload_check(name="notes.txt", stream=io.BytesIO(b"\x00\x01\x02\x03" * 50))


def test_an_oversized_file_is_refused(settings):
    settings.INTEL_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(InvalidInput) as refused:
        upload_check(name="big.txt", stream=io.BytesIO(b"a" * 1025))
    assert refused.value.field == "attachments"
    assert upload_check(name="ok.txt", stream=io.BytesIO(b"a" * 1024)).content_type == "text/plain"


def test_the_page_refuses_a_disguised_program_and_writes_nothing(
    client, marketing_user, attachment_dir
):
    client.force_login(marketing_user)
    response = client.post(
        reverse("intel:post_create"),
        {
            "kind": "market_data",
            "title": "Prices in the north",
            "attachments": [SimpleUploadedFile("chart.png", EXE, content_type="image/png")],
        },
    )
    assert response.status_code == 200
    assert "chart.png" in response.content.decode()
    assert Post.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert _files(attachment_dir) == []


def test_the_page_refuses_an_oversized_file(client, marketing_user, settings, attachment_dir):
    settings.INTEL_ATTACHMENT_MAX_BYTES = 2048
    client.force_login(marketing_user)
    response = client.post(
        reverse("intel:post_create"),
        {
            "kind": "market_data",
            "title": "Big",
            "attachments": [SimpleUploadedFile("big.txt", b"x" * 4096, content_type="text/plain")],
        },
    )
    assert response.status_code == 200
    assert "big.txt" in response.content.decode()
    assert Post.objects.count() == 0
    assert _files(attachment_dir) == []


def test_a_stored_file_has_a_random_name_and_is_served_with_the_policy(
    client, marketing_user, sales_user, attachment_dir
):
    client.force_login(marketing_user)
    response = client.post(
        reverse("intel:post_create"),
        {
            "kind": "market_data",
            "title": "Chart",
            "attachments": [
                SimpleUploadedFile("../../etc/chart.png", PNG, content_type="text/html"),
                SimpleUploadedFile("notes.txt", "Цены растут".encode(), content_type="x/y"),
            ],
        },
    )
    assert response.status_code == 302
    png, text = Attachment.objects.order_by("pk")
    assert (png.name, png.content_type) == ("chart.png", "image/png")
    assert text.content_type == "text/plain"
    stored = sorted(path.name for path in _files(attachment_dir))
    assert stored == sorted([png.stored_name, text.stored_name])
    assert all("png" not in name and "txt" not in name for name in stored)

    client.logout()
    url = reverse("intel:attachment", args=[text.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(sales_user)
    served = client.get(url)
    assert served.status_code == 200
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Type"] == "text/plain"
    assert served["Content-Disposition"].startswith("attachment;")
    assert b"".join(served.streaming_content).decode() == "Цены растут"
    image = client.get(reverse("intel:attachment", args=[png.pk]))
    assert image["Content-Disposition"].startswith("inline;")
    assert image["Content-Type"] == "image/png"


def test_a_failed_post_removes_the_files_it_wrote(marketing_user, attachment_dir):
    upload = upload_check(name="a.txt", stream=io.BytesIO(b"hello"))
    with pytest.raises(InvalidInput):
        post_create(
            author=marketing_user,
            kind="market_data",
            title="T",
            uploads=[upload],
            deal_ids=[999999],
        )
    assert _files(attachment_dir) == []
    assert Post.objects.count() == 0
