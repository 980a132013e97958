"""The audit trail's parts without a database: the hashed text, the Merkle tree, keys and anchor lines."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from engine.audit import merkle
from engine.audit.anchors import Anchor, AnchorKeys, check_proof, key_id, parse_line, pins_digest, replay, sign
from engine.audit.chain import GENESIS, at_text, canonical, hashed_record, payload_text, record_bytes, record_text
from engine.errors import AnchorsUnreadable, AuditKeyMissing, AuditKeyUnknown

AT = datetime(2025, 3, 3, 4, 5, 6, 7, tzinfo=UTC)
ROWS = [
    # instance_id, seq, kind, event, from, to, version, actor_id, role, org, payload, idempotency key
    (1, 1, "start", None, None, "received", 1, None, "system", None, {}, None),
    (12, 3, "transition", "approve", "checking", "approved", 4, 7, "guardianship", 2,
     {"решение": "full", "note": "кавычки \" и \\ и\nперевод строки\x01", "n": [1, 2, {"b": None, "a": True}]},
     "form:abc"),
    (3, 2, "assignment", None, "x", "x", 2, 5, "admin", 1, {"amount": 2 ** 70, "z": -1, "a": "\u2028"}, None),
]


def stored(row: tuple[object, ...], *, sqlite: bool) -> tuple[object, ...]:
    """The row as the database hands it back (columns of ``engine.audit.rows.FULL``)."""
    at: object = AT.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else AT.astimezone()
    payload = json.dumps(row[10], ensure_ascii=False) if sqlite else row[10]
    return (*row[:10], at, payload, row[11], GENESIS, "")


@pytest.mark.parametrize("sqlite", [True, False], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize("row", ROWS, ids=["start", "escapes", "huge-int"])
def test_the_text_rebuilt_from_a_stored_row_is_what_was_hashed(row: tuple[object, ...], sqlite: bool) -> None:
    record = hashed_record(instance_id=row[0], seq=row[1], kind=row[2], event=row[3],  # type: ignore[arg-type]
                           from_state=row[4], to_state=row[5], version=row[6], actor_id=row[7],  # type: ignore[arg-type]
                           actor_role=row[8], actor_org=row[9], at=AT, payload=row[10],  # type: ignore[arg-type]
                           idempotency_key=row[11])  # type: ignore[arg-type]
    expected = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical(record) == expected
    raw = stored(row, sqlite=sqlite)
    at = at_text(raw[10])
    assert at == "2025-03-03T04:05:06.000007+00:00"
    assert record_text(raw, at, payload_text(raw[11])) == expected
    fast = record_bytes(raw, at)
    if row[10].get("amount") == 2 ** 70:  # type: ignore[attr-defined]
        assert fast != expected.encode()  # past 64 bits the fast encoder cannot: the hash fails, the slow one decides
    else:
        assert fast == expected.encode()


def test_a_value_written_by_hand_hashes_as_it_would_have() -> None:
    raw = (1, 1, "start", 5.5, None, "received", True, "7", "system", [1], '{"b": 1.0, "a": 1e16}', None,
           "2025-03-03 04:05:06", GENESIS, "")
    record = {"instance_id": 1, "seq": 1, "kind": "start", "event": 5.5, "from": None, "to": "received",
              "version": True, "actor_id": "7", "actor_role": "system", "actor_org": [1],
              "at": "2025-03-03T04:05:06.000000+00:00", "payload": {"b": 1.0, "a": 1e16}, "idempotency_key": None}
    raw = (*raw[:10], raw[12], raw[10], raw[11], raw[13], raw[14])
    assert record_text(raw, at_text(raw[10]), payload_text(raw[11])) == json.dumps(
        record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17])
def test_every_leaf_is_proven_by_its_path_and_only_its_own(count: int) -> None:
    leaves = [merkle.leaf(i, i + 1, hashlib.sha256(str(i).encode()).hexdigest()) for i in range(count)]
    root = merkle.root(leaves)
    for i, leaf in enumerate(leaves):
        path = merkle.proof(leaves, i)
        assert merkle.root_from_proof(leaf, path) == root
        assert merkle.root_from_proof(merkle.leaf(i, i + 2, "0" * 64), path) != root
        if path:
            side, sibling = path[0]
            assert merkle.root_from_proof(leaf, [(("R" if side == "L" else "L"), sibling), *path[1:]]) != root
    assert merkle.root(leaves[:-1]) != root if count > 1 else merkle.root([]) != root


def test_a_leaf_cannot_pass_for_a_node() -> None:
    a, b = merkle.leaf(1, 1, "a" * 64), merkle.leaf(2, 1, "b" * 64)
    assert merkle.root([a, b]) != hashlib.sha256(a + b).hexdigest()
    with pytest.raises(IndexError):
        merkle.proof([a, b], 2)


def test_keys_are_named_without_being_revealed_and_must_be_secrets() -> None:
    keys = AnchorKeys.parse("  k" * 8, "old-key-0123456789, ,another-old-key-01")
    assert keys.old == ("old-key-0123456789", "another-old-key-01")
    ids = keys.by_id()
    assert len(ids) == 3 and all(len(i) == 16 for i in ids) and key_id(keys.current) in ids
    assert key_id("a" * 16) != key_id("a" * 17) and "a" * 16 not in key_id("a" * 16)
    with pytest.raises(AuditKeyMissing, match="OPORA_AUDIT_KEY: не задан ключ"):
        AnchorKeys("").signing()
    with pytest.raises(AuditKeyMissing, match="OPORA_AUDIT_OLD_KEYS: ключ короче 16 символов"):
        AnchorKeys("x" * 20, ("short",)).signing()


def _anchor(key: str, at: datetime, pins: list[list[object]], prev: str = GENESIS) -> Anchor:
    leaves = {int(p[0]): (int(p[1]), str(p[2])) for p in pins}  # type: ignore[call-overload]
    root = merkle.root([merkle.leaf(c, *leaves[c]) for c in sorted(leaves)])
    header = {"v": 1, "at": at.isoformat(timespec="microseconds"), "cases": len(leaves), "events": 0,
              "changed": len(pins), "root": root, "prev": prev, "pins_sha256": pins_digest(pins), "key_id": key_id(key)}
    return Anchor(header, sign(key, header), pins)


def test_anchor_lines_replay_to_every_case_pin_and_each_line_is_checked() -> None:
    key = "k" * 20
    first = _anchor(key, AT, [[1, 2, "a" * 64], [2, 1, "b" * 64]]).encode()
    second = _anchor(key, AT + timedelta(days=1), [[1, 3, "c" * 64]], prev=hashlib.sha256(first).hexdigest())
    # the second line's root is over every case, not only the changed one
    leaves = {1: (3, "c" * 64), 2: (1, "b" * 64)}
    second.header["root"] = merkle.root([merkle.leaf(c, *leaves[c]) for c in sorted(leaves)])
    second.header["cases"] = 2
    second = Anchor(second.header, sign(key, second.header), second.pins)
    log = replay([first, second.encode()], "a.jsonl", AnchorKeys(key))
    assert log.problems == [] and log.leaves == leaves
    assert log.pinned.pins == {1: [(2, "a" * 64, 0), (3, "c" * 64, 1)], 2: [(1, "b" * 64, 0)]}
    assert log.pinned.when == ["03.03.2025 04:05:06 UTC", "04.03.2025 04:05:06 UTC"]
    tampered = second.encode().replace(b'"c' + b"c" * 63, b'"d' + b"d" * 63)
    log = replay([first, tampered], "a.jsonl", AnchorKeys(key))
    assert [p.problem for p in log.problems] == ["список закреплённых дел не совпадает с подписанным: строка изменена"]
    assert log.leaves == {1: (2, "a" * 64), 2: (1, "b" * 64)}  # its pins are not used
    with pytest.raises(AuditKeyUnknown, match="строка 1"):
        replay([first], "a.jsonl", AnchorKeys("другой-ключ-0123456789"))


@pytest.mark.parametrize(("raw", "reason"), [
    (b'{"v": 1, "at": "2025-03-03T04:00:00+00:00"', "строка не дописана или повреждена"),
    (b"[1, 2, 3]", "строка не является отметкой"),
    (b'{"v": 2, "at": "x"}', "строка не является отметкой"),
])
def test_a_line_that_is_not_an_anchor_is_a_setup_error(raw: bytes, reason: str) -> None:
    with pytest.raises(AnchorsUnreadable, match=f"a.jsonl:3: {reason}"):
        parse_line(raw, 3, "a.jsonl")


def test_a_proof_checks_the_signature_and_the_path() -> None:
    key = "k" * 20
    pins: list[list[object]] = [[i, i, hashlib.sha256(bytes([i])).hexdigest()] for i in range(1, 6)]
    anchor = _anchor(key, AT, pins)
    leaves = [merkle.leaf(int(p[0]), int(p[1]), str(p[2])) for p in pins]  # type: ignore[call-overload]
    proof = {"anchor": anchor.header, "sig": anchor.sig, "case": pins[3], "path": merkle.proof(leaves, 3)}
    assert check_proof(proof, AnchorKeys(key)) is None
    assert check_proof({**proof, "case": [4, 5, pins[3][2]]}, AnchorKeys(key)) == (
        "путь не ведёт к корню отметки: закрепление дела не подтверждается")
    assert check_proof({**proof, "anchor": {**anchor.header, "cases": 6}}, AnchorKeys(key)) == (
        "подпись отметки не совпадает")
    assert "которого нет среди заданных" in str(check_proof(proof, AnchorKeys("z" * 20)))
    assert "доказательство повреждено" in str(check_proof({"anchor": anchor.header}, AnchorKeys(key)))
