"""Delivering what the engine writes to the outbox: in-app inbox, e-mail, webhooks."""
