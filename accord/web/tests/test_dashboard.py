"""The dashboard page: period parsing, exact funnel numbers, empty state, htmx, Russian."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accord.web.forms import default_period

pytestmark = pytest.mark.django_db

YEAR_2025 = {"start": "2025-01-01", "end": "2025-12-31"}


def table_rows(response) -> dict[str, tuple[str, str, str]]:
    return {
        row.stage: (row.count, row.conversion, row.share_of_leads)
        for row in response.context["dashboard"].rows
    }


def headlines(response) -> dict[str, str]:
    return {h.key: h.value for h in response.context["dashboard"].headlines}


def test_funnel_numbers_are_exact_on_seeded_data(client, manager_user, seeded_2025):
    client.force_login(manager_user)

    response = client.get(reverse("dashboard"), YEAR_2025)

    assert response.status_code == 200
    assert table_rows(response) == {
        "lead": ("10", "—", "100%"),
        "mql": ("6", "60%", "60%"),
        "sal": ("4", "66.7%", "40%"),
        "sql": ("3", "75%", "30%"),
        "opportunity": ("2", "66.7%", "20%"),
        "customer": ("1", "50%", "10%"),
    }
    assert headlines(response) == {
        "leads": "10",
        "mqls": "6",
        "won": "2",
        # Tiles show whole units; the exact amounts are in the reports' tables.
        "revenue": "$12,346",
        "spend": "$1,500",
    }
    assert response.context["dashboard"].overall_conversion == "10%"
    html = response.content.decode()
    assert '<td class="num" data-overall>10%</td>' in html
    assert "$12,346" in html and "$12,345.50" not in html


def test_funnel_figure_is_a_plotly_funnel_with_every_stage(client, sales_user, seeded_2025):
    client.force_login(sales_user)

    response = client.get(reverse("dashboard"), YEAR_2025)

    figure = response.context["dashboard"].figure
    (trace,) = figure["data"]
    assert trace["type"] == "funnel"
    assert trace["y"] == ["Lead", "MQL", "SAL", "SQL", "Opportunity", "Customer"]
    assert list(trace["x"]) == [10, 6, 4, 3, 2, 1]
    assert trace["text"][1] == "6 · 60%"
    html = response.content.decode()
    # The figure travels as escaped JSON, and the page loads plotly.js from our own static.
    assert '<script id="funnel-figure" type="application/json">' in html
    assert "/static/vendor/plotly/plotly.min.js" in html
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_a_period_without_those_leads_counts_nothing(client, sales_user, seeded_2025):
    client.force_login(sales_user)

    response = client.get(reverse("dashboard"), {"start": "2025-04-01", "end": "2025-12-31"})

    assert table_rows(response)["lead"][0] == "0"
    assert headlines(response)["won"] == "2"  # deals closed in June still count
    assert response.context["dashboard"].figure is None


def test_default_period_is_the_last_twelve_months(client, sales_user):
    client.force_login(sales_user)

    response = client.get(reverse("dashboard"))

    start, end = default_period(timezone.localdate())
    assert (response.context["start"], response.context["end"]) == (start, end)
    assert f'value="{start.isoformat()}"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "not-a-date", "end": "2025-12-31"}, "Enter a valid date."),
        ({"start": "2025-02-30"}, "Enter a valid date."),
        ({"start": "2025-12-31", "end": "2025-01-01"}, "must be on or before the end date"),
        ({"start": "1900-01-01", "end": "2025-01-01"}, "cannot be longer than ten years"),
    ],
)
def test_invalid_period_says_why_and_shows_the_default(client, sales_user, params, message):
    client.force_login(sales_user)

    response = client.get(reverse("dashboard"), params)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Showing the last 12 months instead." in html
    assert 'aria-invalid="true"' in html
    # What the person typed stays in the box, so they can fix it.
    assert f'value="{params["start"]}"' in html
    assert response.context["start"] == default_period(timezone.localdate())[0]


def test_empty_state_says_what_to_do_next(client, marketing_user):
    client.force_login(marketing_user)

    response = client.get(reverse("dashboard"), YEAR_2025)

    html = response.content.decode()
    assert "No data for this period yet" in html
    assert "<code>accord demo</code>" in html
    assert 'id="funnel-chart"' not in html


def test_htmx_request_gets_only_the_dashboard_body(client, sales_user, seeded_2025):
    client.force_login(sales_user)

    response = client.get(reverse("dashboard"), YEAR_2025, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="dashboard-body"')
    assert "<html" not in html
    assert 'id="funnel-chart"' in html
    assert "HX-Request" in response["Vary"]


def test_dashboard_in_russian(client, manager_user, seeded_2025):
    client.force_login(manager_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    response = client.get(reverse("dashboard"), YEAR_2025)

    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Воронка" in html
    assert "Выйти" in html
    assert "Руководитель" in html  # the role label, translated from the model choices
    assert headlines(response)["revenue"] == "12\xa0346\xa0$"
    assert headlines(response)["spend"] == "1\xa0500\xa0$"
    assert table_rows(response)["sal"] == ("4", "66,7\xa0%", "40\xa0%")
    figure = response.context["dashboard"].figure
    assert figure["data"][0]["y"][-1] == "Клиент"
    # Dates follow the Russian format too.
    assert "1 января 2025" in html


def test_thousands_are_grouped_per_locale(client, sales_user):
    from django.utils import translation

    from accord.ui.formatting import count_format

    with translation.override("en"):
        assert count_format(1234567) == "1,234,567"
    with translation.override("ru"):
        assert count_format(1234567) == "1\xa0234\xa0567"


def test_language_switcher_sets_russian(client, sales_user):
    client.force_login(sales_user)

    response = client.post(
        reverse("set_language"), {"language": "ru", "next": reverse("dashboard")}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert "Панель" in client.get(reverse("dashboard")).content.decode()


def test_figure_json_is_valid_json_in_the_page(client, sales_user, seeded_2025):
    client.force_login(sales_user)

    html = client.get(reverse("dashboard"), YEAR_2025).content.decode()

    start = html.index('<script id="funnel-figure" type="application/json">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(body)["data"][0]["x"] == [10, 6, 4, 3, 2, 1]


def test_dashboard_says_how_fresh_its_data_is(client, manager_user, seeded_2025):
    client.force_login(manager_user)

    response = client.get(reverse("dashboard"), YEAR_2025)

    assert response.context["dashboard"].data_as_of is not None
    assert "Data as of" in response.content.decode()
    assert "The analytics copy is not built yet" not in response.content.decode()


def test_dashboard_before_the_first_sync_says_how_to_build_the_copy(client, manager_user):
    client.force_login(manager_user)

    html = client.get(reverse("dashboard"), YEAR_2025).content.decode()

    assert "The analytics copy is not built yet" in html
    assert "<code>accord analytics sync</code>" in html
    assert "Data as of" not in html
