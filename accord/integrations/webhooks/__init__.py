"""Outbound webhooks: signed event notifications delivered by the worker (Standard Webhooks)."""
