"""Reminders no longer carry a channel: the messaging layer picks the
channels of each message. One reminder per (registration, kind, revision)
stays (the oldest, whose key the e-mail already sent carries); a person's
web-conference channels become their phone channels for the web-conference
kinds of message (``User.message_channels``)."""

from django.db import migrations, models

# The kinds of message the old reminder channels applied to.
WEBINAR_KINDS = ("webinars.reminder", "webinars.follow_up", "webinars.registration")
PHONE_CHANNELS = ("whatsapp", "sms")


def reminders_deduplicate(apps, schema_editor):
    """Keep the lowest id of each (registration, kind, revision)."""
    Reminder = apps.get_model("webinars", "Reminder")
    kept = set()
    duplicates = []
    for pk, registration, kind, revision in Reminder.objects.order_by("id").values_list(
        "id", "registration_id", "kind", "revision"
    ):
        group = (registration, kind, revision)
        if group in kept:
            duplicates.append(pk)
        else:
            kept.add(group)
    for start in range(0, len(duplicates), 500):
        Reminder.objects.filter(pk__in=duplicates[start : start + 500]).delete()


def preference_channels_move(apps, schema_editor):
    """"sms"/"whatsapp" chosen for web-conferences become the phone channels
    of each web-conference kind, unless the person already chose for it."""
    WebinarPreference = apps.get_model("webinars", "WebinarPreference")
    User = apps.get_model("academy", "User")
    for preference in WebinarPreference.objects.exclude(channels=[]).iterator():
        chosen = preference.channels if isinstance(preference.channels, list) else []
        phone = [channel for channel in PHONE_CHANNELS if channel in chosen]
        if not phone:
            continue
        user = User.objects.get(pk=preference.user_id)
        channels = dict(user.message_channels or {})
        for kind in WEBINAR_KINDS:
            channels.setdefault(kind, list(phone))
        if channels != user.message_channels:
            User.objects.filter(pk=user.pk).update(message_channels=channels)


class Migration(migrations.Migration):

    dependencies = [
        ("webinars", "0006_replies_coming_confirmed"),
        ("academy", "0010_messaging"),
    ]

    operations = [
        migrations.RunPython(reminders_deduplicate, migrations.RunPython.noop),
        migrations.RunPython(preference_channels_move, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="reminder", name="webinar_reminder_once"),
        migrations.RemoveField(model_name="reminder", name="channel"),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                fields=("registration", "kind", "revision"), name="webinar_reminder_once_per_revision"
            ),
        ),
        migrations.RemoveField(model_name="webinarpreference", name="channels"),
    ]
