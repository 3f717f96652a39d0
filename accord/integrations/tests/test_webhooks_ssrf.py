"""SSRF rules: which webhook URLs are refused, at save time and by the pure checks."""

from __future__ import annotations

import ipaddress

import pytest

from accord.core.errors import InvalidInput
from accord.integrations.models import WebhookEndpoint
from accord.integrations.webhooks.services import webhook_endpoint_create, webhook_endpoint_update
from accord.integrations.webhooks.ssrf import UnsafeUrl, address_refusal, target_resolve

BLOCKED = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe",  # NAT64 form of 169.254.169.254
    "100.64.0.1",
    "224.0.0.1",
]


@pytest.mark.parametrize("address", BLOCKED)
def test_private_and_special_addresses_are_refused(address):
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=False) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert address_refusal(ipaddress.ip_address(address), allow_loopback=False) is None


def test_loopback_allowance_admits_loopback_only():
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert address_refusal(ipaddress.ip_address("::1"), allow_loopback=True) is None
    for address in ("0.0.0.0", "10.0.0.1", "169.254.169.254", "fe80::1"):
        assert address_refusal(ipaddress.ip_address(address), allow_loopback=True) is not None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "http:///nohost",
        "http://user:pass@8.8.8.8/",
        "http://[::ffff:7f00:1]/",
        "http://0x7f000001/",  # resolves (inet_aton) to 127.0.0.1
    ],
)
def test_non_http_and_malformed_urls_are_refused(url):
    with pytest.raises(UnsafeUrl):
        target_resolve(url, allow_loopback=False)


def test_every_resolved_address_is_checked():
    """A host that resolves to a public AND a private address is refused (DNS rebinding)."""

    def resolver(host, port):
        return ["93.184.215.14", "10.0.0.7"]

    with pytest.raises(UnsafeUrl, match=r"10\.0\.0\.7"):
        target_resolve("https://rebind.example/hook", allow_loopback=False, resolver=resolver)
    target = target_resolve(
        "https://ok.example:8443/hook?x=1",
        allow_loopback=False,
        resolver=lambda host, port: ["93.184.215.14"],
    )
    assert (target.host, target.port, target.path, target.addresses) == (
        "ok.example",
        8443,
        "/hook?x=1",
        ("93.184.215.14",),
    )
    assert target.host_header == "ok.example:8443"


URLS_REFUSED_AT_SAVE = [
    "http://127.0.0.1:8000/hook",
    "http://[::1]/hook",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.0.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/hook",
    "http://[fc00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://localhost:8000/hook",
    "ftp://example.com/hook",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS_REFUSED_AT_SAVE)
def test_unsafe_urls_are_refused_at_save_time_and_nothing_is_saved(url, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(InvalidInput) as refused:
        webhook_endpoint_create(url=url, events=["lead.created"])
    assert refused.value.field == "url"
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.django_db
def test_update_to_an_unsafe_url_changes_nothing(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint, _ = webhook_endpoint_create(url="http://127.0.0.1:9/hook", events=["lead.created"])
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(InvalidInput) as refused:
        webhook_endpoint_update(
            endpoint_id=endpoint.pk, url="http://169.254.169.254/", events=["deal.won"]
        )
    assert refused.value.field == "url"
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == ("http://127.0.0.1:9/hook", ["lead.created"])


@pytest.mark.django_db
def test_loopback_setting_allows_127_0_0_1_but_not_private_ranges(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    endpoint, secret = webhook_endpoint_create(
        url="http://127.0.0.1:8000/hook", events=["lead.created"]
    )
    assert endpoint.pk and secret.startswith("whsec_")
    with pytest.raises(InvalidInput):
        webhook_endpoint_create(url="http://192.168.1.1/hook", events=["lead.created"])


@pytest.mark.django_db
def test_unknown_or_missing_events_are_refused(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    for (events,) in [([],), (["lead.exploded"],)]:
        with pytest.raises(InvalidInput) as refused:
            webhook_endpoint_create(url="http://127.0.0.1:8000/hook", events=events)
        assert refused.value.field == "events"
    assert WebhookEndpoint.objects.count() == 0


# Every IPv6 form that maps or translates to an IPv4 address is decided by that IPv4 address.
EMBEDDED_IPV4_FORMS = [
    # (URL host, refused?)
    ("[::127.0.0.1]", True),  # IPv4-compatible (deprecated, RFC 4291)
    ("[::10.0.0.1]", True),
    ("[::ffff:127.0.0.1]", True),  # IPv4-mapped
    ("[::ffff:169.254.169.254]", True),
    ("[::ffff:0:127.0.0.1]", True),  # SIIT (RFC 2765)
    ("[::ffff:0:192.168.1.1]", True),
    ("[64:ff9b::127.0.0.1]", True),  # NAT64 well-known prefix (RFC 6052)
    ("[64:ff9b::10.1.2.3]", True),
    ("[64:ff9b:1::a9fe:a9fe]", True),  # local-use NAT64 (RFC 8215), never global
    ("[64:ff9b:1:7f00:1::]", True),
    ("[2002:7f00:1::1]", True),  # 6to4 of 127.0.0.1
    ("[2002:c0a8:101::1]", True),  # 6to4 of 192.168.1.1
    ("[2002:a9fe:a9fe::]", True),  # 6to4 of the metadata address
    ("[2001:0:4136:e378:8000:63bf:3fff:fdd2]", True),  # Teredo, client 192.0.2.45 (TEST-NET)
    ("[2001:0:4136:e378:8000:63bf:80ff:fffe]", True),  # Teredo, client 127.0.0.1 (obfuscated)
    ("[2001::1]", True),  # Teredo with server 0.0.0.0
    ("[::ffff:8.8.8.8]", False),  # public IPv4 behind each form: allowed
    ("[::ffff:0:8.8.8.8]", False),
    ("[64:ff9b::8.8.8.8]", False),
    ("[2002:808:808::1]", False),
    ("[2606:4700:4700::1111]", False),  # ordinary public IPv6
]


@pytest.mark.parametrize(("host", "refused"), EMBEDDED_IPV4_FORMS)
def test_ipv6_forms_embedding_private_ipv4_are_refused(host, refused):
    url = f"http://{host}/hook"
    if refused:
        with pytest.raises(UnsafeUrl, match="points to"):
            target_resolve(url, allow_loopback=False)
        # The loopback allowance admits 127.0.0.1 and ::1 themselves, not translated forms.
        with pytest.raises(UnsafeUrl):
            target_resolve(url, allow_loopback=True)
    else:
        assert target_resolve(url, allow_loopback=False).addresses


def test_resolved_ipv6_forms_are_decided_by_their_ipv4():
    """A host name resolving to a NAT64 form of the metadata address is refused too."""

    def resolver(host, port):
        return ["64:ff9b::a9fe:a9fe"]

    with pytest.raises(UnsafeUrl, match="link-local"):
        target_resolve("https://nat64.example/hook", allow_loopback=False, resolver=resolver)
