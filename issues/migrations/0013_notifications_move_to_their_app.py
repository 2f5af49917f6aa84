"""The reminder log and the notifications moved to the notifications app
(roundtable/notifications/migrations/0001_initial.py): removed from this app's state only.
The tables keep their names and their rows; nothing is written to the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('issues', '0012_outbox_queued_status'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='reminderlog',
                    name='issue',
                ),
                migrations.RemoveField(
                    model_name='reminderlog',
                    name='meeting',
                ),
                migrations.RemoveField(
                    model_name='reminderlog',
                    name='recipient',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='ReminderLog',
                ),
            ],
        ),
    ]
