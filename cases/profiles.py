"""Territory profiles: which workflow a territory starts for each kind of case, and its regional settings.

A profile is data (table ``territory_profile``), published by the administrator for their territory and seeded by
``opora demo``. Each change is a new revision (the older ones stay as the history, with who changed what and on
which basis) and an entry of the access log. A profile applies to cases started after it is published: a running
case keeps the workflow (and version) it started with.

Profiles known here (the workflows of each kind and the settings a territory must give before publishing):

* ``yugra`` — Порядок межведомственного взаимодействия ХМАО – Югры: report → Agency conclusion → KDN;
* ``novgorod`` — Порядок межведомственного взаимодействия по вопросам выявления, предупреждения и устранения
  нарушений прав и законных интересов несовершеннолетних (постановление областной КДН и ЗП Новгородской области
  от 18.08.2020 № 11): individual preventive work starts at the district commission's resolution
  (``kdn_ipr_district``), area curators, quarterly reports of every body;
* ``stavropol`` — комплекс мер Ставропольского края по развитию эффективных практик социального сопровождения
  семей с детьми (2016–2017): the need checklist, mobile interagency teams, monitoring targets; the mobile team's
  response time has no default and must be set before the profile is published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cases.errors import InputInvalid
from cases.region_tables import TerritoryProfile
from cases.tables import Organisation
from engine.database import UnitOfWork

TP = TerritoryProfile.__table__  # type: ignore[attr-defined]
ORG = Organisation.__table__  # type: ignore[attr-defined]

#: kinds of case a territory starts, with their titles
KINDS: dict[str, str] = {
    "report": "Сообщение о нарушении прав ребёнка",
    "kdn_ipr": "Индивидуальная профилактическая работа по постановлению КДН",
    "family_support": "Социальное сопровождение семьи",
}
#: the workflows that may serve each kind (a workflow of no kind — e.g. ``kdn_forward`` — serves every territory)
KIND_WORKFLOWS: dict[str, tuple[str, ...]] = {
    "report": ("child_report",),
    "kdn_ipr": ("kdn_prevention", "kdn_ipr_district"),
    "family_support": ("family_support",),
}
KIND_OF: dict[str, str] = {wf: kind for kind, names in KIND_WORKFLOWS.items() for wf in names}
#: workflows that come with another one (the УСО's report to the ministry with the district commission's cases)
COMPANIONS: dict[str, str] = {"uso_ministry_report": "kdn_ipr_district"}
#: workflows that start at an organisation of this kind of the territory (the district commission receives the
#: materials about the minor), not at the organisation of the case that started them
ENTRY_ORG_KIND: dict[str, str] = {"kdn_ipr_district": "kdn"}
DEFAULT_WORKFLOWS: dict[str, str] = {"report": "child_report", "kdn_ipr": "kdn_prevention",
                                     "family_support": "family_support"}

#: the Stavropol need checklist: the family categories the regional complex of measures names
STAVROPOL_NEED_CHECKLIST: dict[str, Any] = {
    "name": "stavropol_need", "version": 1,
    "title": "Критерии нуждаемости семей с детьми в социальном сопровождении",
    "basis": "комплекс мер Ставропольского края по развитию эффективных практик социального сопровождения семей "
             "с детьми, нуждающихся в социальной помощи (2016–2017), разделы IV–VII",
    "items": {
        "sop": "семья в социально опасном положении",
        "large": "многодетная семья",
        "single_parent": "неполная семья",
        "low_income": "малообеспеченная семья",
        "disabled_child": "семья, воспитывающая ребёнка-инвалида или ребёнка с ОВЗ",
        "minor_offender": "семья с несовершеннолетним правонарушителем",
        "minor_mother": "несовершеннолетняя беременная или мать",
        "foster": "замещающая семья",
        "preventive_register": "несовершеннолетний состоит на профилактическом учёте",
        "child_tzs": "ребёнок в трудной жизненной ситуации",
    },
}


@dataclass(frozen=True)
class Setting:
    name: str
    title: str
    unit: str
    basis: str
    #: None: no default, the territory must set it before the profile is published
    default: int | None


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    basis: str
    workflows: Mapping[str, str]
    settings: tuple[Setting, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


PROFILES: dict[str, Profile] = {p.name: p for p in (
    Profile("yugra", "Югра: заключение Агентства, утверждение УСЗН и опеки, КДН",
            "Порядок межведомственного взаимодействия органов и учреждений системы профилактики ХМАО – Югры",
            DEFAULT_WORKFLOWS),
    Profile("novgorod", "Новгородская область: ИПР по постановлению районной КДН и ЗП, кураторы участков",
            "Порядок межведомственного взаимодействия по вопросам выявления, предупреждения и устранения нарушений "
            "прав и законных интересов несовершеннолетних (постановление областной КДН и ЗП Новгородской области "
            "от 18.08.2020 № 11)",
            {**DEFAULT_WORKFLOWS, "kdn_ipr": "kdn_ipr_district"},
            (Setting("body_report_day", "День месяца после квартала для отчёта органов в РКДН", "день",
                     "региональная настройка: ежеквартальная информация органов системы профилактики в РКДН", 10),
             Setting("ministry_report_day", "День месяца после квартала для отчёта УСО в министерство", "день",
                     "региональная настройка: порядок Новгородской обл. дня не называет (нерабочий день переносится "
                     "на следующий рабочий)", 10))),
    Profile("stavropol", "Ставропольский край: критерии нуждаемости, мобильные бригады, показатели мониторинга",
            "Комплекс мер Ставропольского края по развитию эффективных практик социального сопровождения семей с "
            "детьми, нуждающихся в социальной помощи (совместный приказ министерства труда и социальной защиты "
            "населения и министерства образования и молодёжной политики Ставропольского края)",
            DEFAULT_WORKFLOWS,
            (Setting("mobile_team_response_hours", "Время реагирования мобильной бригады", "часов",
                     "региональная настройка: комплекс мер не устанавливает срок, территория задаёт его сама", None),),
            {"need_checklist": STAVROPOL_NEED_CHECKLIST}),
)}


@dataclass(frozen=True)
class Applied:
    """The profile that applies in a territory now (the last revision, or the Yugra default when none)."""

    territory: str
    profile: Profile
    revision: int
    workflows: dict[str, str]
    settings: dict[str, Any]
    basis: str
    changed_at: datetime | None
    changed_by: int | None


_CURRENT = sa.select(TP).where(TP.c.territory == sa.bindparam("territory")).order_by(TP.c.revision.desc()).limit(1)


def current(tx: UnitOfWork, territory: str | None) -> Applied:
    row = tx.connection.execute(_CURRENT, {"territory": territory}).mappings().first() if territory else None
    if row is None:
        base = PROFILES["yugra"]
        return Applied(territory or "", base, 0, dict(base.workflows), {}, base.basis, None, None)
    return Applied(territory or "", PROFILES[row["profile"]], row["revision"], dict(row["workflows"]),
                   dict(row["settings"]), row["basis"], row["changed_at"], row["changed_by"])


def need_checklist(tx: UnitOfWork, territory: str | None) -> dict[str, Any] | None:
    """The territory's versioned need checklist (``name``, ``version``, ``items``: code → title), or None."""
    checklist = current(tx, territory).settings.get("need_checklist")
    return dict(checklist) if checklist else None


def chosen_criteria(checklist: Mapping[str, Any], codes: Iterable[str]) -> tuple[list[str], str]:
    """The criteria chosen from ``checklist`` (once each, in the order given) and what is wrong with them ("" if
    nothing): at least one is needed, and only the checklist's own."""
    chosen = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    unknown = [c for c in chosen if c not in checklist["items"]]
    if not chosen:
        return chosen, "отметьте хотя бы один критерий нуждаемости"
    if unknown:
        return chosen, "нет в перечне критериев: " + ", ".join(unknown)
    return chosen, ""


def history(tx: UnitOfWork, territory: str) -> list[dict[str, Any]]:
    rows = tx.connection.execute(sa.select(TP).where(TP.c.territory == territory).order_by(TP.c.revision.desc()))
    return [dict(r) for r in rows.mappings()]


def workflow_for(tx: UnitOfWork, territory: str | None, kind: str) -> str:
    """The workflow ``territory`` starts for a case of ``kind``."""
    return current(tx, territory).workflows.get(kind, DEFAULT_WORKFLOWS[kind])


def resolve(tx: UnitOfWork, territory: str | None, workflow: str) -> str:
    """The workflow to start in ``territory`` where a workflow file names ``workflow``: the territory's choice for
    that workflow's kind (a workflow of no kind is started as named)."""
    kind = KIND_OF.get(workflow)
    return workflow if kind is None else workflow_for(tx, territory, kind)


def entry_org(tx: UnitOfWork, territory: str | None, workflow: str) -> int | None:
    """The organisation a case of ``workflow`` starts at in ``territory`` when the workflow names one (the first
    organisation of that kind), else None."""
    kind = ENTRY_ORG_KIND.get(workflow)
    if kind is None or territory is None:
        return None
    found = tx.connection.execute(sa.select(ORG.c.id).where(ORG.c.territory == territory, ORG.c.kind == kind)
                                  .order_by(ORG.c.id).limit(1)).scalar()
    return int(found) if found is not None else None


def territory_workflows(tx: UnitOfWork, territory: str | None, published: Iterable[str]) -> list[str]:
    """The published workflows a territory works by: those its profile chose and those of no kind."""
    chosen = set(current(tx, territory).workflows.values())
    return [name for name in published
            if name in chosen or (name not in KIND_OF and COMPANIONS.get(name, "") in chosen | {""})]


def check(profile: str, workflows: Mapping[str, str], settings: Mapping[str, Any],
          published: Iterable[str]) -> dict[str, str]:
    """Problems of a profile about to be published, by field (empty: it may be published)."""
    errors: dict[str, str] = {}
    found = PROFILES.get(profile)
    if found is None:
        return {"profile": f"неизвестный профиль «{profile}»; есть: {', '.join(PROFILES)}"}
    names = set(published)
    for kind, wf in workflows.items():
        if kind not in KINDS:
            errors[f"workflows.{kind}"] = "неизвестный вид дела"
        elif wf not in KIND_WORKFLOWS[kind]:
            errors[f"workflows.{kind}"] = f"процесс «{wf}» не ведёт дела вида «{KINDS[kind]}»"
        elif wf not in names:
            errors[f"workflows.{kind}"] = f"процесс «{wf}» не опубликован"
    for s in found.settings:
        value = settings.get(s.name, s.default)
        if value is None:
            errors[f"settings.{s.name}"] = (f"задайте «{s.title}» — у этой региональной настройки нет значения "
                                            "по умолчанию, профиль нельзя опубликовать без неё")
        elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
            errors[f"settings.{s.name}"] = "целое число от 1 до 10000"
    return errors


def publish(tx: UnitOfWork, territory: str, profile: str, *, published: Iterable[str], now: datetime,
            basis: str = "", workflows: Mapping[str, str] | None = None, settings: Mapping[str, Any] | None = None,
            actor_id: int | None = None) -> TerritoryProfile:
    """Publish a new revision of ``territory``'s profile. Raises InputInvalid (nothing written) when the profile
    is unknown, names a workflow that is not published or not of its kind, or lacks a required setting."""
    base = PROFILES.get(profile)
    chosen = {**(base.workflows if base else {}), **(workflows or {})}
    given = dict(settings or {})
    errors = check(profile, chosen, given, published)
    if errors:
        raise InputInvalid(errors)
    assert base is not None
    values: dict[str, Any] = {s.name: given.get(s.name, s.default) for s in base.settings}
    values.update({k: v for k, v in base.extra.items()})
    last = tx.connection.execute(sa.select(sa.func.max(TP.c.revision)).where(TP.c.territory == territory)).scalar()
    row = TerritoryProfile(territory=territory, revision=(last or 0) + 1, profile=profile, workflows=chosen,
                           settings=values, basis=(basis or base.basis)[:500], changed_by=actor_id, changed_at=now)
    tx.session.add(row)
    tx.session.flush()
    return row

