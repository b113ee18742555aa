"""PostgreSQL only: a trigram index on the vocabulary, for pg_trgm similarity (misspelled query words)."""

from django.db import migrations


def _forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX public_search_word_trgm ON public_searchword USING gin (word gin_trgm_ops)"
        )


def _backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS public_search_word_trgm")


class Migration(migrations.Migration):
    dependencies = [("public", "0003_search_word")]

    operations = [migrations.RunPython(_forward, _backward)]
