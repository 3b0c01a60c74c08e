"""The activity log moves to the kernel (academy) and engagement measurement to
its own app (engagement): their models leave this app's state, their tables
stay as they are (no data is copied)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('distributors', '0003_engagement'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='certifiedheadcount',
                    name='course',
                ),
                migrations.RemoveField(
                    model_name='certifiedheadcount',
                    name='distributor',
                ),
                migrations.RemoveField(
                    model_name='distributorday',
                    name='distributor',
                ),
                migrations.RemoveField(
                    model_name='distributorscore',
                    name='distributor',
                ),
                migrations.RemoveField(
                    model_name='distributorverbday',
                    name='distributor',
                ),
                migrations.RemoveField(
                    model_name='engagementdigest',
                    name='manager',
                ),
                migrations.RemoveField(
                    model_name='engagementevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='engagementevent',
                    name='distributor',
                ),
                migrations.RemoveField(
                    model_name='nudge',
                    name='distributor',
                ),
                migrations.RemoveField(
                    model_name='nudge',
                    name='recipients',
                ),
                migrations.RemoveField(
                    model_name='nudge',
                    name='sender',
                ),
                migrations.RemoveField(
                    model_name='personday',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='personscore',
                    name='distributor',
                ),
                migrations.RemoveField(
                    model_name='personscore',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='RollupCursor',
                ),
                migrations.DeleteModel(
                    name='CertifiedHeadcount',
                ),
                migrations.DeleteModel(
                    name='DistributorDay',
                ),
                migrations.DeleteModel(
                    name='DistributorScore',
                ),
                migrations.DeleteModel(
                    name='DistributorVerbDay',
                ),
                migrations.DeleteModel(
                    name='EngagementDigest',
                ),
                migrations.DeleteModel(
                    name='EngagementEvent',
                ),
                migrations.DeleteModel(
                    name='Nudge',
                ),
                migrations.DeleteModel(
                    name='PersonDay',
                ),
                migrations.DeleteModel(
                    name='PersonScore',
                ),
            ],
        ),
    ]
