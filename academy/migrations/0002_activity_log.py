"""The activity log (engagement events) joins the kernel; its table keeps its
name and its rows."""

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

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('academy', '0001_initial'),
        ('distributors', '0004_engagement_models_move_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='EngagementEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('verb', models.CharField(choices=[('logged_in', 'logged in'), ('joined_distributor', 'joined a distributor'), ('left_distributor', 'left a distributor'), ('invitation_accepted', 'accepted an invitation'), ('enrolled', 'enrolled in a course'), ('lesson_viewed', 'viewed a lesson'), ('lesson_completed', 'completed a lesson'), ('quiz_passed', 'passed a quiz'), ('quiz_failed', 'failed a quiz'), ('course_completed', 'completed a course'), ('path_completed', 'completed a learning path'), ('certificate_issued', 'earned a certificate'), ('webinar_registered', 'registered for a web-conference'), ('webinar_unregistered', 'cancelled a registration'), ('webinar_attended', 'attended a web-conference'), ('replay_watched', 'watched a replay'), ('feedback_given', 'gave feedback'), ('chat_posted', 'posted in a live chat'), ('question_asked', 'asked a question'), ('poll_answered', 'answered a poll'), ('field_report_sent', 'sent a field report'), ('nudge_sent', 'sent a nudge')], max_length=32, verbose_name='verb')),
                        ('object_type', models.CharField(blank=True, max_length=64, verbose_name='object type')),
                        ('object_id', models.CharField(blank=True, max_length=64, verbose_name='object id')),
                        ('object_name', models.CharField(blank=True, max_length=255, verbose_name='object name')),
                        ('minutes', models.PositiveIntegerField(default=0, verbose_name='minutes')),
                        ('context', models.JSONField(blank=True, default=dict, verbose_name='context')),
                        ('occurred_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='occurred at')),
                        ('actor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='engagement_events', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                        ('distributor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='engagement_events', to='distributors.distributor', verbose_name='distributor')),
                    ],
                    options={
                        'verbose_name': 'engagement event',
                        'verbose_name_plural': 'engagement events',
                        'db_table': 'distributors_engagementevent',
                        'ordering': ['-occurred_at', '-id'],
                        'indexes': [models.Index(fields=['distributor', 'occurred_at'], name='distributor_distrib_c14f6a_idx'), models.Index(fields=['actor', 'occurred_at'], name='distributor_actor_i_ed2843_idx'), models.Index(fields=['verb', 'occurred_at'], name='distributor_verb_19d458_idx'), models.Index(fields=['occurred_at'], name='distributor_occurre_135454_idx')],
                    },
                ),
            ],
            database_operations=[_content_types_follow('academy', ['engagementevent'])],
        ),
    ]
