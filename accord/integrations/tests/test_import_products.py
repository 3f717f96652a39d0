"""`accord import products`: HubSpot and Salesforce exports, updates with price history."""

from __future__ import annotations

from decimal import Decimal

import click
import pytest
from click.testing import CliRunner

from accord.core import hooks
from accord.core.events import ProductPriceChanged
from accord.integrations.commands import import_command
from accord.integrations.importing.service import import_run
from accord.integrations.tests.import_support import write_csv_fixture  # noqa: F401
from accord.pipeline.models import Product, ProductPriceChange

pytestmark = pytest.mark.django_db

cli = click.Group(commands={"import": import_command})


def test_hubspot_products_export(write_csv):
    text = (
        '"Record ID","Name","SKU","Unit price","Unit cost","Description","Currency"\n'
        '"9001","Analytics seat","AN-1","1,200.00","300","Per seat per year","USD"\n'
        '"9002","Onboarding","ON-1","2500","1800","","USD"\n'
    )
    report = import_run(entity="products", path=write_csv(text), preset="hubspot")
    assert report.ok and report.created == 2, report.errors
    seat = Product.objects.get(sku="AN-1")
    assert (seat.name, seat.list_price, seat.unit_cost, seat.external_id) == (
        "Analytics seat",
        Decimal("1200.00"),
        Decimal("300.00"),
        "9001",
    )
    first = ProductPriceChange.objects.get(product=seat)
    assert first.old_list_price is None and first.new_list_price == Decimal("1200.00")
    assert first.source == "import"


@pytest.fixture
def price_events():
    """The ProductPriceChanged events emitted during the test (the wiring is left as found)."""
    seen: list[ProductPriceChanged] = []
    hooks.on(ProductPriceChanged, seen.append)
    yield seen
    handlers = hooks._handlers[ProductPriceChanged]
    handlers.remove(seen.append)
    if not handlers:
        hooks._handlers.pop(ProductPriceChanged)


def test_salesforce_products_and_a_price_change_on_reimport(write_csv, price_events):
    seen = price_events
    header = '"Product ID","Product Name","Product Code","List Price","Active"\n'
    path = write_csv(header + '"01t1","Widget","W-1","10","true"\n"01t2","Old","O-1","5","no"\n')
    assert import_run(entity="products", path=path, preset="salesforce").created == 2
    assert Product.objects.get(sku="O-1").is_active is False
    changed = write_csv(
        header + '"01t1","Widget","W-1","12.50","true"\n"01t2","Old","O-1","5","no"\n',
        name="again.csv",
    )
    report = import_run(entity="products", path=changed, preset="salesforce")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    change = ProductPriceChange.objects.filter(
        product__sku="W-1", old_list_price__isnull=False
    ).get()
    assert (change.old_list_price, change.new_list_price) == (Decimal("10.00"), Decimal("12.50"))
    assert [e.change.pk for e in seen] == [change.pk]


def test_bad_rows_write_nothing(write_csv):
    text = "sku,name,list_price\nA-1,Good,10\nA-2,,5\nA-3,Bad price,-4\n"
    report = import_run(entity="products", path=write_csv(text))
    assert not report.imported
    assert sorted((e.row, e.column) for e in report.errors) == [(3, "name"), (4, "list_price")]
    assert not Product.objects.exists()


def test_the_command(write_csv):
    path = write_csv("sku,name,list_price,unit_cost\nC-1,Consulting day,900,450\n")
    result = CliRunner().invoke(cli, ["import", "products", str(path), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert Product.objects.get(sku="C-1").unit_cost == Decimal("450.00")
