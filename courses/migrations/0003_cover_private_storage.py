import academy.storage
import courses.storage
from django.db import migrations, models


def covers_to_private_storage(apps, schema_editor):
    """Covers stored before they were private move out of the public media folder."""
    Course = apps.get_model("courses", "Course")
    for course in Course.objects.exclude(cover="").only("pk", "cover").iterator():
        name = course.cover.name
        Course.objects.filter(pk=course.pk).update(cover=academy.storage.public_file_move(name))


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0002_outbox'),
    ]

    operations = [
        migrations.AlterField(
            model_name='course',
            name='cover',
            field=models.ImageField(blank=True, storage=academy.storage.private_storage, upload_to=courses.storage.cover_upload_to, verbose_name='cover image'),
        ),
        migrations.RunPython(covers_to_private_storage, migrations.RunPython.noop),
    ]
