"""base58btc multibase ('z' prefix) and unsigned-varint multicodec headers, as Multikey uses them.

Python has no base58 in the standard library; this is the Bitcoin alphabet (Multibase draft,
"base58btc"), where each leading zero byte is written as a leading '1'.
"""

from __future__ import annotations

from signing.errors import MultibaseError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
#: Longest multibase string we decode: the largest Multikey (P-384 secret) is ~70 characters,
#: signatures ~132; the cap keeps the quadratic big-int decode cheap on hostile input.
MAX_ENCODED_LENGTH = 512


def b58encode(data: bytes) -> str:
    """`data` in base58btc (Bitcoin alphabet), leading zero bytes as '1's."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(_ALPHABET[rest])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """The bytes of a base58btc string; MultibaseError for a foreign character or overlong input."""
    if len(text) > MAX_ENCODED_LENGTH:
        raise MultibaseError(f"base58btc value longer than {MAX_ENCODED_LENGTH} characters")
    number = 0
    for char in text:
        value = _INDEX.get(char)
        if value is None:
            raise MultibaseError(f"character {char!r} is not in the base58btc alphabet")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def encode_multibase(data: bytes) -> str:
    """Multibase base58btc: 'z' + base58btc(data)."""
    return "z" + b58encode(data)


def decode_multibase(text: str) -> bytes:
    """The bytes of a base58btc multibase value ('z' prefix); other bases are refused."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise MultibaseError("expected a base58btc multibase value starting with 'z'")
    return b58decode(text[1:])


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128 varint, as multicodec prefixes are written (0xed -> ed 01)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def split_multicodec(data: bytes) -> tuple[int, bytes]:
    """Read the leading multicodec varint (at most 3 bytes here); return (code, rest)."""
    code = 0
    for index, byte in enumerate(data[:3]):
        code |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return code, data[index + 1 :]
    raise MultibaseError("truncated or oversized multicodec header")
