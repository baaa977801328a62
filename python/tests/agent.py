"""Test helper: a Python agent. Gates `refund(amount=...)` or `delete(account=...)` with the guard
and prints what happened as one JSON line. Configuration comes from heso.toml / HESO_* variables."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import heso  # noqa: E402

heso.init(api_key=os.environ["TEST_HESO_API_KEY"], endpoint=os.environ["TEST_HESO_ENDPOINT"])
# TEST_TRUST: a whole trust set as JSON (quorum tests pin who is who); else the one approver key.
trust = json.loads(os.environ["TEST_TRUST"]) if "TEST_TRUST" in os.environ else {"approverKeys": [os.environ["TEST_APPROVER_KEY"]]}
guard = heso.guard(trust=trust)
ran = []


@guard.gated("payments.refund")
def refund(amount):
    ran.append(f"refund {amount}")


@guard.gated("db.delete")
def delete(account, table):
    ran.append(f"delete {table}")


action, value = sys.argv[1], sys.argv[2]
try:
    if action == "refund":
        refund(amount=int(value))
    else:
        with guard.check("db.delete", {"table": value}, account="prod-eu") as decision:
            ran.append(f"delete {value} ({decision.verdict}{', observed only' if decision.observed_only else ''})")
    print(json.dumps({"ran": ran}))
except heso.ActionBlocked as exc:
    codes = [r["code"] for r in exc.result.reasons] if exc.result else []
    print(json.dumps({"ran": ran, "blocked": str(exc), "codes": codes}))
