"""What people type: the rules of the domain that the input models cannot check alone (they need the clock,
the calendar or the case), and :class:`Fields` for the domain's commands that clean their own text.

Text fields are cleaned by :mod:`engine.text` — one Unicode form (NFC), plain whitespace — and a
control character is refused with the field's name, so a pasted name can never break an export later.
Every problem of a command is collected and raised together as :class:`cases.errors.InputInvalid`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from cases import families
from cases.commands import RegisterReport
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
    """The report, or :class:`InputInvalid` naming every field that breaks a rule of the day it was received.

    The report's input model (:mod:`cases.input_models`) has already checked the source, the channel, the
    relations, the lengths and cleaned the text; here stay what the model cannot know: a description and the
    names it left empty, the moment of receipt against the clock, and the dates against the day of receipt — a
    child is a minor when under 18 on that day (Civil Code art. 21), counted from the full date of birth.
    """
    f = Fields()
    if not cmd.text:
        f.error("text", "опишите, что сообщили")
    received_on = calendar.local_date(now)
    if cmd.received_at > now + CLOCK_SLACK:
        f.error("received_at", "время поступления не может быть в будущем")
    else:
        received_on = calendar.local_date(cmd.received_at)
    for i, child in enumerate(cmd.children):
        at = f"children[{i}]"
        for name in ("last_name", "first_name"):
            if not getattr(child, name):
                f.error(f"{at}.{name}", "обязательное поле")
        if child.birth_date and child.birth_date > received_on:
            f.error(f"{at}.birth_date", "дата рождения не может быть позже дня поступления сообщения")
        elif child.birth_date and not families.is_minor_on(child.birth_date, received_on):
            f.error(f"{at}.birth_date", f"это не несовершеннолетний: на день поступления сообщения "
                                        f"({received_on:%d.%m.%Y}) ему уже исполнилось 18 лет")
    for i, adult in enumerate(cmd.adults):
        at = f"adults[{i}]"
        if not adult.last_name or not adult.first_name:
            f.error(f"{at}.last_name", "укажите фамилию и имя")
        if adult.birth_date and adult.birth_date > received_on:
            f.error(f"{at}.birth_date", "дата рождения не может быть позже дня поступления сообщения")
    f.done()
    return cmd
