"""E-mail backends for the reminder tests: one that fails on demand, and one that records
each message in the database (so that a worker process and the test see the same mail)."""

from __future__ import annotations

import os
import smtplib
import time

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection

from notifications.models import Reminder


class FlakyBackend(LocmemBackend):
    """Refuses the next ``failures`` sends as an SMTP server that is down would."""

    failures = 0
    tries = 0

    def send_messages(self, messages):
        type(self).tries += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class LedgerCheckingBackend(LocmemBackend):
    """Asserts, while sending, that the reminder is not yet marked sent in the ledger."""

    seen: list[str] = []

    def send_messages(self, messages):
        for message in messages:
            reminder_id = int(message.extra_headers["Message-ID"].split("-")[1].split("@")[0])
            status = Reminder._base_manager.get(pk=reminder_id).status
            type(self).seen.append(status)
        return super().send_messages(messages)


RECORDED_MAIL_TABLE = "test_recorded_mail"


def create_recorded_mail_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {RECORDED_MAIL_TABLE} ("
            "id SERIAL PRIMARY KEY, message_id TEXT NOT NULL, recipient TEXT NOT NULL, "
            "subject TEXT NOT NULL, body TEXT NOT NULL, pid INTEGER NOT NULL, "
            "failed BOOLEAN NOT NULL DEFAULT FALSE)"
        )
        # One failed first send per recipient, however many pool processes send to it at once.
        cursor.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {RECORDED_MAIL_TABLE}_one_failure "
            f"ON {RECORDED_MAIL_TABLE} (recipient) WHERE failed"
        )


def drop_recorded_mail_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RECORDED_MAIL_TABLE}")


class DatabaseRecordingBackend(LocmemBackend):
    """Writes each message to ``test_recorded_mail`` on the delivery's own connection, so the
    message exists exactly when the delivery's transaction commits.

    ``REMINDER_TEST_FAIL_FIRST_TO``: the first send to that address fails (recorded as a
    failure in its own row, outside the transaction). ``REMINDER_TEST_SEND_SECONDS``: each
    send takes this long (a slow mail server), so that a worker can be killed mid-batch.
    """

    def send_messages(self, messages):
        delay = float(os.environ.get("REMINDER_TEST_SEND_SECONDS", "0"))
        fail_first_to = os.environ.get("REMINDER_TEST_FAIL_FIRST_TO", "")
        for message in messages:
            if delay:
                time.sleep(delay)
            recipient = message.to[0]
            if recipient == fail_first_to and self._record_first_failure(message):
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {RECORDED_MAIL_TABLE} "  # noqa: S608 (a constant table name)
                    "(message_id, recipient, subject, body, pid) VALUES (%s, %s, %s, %s, %s)",
                    [
                        message.extra_headers["Message-ID"],
                        recipient,
                        message.subject,
                        message.body,
                        os.getpid(),
                    ],
                )
        return len(messages)

    @staticmethod
    def _record_first_failure(message) -> bool:
        """Records the recipient's first failed send and says whether this send is that one.

        On a connection of its own (the worker's settings define it), so that the failure is
        remembered though the delivery's transaction rolls back. The unique index decides a
        race between two pool processes sending to the same recipient at once.
        """
        from django.db import connections

        with connections["failures"].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {RECORDED_MAIL_TABLE} "  # noqa: S608
                "(message_id, recipient, subject, body, pid, failed) "
                "VALUES (%s, %s, %s, %s, %s, TRUE) "
                "ON CONFLICT (recipient) WHERE failed DO NOTHING RETURNING id",
                [message.extra_headers["Message-ID"], message.to[0], message.subject, "", 0],
            )
            return cursor.fetchone() is not None


class ConnectionRecordingBackend(LocmemBackend):
    """Records opening, each message and closing (a mail server's QUIT), with the ledger
    status of every reminder of the batch at the moment the connection closes."""

    events: list = []

    def open(self):
        type(self).events.append(("open",))
        return True

    def send_messages(self, messages):
        for message in messages:
            type(self).events.append(("send", message.extra_headers["Message-ID"]))
        return super().send_messages(messages)

    def close(self):
        statuses = sorted(set(Reminder._base_manager.values_list("status", flat=True)))
        type(self).events.append(("close", statuses))
