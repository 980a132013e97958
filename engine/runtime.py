"""Running cases: start one, fire an event on it, assign it, record a history entry.

:meth:`Runtime.fire` is the one path every change of state takes — from a form, the REST
API, the CLI or the deadline sweeper. In order it: replays a known idempotency key;
loads the case; checks the expected version; asks the workflow's shared machine
(``engine.machine``) for the event's transition in the current state; checks the actor's
role and the payload; then fires the machine, which evaluates the guards (its conditions)
and, in the caller's transaction, calls back :meth:`Runtime.begin_firing` (claim the case's
version, save the payload's fields), the effects, and :meth:`Runtime.finish_firing` (close the
deadlines of the state left and open those of the state entered, write outbox rows,
update the case — ``version + 1``, guarded by the version it read — and append the
hash-chained audit event). The caller commits; nothing is half-applied if anything raises.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from engine import deadlines, outbox
from engine.audit import GENESIS, RESPONSIBLE, canonical, event_hash, hashed_record
from engine.calendar import ProductionCalendar
from engine.catalog import Catalog
from engine.clock import Clock
from engine.commands import Actor, FireTransition, StartCase, TransitionResult
from engine.context import CaseView, TransitionContext
from engine.database import UnitOfWork
from engine.deadlines import Timing
from engine.definition import Transition, Workflow
from engine.errors import (
    CaseNotFound,
    ConcurrencyConflict,
    DeadlineNotFound,
    IdempotencyKeyReused,
    RoleNotAllowed,
)
from engine.machine import CompiledWorkflow, Firing
from engine.payload import validate_payload
from engine.sql import Prepared
from engine.tables import AuditEvent, CaseInstance, ParameterOverride
from engine.vocabulary import Vocabulary

CI = CaseInstance.__table__  # type: ignore[attr-defined]
AE = AuditEvent.__table__  # type: ignore[attr-defined]
PO = ParameterOverride.__table__  # type: ignore[attr-defined]

_CASE_COLUMNS = (CI.c.id, CI.c.workflow, CI.c.workflow_version, CI.c.state, CI.c.version, CI.c.territory,
                 CI.c.org_id, CI.c.assignee_id, CI.c.subject_kind, CI.c.subject_id, CI.c.parent_id, CI.c.data,
                 CI.c.audit_seq, CI.c.audit_head, CI.c.closed_at)
_LOAD_CASE = Prepared(sa.select(*_CASE_COLUMNS).where(CI.c.id == sa.bindparam("case_id")))
_INSERT_AUDIT = Prepared(sa.insert(AE), [
    "instance_id", "seq", "kind", "event", "from_state", "to_state", "version", "actor_id", "actor_role",
    "actor_org", "at", "payload", "idempotency_key", "request_hash", "prev_hash", "hash"])
#: SET columns come from the parameters' keys; the WHERE bind is named so it cannot clash
_UPDATE_CASE = sa.update(CI).where(CI.c.id == sa.bindparam("b_id"))
_UPDATES: dict[frozenset[str], Prepared] = {}
_INSERT_CASE = Prepared(sa.insert(CI).returning(CI.c.id), [
    "workflow", "workflow_version", "state", "version", "territory", "org_id", "assignee_id", "subject_kind",
    "subject_id", "parent_id", "data", "audit_seq", "audit_head", "created_at", "updated_at"])


def _update_case(conn: sa.Connection, values: dict[str, Any], case_id: int) -> None:
    """Write the rest of a claimed case's row (the columns in ``values``)."""
    keys = frozenset(values)
    prepared = _UPDATES.get(keys)
    if prepared is None:
        prepared = _UPDATES[keys] = Prepared(_UPDATE_CASE, sorted(keys))
    prepared.execute(conn, {**values, "b_id": case_id}).close()


_STARTED = Prepared(sa.update(CI).where(CI.c.id == sa.bindparam("b_id")),
                    ["audit_seq", "audit_head", "next_due_at", "closed_at"])
_CASE_VERSION = sa.select(CI.c.version).where(CI.c.id == sa.bindparam("case_id"))
_CLAIM = Prepared(sa.update(CI).where(CI.c.id == sa.bindparam("b_id"), CI.c.version == sa.bindparam("b_version"))
                  .values(version=sa.bindparam("new_version")))
_REPLAY = sa.select(AE.c.instance_id, AE.c.event, AE.c.from_state, AE.c.to_state, AE.c.version, AE.c.seq,
                    AE.c.request_hash).where(AE.c.idempotency_key == sa.bindparam("key"))


def claim(conn: sa.Connection, case_id: int, version: int) -> None:
    """Take the case: bump its version if it is still ``version``, else :class:`ConcurrencyConflict`.

    This is the first write of every change, so on PostgreSQL a second transaction on
    the same case waits here for the first and then finds the version moved on, before
    it has written anything else.
    """
    cursor = _CLAIM.execute(conn, {"b_id": case_id, "b_version": version, "new_version": version + 1})
    claimed = cursor.rowcount
    cursor.close()
    if claimed != 1:
        actual = conn.execute(_CASE_VERSION, {"case_id": case_id}).scalar()
        raise ConcurrencyConflict(case_id, version, actual)


def request_hash(case_id: int | None, event: str, payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical([case_id, event, payload]).encode("utf-8")).hexdigest()


def _responsible(assignee_id: int | None, org_id: int | None) -> dict[str, Any]:
    """The audit payload's record of who is responsible for the case after an event (see ``engine.audit``)."""
    return {RESPONSIBLE: {"assignee_id": assignee_id, "org_id": org_id}}


def start_request_hash(cmd: StartCase) -> str:
    """What identifies a start request for its idempotency key: the workflow and the request (or the data)."""
    return request_hash(None, f"start:{cmd.workflow}", dict(cmd.request if cmd.request is not None else cmd.data))


class Runtime:
    def __init__(self, catalog: Catalog, vocabulary: Vocabulary, calendar: ProductionCalendar, clock: Clock) -> None:
        self.catalog, self.vocabulary, self.calendar, self.clock = catalog, vocabulary, calendar, clock
        self._overrides: dict[tuple[str, str], dict[str, Any]] = {}

    # -- parameters -----------------------------------------------------------------------------
    def overrides(self, tx: UnitOfWork, workflow: str, territory: str | None) -> dict[str, Any]:
        """Regional overrides of the workflow's parameters for ``territory`` (cached per process)."""
        if territory is None:
            return {}
        key = (workflow, territory)
        cached = self._overrides.get(key)
        if cached is None:
            rows = tx.connection.execute(
                sa.select(PO.c.name, PO.c.value).where(PO.c.workflow == workflow, PO.c.territory == territory)
            ).all()
            cached = self._overrides[key] = {r.name: r.value for r in rows}
        return cached

    def forget_overrides(self) -> None:
        self._overrides.clear()

    def parameter_value(self, tx: UnitOfWork, workflow: Workflow, territory: str | None, name: str) -> Any:
        return self.overrides(tx, workflow.name, territory).get(name, workflow.parameters[name].value)

    def timing(self, tx: UnitOfWork, workflow: Workflow, case: CaseView) -> Timing:
        overrides = self.overrides(tx, workflow.name, case.territory) if workflow.parameters else {}
        return Timing(self.calendar, workflow.parameters, overrides, case.data, frozenset(self.vocabulary.targets))

    # -- reading --------------------------------------------------------------------------------
    def load(self, tx: UnitOfWork, case_id: int) -> CaseView:
        return self._load(tx.connection, case_id)

    def _load(self, conn: sa.Connection, case_id: int) -> CaseView:
        row = _LOAD_CASE.first(conn, {"case_id": case_id})
        if row is None:
            raise CaseNotFound(case_id)
        (id_, workflow, version_of_wf, state, version, territory, org_id, assignee_id, subject_kind, subject_id,
         parent_id, data, audit_seq, audit_head, closed_at) = row
        return CaseView(id_, workflow, version_of_wf, state, version, territory, org_id, assignee_id, subject_kind,
                        subject_id, parent_id, dict(data or {}), audit_seq, audit_head, closed_at)

    def workflow_of(self, case: CaseView) -> Workflow:
        return self.catalog.compiled(case.workflow, case.workflow_version).definition

    def machine_of(self, case: CaseView) -> CompiledWorkflow:
        """The shared machine of the case's workflow version."""
        return self.catalog.compiled(case.workflow, case.workflow_version)

    def transition(self, case: CaseView, event: str) -> Transition | None:
        """The transition ``event`` fires in the case's current state, as the machine has it (None: not here)."""
        return self.catalog.compiled(case.workflow, case.workflow_version).transition(case.state, event)

    def available(self, case: CaseView, role: str | None = None) -> list[Transition]:
        """Events the machine accepts in the case's current state, optionally only those ``role`` may fire."""
        return self.catalog.compiled(case.workflow, case.workflow_version).available(case.state, role)

    def refusal(self, tx: UnitOfWork, case: CaseView, tr: Transition, actor: Actor) -> str | None:
        """Why the guards of ``tr`` would refuse it on ``case`` now (the first failing guard's reason), or None.

        The machine's own conditions, the ones :meth:`fire` meets, evaluated before any form is filled in:
        what the actions list shows as unavailable, with the reason.
        """
        compiled = self.catalog.compiled(case.workflow, case.workflow_version)
        ctx = TransitionContext(tx, self, compiled.definition, case, actor, self.clock.now(), tr)
        refused = compiled.refusal(ctx)
        return refused[1] if refused else None

    def replayed_case(self, tx: UnitOfWork, key: str) -> int | None:
        """The case an idempotency key was first used on, if it was."""
        prior = tx.connection.execute(_REPLAY, {"key": key}).first()
        return int(prior.instance_id) if prior else None

    def replayed_start(self, tx: UnitOfWork, cmd: StartCase) -> TransitionResult | None:
        """The first result of ``cmd`` if its idempotency key was used; IdempotencyKeyReused if for another request."""
        if not cmd.idempotency_key:
            return None
        return self._replay(tx.connection, cmd.idempotency_key, start_request_hash(cmd))

    # -- starting -------------------------------------------------------------------------------
    def start(self, tx: UnitOfWork, cmd: StartCase) -> TransitionResult:
        conn = tx.connection
        now = self.clock.now()
        req = start_request_hash(cmd)
        if cmd.idempotency_key:
            replay = self._replay(conn, cmd.idempotency_key, req)
            if replay:
                return replay
        compiled = (self.catalog.compiled(cmd.workflow, cmd.version) if cmd.version
                    else self.catalog.latest(cmd.workflow))
        wf = compiled.definition
        initial = wf.initial
        cursor = _INSERT_CASE.execute(conn, {
            "workflow": wf.name, "workflow_version": wf.version, "state": initial.name, "version": 1,
            "territory": cmd.territory, "org_id": cmd.org_id, "assignee_id": cmd.assignee_id,
            "subject_kind": cmd.subject_kind, "subject_id": cmd.subject_id, "parent_id": cmd.parent_id,
            "data": dict(cmd.data), "audit_seq": 0, "audit_head": GENESIS, "created_at": now, "updated_at": now})
        case_id = int(cursor.fetchone()[0])
        cursor.close()
        case = CaseView(case_id, wf.name, wf.version, initial.name, 1, cmd.territory, cmd.org_id, cmd.assignee_id,
                        cmd.subject_kind, cmd.subject_id, cmd.parent_id, dict(cmd.data), 0, GENESIS)
        dues = deadlines.open_deadlines(conn, case_id, initial.name, initial.deadlines, now,
                                        self.timing(tx, wf, case))
        seq, head = self.append_event(conn, case, "start", None, None, initial.name, 1, cmd.actor, now,
                                      {"data": dict(cmd.data), **_responsible(cmd.assignee_id, cmd.org_id)},
                                      cmd.idempotency_key, req)
        _update_case(conn, {"audit_seq": seq, "audit_head": head, "next_due_at": min(dues) if dues else None,
                            "closed_at": now if initial.final else None}, case_id)
        if cmd.assignee_id is not None:
            outbox.write(conn, [outbox.message(f"case:{case_id}:{seq}:assigned", "case.assigned", case_id,
                                               f"user:{cmd.assignee_id}", {"assignee_id": cmd.assignee_id})], now)
        return TransitionResult(case_id, "start", None, initial.name, 1, seq)

    def start_many(self, tx: UnitOfWork, cmds: list[StartCase]) -> list[int]:
        """Start many cases of one workflow at once (the sweep opening a period's obligations): the same rows
        :meth:`start` writes — the case, its initial state's deadlines and their steps, the first audit event —
        in a few set-based statements instead of five per case. Without idempotency keys or assignees (those
        take :meth:`start`); returns the new cases' ids in the order of ``cmds``."""
        if not cmds:
            return []
        if any(c.idempotency_key or c.assignee_id is not None or c.workflow != cmds[0].workflow for c in cmds):
            return [self.start(tx, c).case_id for c in cmds]
        conn, now = tx.connection, self.clock.now()
        compiled = self.catalog.compiled(cmds[0].workflow, cmds[0].version) if cmds[0].version \
            else self.catalog.latest(cmds[0].workflow)
        wf, initial = compiled.definition, compiled.definition.initial
        ids = list(conn.execute(sa.insert(CI).returning(CI.c.id, sort_by_parameter_order=True), [
            {"workflow": wf.name, "workflow_version": wf.version, "state": initial.name, "version": 1,
             "territory": c.territory, "org_id": c.org_id, "assignee_id": None, "subject_kind": c.subject_kind,
             "subject_id": c.subject_id, "parent_id": c.parent_id, "data": dict(c.data), "audit_seq": 0,
             "audit_head": GENESIS, "created_at": now, "updated_at": now} for c in cmds]).scalars())
        cases = [CaseView(i, wf.name, wf.version, initial.name, 1, c.territory, c.org_id, None, c.subject_kind,
                          c.subject_id, c.parent_id, dict(c.data), 0, GENESIS) for i, c in zip(ids, cmds, strict=True)]
        dues: dict[int, list[datetime]] = {}
        deadlines.open_many(conn, [(case.id, self.timing(tx, wf, case)) for case in cases], initial.name,
                            initial.deadlines, now, dues)
        audit, updates = [], []
        for case, cmd in zip(cases, cmds, strict=True):
            payload = {"data": dict(cmd.data), **_responsible(None, cmd.org_id)}
            record = hashed_record(instance_id=case.id, seq=1, kind="start", event=None, from_state=None,
                                   to_state=initial.name, version=1, actor_id=cmd.actor.user_id,
                                   actor_role=cmd.actor.role, actor_org=cmd.actor.org_id, at=now, payload=payload,
                                   idempotency_key=None)
            digest = event_hash(GENESIS, record)
            audit.append({"instance_id": case.id, "seq": 1, "kind": "start", "event": None, "from_state": None,
                          "to_state": initial.name, "version": 1, "actor_id": cmd.actor.user_id,
                          "actor_role": cmd.actor.role, "actor_org": cmd.actor.org_id, "at": now, "payload": payload,
                          "idempotency_key": None, "request_hash": start_request_hash(cmd), "prev_hash": GENESIS,
                          "hash": digest})
            due = dues.get(case.id)
            updates.append({"b_id": case.id, "audit_seq": 1, "audit_head": digest,
                            "next_due_at": min(due) if due else None, "closed_at": now if initial.final else None})
        _INSERT_AUDIT.executemany(conn, audit)
        _STARTED.executemany(conn, updates)
        return ids

    # -- firing ---------------------------------------------------------------------------------
    def fire(self, tx: UnitOfWork, cmd: FireTransition, case: CaseView | None = None) -> TransitionResult:
        """Fire ``cmd.event`` on the case; see the module docstring for the order of checks.

        ``case`` may pass the case as already loaded in this same transaction (the claim
        still checks its version). Raises CaseNotFound, ConcurrencyConflict,
        TransitionNotAllowed, RoleNotAllowed, PayloadInvalid, GuardFailed, IdempotencyKeyReused.
        """
        conn = tx.connection
        tx.flush()  # guards read with Core: let them see the domain's pending ORM changes
        now = self.clock.now()
        req = request_hash(cmd.case_id, cmd.event, cmd.payload) if cmd.idempotency_key else None
        if cmd.idempotency_key:
            replay = self._replay(conn, cmd.idempotency_key, req)
            if replay:
                return replay
        if case is None or case.id != cmd.case_id:
            case = self._load(conn, cmd.case_id)
        if cmd.expected_version is not None and cmd.expected_version != case.version:
            raise ConcurrencyConflict(case.id, cmd.expected_version, case.version)
        compiled = self.catalog.compiled(case.workflow, case.workflow_version)
        tr = compiled.require(case.id, case.state, cmd.event, cmd.actor.role)
        if cmd.actor.role not in tr.roles:
            raise RoleNotAllowed(cmd.event, cmd.actor.role, tr.roles)
        ctx = TransitionContext(tx, self, compiled.definition, case, cmd.actor, now, tr)
        ctx.payload = validate_payload(ctx, tr, cmd.payload)
        ctx.idempotency = (cmd.idempotency_key, req)
        result = compiled.fire(ctx).result
        assert result is not None
        return result

    def begin_firing(self, firing: Firing) -> None:
        """The machine's first callback once the guards passed: claim the case, save the payload's fields."""
        ctx = firing.ctx
        case = ctx.case
        claim(ctx.tx.connection, case.id, case.version)
        firing.before = (dict(case.data), case.assignee_id, case.org_id)
        assert ctx.transition is not None
        for spec in ctx.transition.fields:
            if spec.save and spec.name in ctx.payload:
                case.data[spec.name] = ctx.payload[spec.name]

    def finish_firing(self, firing: Firing) -> None:
        """The machine's last callback, in the state it entered: deadlines, audit event, case row, outbox."""
        ctx = firing.ctx
        conn, case, wf, now, tr = ctx.tx.connection, ctx.case, ctx.workflow, ctx.now, ctx.transition
        target = firing.state  # where the machine put the case
        assert tr is not None and firing.before is not None
        idempotency_key, req = ctx.idempotency
        source = case.state
        before_data, before_assignee, before_org = firing.before
        timing = self.timing(ctx.tx, wf, case)
        if tr.internal:
            if tr.restart:
                deadlines.close_some(conn, case.id, now, tr.restart)
                state = wf.states[case.state]
                deadlines.open_deadlines(conn, case.id, case.state, [d for d in state.deadlines
                                                                     if d.id in tr.restart], now, timing)
            next_due = deadlines.next_due(conn, case.id)
        else:
            deadlines.close_all(conn, case.id, now)
            dues = deadlines.open_deadlines(conn, case.id, target, wf.states[target].deadlines, now, timing)
            next_due = min(dues) if dues else None
        new_version = case.version + 1
        recorded = ctx.payload
        if case.assignee_id != before_assignee or case.org_id != before_org:
            recorded = {**ctx.payload, **_responsible(case.assignee_id, case.org_id)}
        seq, head = self.append_event(conn, case, "transition", tr.event, case.state, target, new_version,
                                      ctx.actor, now, recorded, idempotency_key, req)
        values: dict[str, Any] = {"state": target, "audit_seq": seq, "audit_head": head, "updated_at": now,
                                  "next_due_at": next_due}
        if case.data != before_data:
            values["data"] = case.data
        if case.assignee_id != before_assignee:
            values["assignee_id"] = case.assignee_id
        if case.org_id != before_org:
            values["org_id"] = case.org_id
        if wf.states[target].final:
            values["closed_at"] = now
        _update_case(conn, values, case.id)
        rows = [outbox.message(f"case:{case.id}:{seq}:{i}", n.kind, case.id, n.to,
                               {"event": tr.event, "state": target}) for i, n in enumerate(tr.notify)]
        rows += [outbox.message(f"case:{case.id}:{seq}:e{i}", kind, case.id, to, payload)
                 for i, (kind, to, payload) in enumerate(ctx.messages)]
        if case.assignee_id != before_assignee and case.assignee_id is not None:
            rows.append(outbox.message(f"case:{case.id}:{seq}:assigned", "case.assigned", case.id,
                                       f"user:{case.assignee_id}", {"assignee_id": case.assignee_id}))
        outbox.write(conn, rows, now)
        case.state, case.version, case.audit_seq, case.audit_head = target, new_version, seq, head
        firing.result = TransitionResult(case.id, tr.event, source, target, new_version, seq)

    # -- other changes of a case ------------------------------------------------------------------
    def assign(self, tx: UnitOfWork, case_id: int, assignee_id: int | None, actor: Actor,
               expected_version: int | None = None, reason: str = "") -> TransitionResult:
        """Give the case to another user (or nobody); an audit event and a "case assigned" message."""
        return self.record(tx, case_id, "assign", {"assignee_id": assignee_id, "reason": reason}, actor,
                           expected_version=expected_version, assignee_id=assignee_id)

    def record(self, tx: UnitOfWork, case_id: int, kind: str, payload: Mapping[str, Any], actor: Actor, *,
               expected_version: int | None = None, data: Mapping[str, Any] | None = None,
               assignee_id: int | str | None = "unchanged", messages: list[tuple[str, str | None, dict[str, Any]]]
               | None = None, idempotency_key: str | None = None) -> TransitionResult:
        """Append a history entry that does not change the state (a plan item added, a case assigned, …).

        ``data`` is merged into the case's data; the case's version still goes up, so a
        stale form is refused exactly like a stale transition.
        """
        conn = tx.connection
        now = self.clock.now()
        req = request_hash(case_id, f"record:{kind}", payload) if idempotency_key else None
        if idempotency_key:
            replay = self._replay(conn, idempotency_key, req)
            if replay:
                return replay
        case = self.load(tx, case_id)
        if expected_version is not None and expected_version != case.version:
            raise ConcurrencyConflict(case.id, expected_version, case.version)
        claim(conn, case.id, case.version)
        new_version = case.version + 1
        recorded = dict(payload)
        if assignee_id != "unchanged":
            recorded.update(_responsible(assignee_id if isinstance(assignee_id, int) else None, case.org_id))
        seq, head = self.append_event(conn, case, kind, None, case.state, case.state, new_version, actor, now,
                                      recorded, idempotency_key, req)
        values: dict[str, Any] = {"audit_seq": seq, "audit_head": head, "updated_at": now}
        if data:
            values["data"] = {**case.data, **data}
        rows = [outbox.message(f"case:{case.id}:{seq}:e{i}", k, case.id, to, p)
                for i, (k, to, p) in enumerate(messages or [])]
        if assignee_id != "unchanged":
            values["assignee_id"] = assignee_id
            if assignee_id is not None:
                rows.append(outbox.message(f"case:{case.id}:{seq}:assigned", "case.assigned", case.id,
                                           f"user:{assignee_id}", {"assignee_id": assignee_id}))
        _update_case(conn, values, case.id)
        outbox.write(conn, rows, now)
        return TransitionResult(case.id, kind, case.state, case.state, new_version, seq)

    def reschedule(self, tx: UnitOfWork, case_id: int, data: Mapping[str, Any], actor: Actor, *,
                   kind: str = "rescheduled") -> TransitionResult:
        """Change dates of the case (``data``, merged into its data) and count again the open deadlines of its
        state that count from them (``from_field``): the old ones are cancelled with their steps, the new ones
        opened from the new dates (none while a date with ``if_set`` is empty). One history entry."""
        result = self.record(tx, case_id, kind, dict(data), actor, data=data)
        case = self.load(tx, case_id)
        wf = self.workflow_of(case)
        specs = [d for d in wf.states[case.state].deadlines
                 if not d.manual and d.due is not None and d.due.field in data]
        if specs:
            conn, now = tx.connection, self.clock.now()
            deadlines.close_some(conn, case.id, now, [d.id for d in specs], None, "cancelled")
            deadlines.open_deadlines(conn, case.id, case.state, specs, now, self.timing(tx, wf, case))
            self._refresh_next_due(conn, case.id)
        return result

    # -- per-item deadlines ---------------------------------------------------------------------
    def open_item_deadline(self, tx: UnitOfWork, case_id: int, deadline_id: str, ref: str,
                           due_at: datetime) -> int:
        """Open a ``manual`` deadline of the current state for one item (e.g. a plan measure)."""
        conn = tx.connection
        case = self.load(tx, case_id)
        wf = self.workflow_of(case)
        spec = wf.states[case.state].deadline(deadline_id)
        if spec is None or not spec.manual:
            raise DeadlineNotFound(case_id, deadline_id, ref)
        now = self.clock.now()
        new_id = deadlines.open_manual(conn, case_id, case.state, spec, ref, due_at, now,
                                       self.timing(tx, wf, case))
        self._refresh_next_due(conn, case_id)
        return new_id

    def close_item_deadline(self, tx: UnitOfWork, case_id: int, deadline_id: str, ref: str,
                            status: str | None = None) -> None:
        """Close an item's deadline: ``met``/``late`` by the due moment, or the given status."""
        conn = tx.connection
        if not deadlines.close_some(conn, case_id, self.clock.now(), [deadline_id], ref, status):
            raise DeadlineNotFound(case_id, deadline_id, ref)
        self._refresh_next_due(conn, case_id)

    def _refresh_next_due(self, conn: sa.Connection, case_id: int) -> None:
        _update_case(conn, {"next_due_at": deadlines.next_due(conn, case_id)}, case_id)

    # -- internals ------------------------------------------------------------------------------
    def append_event(self, conn: sa.Connection, case: CaseView, kind: str, event: str | None, from_state: str | None,
                to_state: str | None, version: int, actor: Actor, now: datetime, payload: Mapping[str, Any],
                idempotency_key: str | None, req: str | None) -> tuple[int, str]:
        seq = case.audit_seq + 1
        record = hashed_record(instance_id=case.id, seq=seq, kind=kind, event=event, from_state=from_state,
                               to_state=to_state, version=version, actor_id=actor.user_id, actor_role=actor.role,
                               actor_org=actor.org_id, at=now, payload=payload, idempotency_key=idempotency_key)
        digest = event_hash(case.audit_head, record)
        _INSERT_AUDIT.execute(conn, {
            "instance_id": case.id, "seq": seq, "kind": kind, "event": event, "from_state": from_state,
            "to_state": to_state, "version": version, "actor_id": actor.user_id, "actor_role": actor.role,
            "actor_org": actor.org_id, "at": now, "payload": payload, "idempotency_key": idempotency_key,
            "request_hash": req, "prev_hash": case.audit_head, "hash": digest,
        }).close()
        return seq, digest

    def _replay(self, conn: sa.Connection, key: str, req: str | None) -> TransitionResult | None:
        prior = conn.execute(_REPLAY, {"key": key}).first()
        if prior is None:
            return None
        if prior.request_hash != req:
            raise IdempotencyKeyReused(key)
        return TransitionResult(prior.instance_id, prior.event or "start", prior.from_state, prior.to_state,
                                prior.version, prior.seq, replayed=True)
