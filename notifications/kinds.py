"""What can be notified (kinds) and how (channels), with each kind's default channels.

Defaults: every kind goes to the in-app inbox; assignments, escalations and KDN resolutions
also by e-mail at once. Escalations (a deadline was missed) cannot be switched off in the
inbox. The ``digest`` channel gathers a kind's messages into one e-mail a day instead of
one e-mail each (``notifications.digest``).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.audit.anchoring import ANCHOR_KIND

INBOX, EMAIL, DIGEST, WEBHOOK = "inbox", "email", "digest", "webhook"
#: channels a user chooses per kind (webhooks are configured by the administrator)
CHANNELS: dict[str, str] = {INBOX: "В системе", EMAIL: "Письмо сразу", DIGEST: "В ежедневной сводке"}
ESCALATION = "deadline.escalation"
AGENDA = "kdn.agenda"
ANCHOR = ANCHOR_KIND
OBLIGATION_OVERDUE = "obligation.overdue"
#: a report submitted to one's organisation; one's organisation's report accepted or returned
OBLIGATION_SUBMITTED, OBLIGATION_ANSWERED = "obligation.submitted", "obligation.answered"
DIGEST_KIND = "digest"


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    description: str
    defaults: frozenset[str]
    #: channels that stay on whatever the user chooses
    locked: frozenset[str] = frozenset()


def _kind(name: str, title: str, description: str, *defaults: str, locked: tuple[str, ...] = ()) -> Kind:
    return Kind(name, title, description, frozenset(defaults) | frozenset(locked), frozenset(locked))


KINDS: dict[str, Kind] = {k.name: k for k in (
    _kind("case.assigned", "Дело передано мне", "вас назначили ответственным по делу", INBOX, EMAIL),
    _kind("handover.offered", "Мне предлагают принять дело", "руководитель передаёт вам дело: примите его или "
          "верните с пояснением", INBOX, EMAIL),
    _kind("handover.answered", "Ответ на передачу дела", "сотрудник принял или вернул переданное вами дело", INBOX),
    _kind("handover.undone", "Передача дела отменена", "руководитель отменил передачу вам дела", INBOX),
    _kind("handover.overdue", "Передача дела не принята в срок", "сотрудник не ответил на передачу дела в срок",
          INBOX, EMAIL),
    _kind("deadline.reminder", "Напоминание о сроке", "срок по вашему делу скоро истекает", INBOX),
    _kind(ESCALATION, "Срок нарушен (эскалация)",
          "срок по делу истёк; сообщение идёт по цепочке эскалации, отключить его нельзя", EMAIL, locked=(INBOX,)),
    _kind("resolution_recorded", "Постановление КДН по делу", "КДН приняла постановление по делу, в котором вы "
          "участвуете", INBOX, EMAIL),
    _kind("report.on_ipr_case", "Новое сообщение о ребёнке с ИПР",
          "поступило сообщение о ребёнке, с семьёй которого ведётся ИПР", INBOX),
    _kind("report.forwarded", "Сообщение направлено в КДН", "орган опеки направил в КДН сообщение по делу ИПР",
          INBOX),
    _kind(OBLIGATION_OVERDUE, "Отчёт организации просрочен", "отчёт или пункт дорожной карты не сдан в срок; "
          "сообщение идёт вверх по цепочке отчётности, отключить его нельзя", EMAIL, locked=(INBOX,)),
    _kind(OBLIGATION_SUBMITTED, "Организации сдали отчёт", "отчёт, адресованный вашей организации, сдан: примите "
          "его или верните с пояснением", INBOX),
    _kind(OBLIGATION_ANSWERED, "Отчёт организации принят или возвращён", "получатель принял отчёт вашей организации "
          "или вернул его на доработку", INBOX),
    _kind(AGENDA, "Повестка заседания КДН", "накануне заседания — список дел в повестке", INBOX),
    _kind(ANCHOR, "Отметка журнала событий", "раз в день — подписанный корень журнала событий всех дел: копия вне "
          "базы данных, по которой проверка докажет, что журнал до отметки не переписан", INBOX),
)}


def kind_of(name: str) -> Kind:
    """The kind's settings; a kind the catalogue does not know goes to the inbox only."""
    found = KINDS.get(name)
    if found is not None:
        return found
    return Kind(name, "Ежедневная сводка" if name == DIGEST_KIND else name, "", frozenset({INBOX}))
