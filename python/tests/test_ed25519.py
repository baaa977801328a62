"""HESO's Ed25519 rule in Python against the three public vector suites (docs/protocol.md §1.3)."""

import json
import unittest
from pathlib import Path

from heso.ed25519 import b64url_decode, EncodingError, public_key_problem, verify_ed25519

VECTORS = Path(__file__).resolve().parents[2] / "test" / "core" / "vectors" / "ed25519"


class Ed25519RuleTest(unittest.TestCase):
    def test_wycheproof_exactly_the_valid_vectors(self):
        data = json.loads((VECTORS / "wycheproof-ed25519_test.json").read_text())
        accepted = 0
        for group in data["testGroups"]:
            key = bytes.fromhex(group["publicKey"]["pk"])
            for case in group["tests"]:
                ok = verify_ed25519(bytes.fromhex(case["sig"]), bytes.fromhex(case["msg"]), key)
                self.assertEqual(ok, case["result"] == "valid", case["tcId"])
                accepted += ok
        self.assertEqual(accepted, 88)

    def test_cctv_rejects_exactly_the_flagged_vectors(self):
        refused = {"low_order_A", "non_canonical_A", "non_canonical_R", "low_order_residue"}
        for case in json.loads((VECTORS / "cctv-ed25519vectors.json").read_text()):
            ok = verify_ed25519(bytes.fromhex(case["sig"]), case["msg"].encode(), bytes.fromhex(case["key"]))
            self.assertEqual(ok, not (refused & set(case["flags"] or [])), case["number"])

    def test_speccheck_accepts_only_cases_2_and_3(self):
        cases = json.loads((VECTORS / "speccheck-cases.json").read_text())
        accepted = [i for i, c in enumerate(cases) if verify_ed25519(bytes.fromhex(c["signature"]), bytes.fromhex(c["message"]), bytes.fromhex(c["pub_key"]))]
        self.assertEqual(accepted, [2, 3])

    def test_key_problems_are_named(self):
        self.assertEqual(public_key_problem(bytes(32)), "small_order")
        self.assertEqual(public_key_problem(b"\xff" * 31 + b"\x7f"), "non_canonical")
        self.assertEqual(public_key_problem(b"\x02" + bytes(31)), "not_on_curve")

    def test_base64url_is_strict(self):
        self.assertEqual(b64url_decode("AQ"), b"\x01")
        for bad in ("AR", "AQ==", "A Q", "A+", "A"):
            with self.assertRaises(EncodingError, msg=bad):
                b64url_decode(bad)


if __name__ == "__main__":
    unittest.main()
