"""Set up Django for a benchmark on a fresh database: a temporary SQLite file, or a scratch PostgreSQL
database when TXNG_DATABASE_URL is set (its database name gets a `_<script>_bench` suffix, recreated each run)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def setup() -> str:
    """Prepare a fresh database, migrate it and return a label naming the backend."""
    url = os.environ.get("TXNG_DATABASE_URL", "")
    os.environ.setdefault("TXNG_DATA_DIR", tempfile.mkdtemp(prefix="txng-bench-"))
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        # One scratch database per benchmark script, so two benchmarks never drop each other's.
        bench_name = f"{name or 'txng'}_{Path(sys.argv[0]).stem}_bench"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{bench_name}"')
        os.environ["TXNG_DATABASE_URL"] = f"{base}/{bench_name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "txng.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor
