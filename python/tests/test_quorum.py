"""Quorum receipts in Python, on the documented example (docs/protocol.md §8.6): distinct trusted
people counted from the verifier's own trust set. The full comparison with the TypeScript
verifier is test/python/quorum-parity.test.ts."""

import copy
import json
import tempfile
import unittest
from pathlib import Path

import heso
from heso import ConfigError, verify_receipt
from heso.trust_file import TrustFileError, trust_keys_from_text

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
RECEIPT = json.loads((EXAMPLES / "quorum-receipt.json").read_text(encoding="utf-8"))
TRUST = json.loads((EXAMPLES / "quorum-trust.json").read_text(encoding="utf-8"))


def codes(result):
    return [r["code"] for r in result.reasons]


class QuorumTest(unittest.TestCase):
    def test_the_documented_receipt_meets_its_quorum(self):
        result = verify_receipt(RECEIPT, TRUST)
        self.assertTrue(result.ok, result.reasons)
        self.assertEqual(result.verdict, "allow")
        self.assertEqual(result.quorum["approvals"], 2)
        self.assertEqual([(g["group"], g["have"]) for g in result.quorum["groups"]], [("finance", 1), ("security", 1)])

    def test_one_co_signature_short_is_valid_but_suspended(self):
        receipt = dict(RECEIPT, cosignatures=RECEIPT["cosignatures"][:1])
        result = verify_receipt(receipt, TRUST)
        self.assertEqual((result.valid, result.verdict, codes(result)), (True, "suspend", ["quorum_not_met"]))
        self.assertIn("security needs 1 more", result.reasons[0]["message"])

    def test_the_same_co_signature_twice_counts_once(self):
        receipt = dict(RECEIPT, cosignatures=[RECEIPT["cosignatures"][0]] * 2)
        result = verify_receipt(receipt, TRUST)
        self.assertFalse(result.valid)
        self.assertIn("duplicate_approver", codes(result))

    def test_groups_come_from_the_trust_set_only(self):
        result = verify_receipt(RECEIPT, {"approverKeys": TRUST["approverKeys"]})
        self.assertEqual((result.verdict, codes(result)), ("suspend", ["quorum_not_met"]))

    def test_a_key_pinned_under_two_people_makes_the_trust_set_malformed(self):
        trust = copy.deepcopy(TRUST)
        trust["approvers"][0]["keys"].append(trust["approvers"][1]["keys"][0])
        self.assertEqual(codes(verify_receipt(RECEIPT, trust)), ["malformed"])

    def test_tampering_with_the_signed_quorum_breaks_the_operator_signature(self):
        receipt = copy.deepcopy(RECEIPT)
        receipt["statement"]["quorum"]["required"] = 3
        self.assertIn("bad_operator_signature", codes(verify_receipt(receipt, TRUST)))

    def test_pinned_approvers_file_labels_people(self):
        pins = [
            {"publicKey": key, "keyId": "k", "fingerprint": "f", "name": name, "addedAt": "2026-03-02T09:00:00.000Z", "person": name.lower(), "groups": [group]}
            for key, name, group in zip(TRUST["approverKeys"], ("Dana", "Raj"), ("finance", "security"))
        ]
        keys = trust_keys_from_text(json.dumps({"type": "heso.trusted-approvers.v1", "approvers": pins}), "pins.json")
        trust = {"approverKeys": keys["approverKeys"], "approvers": keys["approvers"]}
        self.assertTrue(verify_receipt(RECEIPT, trust).ok)
        pins[0]["groups"] = ["no spaces"]
        # As in TypeScript: a file that is not a valid pin file is read as a trust set, and refused.
        with self.assertRaises(TrustFileError):
            trust_keys_from_text(json.dumps({"type": "heso.trusted-approvers.v1", "approvers": pins}), "pins.json")


class GuardTrustFileTest(unittest.TestCase):
    def guard_trust(self, text):
        with tempfile.TemporaryDirectory() as root:
            path = Path(root) / "trusted-approvers.json"
            path.write_text(text, encoding="utf-8")
            heso.init(api_key="test-key", endpoint="http://127.0.0.1:9", team="team_q", project_root=root, trust_file=str(path))
            return heso.guard(policy={}).trust

    def test_the_guard_reads_quorum_labels_from_its_trust_file(self):
        pins = [
            {"publicKey": key, "keyId": "k", "fingerprint": "f", "name": "Dana", "addedAt": "2026-03-02T09:00:00.000Z", "person": "dana", "groups": [group]}
            for key, group in zip(TRUST["approverKeys"], ("finance", "security"))
        ]
        trust = self.guard_trust(json.dumps({"type": "heso.trusted-approvers.v1", "approvers": pins}))
        self.assertEqual(trust, {"approverKeys": TRUST["approverKeys"], "approvers": [{"id": "dana", "keys": TRUST["approverKeys"], "groups": ["finance", "security"]}]})
        self.assertEqual(self.guard_trust(json.dumps(TRUST)), TRUST)

    def test_an_explicitly_empty_operator_list_still_trusts_no_operator(self):
        trust = self.guard_trust(json.dumps({"approverKeys": TRUST["approverKeys"], "operatorKeys": []}))
        self.assertEqual(trust["operatorKeys"], [])
        self.assertFalse(verify_receipt(RECEIPT, trust).ok)
        self.assertNotIn("operatorKeys", self.guard_trust(json.dumps({"approverKeys": TRUST["approverKeys"]})))

    def test_a_broken_trust_file_is_a_configuration_error(self):
        with self.assertRaisesRegex(ConfigError, r"trust_file .*line 1: not a base64url Ed25519 public key"):
            self.guard_trust("not a key\n")


if __name__ == "__main__":
    unittest.main()
