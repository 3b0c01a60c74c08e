"""Room events get a gap-free sequence per session (existing events are
numbered in id order, which is their commit order)."""

from django.db import migrations, models


def number_events(apps, schema_editor):
    RoomEvent = apps.get_model("webinars", "RoomEvent")
    session_ids = RoomEvent.objects.values_list("session_id", flat=True).distinct().order_by()
    for session_id in session_ids:
        events = list(RoomEvent.objects.filter(session_id=session_id).order_by("id").only("id"))
        for seq, event in enumerate(events, start=1):
            event.seq = seq
        RoomEvent.objects.bulk_update(events, ["seq"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("webinars", "0002_live_room"),
    ]

    operations = [
        migrations.AddField(
            model_name="roomevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True, verbose_name="sequence"),
        ),
        migrations.RunPython(number_events, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="roomevent",
            name="seq",
            field=models.PositiveBigIntegerField(verbose_name="sequence"),
        ),
        migrations.AddConstraint(
            model_name="roomevent",
            constraint=models.UniqueConstraint(fields=("session", "seq"), name="webinar_room_event_seq_unique"),
        ),
    ]
