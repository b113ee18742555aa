from django.db import migrations, models


class Migration(migrations.Migration):
    """Batches record how their serials are authenticated; those issued before are scheme 1 (HMAC-SHA256)."""

    dependencies = [("codes", "0001_stamp_batches")]

    operations = [
        migrations.AddField(
            model_name="stampbatch",
            name="serial_scheme",
            field=models.PositiveSmallIntegerField(default=1, editable=False, verbose_name="serial scheme"),
        ),
        migrations.AlterField(
            model_name="stampbatch",
            name="serial_scheme",
            field=models.PositiveSmallIntegerField(default=2, editable=False, verbose_name="serial scheme"),
        ),
    ]
