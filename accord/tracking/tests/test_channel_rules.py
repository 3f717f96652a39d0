"""Pure tests of GA4 channel grouping and admin rules: no database."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.errors import InvalidInput
from accord.tracking.channels import GA4_DEFAULT_CHANNELS
from accord.tracking.channels.rules import (
    RULE_FIELDS,
    RULE_OPERATORS,
    CustomRule,
    TouchSource,
    channel_for,
    default_channel,
    host_normalise,
    touch_effective,
)
from accord.tracking.channels.sites import registrable_name, site_lists_load

SITES = site_lists_load()
SLUGS = {spec.slug for spec in GA4_DEFAULT_CHANNELS}


def channel(source="", medium="", campaign="", referrer="", landing_url="", own_hosts=()):
    touch = TouchSource.from_visit(
        source=source,
        medium=medium,
        campaign=campaign,
        referrer=referrer,
        landing_url=landing_url,
        own_hosts=own_hosts,
    )
    return default_channel(touch, SITES)


def test_slugs_cover_the_19_ga4_channels():
    assert len(SLUGS) == 19


# --- One test per GA4 rule: positive cases and a near miss -------------------------------------


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("(direct)", "(none)", "direct"),
        ("(direct)", "(not set)", "direct"),
        ("(direct)", "referral", "referral"),  # near miss: a real medium
        ("direct", "(none)", "unassigned"),  # near miss: no parentheses
    ],
)
def test_rule_1_direct(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("campaign", "expected"),
    [
        ("q3-cross-network-pmax", "cross-network"),
        ("Cross-Network", "cross-network"),
        ("crossnetwork", "paid-search"),  # near miss: no hyphen
    ],
)
def test_rule_2_cross_network(campaign, expected):
    assert channel("google", "cpc", campaign) == expected


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "expected"),
    [
        ("amazon", "cpc", "", "paid-shopping"),
        ("ozon.ru", "paid", "", "paid-shopping"),
        ("google", "cpc", "black-friday-shop", "paid-shopping"),
        ("newsletter-partner", "ppc", "eshop", "paid-shopping"),  # "e" may precede "shop"
        ("newsletter-partner", "ppc", "holiday shopping", "paid-shopping"),
        ("newsletter-partner", "ppc", "workshop", "paid-other"),  # near miss: "k" before shop
        ("amazon", "referral", "", "organic-shopping"),  # near miss: not a paid medium
    ],
)
def test_rule_3_paid_shopping(source, medium, campaign, expected):
    assert channel(source, medium, campaign) == expected


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("google", "cpc", "paid-search"),
        ("bing.com", "ppc", "paid-search"),
        ("yandex", "paid_search", "paid-search"),
        ("www.google.co.uk", "retargeting", "paid-search"),
        ("googleads", "cpc", "paid-other"),  # near miss: not a whole-name match
        ("google", "organic", "organic-search"),  # near miss: not paid
    ],
)
def test_rule_4_paid_search(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("facebook", "paid-social", "paid-social"),
        ("l.facebook.com", "cpc", "paid-social"),
        ("vk.com", "cpm", "paid-social"),
        ("facebook", "social", "organic-social"),  # near miss
    ],
)
def test_rule_5_paid_social(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("youtube", "cpv", "paid-video"),
        ("rutube.ru", "paid", "paid-video"),
        ("youtube", "video", "organic-video"),  # near miss
    ],
)
def test_rule_6_paid_video(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("medium", "expected"),
    [
        ("display", "display"),
        ("banner", "display"),
        ("expandable", "display"),
        ("interstitial", "display"),
        ("cpm", "display"),
        ("displays", "unassigned"),  # near miss
    ],
)
def test_rule_7_display(medium, expected):
    assert channel("criteo", medium) == expected


@pytest.mark.parametrize(
    ("medium", "expected"),
    [
        ("cpc", "paid-other"),
        ("ppc", "paid-other"),
        ("retargeting", "paid-other"),
        ("paid", "paid-other"),
        ("paidsocial", "paid-other"),
        ("retargeting-q3", "unassigned"),  # near miss: the regex is anchored
        ("prepaid", "unassigned"),  # near miss: "paid" must start the medium
    ],
)
def test_rule_8_paid_other(medium, expected):
    assert channel("criteo", medium) == expected


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "expected"),
    [
        ("ebay.com", "referral", "", "organic-shopping"),
        ("newsletter", "email", "spring-shop", "organic-shopping"),
        ("newsletter", "email", "shopping-week", "organic-shopping"),
        ("newsletter", "email", "workshop", "email"),  # near miss
    ],
)
def test_rule_9_organic_shopping(source, medium, campaign, expected):
    assert channel(source, medium, campaign) == expected


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("t.co", "referral", "organic-social"),
        ("partner", "social", "organic-social"),
        ("partner", "social-network", "organic-social"),
        ("partner", "social-media", "organic-social"),
        ("partner", "sm", "organic-social"),
        ("partner", "social network", "organic-social"),
        ("partner", "social media", "organic-social"),
        ("partner", "socials", "unassigned"),  # near miss
        ("at.co", "referral", "referral"),  # near miss: t.co is a host, not a suffix
    ],
)
def test_rule_10_organic_social(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("vimeo.com", "referral", "organic-video"),
        ("partner", "video", "organic-video"),
        ("partner", "promo-video-q3", "organic-video"),
        ("partner", "vid", "unassigned"),  # near miss
    ],
)
def test_rule_11_organic_video(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("duckduckgo.com", "referral", "organic-search"),
        ("partner", "organic", "organic-search"),
        ("partner", "organics", "unassigned"),  # near miss
    ],
)
def test_rule_12_organic_search(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("medium", "expected"),
    [
        ("referral", "referral"),
        ("app", "referral"),
        ("link", "referral"),
        ("referrals", "unassigned"),  # near miss
    ],
)
def test_rule_13_referral(medium, expected):
    assert channel("example.org", medium) == expected


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("newsletter", "email", "email"),
        ("newsletter", "e-mail", "email"),
        ("newsletter", "e_mail", "email"),
        ("newsletter", "e mail", "email"),
        ("email", "newsletter", "email"),
        ("newsletter", "emails", "unassigned"),  # near miss
    ],
)
def test_rule_14_email(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("medium", "expected"), [("affiliate", "affiliates"), ("affiliates", "unassigned")]
)
def test_rule_15_affiliates(medium, expected):
    assert channel("partner", medium) == expected


@pytest.mark.parametrize(("medium", "expected"), [("audio", "audio"), ("audio-ad", "unassigned")])
def test_rule_16_audio(medium, expected):
    assert channel("podcast", medium) == expected


@pytest.mark.parametrize(
    ("source", "medium", "expected"),
    [
        ("sms", "text", "sms"),
        ("operator", "sms", "sms"),
        ("operator", "sms-blast", "unassigned"),  # near miss
    ],
)
def test_rule_17_sms(source, medium, expected):
    assert channel(source, medium) == expected


@pytest.mark.parametrize(
    ("medium", "expected"),
    [
        ("web-push", "mobile-push"),
        ("push", "mobile-push"),
        ("mobile", "mobile-push"),
        ("in-app-notification", "mobile-push"),
        ("pushover", "unassigned"),  # near miss: must end with "push"
    ],
)
def test_rule_18_mobile_push(medium, expected):
    assert channel("app", medium) == expected


def test_rule_19_unassigned():
    assert channel("foo", "bar") == "unassigned"


# --- Ordering between rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "expected"),
    [
        ("google", "cpc", "", "paid-search"),  # not Paid Other
        ("google", "cpc", "cross-network", "cross-network"),  # 2 before 4
        ("(direct)", "(none)", "cross-network", "direct"),  # 1 before 2
        ("amazon", "cpc", "cross-network", "cross-network"),  # 2 before 3
        ("shopping.google.com", "cpc", "", "paid-shopping"),  # 3 before 4
        ("youtube", "cpm", "", "paid-video"),  # 6 before 7
        ("facebook", "cpm", "", "paid-social"),  # 5 before 7
        ("facebook", "email", "", "organic-social"),  # 10 before 14
        ("youtube.com", "organic", "", "organic-video"),  # 11 before 12
        ("market.yandex.ru", "organic", "", "organic-shopping"),  # 9 before 12
        ("google", "referral", "", "organic-search"),  # 12 before 13
        ("facebook", "sms", "", "organic-social"),  # 10 before 17
        ("email", "affiliate", "", "email"),  # 14 before 15
    ],
)
def test_rules_are_evaluated_top_down(source, medium, campaign, expected):
    assert channel(source, medium, campaign) == expected


# --- Touches without UTM parameters: the referrer decides -------------------------------------


@pytest.mark.parametrize(
    ("referrer", "expected"),
    [
        ("https://www.google.co.uk/search?q=accord", "organic-search"),
        ("https://yandex.ru/search/?text=crm", "organic-search"),
        ("https://go.mail.ru/search?q=crm", "organic-search"),
        ("https://l.facebook.com/l.php?u=x", "organic-social"),
        ("https://t.me/somechannel", "organic-social"),
        ("https://m.youtube.com/watch?v=1", "organic-video"),
        ("https://www.amazon.de/dp/1", "organic-shopping"),
        ("https://blog.example.org/post", "referral"),
        ("", "direct"),
        ("not a url at all", "direct"),
    ],
)
def test_referrer_fallback(referrer, expected):
    assert channel(referrer=referrer) == expected


def test_referrer_fallback_fills_source_and_medium_like_ga4():
    touch = TouchSource.from_visit(referrer="https://www.bing.com/search?q=x")
    effective = touch_effective(touch, SITES)
    assert (effective.source, effective.medium) == ("bing.com", "organic")
    other = touch_effective(TouchSource.from_visit(referrer="https://news.site.org/a"), SITES)
    assert (other.source, other.medium) == ("news.site.org", "referral")


def test_own_site_referrer_counts_as_none():
    landing = "https://www.accord.example/pricing"
    assert channel(referrer="https://accord.example/", landing_url=landing) == "direct"
    assert channel(referrer="https://app.shop.example/", own_hosts=("shop.example",)) == "direct"
    assert channel(referrer="https://other.example/", landing_url=landing) == "referral"


def test_utm_present_means_missing_values_are_not_set():
    # A source alone is classified by the lists; the referrer is not consulted.
    assert channel(source="google", referrer="https://facebook.com/") == "organic-search"
    assert channel(source="newsletter", referrer="https://google.com/") == "unassigned"
    assert channel(source="(direct)") == "direct"
    assert channel(medium="cpc") == "paid-other"


# --- Normalisation ----------------------------------------------------------------------------


def test_case_and_whitespace_do_not_matter():
    assert channel("  Google ", " CPC ") == "paid-search"
    assert channel("GOOGLE.COM", "Organic") == "organic-search"
    assert channel("partner", "Social \t  Media") == "organic-social"
    assert channel("https://www.Facebook.com/page", "referral") == "organic-social"


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("https://www.Google.com:443/search", "google.com"),
        ("l.facebook.com", "facebook.com"),
        ("m.vk.com", "vk.com"),
        ("www.m.example.com", "example.com"),
        ("m.ru", "m.ru"),  # a prefix is kept when stripping would leave a bare TLD
        ("https://user:pw@shop.example.org./x", "shop.example.org"),
        ("http://[", ""),
        ("", ""),
    ],
)
def test_host_normalise(raw, host):
    assert host_normalise(raw) == host


@pytest.mark.parametrize(
    ("value", "is_search"),
    [
        ("google", True),
        ("google.com", True),
        ("google.co.uk", True),
        ("news.google.com", True),
        ("google.com.br", True),
        ("go.mail.ru", True),
        ("googleads", False),
        ("googleads.g.doubleclick.net", False),
        ("notgoogle.com", False),
        ("google.attacker-example.com", False),
        ("mail.ru", False),
    ],
)
def test_search_list_matches_whole_names(value, is_search):
    assert SITES.is_search(value) is is_search


def test_registrable_name():
    assert registrable_name("news.google.co.uk") == "google"
    assert registrable_name("yandex.com.tr") == "yandex"
    assert registrable_name("t.co") == "t"
    assert registrable_name("localhost") == "localhost"


def test_site_lists_hold_the_documented_sites():
    for value in ("yandex.ru", "duckduckgo.com", "baidu.com", "search.brave.com", "ecosia.org"):
        assert SITES.is_search(value), value
    for value in ("linkedin.com", "vk.com", "ok.ru", "x.com", "twitter.com", "t.me", "tiktok.com"):
        assert SITES.is_social(value), value
    for value in ("youtu.be", "vimeo.com", "rutube.ru", "twitch.tv", "vkvideo.ru"):
        assert SITES.is_video(value), value
    for value in ("ozon.ru", "wildberries.ru", "ebay.co.uk", "aliexpress.com", "etsy.com"):
        assert SITES.is_shopping(value), value


def test_extra_sites_file_adds_to_the_lists(tmp_path):
    extra = tmp_path / "sites.json"
    extra.write_text(json.dumps({"search": ["mysearch"], "social": ["club.example"]}))
    sites = site_lists_load(str(extra))
    assert sites.is_search("mysearch.io") and sites.is_search("google.com")
    assert sites.is_social("forum.club.example")
    assert not SITES.is_search("mysearch.io")


def test_bad_extra_sites_file_is_rejected(tmp_path):
    extra = tmp_path / "sites.json"
    extra.write_text(json.dumps({"search": "google"}))
    with pytest.raises(InvalidInput) as caught:
        site_lists_load(str(extra))
    assert caught.value.field == "ACCORD_CHANNEL_SITES_FILE"


# --- Admins' own rules ------------------------------------------------------------------------


def rule(field, operator, value, channel_slug="affiliates"):
    return CustomRule(field=field, operator=operator, value=value, channel=channel_slug)


def classify(custom_rules, **visit):
    return channel_for(TouchSource.from_visit(**visit), custom_rules, SITES)


def test_custom_rules_take_precedence_over_defaults():
    rules = [rule("source", "exact", "google")]
    assert classify(rules, source="google", medium="cpc") == "affiliates"
    assert classify(rules, source="bing", medium="cpc") == "paid-search"


def test_first_matching_custom_rule_wins():
    rules = [rule("medium", "exact", "cpc", "paid-other"), rule("source", "exact", "google")]
    assert classify(rules, source="google", medium="cpc") == "paid-other"
    assert classify(rules, source="google", medium="organic") == "affiliates"


@pytest.mark.parametrize(
    ("custom", "visit", "matches"),
    [
        (("source", "exact", "Partner-A"), {"source": "partner-a"}, True),
        (("source", "exact", "partner"), {"source": "partner-a"}, False),
        (("campaign", "contains", "LAUNCH"), {"source": "x", "campaign": "q3-launch-1"}, True),
        (("medium", "starts_with", "aff"), {"source": "x", "medium": "aff_cpa"}, True),
        (("medium", "starts_with", "aff"), {"source": "x", "medium": "cpa_aff"}, False),
        (("source", "regex", r"^partner-\d+$"), {"source": "Partner-42"}, True),
        (("source", "regex", r"^partner-\d+$"), {"source": "partner-x"}, False),
        (("source", "in", "alpha, Beta ,gamma"), {"source": "beta"}, True),
        (("source", "in", "alpha,beta"), {"source": "alphabeta"}, False),
        (
            ("referrer_host", "exact", "www.partner.example"),
            {"referrer": "https://partner.example/x"},
            True,
        ),
        (
            ("referrer_host", "in", "a.example\nwww.b.example"),
            {"referrer": "http://b.example"},
            True,
        ),
        (
            ("landing_url", "contains", "/partners/"),
            {"landing_url": "https://s.example/partners/x"},
            True,
        ),
        # Rules see effective values: a source derived from the referrer.
        (
            ("source", "exact", "partner.example"),
            {"referrer": "https://www.partner.example/"},
            True,
        ),
    ],
)
def test_custom_rule_operators(custom, visit, matches):
    expected = "affiliates" if matches else None
    result = classify([rule(*custom)], **visit)
    if matches:
        assert result == expected
    else:
        assert result != "affiliates"


@pytest.mark.parametrize(
    ("field", "operator", "value", "bad_field"),
    [
        ("source", "regex", "([unclosed", "value"),
        ("source", "regex", "*oops", "value"),
        ("utm_content", "exact", "x", "field"),
        ("source", "like", "x", "operator"),
        ("source", "exact", "   ", "value"),
        ("source", "in", " , ,", "value"),
        ("source", "exact", "x" * 501, "value"),
    ],
)
def test_invalid_custom_rule_names_the_field(field, operator, value, bad_field):
    with pytest.raises(InvalidInput) as caught:
        rule(field, operator, value)
    assert caught.value.field == bad_field


def test_custom_rule_without_channel_is_rejected():
    with pytest.raises(InvalidInput) as caught:
        rule("source", "exact", "x", "")
    assert caught.value.field == "channel"


def test_rule_vocabularies():
    assert RULE_FIELDS == ("source", "medium", "campaign", "referrer_host", "landing_url")
    assert RULE_OPERATORS == ("exact", "contains", "starts_with", "regex", "in")


# --- Properties -------------------------------------------------------------------------------

INTERESTING = st.sampled_from(
    [
        "",
        "(direct)",
        "(none)",
        "(not set)",
        "google",
        "cpc",
        "facebook.com",
        "shop",
        "email",
        "https://www.google.com/",
        "http://[",
        "organic",
        "push",
        "m.",
        "l.",
        ".",
    ]
)
TEXT = st.one_of(INTERESTING, st.text(max_size=40))


@settings(max_examples=300, deadline=None)
@given(source=TEXT, medium=TEXT, campaign=TEXT, referrer=TEXT, landing_url=TEXT)
def test_any_input_gets_exactly_one_ga4_channel(source, medium, campaign, referrer, landing_url):
    touch = TouchSource.from_visit(
        source=source, medium=medium, campaign=campaign, referrer=referrer, landing_url=landing_url
    )
    assert default_channel(touch, SITES) in SLUGS
    custom = [rule("campaign", "regex", r"^zzz\d+$"), rule("referrer_host", "in", "a.example,b")]
    assert channel_for(touch, custom, SITES) in SLUGS
