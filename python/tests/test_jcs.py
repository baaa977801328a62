"""Canonical JSON in Python: ECMAScript number printing, UTF-16 key order, HESO's refusals."""

import unittest

from heso.jcs import CanonicalJsonError, canonicalize, parse_json_text


class CanonicalJsonTest(unittest.TestCase):
    def test_numbers_print_as_ecmascript_does(self):
        cases = {1e-7: "1e-7", 5e-324: "5e-324", 100.0: "100", -0.0: "0", 1.5e-300: "1.5e-300", 0.1 + 0.2: "0.30000000000000004", 0.000001: "0.000001", 123456789012.5: "123456789012.5", 1.25e-10: "1.25e-10", 4.5: "4.5", 2**53 - 1: "9007199254740991"}
        for value, text in cases.items():
            self.assertEqual(canonicalize(value), text, repr(value))

    def test_member_order_is_utf16_code_units(self):
        # U+1F600 (surrogates D83D…) sorts before U+FB01 in UTF-16, after it by code point.
        self.assertEqual(canonicalize({"\ufb01": 1, "\U0001f600": 2, "a": 3}), '{"a":3,"\U0001f600":2,"\ufb01":1}')

    def test_strings_escape_as_json_stringify(self):
        self.assertEqual(canonicalize("\"\\\b\f\n\r\t\x01\x7f€\u2028"), '"\\"\\\\\\b\\f\\n\\r\\t\\u0001\x7f€\u2028"')

    def test_refusals_name_the_path(self):
        for value, path in (({"a": [float("nan")]}, "$.a[0]"), ({"n": 2**53}, "$.n"), ({"s": "\ud800"}, "$.s"), ({"x y": float("inf")}, '$["x y"]')):
            with self.assertRaises(CanonicalJsonError) as caught:
                canonicalize(value)
            self.assertEqual(caught.exception.path, path)

    def test_depth_limit(self):
        deep = []
        for _ in range(300):
            deep = [deep]
        with self.assertRaises(CanonicalJsonError):
            canonicalize(deep)

    def test_json_text_is_read_as_javascript_reads_it(self):
        self.assertEqual(canonicalize(parse_json_text('{"a":1.0,"b":1e2}')), '{"a":1,"b":100}')
        with self.assertRaises(ValueError):
            parse_json_text('{"a": NaN}')


if __name__ == "__main__":
    unittest.main()
