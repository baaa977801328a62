"""Quorum receipts, offline (docs/protocol.md §3 "Quorum" and §4 step 6q), as src/core/quorum.ts and
src/core/verify-quorum.ts count them: each co-signature is checked like a single one, all must
decide the same approval, each person counts once, and only trusted keys of people other than
the requester count. Who is who comes from the verifier's own trust set, never from the receipt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .cosignature import Run, check_decision
from .ed25519 import EncodingError, b64url_decode, key_id_of
from .schema import check_trust, problems

DECISIONS_PER_APPROVAL = 64
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
ABSENT: Any = object()
"""`cosignatures` left out of the receipt (JSON null is present, and malformed)."""


def js_key_order(record: dict[str, Any]) -> list[tuple[str, Any]]:
    """A JSON object's members in JavaScript's order: array-index names ascending, then the rest as
    written. Group places are filled in this order, so which group a two-group approver fills is
    the same on both sides; `__proto__` is dropped, as a zod record drops it."""
    items = [(k, v) for k, v in record.items() if k != "__proto__"]
    index = sorted(((k, v) for k, v in items if _ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1), key=lambda kv: int(kv[0]))
    return index + [(k, v) for k, v in items if not (_ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1)]


@dataclass
class Vote:
    person: str
    groups: list[str]
    decision: str


def quorum_progress(requirement: dict[str, Any], votes: list[Vote]) -> dict[str, Any]:
    """How far `votes` go towards `requirement`: a person's first vote counts; group places are
    filled by a maximum matching, so one person in two groups fills one place, never both."""
    first: dict[str, Vote] = {}
    for vote in votes:
        first.setdefault(vote.person, vote)
    approvers = [v for v in first.values() if v.decision == "approve"]
    denials = sum(1 for v in first.values() if v.decision == "deny")
    groups = js_key_order(requirement.get("groups") or {})
    places = [group for group, need in groups for _ in range(need)]
    filled = _match_places(places, approvers)
    progress = [{"group": group, "need": need, "have": filled.count(group)} for group, need in groups]
    veto = requirement.get("veto") is not False
    vetoed = veto and denials > 0
    met = not vetoed and len(approvers) >= requirement["required"] and all(g["have"] >= g["need"] for g in progress)
    return {"approvals": len(approvers), "required": requirement["required"], "groups": progress, "denials": denials, "veto": veto, "met": met, "vetoed": vetoed}


def _match_places(places: list[str], approvers: list[Vote]) -> list[str]:
    """The groups of the places a maximum matching fills (Kuhn's augmenting paths, in the TypeScript order)."""
    holder: list[Optional[int]] = [None] * len(places)

    def try_place(approver: int, seen: set[int]) -> bool:
        for place, group in enumerate(places):
            if place in seen or group not in approvers[approver].groups:
                continue
            seen.add(place)
            current = holder[place]
            if current is None or try_place(current, seen):
                holder[place] = approver
                return True
        return False

    for approver in range(len(approvers)):
        try_place(approver, set())
    return [group for place, group in enumerate(places) if holder[place] is not None]


@dataclass
class Person:
    id: str
    groups: list[str]
    requester_key_ids: set[str]


def _key_id_of_text(key: str) -> str:
    try:
        return key_id_of(b64url_decode(key))
    except EncodingError:
        return ""


def people_of(trust: dict[str, Any]) -> Callable[[str], Optional[Person]]:
    """Who holds each trusted key, as the verifier pinned it; a key pinned without a person is its own person."""
    trusted = {_key_id_of_text(k) for k in trust["approverKeys"]}
    by_key: dict[str, Person] = {}
    for entry in trust.get("approvers", []):
        person = Person(f"person:{entry['id']}", list(entry.get("groups", [])), {_key_id_of_text(k) for k in entry.get("requesterKeys", [])})
        for key in entry["keys"]:
            by_key[_key_id_of_text(key)] = person
    return lambda key_id: None if key_id not in trusted else by_key.get(key_id, Person(f"key:{key_id}", [], set()))


def trust_overlap(trust: dict[str, Any]) -> Optional[str]:
    """A key pinned under two people: the trust set cannot say who signed with it."""
    seen: dict[str, str] = {}
    for entry in trust.get("approvers", []):
        for key in entry["keys"]:
            other = seen.get(key)
            if other is not None and other != entry["id"]:
                return f"key {key} is pinned for both {other} and {entry['id']}"
            seen[key] = entry["id"]
    return None


@dataclass
class QuorumCheck:
    verdict: str
    progress: Optional[dict[str, Any]]
    counted: list[str]


def check_quorum_cosignatures(raw: Any, st: dict[str, Any], trust: dict[str, Any], expect: dict[str, str], now: Optional[str], run: Run) -> QuorumCheck:
    """Checks `raw` (the receipt's `cosignatures`) against the quorum its statement signs."""
    quorum = st["quorum"]
    none = QuorumCheck("suspend", None, [])
    if raw is ABSENT:
        run.add("approval_missing", f"the action needs {quorum['required']} approvals and carries none", "receipt.cosignatures")
        return none
    if not isinstance(raw, list) or not 1 <= len(raw) <= DECISIONS_PER_APPROVAL:
        run.add("malformed", f"receipt.cosignatures: must be a list of 1 to {DECISIONS_PER_APPROVAL} co-signatures", "receipt.cosignatures")
        return none
    mark = len(run.reasons)
    decided: list[tuple[dict[str, Any], str, str]] = []
    for i, item in enumerate(raw):
        at = f"receipt.cosignatures[{i}]"
        # Every co-signature must decide the approval the first well-formed one decides (or `expect`'s).
        first = decided[0][0]["statement"] if decided else {}
        wanted = {k: expect[k] if k in expect else first[k] for k in ("approvalId", "challenge", "expiresAt") if k in expect or k in first}
        cos, key_id = check_decision(item, st, wanted, now, run, at)
        if cos is not None and key_id is not None:
            decided.append((cos, key_id, at))
    person_of = people_of(trust)
    seen: dict[str, str] = {}
    votes: list[Vote] = []
    not_counted: list[str] = []
    counted: list[str] = []
    for cos, key_id, at in decided:
        person = person_of(key_id)
        who = person.id if person else f"key:{key_id}"
        if who in seen:
            run.add("duplicate_approver", f"a second co-signature by the approver of {seen[who]} (key {key_id}); each approver counts once", f"{at}.statement.approverKeyId")
            continue
        seen[who] = key_id
        if person is None:
            not_counted.append(f"key {key_id} is not trusted")
        elif st["operatorKeyId"] in person.requester_key_ids:
            not_counted.append(f"key {key_id} belongs to the requester of this action")
        else:
            votes.append(Vote(person.id, person.groups, cos["statement"]["decision"]))
            counted.append(key_id)
    # An expired approval is reported but does not stop the count (gate() still refuses it).
    if any(r["code"] != "approval_expired" for r in run.reasons[mark:]):
        return none
    progress = quorum_progress(quorum, votes)
    if progress["vetoed"]:
        run.add("decision_denied", "a trusted approver denied the action (a deny vetoes)", "receipt.cosignatures")
        return QuorumCheck("block", progress, counted)
    if progress["met"]:
        return QuorumCheck("allow", progress, counted)
    run.add("quorum_not_met", _shortfall(progress, not_counted), "receipt.cosignatures")
    return QuorumCheck("suspend", progress, counted)



def _shortfall(progress: dict[str, Any], not_counted: list[str]) -> str:
    missing = [f"{g['group']} needs {g['need'] - g['have']} more" for g in progress["groups"] if g["have"] < g["need"]]
    groups = f"; {', '.join(missing)}" if missing else ""
    ignored = f" (not counted: {'; '.join(not_counted)})" if not_counted else ""
    return f"{progress['approvals']} of {progress['required']} trusted approvals{groups}{ignored}"


def countable_cosignatures(decisions: Any, receipt: dict[str, Any], issued: dict[str, str], trust: dict[str, Any]) -> list[dict[str, Any]]:
    """What the guard takes from a quorum approval the control plane relays (src/sdk/quorum.ts): only
    co-signatures that verify against the approval as this agent opened it, by pinned keys, one per
    person. Anything invented, duplicated or replayed is dropped; the receipt they make is then
    verified as a whole, so junk can neither reach the quorum nor block a real one."""
    if problems(check_trust, trust, "trust"):
        return []  # gate() reports the malformed trust set
    person_of = people_of(trust)
    seen: set[str] = set()
    kept: list[dict[str, Any]] = []
    for decision in decisions if isinstance(decisions, list) else []:
        run = Run()
        raw = decision.get("cosignature") if isinstance(decision, dict) else None
        cos, key_id = check_decision(raw, receipt["statement"], issued, None, run, "cosignature")
        person = person_of(key_id) if cos is not None and key_id is not None and not run.reasons else None
        if person is None or person.id in seen:
            continue
        seen.add(person.id)
        kept.append(cos)
    return kept
