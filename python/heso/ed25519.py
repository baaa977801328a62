"""HESO's one Ed25519 verification rule (docs/protocol.md §1.3), in Python.

Steps 1–5 (lengths, canonical non-small-order A, canonical R, S < L) are written out here
with plain integer arithmetic; the cofactorless equation (steps 6–7) is OpenSSL's, through
the `cryptography` package, which implements exactly RFC 8032 §5.1.7 once the checks in
front of it have refused what the rule refuses.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

PUBLIC_KEY_PROBLEM_MESSAGES = {
    "non_canonical": "is not the canonical encoding of an Ed25519 point (y ≥ p, or x = 0 with the sign bit set)",
    "not_on_curve": "is not an Ed25519 public key (no curve point has that encoding)",
    "small_order": "is a small-order Ed25519 point, which HESO refuses as a key (signatures by it prove nothing about a holder)",
}

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class EncodingError(ValueError):
    pass


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    """Strict base64url: the URL-safe alphabet only, no padding, zero unused trailing bits."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise EncodingError("base64url input has an invalid character (allowed: A-Z a-z 0-9 - _, no padding)")
    if len(text) % 4 == 1:
        raise EncodingError("base64url input has an impossible length")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise EncodingError("base64url input is not canonical (non-zero trailing bits)")
    return data


def _decode_point(data: bytes) -> tuple[int, int] | str:
    """RFC 8032 §5.1.3 decoding that refuses, rather than reduces, the encodings it calls invalid."""
    sign = data[31] >> 7
    y = int.from_bytes(data, "little") & ((1 << 255) - 1)
    if y >= P:
        return "non_canonical"
    if sign and y in (1, P - 1):
        return "non_canonical"
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = (u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P)) % P
    vx2 = (v * x * x) % P
    if vx2 == u:
        pass
    elif vx2 == (-u) % P:
        x = (x * SQRT_M1) % P
    else:
        return "not_on_curve"
    if (x & 1) != sign:
        x = (-x) % P
    return (x, y)


def _double(point: tuple[int, int]) -> tuple[int, int]:
    """Affine doubling on −x² + y² = 1 + d·x²·y² (complete for this curve)."""
    x, y = point
    dxy = (D * x * x * y * y) % P
    x3 = (2 * x * y) * pow(1 + dxy, P - 2, P) % P
    y3 = (y * y + x * x) * pow(1 - dxy, P - 2, P) % P
    return (x3, y3)


@lru_cache(maxsize=1024)
def public_key_problem(key: bytes) -> str | None:
    """None when `key` is 32 bytes the rule accepts as a key, else 'non_canonical' | 'not_on_curve' | 'small_order'."""
    if not isinstance(key, bytes) or len(key) != 32:
        return "not_on_curve"
    point = _decode_point(key)
    if isinstance(point, str):
        return point
    for _ in range(3):
        point = _double(point)
    return "small_order" if point == (0, 1) else None


def verify_ed25519(signature: bytes, message: bytes, public_key: bytes) -> bool:
    """HESO's Ed25519 rule. Returns False (never raises) on any bad input."""
    if not isinstance(signature, bytes) or len(signature) != 64:
        return False
    if not isinstance(public_key, bytes) or len(public_key) != 32 or not isinstance(message, bytes):
        return False
    if public_key_problem(public_key) is not None:
        return False
    if isinstance(_decode_point(signature[:32]), str):
        return False
    if int.from_bytes(signature[32:], "little") >= L:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def public_key_from_seed(seed: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(message: bytes, seed: bytes) -> bytes:
    """RFC 8032 Ed25519 (deterministic): the same bytes as any other implementation."""
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def key_id_of(public_key: bytes) -> str:
    return hashlib.sha256(public_key).digest()[:16].hex()
