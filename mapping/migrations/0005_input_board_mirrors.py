"""Clusters and comments of a read-only input board remember what they mirror on the
source board, so a sync can rename, move or drop them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("mapping", "0004_one_live_copy_per_board"),
    ]

    operations = [
        migrations.AddField(
            model_name="cluster",
            name="source_cluster",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="mapping.cluster"),
        ),
        migrations.AddField(
            model_name="comment",
            name="source_comment",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="mapping.comment"),
        ),
    ]
