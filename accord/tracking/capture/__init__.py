"""The public capture endpoints: lead forms, page-view events and the tracking snippet.

Everything here is reachable without a login, so every input is distrusted: bodies are
size-limited, fields are type- and length-checked, origins are checked against the site's
allow-list, and each client IP is rate-limited per site. An accepted submission is written in
one transaction together with its follow-up job (outbox), so a 2xx answer means committed.
"""
