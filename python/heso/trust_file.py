"""Pinned approver keys as people hand them around, read as src/core/trust-file.ts reads them: an
agent's `.heso/trusted-approvers.json` (docs/protocol.md §3.1, with the quorum labels of
`heso trust add --person/--group/--requester`), a JSON trust set, or one base64url key per line.
"""

from __future__ import annotations

import re
from typing import Any

from .jcs import parse_json_text
from .schema import check_public_key, check_trust, check_trust_file, problems

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


class TrustFileError(ValueError):
    """The file is not a trust file; the message names the file and the line or field, and what is wrong."""


def trust_set_of_pins(pins: list[dict[str, Any]]) -> dict[str, Any]:
    """The trust set of pinned approvers: their keys and, when any pin carries labels, who is who
    for quorum counting. Pins with the same `person` are one approver (a rotation)."""
    approver_keys = [pin["publicKey"] for pin in pins]
    if not any(pin.get("person") or pin.get("groups") or pin.get("requesterKeys") for pin in pins):
        return {"approverKeys": approver_keys}
    people: dict[str, dict[str, Any]] = {}
    for pin in pins:
        person_id = pin.get("person") or f"key-{pin['keyId']}"
        entry = people.setdefault(person_id, {"id": person_id, "keys": []})
        entry["keys"].append(pin["publicKey"])
        for name in ("groups", "requesterKeys"):
            merged = list(dict.fromkeys(entry.get(name, []) + pin.get(name, [])))
            if merged:
                entry[name] = merged
    return {"approverKeys": approver_keys, "approvers": list(people.values())}


def trust_keys_from_text(text: str, source: str) -> dict[str, Any]:
    """{approverKeys, operatorKeys, approvers?} from a trust file's text; `source` names it in errors."""
    if text.lstrip().startswith("{"):
        try:
            data = parse_json_text(text)
        except ValueError as exc:
            raise TrustFileError(f"{source}: is not valid JSON ({exc}); is the file complete?") from None
        if not problems(check_trust_file, data, source):
            data = trust_set_of_pins(data["approvers"])
        elif found := problems(check_trust, data, source):
            more = f" (and {len(found) - 1} more problem{'s' if len(found) > 2 else ''})" if len(found) > 1 else ""
            raise TrustFileError(f"{found[0][0]}: {found[0][1]}{more}")
        keys = {"approverKeys": list(data["approverKeys"]), "operatorKeys": list(data.get("operatorKeys", []))}
        return {**keys, "approvers": data["approvers"]} if "approvers" in data else keys
    keys = []
    for number, raw in enumerate(re.split(r"\r?\n", text), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        problem = check_public_key(line) if KEY_PATTERN.fullmatch(line) else "not a base64url Ed25519 public key (43 characters)"
        if problem:
            raise TrustFileError(f"{source}, line {number}: {problem}")
        keys.append(line)
    return {"approverKeys": keys, "operatorKeys": []}
