"""Property-based, on every workflow file in ``workflows/``: random actions by random users (and time passing)
never break the engine's invariants, and every answer is the shared machine's.

Each example opens a case of the workflow in the domain's world the way the product does: a report registered
through the domain for ``child_report`` and a case of the same family for the other Yugra workflows; a report in
a Novgorod district with areas classified as СОП for ``kdn_ipr_district``; a person put on the register by the
resource centre or the social patrol for ``release_accompaniment`` and ``homeless_placement``; an institution's
first beds for ``free_places``; for ``report_obligation`` the obligations' sweep opens the organisations' reports
and an example takes one of them, acted on through the obligations' own commands (submit with a file, accept or
return with a reason). Then, step by step, it either fires an event of the workflow — any event, by any
user of the world or the system, with a payload drawn from the event's declared fields, sometimes with wrong
values — through the same command handler the UI uses, or lets hours pass and sweeps. After every step: the case
is in a state of the definition; a success moved it exactly where the machine's transition leads and added one
audit event; a refusal wrote nothing; "not available" means the machine has no such transition in that state;
open deadlines belong to the current state. At the end the audit chain verifies and the case agrees with its
history.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from cases import capacity, handlers, obligation_escalation, obligation_work
from cases.commands import ChildInput, FireEvent
from cases.directory import add_organisation, add_user, principal_of
from cases.errors import DomainError, InputInvalid
from cases.obligation_inputs import checked_decision
from engine.audit import verify
from engine.commands import Actor, FireTransition
from engine.consistency import check
from engine.definition import FieldSpec, Workflow
from engine.errors import EngineError, TransitionNotAllowed
from tests.adults import add_adult_world
from tests.adults import register as register_person
from tests.process_steps import Process
from tests.regions_steps import active, add_novgorod, referred
from tests.world import _HASH, PASSWORD, START

FILES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "workflows").glob("*.yaml"))
#: the adults' practices: the resource centre, the social patrol and a provider beside the Yugra world
ADULTS = {"release_accompaniment", "homeless_placement", "free_places", "report_obligation"}
YUGRA_LOGINS = ["opeka", "agent", "director", "curator", "secretary", "boss", "other_opeka", "system"]
#: who may try each workflow: its own staff, and some who must be refused (another territory, another practice)
LOGINS = {
    **{name: YUGRA_LOGINS for name in ("child_report", "family_support", "kdn_forward", "kdn_prevention")},
    "kdn_ipr_district": ["b_opeka", "b_agent", "b_director", "b_curator1", "b_curator2", "b_secretary", "secretary",
                         "opeka", "system"],
    "uso_ministry_report": ["b_director", "b_curator1", "b_secretary", "b_opeka", "director", "system"],
    "release_accompaniment": ["rc", "rc_head", "patrol", "provider", "director", "curator", "other_rc",
                              "other_director", "boss", "opeka", "system"],
    "homeless_placement": ["rc", "rc_head", "patrol", "provider", "director", "curator", "other_rc",
                           "other_director", "opeka", "system"],
    #: ``bed_staff`` is the staff of the institution whose obligation the example opened
    "free_places": ["rc", "rc_head", "bed_staff", "provider", "director", "boss", "other_rc", "opeka", "system"],
    #: the owing organisations' and the recipients' staff, and some who are neither (another territory, a curator)
    "report_obligation": ["provider", "director", "opeka", "rc", "rc_head", "boss", "curator", "other_opeka",
                          "other_rc", "system"],
}
WORKFLOWS = sorted(LOGINS)
#: the Novgorod district's workflows: its commission's individual work and the УСО's report to the ministry
NOVGOROD = {"kdn_ipr_district", "uso_ministry_report"}


def refs(process: Process, name: str) -> dict[str, Any]:
    """Reference fields: which organisation, user or territory of the world is the right value."""
    orgs, users = process.world.orgs, process.world.users
    if name in NOVGOROD:
        return {"agency_ref": orgs["b_agency"], "uso_ref": orgs["b_uso"], "kdn_ref": orgs["b_kdn"],
                "curator_ref": users["b_curator1"], "agency_user_ref": users["b_agent"]}
    found = {"agency_ref": orgs["agency"], "uso_ref": orgs["uso"], "kdn_ref": orgs["kdn"],
             "curator_ref": users["curator"], "agency_user_ref": users["agent"]}
    if name in ADULTS:
        found |= {"bed_org_ref": orgs["provider"], "territory_ref": "nefteyugansk"}
    return found


def test_every_workflow_file_is_covered() -> None:
    """A new workflow file must be driven here: it cannot go unnoticed."""
    assert WORKFLOWS == FILES


def field_value(draw: Any, wf: Workflow, spec: FieldSpec, process: Process, aimed: bool) -> Any:
    today = process.today()
    known = refs(process, wf.name)
    if spec.type in known:
        right = known[spec.type]
        return right if aimed else draw(st.sampled_from([right, 999_999]))
    if spec.type == "date":
        return (today + timedelta(days=draw(st.integers(-40, 0 if aimed and not spec.future else 40)))).isoformat()
    if spec.type == "datetime":
        return (process.now() - timedelta(hours=draw(st.integers(0, 48)))).isoformat()
    if spec.type == "choice":
        return draw(st.sampled_from([key for key, _ in spec.choices] + ([] if aimed else ["нет-такого"])))
    if spec.type == "integer":
        return draw(st.integers(1 if aimed else -1, 30))
    return draw(st.sampled_from(["Проверено на месте"] if aimed else ["Проверено на месте", "", "x" * 3000]))


def payload(draw: Any, wf: Workflow, event: str, process: Process, aimed: bool) -> dict[str, Any]:
    spec = next((t for t in wf.transitions if t.event == event), None)
    if spec is None:
        return {}
    return {f.name: field_value(draw, wf, f, process, aimed) for f in spec.fields if f.required or draw(st.booleans())}


def logins_for(process: Process, name: str, roles: frozenset[str]) -> list[str]:
    found = [login for login in LOGINS[name] if login != "system" and process.world[login].roles & roles]
    return found + (["system"] if "system" in roles else [])


def prepare(process: Process, name: str) -> None:
    """The world a workflow needs beyond the Yugra municipality: Novgorod's district, or the adults' practices."""
    if name in NOVGOROD:
        add_novgorod(process)
    elif name in ADULTS:
        add_adult_world(process)
        process.svc.execute(capacity.set_capacity, process.world["rc_head"], process.world.orgs["provider"], 1000)


def new_institution(process: Process, n: int) -> int:
    """A provider of the resource centre's territory with beds and a member of staff (``bed_staff``): setting
    its beds the first time starts its weekly free-places obligation, as the capacity register does."""
    world = process.world
    with process.svc.db.unit_of_work() as tx:
        org = add_organisation(tx, "surgut", "provider", f"АНО «Приют № {n}»", f"Приют № {n}")
        user = add_user(tx, login=f"bed_staff{n}", password=PASSWORD, full_name="Яковлева Дарья Олеговна", org=org,
                        roles=["provider_staff"], now=START, position="специалист", password_hash=_HASH)
        tx.commit()
        org_id, user_id = int(org.id), int(user.id)  # type: ignore[arg-type]
    with process.svc.db.read() as tx:
        staff = principal_of(tx, user_id)
    assert staff is not None
    world.principals["bed_staff"] = staff
    process.svc.execute(capacity.set_capacity, world["rc_head"], org_id, 1 + n % 5)
    found = process.rows("select id from wf_instance where workflow = 'free_places' and subject_id = :o", o=org_id)
    assert len(found) == 1
    return int(found[0].id)


def start(process: Process, name: str, n: int, variant: int) -> int:
    """A case of ``name`` reached the way the process reaches it, for a child or person of its own (the ``n``-th);
    ``variant`` (drawn, so that a replayed example starts alike) picks where a released person's case begins."""
    child = {"children": (ChildInput("Смирнов", "Иван", "", date(2012, 1, 1) + timedelta(days=n)),)}
    if name == "child_report":
        return process.register(**child).case_id
    if name == "family_support":
        report = process.to_safety_control(**child)
        process.close_safety_items(report)
        process.fire("agent", report, "classify_tzs", {"uso": process.world.orgs["uso"], "grounds": "Безработица"})
        return process.started_case(report, "family_support")
    if name == "kdn_prevention":
        return process.to_kdn(**child)[1]
    if name == "kdn_ipr_district":
        return referred(process, birth=date(2010, 5, 1) + timedelta(days=n))[1]
    if name == "uso_ministry_report":  # one per УСО, opened by its first approved plan: later examples go on with it
        found = process.rows("select id from wf_instance where workflow = 'uso_ministry_report'")
        if not found:
            active(process, birth=date(2010, 5, 1) + timedelta(days=n))
            found = process.rows("select id from wf_instance where workflow = 'uso_ministry_report'")
        return int(found[0].id)
    if name == "release_accompaniment":  # sometimes still in prison, sometimes already released
        release = process.today() + timedelta(days=(-3, 20, 70)[variant])
        done = register_person(process, release_date=release)
    elif name == "homeless_placement":
        done = register_person(process, "patrol", category="homeless", release_date=None, address="",
                               penal_institution="")
    elif name == "free_places":
        return new_institution(process, n)
    elif name == "report_obligation":
        return obligation_case(process, n)
    else:
        assert name == "kdn_forward"
        process.to_resolution(**child)
        forward = process.register(source="police", **child).kdn_forward_case_id
        assert forward is not None
        return forward
    assert done.case_id is not None
    return done.case_id


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def obligation_case(process: Process, n: int) -> int:
    """The instance of the ``n``-th obligation the sweep opened in the world's territory (the sweep runs once)."""
    obligation_work.open_obligations(process.svc.db, process.svc.runtime)
    found = process.rows("select case_id from report_obligation where territory = 'surgut' and state = 'due' "
                         "order by id")
    assert len(found) > n
    return int(found[n].case_id)


def fire_obligation(process: Process, login: str, case_id: int, event: str, values: dict[str, Any]) -> None:
    """An obligation's event through the command the obligations' page and API use (a wrong reason is refused by
    the return's input model, as there)."""
    obligation_id = process.case(case_id).subject_id
    assert obligation_id is not None
    who = process.world[login]
    if event == "submit":
        obligation_work.submit(process.svc, who, obligation_work.SubmitReport(obligation_id, "отчёт.pdf", PDF))
    elif event in ("accept", "return"):
        try:
            command = checked_decision(obligation_work.DecideReport(obligation_id, event == "accept",
                                                                    str(values.get("reason", ""))))
        except ValidationError as exc:
            raise InputInvalid({"reason": str(exc)}) from None
        process.svc.execute(obligation_work.decide, who, command)
    else:
        raise TransitionNotAllowed(case_id, event, process.case(case_id).state)


def audit_count(process: Process, case_id: int) -> int:
    return int(process.rows("select count(*) from wf_audit where instance_id = :c", c=case_id)[0][0])


def stray_deadlines(process: Process, case_id: int, state: str) -> int:
    return int(process.rows("select count(*) from wf_deadline where instance_id = :c and status = 'open' "
                            "and state <> :s", c=case_id, s=state)[0][0])


def fire(process: Process, login: str, case_id: int, event: str, values: dict[str, Any]) -> None:
    if login != "system" and process.case(case_id).workflow == "report_obligation":
        fire_obligation(process, login, case_id, event, values)
    elif login == "system":
        with process.svc.db.unit_of_work() as tx:
            process.svc.runtime.fire(tx, FireTransition(case_id, event, Actor.system(), values))
            tx.commit()
    else:
        process.svc.execute(handlers.fire_event, process.world[login], FireEvent(case_id, event, values))


@pytest.mark.slow
@pytest.mark.parametrize("name", WORKFLOWS)
def test_random_actions_on_every_workflow_keep_the_invariants(process: Process, name: str) -> None:
    prepare(process, name)
    logins = LOGINS[name]
    runtime = process.svc.runtime
    compiled = runtime.catalog.latest(name)
    wf = compiled.definition
    events = [*sorted({t.event for t in wf.transitions}), "nonsense"]
    outcomes: dict[str, int] = {"done": 0, "refused": 0}
    counter = itertools.count()

    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case_id = start(process, name, next(counter), data.draw(st.integers(0, 2), label="variant"))
        for _ in range(data.draw(st.integers(3, 14), label="steps")):
            before = process.case(case_id)
            audit = audit_count(process, case_id)
            if data.draw(st.integers(0, 5)) == 0:
                process.frozen.tick(timedelta(hours=data.draw(st.integers(1, 200))))  # type: ignore[attr-defined]
                process.sweep()
                obligation_escalation.sweep(process.svc.db, process.svc.runtime)
                after = process.case(case_id)
                assert after.version - before.version == audit_count(process, case_id) - audit
            else:
                # mostly an action the machine offers now, by a user with its role and with sound values;
                # otherwise any event of the workflow, by anyone, with values that may be wrong
                here = compiled.available(before.state)
                aimed = bool(here) and data.draw(st.integers(0, 3)) > 0
                if aimed:
                    tr = data.draw(st.sampled_from(here))
                    event, login = tr.event, data.draw(st.sampled_from(logins_for(process, name, tr.roles) or logins))
                else:
                    event, login = data.draw(st.sampled_from(events)), data.draw(st.sampled_from(logins))
                values = payload(data.draw, wf, event, process, aimed)
                try:
                    fire(process, login, case_id, event, values)
                except TransitionNotAllowed:
                    assert compiled.transition(before.state, event) is None
                    ok = False
                except (EngineError, DomainError):
                    ok = False
                else:
                    ok = True
                after = process.case(case_id)
                if ok:
                    step = compiled.transition(before.state, event)
                    assert step is not None
                    assert after.state == (step.dest or before.state)
                    assert after.version == before.version + 1
                    assert audit_count(process, case_id) == audit + 1
                else:
                    assert (after.state, after.version, after.data) == (before.state, before.version, before.data)
                    assert audit_count(process, case_id) == audit
                outcomes["done" if ok else "refused"] += 1
            assert after.state in wf.states
            assert audit_count(process, case_id) == after.audit_seq
            assert stray_deadlines(process, case_id, after.state) == 0
        with process.svc.db.read() as tx:
            assert list(verify(tx, [case_id])) == []
            assert check(tx) == []

    run()
    assert outcomes["done"] > 0 and outcomes["refused"] > 0  # the examples reached both answers
