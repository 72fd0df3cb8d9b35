"""Signed checkpoints (c2sp.org signed-note, tlog-checkpoint): sign, verify, error contract."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gateway.log.checkpoint import (
    Checkpoint,
    NoteKey,
    NoteSignature,
    SignedNote,
    cosign_note,
    key_id,
    merge_signatures,
    parse_note,
    require_witnesses,
    sign_checkpoint,
    sign_note_text,
    verify_checkpoint,
    verify_note,
)
from gateway.log.errors import (
    CheckpointFreshnessError,
    CheckpointOriginError,
    CheckpointSignatureError,
    LogConfigError,
    LogError,
    MalformedCheckpointError,
    WitnessThresholdError,
)

ORIGIN = "cfx.example/sichuan"
KEY_NAME = "cfx.example/sichuan"
ROOT = hashlib.sha256(b"root").digest()
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def log_key():
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="module")
def note(log_key):
    return sign_checkpoint(Checkpoint(ORIGIN, 42, ROOT, int(NOW.timestamp())), log_key, KEY_NAME)


def test_note_has_the_c2sp_layout(note):
    lines = note.split("\n")
    assert lines[:4] == [
        ORIGIN,
        "42",
        base64.b64encode(ROOT).decode(),
        f"Timestamp: {int(NOW.timestamp())}",
    ]
    assert lines[4] == ""
    assert lines[5].startswith(f"\u2014 {KEY_NAME} ")
    assert note.endswith("\n")


def test_key_id_is_sha256_of_name_newline_type_and_key(log_key):
    raw = log_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    want = hashlib.sha256(KEY_NAME.encode() + b"\n\x01" + raw).digest()[:4]
    assert key_id(KEY_NAME, log_key.public_key()) == want


def test_signature_is_ed25519_over_the_body_with_key_id_prefix(log_key, note):
    parsed = parse_note(note)
    (sig,) = parsed.signatures
    assert sig.key_id == key_id(KEY_NAME, log_key.public_key())
    log_key.public_key().verify(sig.signature, parsed.text.encode())


def test_verify_returns_the_checkpoint(log_key, note):
    cp = verify_checkpoint(note, log_key.public_key(), KEY_NAME, origin=ORIGIN)
    assert cp == Checkpoint(ORIGIN, 42, ROOT, int(NOW.timestamp()))


def test_checkpoint_without_timestamp_round_trips(log_key):
    cp = Checkpoint(ORIGIN, 0, hashlib.sha256(b"").digest())
    assert (
        verify_checkpoint(sign_checkpoint(cp, log_key, KEY_NAME), log_key.public_key(), KEY_NAME)
        == cp
    )


def test_checkpoint_signed_by_another_key_is_refused(note):
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(CheckpointSignatureError):
        verify_checkpoint(note, other, KEY_NAME)


def test_checkpoint_under_another_key_name_is_refused(log_key, note):
    with pytest.raises(CheckpointSignatureError):
        verify_checkpoint(note, log_key.public_key(), "someone.else/log")


def test_tampered_body_fails_signature(log_key, note):
    forged = note.replace("\n42\n", "\n43\n")
    with pytest.raises(CheckpointSignatureError):
        verify_checkpoint(forged, log_key.public_key(), KEY_NAME)


def test_colliding_key_id_with_bad_signature_rejects_whole_note(log_key, note):
    # A second line with the trusted (name, key ID) but a bad signature rejects the note.
    kid = key_id(KEY_NAME, log_key.public_key())
    bad = NoteSignature(KEY_NAME, kid, b"\x00" * 64)
    parsed = parse_note(note)
    with pytest.raises(MalformedCheckpointError):
        parsed.with_signature(bad)  # one signature per identity (T4)


def test_checkpoint_of_another_origin_is_refused(log_key):
    note = sign_checkpoint(Checkpoint("evil.example/log", 1, ROOT), log_key, KEY_NAME)
    with pytest.raises(CheckpointOriginError):
        verify_checkpoint(note, log_key.public_key(), KEY_NAME, origin=ORIGIN)


def test_unknown_signers_are_ignored_and_witness_lines_kept(log_key, note):
    witness = Ed25519PrivateKey.generate()
    cosigned = cosign_note(note, witness, "witness.example/w1")
    assert cosigned.startswith(note[:-1])
    assert len(parse_note(cosigned).signatures) == 2
    verify_checkpoint(cosigned, log_key.public_key(), KEY_NAME)
    verify_checkpoint(cosigned, witness.public_key(), "witness.example/w1")


def test_merge_signatures_unions_cosignatures_over_identical_body(note):
    a = cosign_note(note, Ed25519PrivateKey.generate(), "w.example/a")
    b = cosign_note(note, Ed25519PrivateKey.generate(), "w.example/b")
    merged = parse_note(merge_signatures(a, b))
    assert [s.key_name for s in merged.signatures] == [KEY_NAME, "w.example/a", "w.example/b"]


def test_merge_signatures_over_different_bodies_is_refused(log_key, note):
    other = sign_checkpoint(Checkpoint(ORIGIN, 43, ROOT), log_key, KEY_NAME)
    with pytest.raises(MalformedCheckpointError):
        merge_signatures(note, other)


def test_vkey_round_trips_and_checks_its_key_id(log_key):
    key = NoteKey(KEY_NAME, log_key.public_key())
    text = key.to_vkey()
    assert NoteKey.from_vkey(text).key_id == key.key_id
    name, kid, b64 = text.split("+", 2)
    with pytest.raises(MalformedCheckpointError):
        NoteKey.from_vkey(f"{name}+00000000+{b64}")
    for bad in (
        "",
        "a+b",
        f"{name}+{kid}+!!",
        f"{name}+{kid}+{base64.b64encode(b'x' * 33).decode()}",
    ):
        with pytest.raises(MalformedCheckpointError):
            NoteKey.from_vkey(bad)


# -- freshness (R5) ---------------------------------------------------------------------------


def test_stale_checkpoint_is_refused_with_injected_clock(log_key, note):
    verify_checkpoint(
        note,
        log_key.public_key(),
        KEY_NAME,
        now=NOW + timedelta(hours=1),
        max_age=timedelta(days=1),
    )
    with pytest.raises(CheckpointFreshnessError):
        verify_checkpoint(
            note,
            log_key.public_key(),
            KEY_NAME,
            now=NOW + timedelta(days=18),
            max_age=timedelta(days=1),
        )


def test_checkpoint_dated_in_the_future_is_refused(log_key, note):
    with pytest.raises(CheckpointFreshnessError):
        verify_checkpoint(
            note,
            log_key.public_key(),
            KEY_NAME,
            now=NOW - timedelta(hours=1),
            max_age=timedelta(days=1),
        )


def test_checkpoint_without_timestamp_fails_a_max_age_check(log_key):
    note = sign_checkpoint(Checkpoint(ORIGIN, 1, ROOT), log_key, KEY_NAME)
    with pytest.raises(CheckpointFreshnessError):
        verify_checkpoint(note, log_key.public_key(), KEY_NAME, now=NOW, max_age=timedelta(days=1))


# -- error contract (T4): malformed input gives the domain error, never a bare ValueError -----


def _body(size="42", root=None, extra=()):
    root = base64.b64encode(ROOT).decode() if root is None else root
    return "\n".join([ORIGIN, size, root, *extra]) + "\n"


def _signed(log_key, body):
    sig = log_key.sign(body.encode())
    kid = key_id(KEY_NAME, log_key.public_key())
    return body + "\n" + f"\u2014 {KEY_NAME} " + base64.b64encode(kid + sig).decode() + "\n"


MALFORMED_BODIES = {
    "leading-zero-size": _body(size="042"),
    "negative-size": _body(size="-1"),
    "non-ascii-digit-size": _body(size="\u0664\u0662"),
    "huge-size": _body(size="9" * 30),
    "empty-size": _body(size=""),
    "root-not-base64": _body(root="not base64!"),
    "root-wrong-length": _body(root=base64.b64encode(b"short").decode()),
    "root-unpadded": _body(root=base64.b64encode(ROOT).decode().rstrip("=")),
    "unknown-extension": _body(extra=("otherdata",)),
    "two-timestamps": _body(extra=("Timestamp: 1", "Timestamp: 2")),
    "timestamp-not-decimal": _body(extra=("Timestamp: 0x10",)),
    "missing-root-line": ORIGIN + "\n42\n",
    "empty-origin": "\n42\n" + base64.b64encode(ROOT).decode() + "\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED_BODIES))
def test_malformed_checkpoint_body_is_a_domain_error(log_key, name):
    with pytest.raises(MalformedCheckpointError):
        verify_checkpoint(_signed(log_key, MALFORMED_BODIES[name]), log_key.public_key(), KEY_NAME)


def _mangle(note, old, new):
    return note.replace(old, new, 1)


MALFORMED_NOTES = {
    "empty": lambda n: "",
    "no-signature-block": lambda n: n.split("\n\n")[0] + "\n",
    "no-signature-lines": lambda n: n.split("\n\n")[0] + "\n\n",
    "no-final-newline": lambda n: n[:-1],
    "hyphen-not-em-dash": lambda n: _mangle(n, "\u2014", "-"),
    "en-dash": lambda n: _mangle(n, "\u2014", "\u2013"),
    "signature-not-base64": lambda n: n.rsplit(" ", 1)[0] + " %%%\n",
    "signature-too-short": lambda n: n.rsplit(" ", 1)[0] + " AAAA\n",
    "extra-field-in-signature-line": lambda n: n[:-1] + " extra\n",
    "control-character": lambda n: _mangle(n, ORIGIN, ORIGIN + "\r"),
    "nul-byte": lambda n: _mangle(n, ORIGIN, ORIGIN + "\x00"),
    "key-name-with-plus": lambda n: _mangle(n, f"\u2014 {KEY_NAME}", f"\u2014 a+{KEY_NAME}"),
    "garbage-after-signatures": lambda n: n + "garbage\n",
    "duplicate-signature-line": lambda n: n + n.split("\n\n")[1],
    "too-large": lambda n: ("x" * 70_000) + n,
}


@pytest.mark.parametrize("name", sorted(MALFORMED_NOTES))
def test_malformed_note_is_a_domain_error(log_key, note, name):
    bad = MALFORMED_NOTES[name](note)
    with pytest.raises(LogError) as exc:
        verify_checkpoint(bad, log_key.public_key(), KEY_NAME)
    assert isinstance(exc.value, (MalformedCheckpointError, CheckpointSignatureError))


def test_invalid_utf8_note_bytes_are_a_domain_error(log_key, note):
    with pytest.raises(MalformedCheckpointError):
        verify_checkpoint(
            note.encode().replace(b"cfx", b"\xff\xfe"), log_key.public_key(), KEY_NAME
        )


def test_lone_surrogate_in_note_is_a_domain_error(log_key, note):
    with pytest.raises(MalformedCheckpointError):
        verify_checkpoint(note.replace("cfx", "\ud800"), log_key.public_key(), KEY_NAME)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": "", "size": 1, "root_hash": ROOT},
        {"origin": "a\nb", "size": 1, "root_hash": ROOT},
        {"origin": ORIGIN, "size": -1, "root_hash": ROOT},
        {"origin": ORIGIN, "size": 1, "root_hash": b"x"},
        {"origin": ORIGIN, "size": 1, "root_hash": ROOT, "timestamp": -5},
    ],
)
def test_checkpoint_constructor_refuses_bad_fields(kwargs):
    with pytest.raises(MalformedCheckpointError):
        Checkpoint(**kwargs)


# -- interoperability: the golang.org/x/mod/sumdb/note example (note.go doc comment) ----------

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY_MATERIAL = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # 0x01 || Ed25519 seed
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_go_sumdb_note_vector_verifies_and_signing_reproduces_it_byte_for_byte():
    key = NoteKey.from_vkey(GO_VKEY)
    verify_note(parse_note(GO_NOTE), key)
    seed = base64.b64decode(GO_SKEY_MATERIAL)[1:]
    private = Ed25519PrivateKey.from_private_bytes(seed)
    signed = SignedNote(GO_TEXT, (sign_note_text(GO_TEXT, private, "PeterNeumann"),))
    assert signed.to_text() == GO_NOTE
    with pytest.raises(CheckpointSignatureError):
        verify_note(parse_note(GO_NOTE.replace("cryptography", "cryptographY")), key)


def test_note_key_from_pem_needs_a_name_and_an_ed25519_key(log_key):
    pem = (
        log_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    )
    assert NoteKey.from_text(pem, KEY_NAME).key_id == key_id(KEY_NAME, log_key.public_key())
    with pytest.raises(MalformedCheckpointError):
        NoteKey.from_text(pem)
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(MalformedCheckpointError):
        NoteKey.from_text(ec_pem, KEY_NAME)
    with pytest.raises(MalformedCheckpointError):
        NoteKey.from_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", KEY_NAME)


def test_note_key_from_vkey_refuses_a_different_expected_name(log_key):
    vkey = NoteKey(KEY_NAME, log_key.public_key()).to_vkey()
    assert NoteKey.from_text(vkey).name == KEY_NAME
    with pytest.raises(MalformedCheckpointError):
        NoteKey.from_text(vkey, "other.example/log")


# -- a client's witness policy: k of n trusted witnesses must have co-signed (T6) ---------------

WITNESSES = [Ed25519PrivateKey.from_private_bytes(bytes([40 + i]) * 32) for i in range(3)]
WITNESS_KEYS = [NoteKey(f"witness{i}.example/w", w.public_key()) for i, w in enumerate(WITNESSES)]


def _cosigned_by(note, *indices):
    for i in indices:
        note = cosign_note(note, WITNESSES[i], WITNESS_KEYS[i].name)
    return note


def test_checkpoint_cosigned_by_enough_trusted_witnesses_is_accepted(log_key, note):
    log = NoteKey(KEY_NAME, log_key.public_key())
    assert require_witnesses(_cosigned_by(note, 0, 2), WITNESS_KEYS, 2, log_key=log) == (
        "witness0.example/w",
        "witness2.example/w",
    )
    assert require_witnesses(note, WITNESS_KEYS, 0) == ()


def test_too_few_witness_cosignatures_are_refused(note):
    with pytest.raises(WitnessThresholdError):
        require_witnesses(_cosigned_by(note, 1), WITNESS_KEYS, 2)


def test_cosignature_by_an_untrusted_witness_does_not_count(note):
    stranger = Ed25519PrivateKey.generate()
    cosigned = cosign_note(note, stranger, WITNESS_KEYS[0].name)  # same name, another key
    with pytest.raises(WitnessThresholdError):
        require_witnesses(cosigned, WITNESS_KEYS, 1)


def test_forged_cosignature_of_a_trusted_witness_rejects_the_note(note):
    parsed = parse_note(_cosigned_by(note, 0))
    forged = NoteSignature(WITNESS_KEYS[0].name, WITNESS_KEYS[0].key_id, b"\x00" * 64)
    bad = SignedNote(parsed.text, (parsed.signatures[0], forged)).to_text()
    with pytest.raises(CheckpointSignatureError):
        require_witnesses(bad, WITNESS_KEYS, 1)


def test_witness_cosignature_over_another_body_does_not_count(log_key, note):
    other = sign_checkpoint(Checkpoint(ORIGIN, 43, ROOT, int(NOW.timestamp())), log_key, KEY_NAME)
    moved = parse_note(_cosigned_by(other, 0)).signatures[1]  # a real signature, wrong body
    spliced = parse_note(note).with_signature(moved).to_text()
    with pytest.raises(CheckpointSignatureError):
        require_witnesses(spliced, WITNESS_KEYS, 1)


def test_the_log_cannot_witness_itself_and_thresholds_are_bounded(log_key, note):
    log = NoteKey(KEY_NAME, log_key.public_key())
    with pytest.raises(LogConfigError):
        require_witnesses(note, [*WITNESS_KEYS, log], 1, log_key=log)
    with pytest.raises(LogConfigError):
        require_witnesses(note, [WITNESS_KEYS[0], WITNESS_KEYS[0]], 2)  # one witness, listed twice
    with pytest.raises(LogConfigError):
        require_witnesses(note, WITNESS_KEYS, -1)
