"""Database-specific search structures for SearchEntry (schema only, no data).

SQLite: an FTS5 table with the trigram tokenizer over the folded text, kept in step by triggers (external
content, https://sqlite.org/fts5.html#external_content_tables); the text is padded with spaces so that
trigrams mark word starts and ends, as pg_trgm's do.
PostgreSQL: the unaccent and pg_trgm extensions and a weighted tsvector column (GIN-indexed) for
full-text search; pg_trgm serves the vocabulary (migration 0004).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE public_search_fts USING fts5("
    "name_text, other_text, content='public_searchentry', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER public_search_fts_insert AFTER INSERT ON public_searchentry BEGIN "
    "INSERT INTO public_search_fts(rowid, name_text, other_text) "
    "VALUES (new.id, ' ' || new.name_text || ' ', ' ' || new.other_text || ' '); END",
    "CREATE TRIGGER public_search_fts_delete AFTER DELETE ON public_searchentry BEGIN "
    "INSERT INTO public_search_fts(public_search_fts, rowid, name_text, other_text) "
    "VALUES ('delete', old.id, ' ' || old.name_text || ' ', ' ' || old.other_text || ' '); END",
    "CREATE TRIGGER public_search_fts_update AFTER UPDATE ON public_searchentry BEGIN "
    "INSERT INTO public_search_fts(public_search_fts, rowid, name_text, other_text) "
    "VALUES ('delete', old.id, ' ' || old.name_text || ' ', ' ' || old.other_text || ' '); "
    "INSERT INTO public_search_fts(rowid, name_text, other_text) "
    "VALUES (new.id, ' ' || new.name_text || ' ', ' ' || new.other_text || ' '); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS public_search_fts_update",
    "DROP TRIGGER IF EXISTS public_search_fts_delete",
    "DROP TRIGGER IF EXISTS public_search_fts_insert",
    "DROP TABLE IF EXISTS public_search_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE public_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', name_text), 'A') || setweight(to_tsvector('simple', other_text), 'B')"
    ") STORED",
    "CREATE INDEX public_search_vector ON public_searchentry USING gin (search_vector)",
]
# The extensions stay: other apps may come to use them.
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS public_search_vector",
    "ALTER TABLE public_searchentry DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("public", "0001_search_entry")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
