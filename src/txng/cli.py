"""`txng`: the operator's command. `txng demo-data` runs the management command `demo_data`."""

from __future__ import annotations

import os
import sys

OPERATOR_COMMANDS = """\
usage: txng COMMAND [options]

Operator commands (txng COMMAND --help for each):
  demo-data                     load the Can Tho demo data set (idempotent)
  createadmin                   create a system administrator
  import-units FILE             load wards/communes from a CSV
  org create --tax-code MST --name NAME [--kind KIND]
                                register an organization (approved and published)
  token create --organization MST [--name NAME]
                                create an API token; prints it as the last line
  token list|revoke             list or revoke an organization's tokens
  product create --organization MST --gtin GTIN --name NAME
                                register a product (approved and published); prints the GTIN-14
  stamps issue --gtin GTIN --count N [--lot LOT]
                                issue and activate stamps; prints Digital Link URIs (PIN after a tab)
  stamps activate|suspend|void|bind-lot|csv|pdf
                                manage and export a stamp batch
  epcis import FILE... --organization MST
                                capture EPCIS 2.0 documents (JSON, JSON-LD, XML)
  epcis export --organization MST [--query Q]
                                export events as an EPCIS query document
  lineage rebuild               re-derive the lot graph from all stored events
  deliver-subscriptions [--loop SECONDS]
                                deliver EPCIS webhook subscriptions
  ledger integrate|checkpoint|verify|run|key
                                transparency ledger (verify exits 1 on tampering)
  publishing destination add|list, push [--once], requeue, status, node add
                                outbox to the National Portal or a hub (EPCIS 2.0 capture)
  iot device add --organization MST --name NAME ...
                                register a sensor; prints its MQTT username, topic and secret
  iot listen                    MQTT ingestion worker (readings into EPCIS sensor events)
  search rebuild                re-index published products and producers for the public search
  db_worker                     background task worker (make run starts it)
  migrate, check, shell, ...    any Django management command

Environment: TXNG_DATA_DIR (default ./var), TXNG_DATABASE_URL (postgresql://...), TXNG_SECRET_KEY.
"""


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "txng.settings")
    argv = sys.argv[1:]
    if not argv or argv[0] in {"-h", "--help", "help"}:
        sys.stdout.write(OPERATOR_COMMANDS)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["txng", argv[0].replace("-", "_"), *argv[1:]])


if __name__ == "__main__":
    main()
