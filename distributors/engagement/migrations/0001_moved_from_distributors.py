"""Engagement measurement becomes its own app; its tables keep their names and rows."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _content_types_follow(app_label, models):
    """Point the content types (and so permissions and admin history) of the
    moved models at their new app; their tables stay where they are."""

    def forward(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label=app_label, model=model).exists():
                ContentType.objects.filter(app_label="distributors", model=model).update(app_label=app_label)

    def backward(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label="distributors", model=model).exists():
                ContentType.objects.filter(app_label=app_label, model=model).update(app_label="distributors")

    return migrations.RunPython(forward, backward)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('courses', '0001_initial'),
        ('distributors', '0004_engagement_models_move_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RollupCursor',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=32, unique=True, verbose_name='name')),
                        ('last_event_id', models.BigIntegerField(default=0, verbose_name='last event read')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                    ],
                    options={
                        'verbose_name': 'rollup cursor',
                        'verbose_name_plural': 'rollup cursors',
                        'db_table': 'distributors_rollupcursor',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='CertifiedHeadcount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('staff', models.PositiveIntegerField(default=0, verbose_name='current staff')),
                        ('certified', models.PositiveIntegerField(default=0, verbose_name='certified')),
                        ('certified_before', models.PositiveIntegerField(default=0, verbose_name='certified at the start of the window')),
                        ('as_of', models.DateField(verbose_name='as of')),
                        ('course', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.course', verbose_name='course')),
                        ('distributor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='distributors.distributor', verbose_name='distributor')),
                    ],
                    options={
                        'verbose_name': 'certified headcount',
                        'verbose_name_plural': 'certified headcounts',
                        'db_table': 'distributors_certifiedheadcount',
                        'ordering': ['distributor', 'course'],
                        'constraints': [models.UniqueConstraint(fields=('distributor', 'course'), name='certified_headcount_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='DistributorDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='day')),
                        ('events', models.PositiveIntegerField(default=0, verbose_name='events')),
                        ('actions', models.PositiveIntegerField(default=0, verbose_name='actions')),
                        ('logins', models.PositiveIntegerField(default=0, verbose_name='sign-ins')),
                        ('lessons_completed', models.PositiveIntegerField(default=0, verbose_name='lessons completed')),
                        ('courses_completed', models.PositiveIntegerField(default=0, verbose_name='courses completed')),
                        ('quizzes_passed', models.PositiveIntegerField(default=0, verbose_name='quizzes passed')),
                        ('quizzes_failed', models.PositiveIntegerField(default=0, verbose_name='quizzes failed')),
                        ('certificates_issued', models.PositiveIntegerField(default=0, verbose_name='certificates earned')),
                        ('webinars_registered', models.PositiveIntegerField(default=0, verbose_name='web-conference registrations')),
                        ('webinars_attended', models.PositiveIntegerField(default=0, verbose_name='web-conferences attended')),
                        ('replays_watched', models.PositiveIntegerField(default=0, verbose_name='replays watched')),
                        ('field_reports', models.PositiveIntegerField(default=0, verbose_name='field reports')),
                        ('minutes_learned', models.PositiveIntegerField(default=0, verbose_name='minutes learned')),
                        ('minutes_attended', models.PositiveIntegerField(default=0, verbose_name='minutes attended')),
                        ('active_people', models.PositiveIntegerField(default=0, verbose_name='active people')),
                        ('distributor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='distributors.distributor', verbose_name='distributor')),
                    ],
                    options={
                        'verbose_name': 'daily activity of a distributor',
                        'verbose_name_plural': 'daily activity of distributors',
                        'db_table': 'distributors_distributorday',
                        'ordering': ['-day', 'distributor'],
                        'indexes': [models.Index(fields=['day'], name='distributor_day_f6424d_idx')],
                        'constraints': [models.UniqueConstraint(fields=('distributor', 'day'), name='distributor_day_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='DistributorScore',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('score', models.PositiveSmallIntegerField(default=0, verbose_name='score')),
                        ('activity', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='active staff')),
                        ('completions', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='assignments completed')),
                        ('quizzes', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='quiz success')),
                        ('webinars', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='web-conference attendance')),
                        ('recency', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='recency')),
                        ('certified', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='certified headcount')),
                        ('last_activity_on', models.DateField(blank=True, null=True, verbose_name='last activity')),
                        ('computed_at', models.DateTimeField(auto_now=True, verbose_name='computed at')),
                        ('kind', models.CharField(choices=[('month', 'Month'), ('current', 'Current')], max_length=8, verbose_name='kind')),
                        ('period', models.DateField(help_text='First day of the month; today for the current row.', verbose_name='period')),
                        ('as_of', models.DateField(verbose_name='as of')),
                        ('staff', models.PositiveIntegerField(default=0, verbose_name='current staff')),
                        ('active_staff', models.PositiveIntegerField(default=0, verbose_name='active staff')),
                        ('events', models.PositiveIntegerField(default=0, verbose_name='events')),
                        ('active_people', models.PositiveIntegerField(default=0, verbose_name='active people')),
                        ('minutes_learned', models.PositiveIntegerField(default=0, verbose_name='minutes learned')),
                        ('webinars_attended', models.PositiveIntegerField(default=0, verbose_name='web-conferences attended')),
                        ('score_month_ago', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='score a month earlier')),
                        ('risks', models.JSONField(blank=True, default=list, verbose_name='at-risk reasons')),
                        ('is_at_risk', models.BooleanField(default=False, verbose_name='at risk')),
                        ('risk_codes', models.CharField(blank=True, max_length=200, verbose_name='at-risk reason codes')),
                        ('distributor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='engagement_scores', to='distributors.distributor', verbose_name='distributor')),
                    ],
                    options={
                        'verbose_name': 'distributor engagement score',
                        'verbose_name_plural': 'distributor engagement scores',
                        'db_table': 'distributors_distributorscore',
                        'ordering': ['distributor', '-period'],
                        'indexes': [models.Index(fields=['kind', 'period'], name='distributor_kind_6bc887_idx'), models.Index(fields=['kind', 'is_at_risk'], name='distributor_kind_f74050_idx')],
                        'constraints': [models.UniqueConstraint(fields=('distributor', 'kind', 'period'), name='distributor_score_unique'), models.UniqueConstraint(condition=models.Q(('kind', 'current')), fields=('distributor',), name='distributor_score_one_current')],
                    },
                ),
                migrations.CreateModel(
                    name='DistributorVerbDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='day')),
                        ('verb', models.CharField(max_length=32, verbose_name='verb')),
                        ('events', models.PositiveIntegerField(default=0, verbose_name='events')),
                        ('distributor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='distributors.distributor', verbose_name='distributor')),
                    ],
                    options={
                        'verbose_name': 'daily events by verb',
                        'verbose_name_plural': 'daily events by verb',
                        'db_table': 'distributors_distributorverbday',
                        'ordering': ['-day', 'distributor', 'verb'],
                        'indexes': [models.Index(fields=['day'], name='distributor_day_3206fd_idx')],
                        'constraints': [models.UniqueConstraint(fields=('distributor', 'day', 'verb'), name='distributor_verb_day_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='EngagementDigest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('week', models.DateField(help_text='Monday of the week.', verbose_name='week')),
                        ('distributors', models.PositiveIntegerField(default=0, verbose_name='distributors at risk')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                        ('manager', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='manager')),
                    ],
                    options={
                        'verbose_name': 'engagement digest',
                        'verbose_name_plural': 'engagement digests',
                        'db_table': 'distributors_engagementdigest',
                        'ordering': ['-week', 'manager'],
                        'constraints': [models.UniqueConstraint(fields=('manager', 'week'), name='digest_once_per_week')],
                    },
                ),
                migrations.CreateModel(
                    name='Nudge',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('audience', models.CharField(choices=[('lead', 'The team lead'), ('team', 'The whole team')], max_length=8, verbose_name='recipients')),
                        ('template', models.CharField(max_length=32, verbose_name='template')),
                        ('messages', models.JSONField(default=dict, verbose_name='messages')),
                        ('sent_at', models.DateTimeField(verbose_name='sent at')),
                        ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='e-mails sent at')),
                        ('distributor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='nudges', to='distributors.distributor', verbose_name='distributor')),
                        ('recipients', models.ManyToManyField(blank=True, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recipients')),
                        ('sender', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sender')),
                    ],
                    options={
                        'verbose_name': 'nudge',
                        'verbose_name_plural': 'nudges',
                        'db_table': 'distributors_nudge',
                        'ordering': ['-sent_at', '-id'],
                        'indexes': [models.Index(fields=['distributor', 'sent_at'], name='distributor_distrib_8ff91d_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='PersonDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='day')),
                        ('events', models.PositiveIntegerField(default=0, verbose_name='events')),
                        ('actions', models.PositiveIntegerField(default=0, verbose_name='actions')),
                        ('logins', models.PositiveIntegerField(default=0, verbose_name='sign-ins')),
                        ('lessons_completed', models.PositiveIntegerField(default=0, verbose_name='lessons completed')),
                        ('courses_completed', models.PositiveIntegerField(default=0, verbose_name='courses completed')),
                        ('quizzes_passed', models.PositiveIntegerField(default=0, verbose_name='quizzes passed')),
                        ('quizzes_failed', models.PositiveIntegerField(default=0, verbose_name='quizzes failed')),
                        ('certificates_issued', models.PositiveIntegerField(default=0, verbose_name='certificates earned')),
                        ('webinars_registered', models.PositiveIntegerField(default=0, verbose_name='web-conference registrations')),
                        ('webinars_attended', models.PositiveIntegerField(default=0, verbose_name='web-conferences attended')),
                        ('replays_watched', models.PositiveIntegerField(default=0, verbose_name='replays watched')),
                        ('field_reports', models.PositiveIntegerField(default=0, verbose_name='field reports')),
                        ('minutes_learned', models.PositiveIntegerField(default=0, verbose_name='minutes learned')),
                        ('minutes_attended', models.PositiveIntegerField(default=0, verbose_name='minutes attended')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'daily activity of a person',
                        'verbose_name_plural': 'daily activity of people',
                        'db_table': 'distributors_personday',
                        'ordering': ['-day', 'user'],
                        'indexes': [models.Index(fields=['day'], name='distributor_day_13cf6d_idx')],
                        'constraints': [models.UniqueConstraint(fields=('user', 'day'), name='person_day_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='PersonScore',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('score', models.PositiveSmallIntegerField(default=0, verbose_name='score')),
                        ('activity', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='active staff')),
                        ('completions', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='assignments completed')),
                        ('quizzes', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='quiz success')),
                        ('webinars', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='web-conference attendance')),
                        ('recency', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='recency')),
                        ('certified', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='certified headcount')),
                        ('last_activity_on', models.DateField(blank=True, null=True, verbose_name='last activity')),
                        ('computed_at', models.DateTimeField(auto_now=True, verbose_name='computed at')),
                        ('as_of', models.DateField(verbose_name='as of')),
                        ('active_weeks', models.PositiveSmallIntegerField(default=0, verbose_name='active weeks')),
                        ('lessons_completed', models.PositiveIntegerField(default=0, verbose_name='lessons completed')),
                        ('courses_completed', models.PositiveIntegerField(default=0, verbose_name='courses completed')),
                        ('minutes_learned', models.PositiveIntegerField(default=0, verbose_name='minutes learned')),
                        ('webinars_attended', models.PositiveIntegerField(default=0, verbose_name='web-conferences attended')),
                        ('distributor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='distributors.distributor', verbose_name='distributor')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='engagement_score', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'person engagement score',
                        'verbose_name_plural': 'person engagement scores',
                        'db_table': 'distributors_personscore',
                        'ordering': ['user'],
                        'indexes': [models.Index(fields=['distributor'], name='distributor_distrib_6ac868_idx')],
                    },
                ),
            ],
            database_operations=[_content_types_follow('engagement', ['personday', 'distributorday', 'distributorverbday', 'rollupcursor', 'distributorscore', 'personscore', 'certifiedheadcount', 'engagementdigest', 'nudge'])],
        ),
    ]
