from pathlib import PurePosixPath

import academy.storage
import webinars.models
from django.db import migrations, models


def materials_to_private_storage(apps, schema_editor):
    """Files attached before materials were private move out of the public
    media folder; they keep their name and are downloaded as attachments
    (no type was recorded for them)."""
    Material = apps.get_model("webinars", "Material")
    for material in Material.objects.exclude(file="").only("pk", "file").iterator():
        name = material.file.name
        Material.objects.filter(pk=material.pk).update(
            file=academy.storage.public_file_move(name), file_name=PurePosixPath(name).name[:200]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('webinars', '0003_room_event_seq'),
    ]

    operations = [
        migrations.AddField(
            model_name='material',
            name='file_content_type',
            field=models.CharField(blank=True, max_length=120, verbose_name='file type'),
        ),
        migrations.AddField(
            model_name='material',
            name='file_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='file name'),
        ),
        migrations.AddField(
            model_name='material',
            name='file_size',
            field=models.PositiveBigIntegerField(default=0, verbose_name='file size (bytes)'),
        ),
        migrations.AlterField(
            model_name='material',
            name='file',
            field=models.FileField(blank=True, max_length=255, storage=academy.storage.private_storage, upload_to=webinars.models.material_upload_to, verbose_name='file'),
        ),
        migrations.RunPython(materials_to_private_storage, migrations.RunPython.noop),
    ]
