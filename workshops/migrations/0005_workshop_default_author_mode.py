from django.db import migrations, models


class Migration(migrations.Migration):
    """Workshops that exist keep what they had (every new board named); new workshops
    start with boards attributed by country and role."""

    dependencies = [
        ("workshops", "0004_session_event_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="workshop",
            name="default_author_mode",
            field=models.CharField(
                choices=[("named", "Named"), ("by_role", "Attributed by role"), ("anonymous", "Anonymous")],
                default="named", max_length=16, verbose_name="authors shown on new boards",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="workshop",
            name="default_author_mode",
            field=models.CharField(
                choices=[("named", "Named"), ("by_role", "Attributed by role"), ("anonymous", "Anonymous")],
                default="by_role",
                help_text="Named: name, country and role. By role: country and role only. Anonymous: nothing "
                "about the author. Each board can be changed later.",
                max_length=16, verbose_name="authors shown on new boards",
            ),
        ),
    ]
