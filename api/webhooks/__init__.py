"""Webhooks: tenant admins subscribe URLs to events of the change feed (see api/API.md)."""
