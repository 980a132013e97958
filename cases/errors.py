"""Errors raised by the domain's commands and queries.

::

    DomainError
    ├── NotFound         no such object, or not visible to the user (never tells which)
    ├── Forbidden        visible, but the user may not do this
    ├── InputInvalid     the command's fields are wrong (a Russian message per field)
    ├── AmbiguousMatch   a reported child matches several known children: the user must choose
    ├── Conflict         the object changed, or the action no longer applies
    └── AlreadyDone      the same form (idempotency key) was handled before; nothing changed

Each has a ``code`` (the API's ``error`` field) and an HTTP status the API maps it to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def details(self) -> object:
        return None


class NotFound(DomainError):
    code = "not_found"
    status = 404

    def __init__(self, what: str = "Объект") -> None:
        super().__init__(f"Не найдено: {what.lower()} (или нет доступа)")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403

    def __init__(self, reason: str = "Недостаточно прав для этого действия") -> None:
        super().__init__(reason)


class InputInvalid(DomainError):
    code = "input_invalid"
    status = 422

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("Проверьте поля: " + "; ".join(f"{k} — {v}" for k, v in self.errors.items()))

    def details(self) -> object:
        return {"fields": self.errors}


class AmbiguousMatch(DomainError):
    code = "ambiguous_match"
    status = 409

    def __init__(self, child_index: int, candidates: Sequence[Mapping[str, Any]]) -> None:
        self.child_index, self.candidates = child_index, list(candidates)
        super().__init__(
            f"Ребёнок № {child_index + 1} совпадает с несколькими известными детьми "
            f"({len(self.candidates)}); выберите, с кем связать сообщение, или укажите, что это новый ребёнок"
        )

    def details(self) -> object:
        return {"child": self.child_index, "candidates": self.candidates}


class Conflict(DomainError):
    code = "conflict"
    status = 409


class AlreadyDone(DomainError):
    """The same form (idempotency key) was already handled; nothing was changed this time."""

    code = "already_done"
    status = 409

    def __init__(self) -> None:
        super().__init__("Эта форма уже была отправлена — повторная отправка ничего не изменила")


class TooLarge(DomainError):
    """A file over the size limit (HTTP 413)."""

    code = "file_too_large"
    status = 413

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(f"Файл больше допустимого размера ({limit_bytes // (1024 * 1024)} МБ)")

    def details(self) -> object:
        return {"limit_bytes": self.limit_bytes}
