"""Run every reminder scan once, by hand: ``manage.py send_reminders [--dry-run] [--now ...]``.

Without ``--dry-run`` the due reminders are recorded and delivered here, in this process (no
worker needed), one line each. ``--dry-run`` lists what would be sent and changes nothing.
"""

import datetime

from django.core.management.base import CommandError
from django.utils import timezone

from kernel.commands import DomainCommand
from kernel.tenancy import tenant_context
from notifications import delivery, scan, selectors


def parse_moment(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--now {value!r} is not an ISO date and time (e.g. 2026-03-05T08:00+13:00)."
        ) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


class Command(DomainCommand):
    help = "Run every reminder scan once and deliver what is due (or list it with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; send nothing."
        )
        parser.add_argument(
            "--now",
            metavar="ISO-DATETIME",
            help="Scan as if it were this moment (naive means UTC). Default: now.",
        )

    def handle(self, *args, **options):
        now = parse_moment(options["now"]) if options["now"] else timezone.now()
        if options["dry_run"]:
            self._dry_run(now)
            return
        totals = {"sent": 0, "skipped": 0, "failed": 0, "digest": 0}

        def deliver_here(batch: scan.Batch) -> None:
            with tenant_context(batch.tenant_id):
                delivered = delivery.deliver_reminders(reminder_ids=batch.reminder_ids)
            for outcome, rows in (
                ("sent", delivered.sent),
                ("skipped", delivered.skipped),
                ("failed", delivered.failed),
            ):
                totals[outcome] += len(rows)
                for row in rows:
                    self.stdout.write(
                        f"{outcome:<7} {row.occasion_date} {row.kind} #{row.object_id} -> "
                        f"{row.recipient.username} ({row.channel or 'e-mail'}"
                        f"{', ' + row.last_error if outcome == 'failed' else ''})"
                    )
            totals["digest"] += len([r for r in delivered.postponed if r.status == "pending"])

        report = scan.run_scan(now=now, dispatch=deliver_here)
        self.stdout.write(
            f"Scan at {now.isoformat()}: {sum(report.recorded.values())} new reminders; "
            f"{totals['sent']} sent, {totals['skipped']} skipped, {totals['failed']} failed "
            "(tried again later)."
        )

    def _dry_run(self, now: datetime.datetime) -> None:
        due = selectors.occasions_not_yet_recorded(now=now)
        waiting = selectors.pending_reminders_due(now=now)
        for occasion in due:
            self.stdout.write(f"would send {occasion.line()}")
        for row in waiting:
            self.stdout.write(
                f"would retry {row.occasion_date} {row.kind} #{row.object_id} -> "
                f"{row.recipient.username} (attempt {row.attempts + 1})"
            )
        self.stdout.write(
            f"Dry run at {now.isoformat()}: {len(due)} new, {len(waiting)} to retry; nothing sent."
        )
