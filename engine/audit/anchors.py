"""Audit anchors: every case's chain head, signed with a key the database never sees.

The hash chain (:mod:`engine.audit`) has no secret: whoever can write to the database can
recompute a case's whole chain and its head. An anchor pins, at one moment, each case's
``(seq, head)``; :func:`engine.audit.verify` then proves that every pinned event still hashes
to its pin — nothing up to the pinned event was edited, deleted, inserted or rewritten — and
that no event the anchor did not pin claims to be older than it.

The anchors file (JSON lines, append-only, one anchor per line)::

    {"at": "2025-03-03T04:00:00.000000+00:00", "cases": 3, "changed": 2, "events": 7,
     "key_id": "5d1c…", "pins_sha256": "…", "prev": "…", "root": "…", "v": 1,
     "sig": "…", "pins": [[1, 3, "<head>"], [3, 1, "<head>"]]}

* ``pins`` — ``[case id, seq, head]`` of the cases whose head changed since the previous line
  (all cases on the first line); replaying the lines gives every case's pin at each anchor,
  so the file grows with the events, not with days × cases. A case never leaves the set.
* ``root`` — the Merkle root (:mod:`engine.audit.merkle`) over all pins in case-id order, so one
  case is proven by its pin and path without the others (:func:`case_proof`);
* ``prev`` — SHA-256 of the previous line (zeros for the first): lines cannot be dropped,
  reordered or inserted unnoticed; ``pins_sha256`` — SHA-256 of the canonical ``pins``;
* ``sig`` — HMAC-SHA256 over the canonical JSON of every other field but ``pins`` (whose
  digest it covers), keyed by ``OPORA_AUDIT_KEY``; ``key_id`` names the key (a fingerprint), so
  after a rotation old lines are checked with the old key from ``OPORA_AUDIT_OLD_KEYS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from engine.audit import merkle
from engine.audit.breaks import Pinned
from engine.audit.chain import GENESIS, canonical
from engine.errors import AnchorsUnreadable, AuditKeyMissing, AuditKeyUnknown

FORMAT = 1
MIN_KEY_LENGTH = 16
#: how much older than an anchor an event it did not pin may be: a transaction that took its
#: time before the anchor read the heads may commit just after (clocks of two hosts may differ too)
CLOCK_GRACE = timedelta(minutes=10)
HEADER = ("v", "at", "cases", "events", "changed", "root", "prev", "pins_sha256", "key_id")


def key_id(key: str) -> str:
    """A key's public name: the first 16 hex digits of a SHA-256 over it (the key cannot be read back)."""
    return hashlib.sha256(b"opora-audit-key\x00" + key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class AnchorKeys:
    """The signing key and, after rotations, the earlier ones that still check old anchors."""

    current: str = field(default="", repr=False)
    old: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, current: str, old: str) -> AnchorKeys:
        return cls(current.strip(), tuple(k.strip() for k in old.split(",") if k.strip()))

    def signing(self) -> str:
        """The current key; raises :class:`AuditKeyMissing` when it is not set or too short."""
        if not self.current:
            raise AuditKeyMissing("OPORA_AUDIT_KEY", "не задан ключ подписи отметок журнала "
                                  f"(секрет не короче {MIN_KEY_LENGTH} символов, например: openssl rand -hex 32)")
        for key in (self.current, *self.old):
            if len(key) < MIN_KEY_LENGTH:
                setting = "OPORA_AUDIT_KEY" if key == self.current else "OPORA_AUDIT_OLD_KEYS"
                raise AuditKeyMissing(setting, f"ключ короче {MIN_KEY_LENGTH} символов — его можно подобрать")
        return self.current

    def by_id(self) -> dict[str, str]:
        """Every key given, by its :func:`key_id`; raises :class:`AuditKeyMissing` like :meth:`signing`."""
        self.signing()
        return {key_id(k): k for k in (*self.old, self.current)}


def default_path(database_url: str) -> Path:
    """Next to a SQLite database file (``opora.db`` → ``opora.anchors.jsonl``), else in the working folder."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db = Path(url.database)
        return db.with_name(db.stem + ".anchors.jsonl")
    return Path("opora-anchors.jsonl")


@dataclass(frozen=True)
class AnchorConfig:
    keys: AnchorKeys
    path: Path

    @classmethod
    def from_settings(cls, settings: Any) -> AnchorConfig:
        """From ``api.settings.Settings``: ``OPORA_AUDIT_KEY``, ``OPORA_AUDIT_OLD_KEYS``, ``OPORA_AUDIT_ANCHORS``."""
        keys = AnchorKeys.parse(str(getattr(settings, "audit_key", "")), str(getattr(settings, "audit_old_keys", "")))
        path = str(getattr(settings, "audit_anchors", "") or "")
        return cls(keys, Path(path) if path else default_path(str(settings.database_url)))


def sign(key: str, header: dict[str, Any]) -> str:
    return hmac.new(key.encode("utf-8"), canonical(header).encode("utf-8"), hashlib.sha256).hexdigest()


def pins_digest(pins: Sequence[Sequence[Any]]) -> str:
    return hashlib.sha256(canonical(pins).encode("utf-8")).hexdigest()


def line_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Anchor:
    header: dict[str, Any]
    sig: str
    pins: list[list[Any]]
    line: int = 0

    @property
    def at(self) -> datetime:
        return datetime.fromisoformat(self.header["at"])

    @property
    def when(self) -> str:
        return self.at.strftime("%d.%m.%Y %H:%M:%S UTC")

    def encode(self) -> bytes:
        """The line: the header fields, then ``sig``, then ``pins`` (last: it is the long part)."""
        head = canonical(self.header)[:-1]
        return f'{head},"sig":"{self.sig}","pins":{canonical(self.pins)}}}'.encode()

    def summary(self) -> dict[str, Any]:
        """What may be posted anywhere: no case ids, no personal data."""
        return {k: self.header[k] for k in ("at", "cases", "events", "root", "key_id")}


def parse_line(raw: bytes, line: int, path: str) -> Anchor:
    """One line of the anchors file; raises :class:`AnchorsUnreadable` for anything else."""
    try:
        data = json.loads(raw)
        header = {k: data[k] for k in HEADER}
        pins, sig = data["pins"], data["sig"]
        datetime.fromisoformat(header["at"])
        if not isinstance(pins, list) or not all(isinstance(p, list) and len(p) == 3 for p in pins):
            raise ValueError("pins")
    except json.JSONDecodeError as exc:
        raise AnchorsUnreadable(path, f"строка не дописана или повреждена (запись прервалась?): {exc}", line) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise AnchorsUnreadable(path, f"строка не является отметкой ({type(exc).__name__}: {exc})"[:300],
                                line) from exc
    if header["v"] != FORMAT:
        raise AnchorsUnreadable(path, f"неизвестная версия формата {header['v']}", line)
    return Anchor(header, str(sig), pins, line)


def read_lines(path: Path) -> list[bytes]:
    """The file's lines (raises :class:`AnchorsUnreadable` when it is missing or unreadable)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AnchorsUnreadable(str(path), "файл не найден") from None
    except OSError as exc:
        raise AnchorsUnreadable(str(path), f"не удалось прочитать: {exc.strerror or exc}") from None
    return [line for line in data.split(b"\n") if line.strip()]


@dataclass(frozen=True)
class AnchorFileBreak:
    """A finding about the anchors file itself (a line edited, dropped or reordered)."""

    line: int
    when: str
    problem: str

    def __str__(self) -> str:
        return f"файл отметок, строка {self.line} (отметка от {self.when}): {self.problem}"


@dataclass
class AnchorLog:
    """The anchors of one file, replayed: the pins for :func:`engine.audit.verify`, the latest leaves."""

    anchors: list[Anchor] = field(default_factory=list)
    problems: list[AnchorFileBreak] = field(default_factory=list)
    pinned: Pinned = field(default_factory=Pinned)
    #: every case's latest pin: case id -> (seq, head)
    leaves: dict[int, tuple[int, str]] = field(default_factory=dict)
    last_digest: str = GENESIS

    @property
    def last(self) -> Anchor | None:
        return self.anchors[-1] if self.anchors else None


def replay(lines: Iterable[bytes], path: str, keys: AnchorKeys | None = None) -> AnchorLog:
    """Read every line; with ``keys`` check signatures, links and digests (findings in ``problems``).

    Raises :class:`AnchorsUnreadable` for a line that is not an anchor and
    :class:`AuditKeyUnknown` for a line signed with a key not given. A line whose signature
    fails is reported and its pins are not used.
    """
    log = AnchorLog()
    known = keys.by_id() if keys is not None else None
    for number, raw in enumerate(lines, start=1):
        anchor = parse_line(raw, number, path)
        trusted = True
        if known is not None:
            trusted = _check_line(anchor, raw, log, known)
        index = len(log.anchors)
        log.anchors.append(anchor)
        log.pinned.when.append(anchor.when)
        # a line that is not authentic pins nothing and dates nothing
        log.pinned.not_before.append((anchor.at - CLOCK_GRACE).isoformat(timespec="microseconds") if trusted else "")
        log.last_digest = line_digest(raw)
        if trusted:
            for case_id, seq, head in anchor.pins:
                log.leaves[int(case_id)] = (int(seq), str(head))
                log.pinned.pins.setdefault(int(case_id), []).append((int(seq), str(head), index))
    if known is not None and log.anchors and not log.problems:
        last = log.anchors[-1]
        if root_of(log.leaves) != last.header["root"] or len(log.leaves) != last.header["cases"]:
            log.problems.append(AnchorFileBreak(last.line, last.when, "корень или число дел не совпадает с "
                                                "закреплёнными делами: строки файла изменены"))
    return log


def _check_line(anchor: Anchor, raw: bytes, log: AnchorLog, known: dict[str, str]) -> bool:
    key = known.get(str(anchor.header["key_id"]))
    if key is None:
        raise AuditKeyUnknown(anchor.line, anchor.when, str(anchor.header["key_id"]), known)
    authentic = True
    if not hmac.compare_digest(sign(key, anchor.header), anchor.sig):
        authentic = False
        log.problems.append(AnchorFileBreak(anchor.line, anchor.when, "подпись не совпадает: строка изменена"))
    elif pins_digest(anchor.pins) != anchor.header["pins_sha256"]:
        authentic = False
        log.problems.append(AnchorFileBreak(anchor.line, anchor.when, "список закреплённых дел не совпадает "
                                            "с подписанным: строка изменена"))
    if anchor.header["prev"] != log.last_digest:
        log.problems.append(AnchorFileBreak(anchor.line, anchor.when, "не ссылается на предыдущую строку: "
                                            "строки файла удалены, переставлены или вставлены"))
    return authentic  # a signed line's pins hold even when its neighbours were tampered with


def load(path: Path, keys: AnchorKeys) -> AnchorLog:
    """Read and check the anchors file at ``path`` (see :func:`replay`); the keys are looked at first."""
    keys.signing()
    return replay(read_lines(path), str(path), keys)


def root_of(leaves: dict[int, tuple[int, str]]) -> str:
    return merkle.root([merkle.leaf(case_id, *leaves[case_id]) for case_id in sorted(leaves)])


# -- one case's proof --------------------------------------------------------------------------

def case_proof(path: Path, keys: AnchorKeys, case_id: int) -> dict[str, Any] | None:
    """The proof of one case at the last anchor: its pin, the Merkle path, the signed header; None if not pinned."""
    log = load(path, keys)
    last = log.last
    if last is None or case_id not in log.leaves:
        return None
    ids = sorted(log.leaves)
    leaves = [merkle.leaf(i, *log.leaves[i]) for i in ids]
    seq, head = log.leaves[case_id]
    return {"anchor": last.header, "sig": last.sig, "case": [case_id, seq, head],
            "path": [list(step) for step in merkle.proof(leaves, ids.index(case_id))]}


def check_proof(proof: dict[str, Any], keys: AnchorKeys) -> str | None:
    """None when the proof holds (the signature over the header, the path to its root); else the problem."""
    try:
        header, (case_id, seq, head) = proof["anchor"], proof["case"]
        key = keys.by_id().get(str(header["key_id"]))
        if key is None:
            return f"подписано ключом {header['key_id']}, которого нет среди заданных"
        if not hmac.compare_digest(sign(key, header), str(proof["sig"])):
            return "подпись отметки не совпадает"
        if merkle.root_from_proof(merkle.leaf(int(case_id), int(seq), str(head)), proof["path"]) != header["root"]:
            return "путь не ведёт к корню отметки: закрепление дела не подтверждается"
    except (KeyError, TypeError, ValueError) as exc:
        return f"доказательство повреждено ({type(exc).__name__}: {exc})"
    return None
