"""What people type, checked once for every caller (forms, the REST API, the simulator) before it is stored.

Text fields are cleaned by :mod:`engine.text` — one Unicode form (NFC), plain whitespace — and a
control character is refused with the field's name, so a pasted name can never break an export later.
Every problem of a command is collected and raised together as :class:`cases.errors.InputInvalid`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from cases import families
from cases.commands import CHANNELS, RELATIONS, SOURCE_TYPES, RegisterReport
from cases.errors import InputInvalid
from engine.calendar import ProductionCalendar
from engine.text import TextInvalid, clean_line, clean_text, plural

#: a receipt time may run ahead of the server's clock by this much (another computer's clock)
CLOCK_SLACK = timedelta(minutes=5)


class Fields:
    """The problems found in one command, by field; :meth:`done` raises them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def line(self, name: str, value: str, *, required: bool = False, max_length: int = 300) -> str:
        """A one-line value (a name, an address) cleaned; the field's problem recorded."""
        return self._clean(name, value, clean_line, required, max_length)

    def text(self, name: str, value: str, *, required: bool = False, max_length: int = 20000,
             missing: str = "обязательное поле") -> str:
        """A multi-line value (a description, a result) cleaned; the field's problem recorded."""
        return self._clean(name, value, clean_text, required, max_length, missing)

    def not_after(self, name: str, value: date | None, today: date) -> None:
        """The date of something that happened: today or earlier."""
        if value is not None and value > today:
            self.error(name, f"дата не может быть позже сегодняшнего дня ({today:%d.%m.%Y})")

    def _clean(self, name: str, value: str, clean: object, required: bool, max_length: int,
               missing: str = "обязательное поле") -> str:
        try:
            result: str = clean(value)  # type: ignore[operator]
        except TextInvalid as exc:
            self.error(name, str(exc))
            return value
        if required and not result:
            self.error(name, missing)
        elif len(result) > max_length:
            self.error(name, f"не длиннее {max_length:,} {plural(max_length, 'символа', 'символов', 'символов')}"
                       .replace(",", "\u00a0"))
        return result

    def done(self) -> None:
        if self.errors:
            raise InputInvalid(self.errors)


def check_report(cmd: RegisterReport, now: datetime, calendar: ProductionCalendar) -> RegisterReport:
    """The report with its text cleaned, or :class:`InputInvalid` naming every wrong field.

    A child is a minor when under 18 on the day the report was received (Civil Code art. 21), counted
    from the full date of birth.
    """
    f = Fields()
    if cmd.source_type not in SOURCE_TYPES:
        f.error("source_type", "выберите источник: " + ", ".join(SOURCE_TYPES.values()))
    if cmd.channel not in CHANNELS:
        f.error("channel", "выберите способ поступления: " + ", ".join(CHANNELS.values()))
    text = f.text("text", cmd.text, required=True, missing="опишите, что сообщили")
    received_on = calendar.local_date(now)
    if cmd.received_at.tzinfo is None:
        f.error("received_at", "укажите время с часовым поясом")
    elif cmd.received_at > now + CLOCK_SLACK:
        f.error("received_at", "время поступления не может быть в будущем")
    else:
        received_on = calendar.local_date(cmd.received_at)
    if not cmd.children:
        f.error("children", "укажите хотя бы одного ребёнка")
    children = []
    for i, child in enumerate(cmd.children):
        at = f"children[{i}]"
        children.append(replace(child, last_name=f.line(f"{at}.last_name", child.last_name, required=True,
                                                        max_length=100),
                                first_name=f.line(f"{at}.first_name", child.first_name, required=True,
                                                  max_length=100),
                                middle_name=f.line(f"{at}.middle_name", child.middle_name, max_length=100)))
        if child.birth_date and child.birth_date > received_on:
            f.error(f"{at}.birth_date", "дата рождения не может быть позже дня поступления сообщения")
        elif child.birth_date and not families.is_minor_on(child.birth_date, received_on):
            f.error(f"{at}.birth_date", f"это не несовершеннолетний: на день поступления сообщения "
                                        f"({received_on:%d.%m.%Y}) ему уже исполнилось 18 лет")
    adults = []
    for i, adult in enumerate(cmd.adults):
        at = f"adults[{i}]"
        if adult.relation not in RELATIONS or adult.relation == "child":
            f.error(f"{at}.relation", "выберите, кем приходится ребёнку")
        last = f.line(f"{at}.last_name", adult.last_name, max_length=100)
        first = f.line(f"{at}.first_name", adult.first_name, max_length=100)
        if not last or not first:
            f.error(f"{at}.last_name", "укажите фамилию и имя")
        if adult.birth_date and adult.birth_date > received_on:
            f.error(f"{at}.birth_date", "дата рождения не может быть позже дня поступления сообщения")
        adults.append(replace(adult, last_name=last, first_name=first,
                              middle_name=f.line(f"{at}.middle_name", adult.middle_name, max_length=100)))
    source_name = f.line("source_name", cmd.source_name)
    address = f.line("address", cmd.address)
    f.done()
    return replace(cmd, text=text, children=tuple(children), adults=tuple(adults), source_name=source_name,
                   address=address)
