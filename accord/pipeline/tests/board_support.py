"""A small sales team with hand-built deals, for the board, list and deal-page tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.test import Client

from accord.accounts.models import Department, Role, User
from accord.accounts.tests.factories import TeamFactory, UserFactory
from accord.contacts.tests.factories import AccountFactory, ContactFactory, LeadFactory
from accord.pipeline.models import Deal, Pipeline, pipeline_default_id
from accord.tracking.models import Campaign, Channel


@dataclass
class World:
    pipeline: Pipeline
    anna: User
    ben: User
    head: User
    mkt: User
    admin: User
    deals: dict[str, Deal]
    channel: Channel
    campaign: Campaign


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def deal_make(pipeline: Pipeline, name: str, stage: str, amount: str, **fields) -> Deal:
    return Deal.objects.create(
        pipeline=pipeline, name=name, stage=stage, amount=Decimal(amount), **fields
    )


def world_build() -> World:
    pipeline = Pipeline.objects.get(pk=pipeline_default_id())
    north = TeamFactory(name="North", department=Department.SALES)
    south = TeamFactory(name="South", department=Department.SALES)
    anna = UserFactory(username="anna", role=Role.SALES, department="sales", team=north)
    ben = UserFactory(username="ben", role=Role.SALES, department="sales", team=south)
    head = UserFactory(username="head", role=Role.MANAGER, department="sales", team=north)
    mkt = UserFactory(username="mkt", role=Role.MARKETING, department="marketing")
    admin = UserFactory(username="boss", role=Role.ADMIN, is_staff=True, is_superuser=True)
    channel = Channel.objects.create(name="Webinar", slug="webinar-test")
    campaign = Campaign.objects.create(name="Spring promo", utm_campaign="spring-test")
    acme = AccountFactory(name="Acme Robotics")
    ivan = ContactFactory(first_name="Ivan", last_name="Petrov", account=acme)
    lead = LeadFactory(contact=ivan, owner=anna, source_channel=channel, source_campaign=campaign)
    dec = date(2026, 12, 15)
    jan = date(2027, 1, 20)
    deals = {
        "anna_q": deal_make(pipeline, "Anna small", "qualification", "100.00", owner=anna,
                            expected_close=dec, lead=lead, account=acme),
        "ben_q": deal_make(pipeline, "Ben small", "qualification", "300.00", owner=ben,
                           expected_close=jan),
        "anna_p": deal_make(pipeline, "Anna big", "proposal", "1000.00", owner=anna,
                            expected_close=jan),
        "free_n": deal_make(pipeline, "Nobody's", "negotiation", "200.00", expected_close=dec),
        "ben_won": deal_make(pipeline, "Ben won", "won", "500.00", owner=ben,
                             expected_close=dec),
        "anna_lost": deal_make(pipeline, "Anna lost", "lost", "50.00", owner=anna,
                               lost_reason="price", expected_close=dec),
    }  # fmt: skip
    return World(pipeline, anna, ben, head, mkt, admin, deals, channel, campaign)
