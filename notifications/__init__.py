"""Delivering what the engine writes to the outbox: in-app inbox, e-mail, webhooks.

::

    outbox ──fanout──> notification + deliveries ──delivery──> SMTP (email.py) / HTTP (webhooks.py)
              │  recipients.py  who (by target, territory, access)      retries with backoff, attempts logged
              │  messages.py    what (Russian, no personal data outside the inbox)
              │  preferences.py over which channels (kinds.py: defaults, locked escalations)
              └─ inbox.py       the bell, written in the fan-out's own transaction
    digest.py   one letter a day per user who chose it          agenda.py  the KDN agenda the day before
    jobs.py     the server's ticks and ``deliver_pending`` (``opora notify``)
    views.py, endpoints.py  what the pages and the REST API read and change
"""
