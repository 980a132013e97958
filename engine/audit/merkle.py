"""A Merkle tree over the cases' chain heads, so one case can be proven without the others.

Leaves are ``sha256(0x00 || "<case id>:<seq>:<head>")`` in case-id order; an inner node is
``sha256(0x01 || left || right)`` (the prefixes keep a leaf from passing for a node, as in
RFC 6962); a level with an odd count carries its last node up unchanged. The root of no
leaves is ``sha256("")``. A proof is the list of siblings from the leaf up, each with the
side it sits on (``"L"`` or ``"R"``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEFT, RIGHT = "L", "R"


def leaf(case_id: int, seq: int, head: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{case_id}:{seq}:{head}".encode("ascii")).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _up(level: Sequence[bytes]) -> list[bytes]:
    parents = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        parents.append(level[-1])
    return parents


def root(leaves: Sequence[bytes]) -> str:
    """The hex root of ``leaves`` (already hashed with :func:`leaf`, in case-id order)."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = list(leaves)
    while len(level) > 1:
        level = _up(level)
    return level[0].hex()


def proof(leaves: Sequence[bytes], index: int) -> list[tuple[str, str]]:
    """The siblings from leaf ``index`` up to the root; raises IndexError for an index out of range."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    path: list[tuple[str, str]] = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append((LEFT if sibling < index else RIGHT, level[sibling].hex()))
        level, index = _up(level), index // 2
    return path


def root_from_proof(leaf_hash: bytes, path: Sequence[Sequence[str]]) -> str:
    """The root a leaf and its proof lead to; compare it with the signed root. ValueError for a bad side."""
    current = leaf_hash
    for side, sibling in path:
        other = bytes.fromhex(sibling)
        if side == LEFT:
            current = _node(other, current)
        elif side == RIGHT:
            current = _node(current, other)
        else:
            raise ValueError(f"сторона узла должна быть {LEFT} или {RIGHT}, а не «{side}»")
    return current.hex()
