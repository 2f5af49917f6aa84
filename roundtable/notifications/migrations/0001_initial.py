"""The reminder log and the notifications, moved here from the issues app in the state only
(issues/migrations/0013): the tables were created by issues and keep their names
(``db_table``), their rows, indexes and constraints. Their content types (and so any
permission granted on them) are renamed to this app."""

import django.db.models.deletion
import django.utils.timezone
import roundtable.lib.i18n
from django.conf import settings
from django.db import migrations, models


def _content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("reminderlog", "notification"):
        if not ContentType.objects.filter(app_label="notifications", model=model).exists():
            ContentType.objects.filter(app_label="issues", model=model).update(
                app_label="notifications"
            )


def _content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("reminderlog", "notification"):
        if not ContentType.objects.filter(app_label="issues", model=model).exists():
            ContentType.objects.filter(app_label="notifications", model=model).update(
                app_label="issues"
            )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('issues', '0013_notifications_move_to_their_app'),
        ('meetings', '0002_calendar_feed_intake_issue'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ReminderLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40, verbose_name='kind')),
                        ('subject_key', models.CharField(help_text='issue:<id>, meeting:<id>, enterprise:<id>, …', max_length=40, verbose_name='about')),
                        ('due_on', models.DateField(verbose_name='for the day')),
                        ('status', models.CharField(choices=[('claimed', 'Claimed, sending'), ('sent', 'Sent'), ('retry', 'Failed, will retry'), ('failed', 'Failed'), ('uncertain', 'Possibly sent twice (worker died after sending)'), ('skipped', "Not sent: out of the recipient's scope"), ('queued', 'Waiting to be sent')], default='claimed', max_length=10, verbose_name='status')),
                        ('reason', models.CharField(blank=True, max_length=300, verbose_name='why')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('claimed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='claimed')),
                        ('claim_token', models.CharField(blank=True, max_length=32, verbose_name='claim token')),
                        ('next_try_at', models.DateTimeField(blank=True, null=True, verbose_name='next try')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('issue', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='issues.issue', verbose_name='issue')),
                        ('meeting', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='meetings.meeting', verbose_name='meeting')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                    ],
                    options={
                        'verbose_name': 'reminder',
                        'verbose_name_plural': 'reminder log',
                        'db_table': 'issues_reminderlog',
                        'ordering': ['-claimed_at'],
                    },
                    bases=(roundtable.lib.i18n.ChoiceLabelsMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=300, verbose_name='title')),
                        ('body', models.TextField(blank=True, verbose_name='text')),
                        ('reason', models.CharField(blank=True, max_length=300, verbose_name='why you got this')),
                        ('url', models.CharField(blank=True, max_length=300, verbose_name='link')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read')),
                        ('issue', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='issues.issue', verbose_name='issue')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                        ('reminder', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notification', to='notifications.reminderlog')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'db_table': 'issues_notification',
                        'ordering': ['-created_at'],
                    },
                    bases=(roundtable.lib.i18n.ChoiceLabelsMixin, models.Model),
                ),
                migrations.AddIndex(
                    model_name='reminderlog',
                    index=models.Index(fields=['status', 'claimed_at'], name='issues_remi_status_3fb517_idx'),
                ),
                migrations.AddIndex(
                    model_name='reminderlog',
                    index=models.Index(fields=['due_on'], name='issues_remi_due_on_e8039d_idx'),
                ),
                migrations.AddIndex(
                    model_name='reminderlog',
                    index=models.Index(condition=models.Q(('status', 'claimed')), fields=['claim_token'], name='reminder_claimed'),
                ),
                migrations.AddConstraint(
                    model_name='reminderlog',
                    constraint=models.UniqueConstraint(fields=('subject_key', 'kind', 'recipient', 'due_on'), name='reminder_once'),
                ),
                migrations.AddConstraint(
                    model_name='reminderlog',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['claimed', 'sent', 'retry', 'failed', 'uncertain', 'skipped', 'queued'])), name='reminder_status_valid'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['recipient', 'read_at'], name='issues_noti_recipie_9ca52c_idx'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(condition=models.Q(('reminder__isnull', True)), fields=['created_at'], name='notification_unmailed'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['created_at'], name='notification_created'),
                ),
            ],
        ),
        migrations.RunPython(_content_types_follow, _content_types_back),
    ]
