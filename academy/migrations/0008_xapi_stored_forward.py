import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models import F

# The namespace the statement ids were derived from before they were stored
# (distributors.engagement.api.xapi): the events keep the ids they had.
STATEMENT_NAMESPACE = uuid.UUID("5b0f3d1e-7c52-4f0e-9d8a-2a1c3e6b9f40")


def backfill(apps, schema_editor):
    Event = apps.get_model("academy", "EngagementEvent")
    # When each old event was recorded is not known: its occurrence is what
    # readers were given as "stored" so far.
    Event.objects.update(recorded_at=F("occurred_at"))
    last = 0
    while True:
        batch = list(Event.objects.filter(pk__gt=last).order_by("pk").only("pk")[:2000])
        if not batch:
            break
        for event in batch:
            event.statement_id = uuid.uuid5(STATEMENT_NAMESPACE, str(event.pk))
        Event.objects.bulk_update(batch, ["statement_id"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    # The backfill commits before the table is altered again (PostgreSQL
    # refuses to alter a table with pending deferred-constraint triggers).
    atomic = False

    dependencies = [("academy", "0007_files_csv_separator")]

    operations = [
        migrations.AddField(
            model_name="engagementevent",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="recorded at"),
        ),
        migrations.AddField(
            model_name="engagementevent",
            name="statement_id",
            field=models.UUIDField(null=True, verbose_name="statement id"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="engagementevent",
            name="statement_id",
            field=models.UUIDField(default=uuid.uuid4, unique=True, verbose_name="statement id"),
        ),
        migrations.AddIndex(
            model_name="engagementevent",
            index=models.Index(fields=["recorded_at", "id"], name="activity_recorded"),
        ),
        migrations.CreateModel(
            name="StatementForward",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "next_attempt_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="next attempt at"),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("claim_token", models.UUIDField(blank=True, null=True, verbose_name="claim")),
                ("claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="claimed at")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="academy.engagementevent",
                        verbose_name="engagement event",
                    ),
                ),
            ],
            options={
                "verbose_name": "statement to forward",
                "verbose_name_plural": "statements to forward",
                "ordering": ["-id"],
                "indexes": [models.Index(fields=["status", "next_attempt_at"], name="statement_forward_due")],
            },
        ),
    ]
