"""Paper for the commission's meetings (Федеральный закон № 120-ФЗ «Об основах системы профилактики
безнадзорности и правонарушений несовершеннолетних», ст. 11): one document per case and the agenda.

* **Справка по случаю для заседания КДН** (:func:`case_summary`): the family and its members, the history of
  decisions (the commission's resolutions on every case of the family and the transitions of this case), the
  execution of the case's plans (measure by measure, with a count of what is done, open and late) and the
  reports of the bodies of the prevention system. Whoever may see the case may print it.
* **Повестка заседания** (:func:`meeting_agenda`): every question of one meeting with all its columns — the case,
  the family, its address and category, the question, the state, who is responsible and the nearest deadline.
  The secretary of that commission or a supervisor of its territory prints it.

Both in PDF (WeasyPrint, the acts' style sheet) and DOCX (python-docx), through :mod:`cases.render`. The data is
read in one read-only transaction, the file rendered with no transaction open, and each case written to the
access log last: a failed write returns no file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from cases import access, attachments, render
from cases.acts import CATEGORY_TITLES, DECISIONS
from cases.case_page import _family, _plans
from cases.errors import Forbidden, NotFound
from cases.handlers import log_access, visible_case
from cases.history import history
from cases.principal import Principal
from cases.services import Services
from cases.tables import ExecutionReport, KdnResolution, Meeting, MeetingItem, Organisation, names_by_id
from cases.views import case_rows, today
from engine.database import UnitOfWork
from engine.tables import CaseInstance, table_of

CI, KR, ER = table_of(CaseInstance), table_of(KdnResolution), table_of(ExecutionReport)
ME, MI, ORG = table_of(Meeting), table_of(MeetingItem), table_of(Organisation)
MEETING_KINDS = {"consideration": "рассмотрение заключения", "review": "пересмотр межведомственного плана"}
SUMMARY_TITLE = "Справка по случаю для заседания КДН и ЗП"


@dataclass(frozen=True)
class Paper:
    filename: str
    data: bytes
    media_type: str


def _day(value: date | datetime | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def case_summary(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> dict[str, Any]:
    """What the summary of a case holds (see the module's description); NotFound if ``p`` may not see it."""
    case = visible_case(tx, svc, p, case_id)
    header = case_rows(tx, svc, tx.connection.execute(sa.select(CI).where(CI.c.id == case_id)).all())[0]
    family = _family(tx, case.subject_id if case.subject_kind == "family" else None, today(svc))
    family_cases = [case_id]
    if family:
        family_cases = list(tx.connection.execute(sa.select(CI.c.id).where(
            CI.c.subject_kind == "family", CI.c.subject_id == family["id"], access.visible_cases(p))
            .order_by(CI.c.id)).scalars())
    resolutions = [{"case_id": r.case_id, "number": r.number, "date": _day(r.adopted_on),
                    "decision": DECISIONS.get(r.decision, r.decision), "bodies": r.executing_bodies,
                    "report_back_on": _day(r.report_back_on), "notes": r.notes}
                   for r in tx.connection.execute(sa.select(KR).where(KR.c.case_id.in_(family_cases))
                                                  .order_by(KR.c.adopted_on, KR.c.id))]
    zone = svc.runtime.calendar.zone
    decisions = [{"at": h.at.astimezone(zone).strftime("%d.%m.%Y"), "title": h.title, "actor": h.actor,
                  "role": h.role, "to_state": h.to_state if h.to_state != h.from_state else "",
                  "details": "; ".join(f"{k}: {v}" for k, v in h.details)}
                 for h in reversed(history(tx, svc, case)) if h.kind in ("start", "transition", "assign")]
    day = today(svc)
    plans = _plans(tx, case)
    for plan in plans:
        for item in plan["items"]:
            item["late"] = item["status"] == "open" and item["due_date"] < day
            item["due"], item["done"] = _day(item["due_date"]), _day(item["done_on"])
        plan["approved"] = _day(plan["approved_on"])
        plan["counts"] = {"done": sum(i["status"] == "done" for i in plan["items"]),
                          "open": sum(i["status"] == "open" for i in plan["items"]),
                          "late": sum(i["late"] for i in plan["items"])}
    reports = [dict(r._mapping) for r in tx.connection.execute(
        sa.select(ER.c.org_id, ER.c.received_on, ER.c.text, ER.c.positive_dynamics)
        .where(ER.c.case_id == case_id).order_by(ER.c.received_on, ER.c.id))]
    orgs = names_by_id(tx.connection, ORG, "short_name", (r["org_id"] for r in reports))
    for r in reports:
        r.update(org=orgs.get(r["org_id"], ""), received=_day(r["received_on"]),
                 dynamics="есть" if r["positive_dynamics"] else "нет")
    for m in family.get("members", []):
        m["birth"] = _day(m["birth_date"])
    files = [{"title": a["title"], "kind": a["kind_title"], "file": a["filename"], "at": _day(a["uploaded_at"]),
              "by": a["uploaded_by_name"], "erased": a["erased_at"] is not None}
             for a in attachments.rows_of(tx, [case_id])]
    return {"title": SUMMARY_TITLE, "case": {
                "id": case.id, "workflow": header.workflow_title, "state": header.state_title,
                "assignee": header.assignee_name, "org": header.org_name, "opened": _day(header.created_at)},
            "family": family, "resolutions": resolutions, "decisions": decisions, "plans": plans,
            "reports": reports, "attachments": files, "prepared_on": _day(day), "prepared_by": p.full_name}


def meeting_agenda(tx: UnitOfWork, svc: Services, p: Principal, meeting_id: int) -> dict[str, Any]:
    """The agenda of one meeting: NotFound for a meeting of another commission; Forbidden for others."""
    meeting = tx.connection.execute(sa.select(ME).where(ME.c.id == meeting_id)).first()
    kdn = tx.connection.execute(sa.select(ORG).where(ORG.c.id == meeting.kdn_org_id)).first() if meeting else None
    if meeting is None or kdn is None or kdn.territory != p.territory:
        raise NotFound("Заседание")
    if not access.can_print_agenda(p, kdn.id):
        raise Forbidden("Повестку заседания печатает секретарь комиссии или руководитель")
    items = {i.case_id: i.kind for i in tx.connection.execute(
        sa.select(MI.c.case_id, MI.c.kind).where(MI.c.meeting_id == meeting_id))}
    rows = case_rows(tx, svc, tx.connection.execute(sa.select(CI).where(CI.c.id.in_(list(items)))
                                                    .order_by(CI.c.id)).all()) if items else []
    zone = svc.runtime.calendar.zone
    questions = []
    for n, row in enumerate(rows, 1):
        nd = row.next_deadline
        questions.append({
            "n": n, "case_id": row.id, "family": row.family_name, "children": ", ".join(row.children),
            "address": row.address, "category": CATEGORY_TITLES.get(row.category, row.category),
            "question": MEETING_KINDS.get(items[row.id], items[row.id]),
            "state": row.state_title, "responsible": row.assignee_name or "не назначен", "org": row.org_name,
            "deadline": f"{nd.title} — до {nd.due_at.astimezone(zone):%d.%m.%Y}" if nd else "—"})
    return {"title": f"Повестка заседания {kdn.short_name}", "held_on": _day(meeting.held_on),
            "commission": kdn.name, "questions": questions, "case_ids": [r.id for r in rows],
            "prepared_on": _day(today(svc)), "prepared_by": p.full_name}


MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _summary_docx(data: dict[str, Any]) -> bytes:
    c, family = data["case"], data["family"]
    subtitle = (f"Дело № {c['id']}: {c['workflow']}, {c['state']}. Ответственный: {c['assignee'] or 'не назначен'}"
                f" ({c['org'] or '—'}).\nСемья: {family.get('surname', '—')}, {family.get('address', '')}; категория: "
                f"{family.get('category_title', '—')}.\nПодготовлено {data['prepared_on']}, {data['prepared_by']}.")
    sections: list[tuple[str, list[str], list[list[str]]]] = [
        ("Состав семьи", ["ФИО", "Кем приходится", "Дата рождения", "Возраст"],
         [[m["name"], m["relation_title"], m["birth"], str(m["age"] if m["age"] is not None else "")]
          for m in family.get("members", [])]),
        ("Постановления КДН", ["Дело", "№ и дата", "Решение", "Исполнители", "Отчитаться до"],
         [[str(r["case_id"]), f"№ {r['number']} от {r['date']}", r["decision"], r["bodies"], r["report_back_on"]]
          for r in data["resolutions"]]),
        ("История решений по делу", ["Дата", "Решение", "Кто", "Итог"],
         [[d["at"], d["title"] + (f" ({d['details']})" if d["details"] else ""), d["actor"], d["to_state"]]
          for d in data["decisions"]])]
    for plan in data["plans"]:
        counts = plan["counts"]
        heading = (f"{plan['title']}: выполнено {counts['done']}, выполняется {counts['open']}, "
                   f"просрочено {counts['late']}")
        rows = [[i["measure"], i["responsible"], i["due"], i["status_title"] + (" (просрочено)" if i["late"] else ""),
                 i["result"]] for i in plan["items"]]
        sections.append((heading, ["Мероприятие", "Ответственный", "Срок", "Статус", "Результат"], rows))
    sections.append(("Отчёты органов системы профилактики", ["Орган", "Получен", "Что исполнено", "Динамика"],
                     [[r["org"], r["received"], r["text"], r["dynamics"]] for r in data["reports"]]))
    sections.append(("Приложенные файлы (в деле)", ["Файл", "Что это", "Загружен"],
                     [[a["title"], a["kind"], f"{a['at']}, {a['by']}"] for a in data["attachments"]]))
    return render.render_table_report_docx(data["title"], subtitle, sections)


def _agenda_docx(data: dict[str, Any]) -> bytes:
    subtitle = (f"{data['commission']}\nДата заседания: {data['held_on']}. Подготовлено {data['prepared_on']}, "
                f"{data['prepared_by']}.")
    columns = ["№", "Дело", "Семья, дети", "Адрес", "Категория", "Вопрос", "Состояние", "Ответственный",
               "Ближайший срок"]
    rows = [[str(q["n"]), str(q["case_id"]), f"{q['family']}: {q['children']}", q["address"], q["category"],
             q["question"], q["state"], f"{q['responsible']}, {q['org']}", q["deadline"]] for q in data["questions"]]
    return render.render_table_report_docx(data["title"], subtitle, [("Вопросы повестки", columns, rows)])


def _paper(svc: Services, p: Principal, read: Callable[..., dict[str, Any]], key: int, fmt: str, template: str,
           docx: Callable[[dict[str, Any]], bytes], filename: str, what: str) -> Paper:
    if fmt not in MEDIA:
        raise NotFound("Формат документа")
    data = svc.read(read, p, key)
    body = render.render_page_pdf(template, data) if fmt == "pdf" else docx(data)
    case_ids: list[int | None] = list(data["case_ids"]) if "case_ids" in data else [data["case"]["id"]]

    def record(tx: UnitOfWork, svc: Services) -> None:
        for case_id in case_ids or [None]:  # an agenda without questions is still a download
            log_access(tx, p, case_id, "download", f"{what} ({fmt})", svc)

    svc.execute(record)
    return Paper(f"{filename}.{fmt}", body, MEDIA[fmt])


def summary_file(svc: Services, p: Principal, case_id: int, fmt: str) -> Paper:
    """The case summary for the meeting as a PDF or DOCX file; the download is written to the access log."""
    return _paper(svc, p, case_summary, case_id, fmt, "_kdn_summary.html", _summary_docx,
                  f"spravka_kdn_delo_{case_id}", "справка по случаю для заседания КДН")


def agenda_file(svc: Services, p: Principal, meeting_id: int, fmt: str) -> Paper:
    """The meeting's agenda as a PDF or DOCX file; each case on it is written to the access log."""
    return _paper(svc, p, meeting_agenda, meeting_id, fmt, "_kdn_agenda.html", _agenda_docx,
                  f"povestka_kdn_{meeting_id}", f"повестка заседания КДН № {meeting_id}")
