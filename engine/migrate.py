"""Moving running cases from one published version of a workflow to another.

Cases stay on the version they started with until someone moves them explicitly:
:func:`plan_migration` maps each state of the old version to a state of the new one
(a state keeps its name unless the mapping says otherwise) and lists every case that
would move; :func:`apply_migration` moves them, one audit event per case. Open deadlines
whose id the new state also declares keep their due dates; the others are cancelled and
the new state's missing deadlines are opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from engine import deadlines, text
from engine.commands import Actor
from engine.database import UnitOfWork
from engine.errors import MigrationInvalid
from engine.runtime import CI, Runtime, claim


@dataclass(frozen=True)
class Move:
    case_id: int
    from_state: str
    to_state: str


@dataclass
class MigrationPlan:
    workflow: str
    from_version: int
    to_version: int
    moves: list[Move] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for move in self.moves:
            key = f"{move.from_state} -> {move.to_state}"
            counts[key] = counts.get(key, 0) + 1
        return counts


def plan_migration(tx: UnitOfWork, runtime: Runtime, workflow: str, from_version: int, to_version: int,
                   mapping: Mapping[str, str]) -> MigrationPlan:
    old = runtime.catalog.compiled(workflow, from_version).definition
    new = runtime.catalog.compiled(workflow, to_version).definition
    plan = MigrationPlan(workflow, from_version, to_version)
    for src, dst in mapping.items():
        if src not in old.states:
            plan.problems.append(f"состояния «{src}» нет в версии {from_version}")
        if dst not in new.states:
            plan.problems.append(f"состояния «{dst}» нет в версии {to_version}")
    rows = tx.connection.execute(
        sa.select(CI.c.id, CI.c.state).where(CI.c.workflow == workflow, CI.c.workflow_version == from_version,
                                             CI.c.closed_at.is_(None)).order_by(CI.c.id)
    ).all()
    unmapped: dict[str, int] = {}
    for row in rows:
        target = mapping.get(row.state, row.state)
        if target not in new.states:
            unmapped[row.state] = unmapped.get(row.state, 0) + 1
            continue
        plan.moves.append(Move(row.id, row.state, target))
    for state, n in sorted(unmapped.items()):
        cases = text.count(n, "дело", "дела", "дел")
        plan.problems.append(f"состояние «{state}» ({cases}) не сопоставлено состоянию версии {to_version}; "
                             f"укажите --map {state}=<состояние>")
    return plan


def apply_migration(tx: UnitOfWork, runtime: Runtime, plan: MigrationPlan, actor: Actor) -> int:
    """Move every case of the plan; raise :class:`MigrationInvalid` if the plan has problems."""
    if plan.problems:
        raise MigrationInvalid("; ".join(plan.problems))
    conn = tx.connection
    new = runtime.catalog.compiled(plan.workflow, plan.to_version).definition
    now = runtime.clock.now()
    for move in plan.moves:
        case = runtime.load(tx, move.case_id)
        claim(conn, case.id, case.version)
        state = new.states[move.to_state]
        deadlines.reopen_for_migration(conn, case.id, move.to_state, state.deadlines, now,
                                       runtime.timing(tx, new, case))
        version = case.version + 1
        seq, head = runtime.append_event(
            conn, case, "migration", None, move.from_state, move.to_state, version, actor, now,
            {"from_version": plan.from_version, "to_version": plan.to_version}, None, None)
        conn.execute(sa.update(CI).where(CI.c.id == case.id).values(
            workflow_version=plan.to_version, state=move.to_state, audit_seq=seq, audit_head=head,
            updated_at=now, next_due_at=deadlines.next_due(conn, case.id), closed_at=now if state.final else None))
    return len(plan.moves)
