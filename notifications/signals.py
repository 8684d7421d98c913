"""Changes reminders depend on that write no audit event: they void every scan mark.

A person's own time zone and active flag, and a tenant's time zone, change outside the audited
services (the preferences page, the Django admin). Each save that may have changed them bumps
the scan generation in the same transaction, so beat's next scan covers every zone again.
"""

from __future__ import annotations

from django.db import connection

WATCHED = {
    "accounts.User": {"time_zone", "is_active"},
    "accounts.Tenant": {"time_zone"},
}

BUMP_SQL = (
    "INSERT INTO notifications_scangeneration (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = notifications_scangeneration.value + 1"
)


def void_scan_marks() -> None:
    """The next scan looks at every zone again, for every tenant."""
    with connection.cursor() as cursor:
        cursor.execute(BUMP_SQL)


def on_save(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    # A new person has no seat yet (seats are audited); a login saves only last_login.
    if created or raw:
        return
    watched = WATCHED[sender._meta.label]
    if update_fields is None or watched & set(update_fields):
        void_scan_marks()
