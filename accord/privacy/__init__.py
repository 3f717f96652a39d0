"""Personal data as GDPR and Russia's 152-FZ ask: the consent ledger, data-subject export and
erasure, the suppression list, retention, the audit log and breach incidents.

Decisions (why, in short):

* **The public form only grants.** An unticked box withdraws nothing; a marketing grant for a
  person who withdrew it (or whose address is suppressed) waits for a confirmation link sent
  to that address. Withdrawal comes from the signed unsubscribe link or an administrator.
* **Capture of an erased person is accepted** as a new, explicit submission (GDPR allows new
  processing on new consent): a new contact is created. Its marketing consent still needs
  the confirmation link (the address is suppressed). **Import refuses** suppressed rows,
  one row error each ("suppressed: the person asked to be erased on DATE").
* **Erasure anonymises in place** (rows stay, so funnels and revenue do not change) and is
  idempotent; the audit log names the person by a salted hash only.
* **Transfer to third parties** (152-FZ): with ``ACCORD_PRIVACY_REQUIRE_TRANSFER_CONSENT=1``
  webhook payloads and list exports mask the personal fields of people without that consent.
* **Tracking before cookie consent** (a site with "tracking needs cookie consent"; the
  snippet tag carries ``data-consent-required``): nothing is stored and nothing is sent until
  the page calls ``accord.consent()``; the page view waits in memory. The capture endpoint
  refuses such a site's events that do not say they were consented. Do Not Track and Global
  Privacy Control always win: no cookie, no events.
* **Links act on POST**: the unsubscribe and double opt-in pages ask for a click, since mail
  scanners open every link in a message.
* **Data localisation** (152-FZ art. 18 p. 5): the first recording of Russian citizens'
  personal data must happen in a database located in Russia. Accord is self-hosted, so this
  is the operator's choice: run the database (and the worker, DuckDB copy and backups) on
  servers in Russia for such data; Accord sends nothing elsewhere by itself (webhooks go
  only where the operator points them).
"""
