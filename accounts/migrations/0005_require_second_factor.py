from django.db import migrations, models

HELP = (
    "PMO and admins need a second factor (an authenticator app); without one, gate approvals "
    "and review publications are refused."
)


class Migration(migrations.Migration):
    """Tenants that exist now keep working as they did (off: nobody who signs off today is
    locked out); a tenant created from now on requires a second factor (on)."""

    dependencies = [
        ("accounts", "0004_separation_of_duties"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="require_second_factor",
            field=models.BooleanField(default=False, help_text=HELP),
        ),
        migrations.AlterField(
            model_name="tenant",
            name="require_second_factor",
            field=models.BooleanField(default=True, help_text=HELP),
        ),
    ]
