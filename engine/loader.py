"""Reading and validating workflow files.

:func:`load_workflow` turns the text of one YAML file into a frozen
:class:`engine.definition.Workflow`, or raises :class:`engine.errors.WorkflowInvalid`
listing every problem with its file, line, path inside the file, what is wrong and
what would be right. The schema is documented in ``docs/workflows.md``; the structural
checks across states and transitions (reachability, ways out, …) live in
:mod:`engine.checks`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import partial
from pathlib import Path as FsPath
from typing import Any

from engine.checks import check_graph
from engine.definition import (
    Call,
    DeadlineSpec,
    Duration,
    Escalation,
    FieldSpec,
    Notify,
    Parameter,
    State,
    Timeout,
    Transition,
    Unit,
    Workflow,
)
from engine.errors import Problem, WorkflowInvalid
from engine.vocabulary import Arg, Entry, Vocabulary
from engine.yamlsource import Located, Path, YamlSyntaxError, format_path, read_yaml

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
SYSTEM_ROLE = "system"
ASSIGNEE = "assignee"
BUILTIN_TYPES = ("string", "text", "integer", "boolean", "date", "datetime", "choice")

_SHORT = re.compile(r"^\s*(\d+)\s*(h|d|wd|mo)\s*$")
_SHORT_UNITS = {"h": Unit.HOURS, "d": Unit.DAYS, "wd": Unit.WORKING_DAYS, "mo": Unit.MONTHS}
DURATION_HELP = (
    "«3wd» (рабочие дни), «7d» (календарные дни), «2h» (часы), «3mo» (месяцы), «same_working_day» "
    "или {working_days: 3} / {days: 7} / {hours: 2} / {months: 3} / {same_working_day: true} / {param: имя}, "
    "с необязательным from_field: поле_даты"
)

TOP_KEYS = {"workflow", "version", "title", "description", "parameters", "case_fields", "states", "transitions"}
STATE_KEYS = {"title", "initial", "final", "deadlines", "description"}
DEADLINE_KEYS = {"id", "title", "basis", "due", "manual", "remind", "escalate", "timeout"}
TRANSITION_KEYS = {
    "event", "title", "from", "to", "internal", "roles", "fields", "guards", "effects", "notify", "restart",
    "confirm",
}
FIELD_KEYS = {"type", "required", "title", "choices", "default", "save", "max_length", "help", "future"}
PARAM_KEYS = {"value", "unit", "basis", "title"}


def content_hash(data: Any) -> str:
    """Hash of the parsed content: comments and formatting do not change it."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_workflow_file(
    path: FsPath, vocabulary: Vocabulary, *, known_workflows: Iterable[str] | None = None
) -> Workflow:
    return load_workflow(path.read_text(encoding="utf-8"), vocabulary, filename=path.name,
                         known_workflows=known_workflows)


def load_workflow(
    text: str, vocabulary: Vocabulary, *, filename: str = "<workflow>", known_workflows: Iterable[str] | None = None
) -> Workflow:
    """Parse and validate one workflow file; raises :class:`WorkflowInvalid`."""
    try:
        located = read_yaml(text)
    except YamlSyntaxError as exc:
        raise WorkflowInvalid([Problem(filename, exc.line, "", f"синтаксическая ошибка YAML: {exc.text}")]) from exc
    reader = _Reader(located, vocabulary, filename, set(known_workflows) if known_workflows is not None else None)
    workflow = reader.read(text)
    if reader.problems:
        raise WorkflowInvalid(reader.problems)
    assert workflow is not None
    return workflow


class _Reader:
    """Walks the parsed file, building definitions and collecting problems."""

    def __init__(self, src: Located, vocabulary: Vocabulary, filename: str, known: set[str] | None) -> None:
        self.src, self.vocabulary, self.filename, self.known = src, vocabulary, filename, known
        self.problems: list[Problem] = []
        self.parameters: dict[str, Parameter] = {}
        self.used_params: list[tuple[str, Path]] = []
        self.date_fields: set[str] = set()
        self.used_fields: list[tuple[str, Path]] = []
        self.deferred: list[Callable[[], None]] = []

    # -- reporting -------------------------------------------------------------------------------
    def problem(self, path: Path, what: str, expected: str | None = None) -> None:
        self.problems.append(Problem(self.filename, self.src.line(path), format_path(path), what, expected))

    def _mapping(self, value: Any, path: Path, what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(path, f"{what} должно быть словарём (ключ: значение), а не {_kind(value)}")
        return None

    def _unknown_keys(self, value: Mapping[str, Any], allowed: set[str], path: Path) -> None:
        for key in value:
            if key not in allowed:
                self.problem((*path, key), f"неизвестный ключ «{key}»", ", ".join(sorted(allowed)))

    def _ident(self, value: Any, path: Path, what: str) -> str | None:
        if isinstance(value, str) and IDENT.match(value):
            return value
        self.problem(path, f"{what} «{value}» не является идентификатором",
                     "латинские строчные буквы, цифры и _, начиная с буквы")
        return None

    def _text(self, value: Any, path: Path, what: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(path, f"{what}: нужна непустая строка")
        return ""

    # -- top level -------------------------------------------------------------------------------
    def read(self, text: str) -> Workflow | None:
        for dup_path, line in self.src.duplicates:
            self.problems.append(Problem(self.filename, line, format_path(dup_path), "ключ повторяется",
                                         "каждый ключ один раз"))
        for bad_path, line in self.src.bad_keys:
            self.problems.append(Problem(self.filename, line, format_path(bad_path),
                                         "ключом может быть только строка, а не список или словарь"))
        top = self._mapping(self.src.data, (), "Файл процесса")
        if top is None:
            return None
        self._unknown_keys(top, TOP_KEYS, ())
        for key in ("workflow", "version", "title", "states", "transitions"):
            if key not in top:
                self.problem((), f"нет обязательного ключа «{key}»")
        name = self._ident(top.get("workflow"), ("workflow",), "Имя процесса") if "workflow" in top else None
        version = top.get("version")
        if "version" in top and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            self.problem(("version",), f"версия «{version}» должна быть целым числом ≥ 1")
            version = None
        title = self._text(top.get("title"), ("title",), "Название процесса") if "title" in top else ""
        self._read_parameters(top.get("parameters") or {}, ("parameters",))
        self._read_case_fields(top.get("case_fields") or {}, ("case_fields",))
        states = self._read_states(top.get("states"), ("states",)) if "states" in top else {}
        indexed = self._read_transitions(top.get("transitions"), states) if "transitions" in top else []
        transitions = [tr for _, tr in indexed]
        self._check_deadline_events(states, transitions)
        for run in self.deferred:
            run()
        for param, path in self.used_params:
            if param not in self.parameters:
                self.problem(path, f"параметр «{param}» используется, но не объявлен в parameters",
                             ", ".join(sorted(self.parameters)) or "объявить его в parameters")
        for fname, path in self.used_fields:
            if fname not in self.date_fields:
                self.problem(path, f"поле «{fname}» не является полем-датой дела",
                             ", ".join(sorted(self.date_fields))
                             or "поле с type: date (datetime) и save: true или объявленное в case_fields")
        if states:
            for path, what, expected in check_graph(states, indexed):
                self.problem(path, what, expected)
        if self.problems or name is None or version is None:
            return None
        return Workflow(
            name=name, version=version, title=title, parameters=dict(self.parameters), states=states,
            transitions=tuple(transitions), content_hash=content_hash(self.src.data), source=text,
            source_path=self.filename, description=str(top.get("description") or ""),
        )

    def _read_parameters(self, raw: Any, path: Path) -> None:
        params = self._mapping(raw, path, "parameters")
        for pname, spec in (params or {}).items():
            ppath = (*path, pname)
            if self._ident(pname, ppath, "Имя параметра") is None:
                continue
            body = self._mapping(spec, ppath, f"Параметр «{pname}»")
            if body is None:
                continue
            self._unknown_keys(body, PARAM_KEYS, ppath)
            if "value" not in body:
                self.problem(ppath, "у параметра нет значения (value)")
            basis = self._text(body.get("basis"), (*ppath, "basis"), "Основание (basis) параметра")
            unit = None
            if "unit" in body:
                unit = _unit(body["unit"])
                if unit is None or unit is Unit.SAME_WORKING_DAY:
                    self.problem((*ppath, "unit"), f"неизвестная единица «{body['unit']}»",
                                 "hours, days, working_days, months")
                    continue
                value = body.get("value")
                # a negative number of days is a deadline before a case's date ("N days before release")
                before_ok = unit in (Unit.DAYS, Unit.WORKING_DAYS)
                if not isinstance(value, int) or isinstance(value, bool) or (value < 0 and not before_ok):
                    self.problem((*ppath, "value"), f"длительность «{value}» должна быть целым числом ≥ 0",
                                 "отрицательное число дней (срок до даты дела) — только для days и working_days")
                    continue
            self.parameters[pname] = Parameter(pname, body.get("value"), unit, basis, str(body.get("title", "")))

    def _read_case_fields(self, raw: Any, path: Path) -> None:
        fields = self._mapping(raw, path, "case_fields")
        for fname, spec in (fields or {}).items():
            fpath = (*path, fname)
            if self._ident(fname, fpath, "Имя поля") is None:
                continue
            body = self._mapping(spec, fpath, f"Поле «{fname}»") or {}
            if body.get("type") in ("date", "datetime"):
                self.date_fields.add(fname)

    # -- states and deadlines --------------------------------------------------------------------
    def _read_states(self, raw: Any, path: Path) -> dict[str, State]:
        body = self._mapping(raw, path, "states")
        if not body:
            if body is not None:
                self.problem(path, "процесс без состояний")
            return {}
        states: dict[str, State] = {}
        for sname, spec in body.items():
            spath = (*path, sname)
            if self._ident(sname, spath, "Имя состояния") is None:
                continue
            sbody = self._mapping(spec, spath, f"Состояние «{sname}»")
            if sbody is None:
                continue
            self._unknown_keys(sbody, STATE_KEYS, spath)
            title = self._text(sbody.get("title"), (*spath, "title"), f"Название состояния «{sname}»")
            initial, final = sbody.get("initial", False), sbody.get("final", False)
            for flag, value in (("initial", initial), ("final", final)):
                if not isinstance(value, bool):
                    self.problem((*spath, flag), f"{flag} должно быть true или false, а не «{value}»")
            raw_deadlines = sbody.get("deadlines") or []
            if not isinstance(raw_deadlines, list):
                self.problem((*spath, "deadlines"), "deadlines должно быть списком")
                raw_deadlines = []
            deadlines = []
            seen: set[str] = set()
            for i, dl in enumerate(raw_deadlines):
                spec_dl = self._read_deadline(dl, (*spath, "deadlines", i))
                if spec_dl is None:
                    continue
                if spec_dl.id in seen:
                    self.problem((*spath, "deadlines", i, "id"), f"срок «{spec_dl.id}» объявлен дважды")
                seen.add(spec_dl.id)
                deadlines.append(spec_dl)
            if final is True and deadlines:
                self.problem((*spath, "deadlines"), "у конечного состояния не может быть сроков")
            states[sname] = State(sname, title, initial is True, final is True, tuple(deadlines))
        initials = [s.name for s in states.values() if s.initial]
        if len(initials) != 1:
            self.problem(path, f"начальных состояний {len(initials)} ({', '.join(initials) or 'нет'})",
                         "ровно одно состояние с initial: true")
        if states and not any(s.final for s in states.values()):
            self.problem(path, "нет ни одного конечного состояния", "хотя бы одно состояние с final: true")
        return states

    def _read_deadline(self, raw: Any, path: Path) -> DeadlineSpec | None:
        body = self._mapping(raw, path, "Срок")
        if body is None:
            return None
        self._unknown_keys(body, DEADLINE_KEYS, path)
        did = self._ident(body.get("id"), (*path, "id"), "Идентификатор срока")
        title = self._text(body.get("title"), (*path, "title"), "Название срока")
        basis = self._text(body.get("basis"), (*path, "basis"), "Основание срока (basis: статья закона или "
                                                                  "«региональная настройка»)")
        manual = body.get("manual", False) is True
        due = None
        if manual:
            if "due" in body:
                self.problem((*path, "due"), "у срока с manual: true дата задаётся при открытии, due не нужен")
        elif "due" not in body:
            self.problem(path, "у срока нет due", DURATION_HELP)
        else:
            due = self._duration(body["due"], (*path, "due"))
        remind = []
        for i, item in enumerate(self._list(body.get("remind"), (*path, "remind"))):
            ipath = (*path, "remind", i)
            value = item.get("before") if isinstance(item, dict) else item
            if isinstance(item, dict):
                self._unknown_keys(item, {"before"}, ipath)
            d = self._duration(value, ipath, allow_field=False)
            if d:
                remind.append(d)
        escalate: list[Escalation] = []
        for i, item in enumerate(self._list(body.get("escalate"), (*path, "escalate"))):
            ipath = (*path, "escalate", i)
            ibody = self._mapping(item, ipath, "Ступень эскалации")
            if ibody is None:
                continue
            self._unknown_keys(ibody, {"after", "to"}, ipath)
            after = self._duration(ibody.get("after", "0h"), (*ipath, "after"), allow_field=False)
            to = self._role(ibody.get("to"), (*ipath, "to"), allow_assignee=True, allow_targets=True)
            if after and to:
                escalate.append(Escalation(len(escalate) + 1, after, to))
        timeout = None
        if "timeout" in body:
            tbody = self._mapping(body["timeout"], (*path, "timeout"), "timeout")
            if tbody is not None:
                self._unknown_keys(tbody, {"event", "after"}, (*path, "timeout"))
                event = self._ident(tbody.get("event"), (*path, "timeout", "event"), "Событие по истечении срока")
                after = self._duration(tbody.get("after", "0h"), (*path, "timeout", "after"), allow_field=False)
                if event and after:
                    timeout = Timeout(event, after)
        if did is None:
            return None
        return DeadlineSpec(did, title, basis, due, tuple(remind), tuple(escalate), timeout, manual)

    def _list(self, raw: Any, path: Path) -> list[Any]:
        if raw is None:
            return []
        if isinstance(raw, list):
            return raw
        self.problem(path, f"нужен список, а не {_kind(raw)}")
        return []

    def _duration(self, raw: Any, path: Path, *, allow_field: bool = True) -> Duration | None:
        if isinstance(raw, str):
            if raw.strip() == "same_working_day":
                return Duration(Unit.SAME_WORKING_DAY)
            m = _SHORT.match(raw)
            if m:
                return Duration(_SHORT_UNITS[m.group(2)], int(m.group(1)))
            self.problem(path, f"непонятная длительность «{raw}»", DURATION_HELP)
            return None
        if not isinstance(raw, dict) or not raw:
            self.problem(path, f"непонятная длительность «{raw}»", DURATION_HELP)
            return None
        field = raw.get("from_field")
        if field is not None:
            if not allow_field:
                self.problem((*path, "from_field"), "смещение напоминания/эскалации не может считаться от поля")
            elif self._ident(field, (*path, "from_field"), "Поле даты"):
                self.used_fields.append((field, (*path, "from_field")))
        wait = raw.get("if_set", False)
        if wait is not False and (wait is not True or field is None):
            self.problem((*path, "if_set"), "if_set: true — только вместе с from_field")
            wait = False
        keys = [k for k in raw if k not in ("from_field", "if_set")]
        if len(keys) != 1:
            self.problem(path, f"длительность должна иметь ровно одну единицу, а имеет {len(keys)}", DURATION_HELP)
            return None
        key, value = keys[0], raw[keys[0]]
        if key == "param":
            if isinstance(value, str):
                self.used_params.append((value, (*path, "param")))
                self.deferred.append(lambda: self._check_duration_param(value, (*path, "param")))
                return Duration(param=value, field=field, wait=wait)
            self.problem((*path, "param"), "param должен быть именем параметра")
            return None
        unit = _unit(key)
        if unit is None:
            self.problem((*path, key), f"неизвестная единица «{key}»", DURATION_HELP)
            return None
        if unit is Unit.SAME_WORKING_DAY:
            if value is not True:
                self.problem((*path, key), "same_working_day принимает только true")
                return None
            return Duration(unit, 0, field=field, wait=wait)
        before = field is not None and unit in (Unit.DAYS, Unit.WORKING_DAYS)  # "N days before the case's date"
        if not isinstance(value, int) or isinstance(value, bool) or (value < 0 and not before):
            self.problem((*path, key), f"количество «{value}» должно быть целым числом ≥ 0")
            return None
        return Duration(unit, value, field=field, wait=wait)

    def _check_duration_param(self, name: str, path: Path) -> None:
        param = self.parameters.get(name)
        if param is not None and not param.is_duration:
            self.problem(path, f"параметр «{name}» не является длительностью (у него нет unit)",
                         "параметр с unit: hours/days/working_days/months")

    def _role(self, raw: Any, path: Path, *, allow_assignee: bool = False, allow_targets: bool = False
              ) -> str | None:
        allowed = set(self.vocabulary.roles) | {SYSTEM_ROLE} | ({ASSIGNEE} if allow_assignee else set())
        if allow_targets:
            allowed |= set(self.vocabulary.targets)
        if isinstance(raw, str) and raw in allowed:
            return raw
        self.problem(path, f"неизвестная роль «{raw}»", ", ".join(sorted(allowed)))
        return None

    # -- transitions ---------------------------------------------------------------------------
    def _read_transitions(self, raw: Any, states: Mapping[str, State]) -> list[tuple[int, Transition]]:
        items = self._list(raw, ("transitions",))
        result: list[tuple[int, Transition]] = []
        for i, item in enumerate(items):
            tr = self._read_transition(item, ("transitions", i), states)
            if tr is not None:
                result.append((i, tr))
        return result

    def _state_ref(self, raw: Any, path: Path, states: Mapping[str, State]) -> str | None:
        if isinstance(raw, str) and raw in states:
            return raw
        self.problem(path, f"неизвестное состояние «{raw}»", ", ".join(states) or "объявить его в states")
        return None

    def _read_transition(self, raw: Any, path: Path, states: Mapping[str, State]) -> Transition | None:
        body = self._mapping(raw, path, "Переход")
        if body is None:
            return None
        self._unknown_keys(body, TRANSITION_KEYS, path)
        event = self._ident(body.get("event"), (*path, "event"), "Событие")
        title = self._text(body.get("title"), (*path, "title"), f"Название действия «{event}»")
        raw_from = body.get("from")
        if raw_from == "*":
            sources = [s.name for s in states.values() if not s.final]
        else:
            listed = raw_from if isinstance(raw_from, list) else [raw_from]
            sources = [s for j, r in enumerate(listed)
                       if (s := self._state_ref(r, (*path, "from", j) if isinstance(raw_from, list)
                                                 else (*path, "from"), states))]
        internal = body.get("internal", False) is True
        dest = None
        if internal:
            if body.get("to") is not None:
                self.problem((*path, "to"), "у внутреннего перехода (internal: true) не может быть to")
        elif "to" not in body:
            self.problem(path, "у перехода нет to", "имя состояния или internal: true")
        else:
            dest = self._state_ref(body.get("to"), (*path, "to"), states)
        roles_raw = self._list(body.get("roles"), (*path, "roles"))
        if not roles_raw:
            self.problem((*path, "roles"), "не указано, какие роли могут выполнить действие")
        roles = frozenset(r for j, x in enumerate(roles_raw) if (r := self._role(x, (*path, "roles", j))))
        fields = self._read_fields(body.get("fields") or {}, (*path, "fields"))
        guards = self._calls(body.get("guards"), (*path, "guards"), self.vocabulary.guards, "условие (guard)", states)
        effects = self._calls(body.get("effects"), (*path, "effects"), self.vocabulary.effects, "действие (effect)",
                              states)
        notify = []
        for j, item in enumerate(self._list(body.get("notify"), (*path, "notify"))):
            npath = (*path, "notify", j)
            nbody = self._mapping(item, npath, "Уведомление")
            if nbody is None:
                continue
            self._unknown_keys(nbody, {"kind", "to"}, npath)
            kind = self._text(nbody.get("kind"), (*npath, "kind"), "Вид уведомления")
            to = self._role(nbody.get("to"), (*npath, "to"), allow_assignee=True)
            if kind and to:
                notify.append(Notify(kind, to))
        restart = []
        for j, item in enumerate(self._list(body.get("restart"), (*path, "restart"))):
            rpath = (*path, "restart", j)
            if not internal:
                self.problem(rpath, "перезапуск срока возможен только во внутреннем переходе (internal: true)")
            for src in sources:
                if states[src].deadline(item) is None:
                    self.problem(rpath, f"в состоянии «{src}» нет срока «{item}»",
                                 ", ".join(d.id for d in states[src].deadlines) or "объявить срок")
            restart.append(str(item))
        if event is None or not sources or (dest is None and not internal):
            return None
        return Transition(event, title, tuple(sources), dest, roles, fields, guards, effects, tuple(notify),
                          tuple(restart), str(body.get("confirm") or ""))

    def _read_fields(self, raw: Any, path: Path) -> tuple[FieldSpec, ...]:
        body = self._mapping(raw, path, "fields")
        result = []
        types = set(BUILTIN_TYPES) | set(self.vocabulary.field_types)
        for fname, spec in (body or {}).items():
            fpath = (*path, fname)
            if self._ident(fname, fpath, "Имя поля") is None:
                continue
            fbody = self._mapping(spec, fpath, f"Поле «{fname}»")
            if fbody is None:
                continue
            self._unknown_keys(fbody, FIELD_KEYS, fpath)
            ftype = fbody.get("type")
            if ftype not in types:
                self.problem((*fpath, "type"), f"неизвестный тип поля «{ftype}»", ", ".join(sorted(types)))
                continue
            choices: list[tuple[str, str]] = []
            if ftype == "choice":
                raw_choices = fbody.get("choices")
                if not isinstance(raw_choices, (list, dict)) or not raw_choices:
                    self.problem((*fpath, "choices"), "у поля выбора нет вариантов (choices)",
                                 "список значений или словарь значение: подпись")
                elif isinstance(raw_choices, dict):
                    choices = [(str(k), str(v)) for k, v in raw_choices.items()]
                else:
                    choices = [(str(v), str(v)) for v in raw_choices]
            default = fbody.get("default")
            if isinstance(default, date):
                default = default.isoformat()
            if fbody.get("save") is True and ftype in ("date", "datetime"):
                self.date_fields.add(fname)
            future = fbody.get("future", False)
            if "future" in fbody and (not isinstance(future, bool) or ftype not in ("date", "datetime")):
                self.problem((*fpath, "future"), "future: true разрешает даты позже сегодняшнего дня и бывает "
                             "только у полей date и datetime", "future: true у поля type: date")
                future = False
            max_length = fbody.get("max_length")
            if max_length is not None and (not isinstance(max_length, int) or isinstance(max_length, bool)
                                           or max_length < 1):
                self.problem((*fpath, "max_length"), f"max_length «{max_length}» должен быть целым числом ≥ 1")
                max_length = None
            result.append(FieldSpec(fname, str(ftype), fbody.get("required", False) is True,
                                    str(fbody.get("title") or fname), tuple(choices), default,
                                    fbody.get("save", False) is True, max_length, str(fbody.get("help") or ""),
                                    future is True))
        return tuple(result)

    def _calls(self, raw: Any, path: Path, known: Mapping[str, Entry], what: str,
               states: Mapping[str, State]) -> tuple[Call, ...]:
        result = []
        for j, item in enumerate(self._list(raw, path)):
            cpath = (*path, j)
            args: dict[str, Any]
            if isinstance(item, str):
                name, args = item, {}
            elif isinstance(item, dict) and len(item) == 1:
                name, args = next(iter(item.items()))
                args = args if args is not None else {}
                if not isinstance(args, dict):
                    self.problem((*cpath, name), f"аргументы «{name}» должны быть словарём")
                    continue
            else:
                self.problem(cpath, f"{what}: ожидается имя или {{имя: {{аргументы}}}}")
                continue
            entry = known.get(name)
            if entry is None:
                self.problem(cpath, f"{what} «{name}» не зарегистрирован", ", ".join(sorted(known)) or "—")
                continue
            self.deferred.append(partial(self._check_args, entry, args, (*cpath, name), states))
            result.append(Call(name, args))
        return tuple(result)

    def _check_args(self, entry: Entry, args: Mapping[str, Any], path: Path, states: Mapping[str, State]) -> None:
        for key in args:
            if key not in entry.args:
                self.problem((*path, key), f"у «{entry.name}» нет аргумента «{key}»", ", ".join(entry.args) or "—")
        for key, spec in entry.args.items():
            if key not in args:
                if spec.required:
                    self.problem(path, f"у «{entry.name}» не задан обязательный аргумент «{key}»")
                continue
            values = args[key] if spec.many and isinstance(args[key], list) else [args[key]]
            for value in values:
                self._check_arg(spec, value, (*path, key), states)

    def _check_arg(self, spec: Arg, value: Any, path: Path, states: Mapping[str, State]) -> None:
        kind = spec.kind
        if kind == "template" and value not in self.vocabulary.templates:
            self.problem(path, f"шаблон документа «{value}» не найден", ", ".join(sorted(self.vocabulary.templates)))
        elif kind == "workflow" and self.known is not None and value not in self.known:
            self.problem(path, f"процесс «{value}» не найден", ", ".join(sorted(self.known)))
        elif kind == "state" and value not in states:
            self.problem(path, f"неизвестное состояние «{value}»", ", ".join(states))
        elif kind == "param":
            self.used_params.append((str(value), path))
        elif kind == "role":
            self._role(value, path, allow_assignee=True)
        elif kind == "deadline" and not any(s.deadline(str(value)) for s in states.values()):
            self.problem(path, f"срок «{value}» не объявлен ни в одном состоянии")
        elif kind == "field":
            self._ident(value, path, "Имя поля")
        elif kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
            self.problem(path, f"«{value}» должно быть целым числом")
        elif kind == "bool" and not isinstance(value, bool):
            self.problem(path, f"«{value}» должно быть true или false")
        elif kind == "str" and not isinstance(value, str):
            self.problem(path, f"«{value}» должно быть строкой")

    def _check_deadline_events(self, states: Mapping[str, State], transitions: list[Transition]) -> None:
        """A timeout's event must leave (or stay in) that state and be allowed to the system actor."""
        for sname, state in states.items():
            for i, dl in enumerate(state.deadlines):
                if dl.timeout is None:
                    continue
                path: Path = ("states", sname, "deadlines", i, "timeout", "event")
                match = [t for t in transitions if t.event == dl.timeout.event and sname in t.sources]
                if not match:
                    self.problem(path, f"событие «{dl.timeout.event}» не выходит из состояния «{sname}»",
                                 ", ".join(sorted({t.event for t in transitions if sname in t.sources})) or "—")
                elif SYSTEM_ROLE not in match[0].roles:
                    self.problem(path, f"событие «{dl.timeout.event}» не разрешено роли system",
                                 "добавить system в roles перехода")
                elif any(f.required and f.default is None for f in match[0].fields):
                    self.problem(path, f"событие «{dl.timeout.event}» требует полей формы, "
                                       "а движок запускает его без данных",
                                 "переход без обязательных полей или с default")


def _unit(raw: Any) -> Unit | None:
    try:
        return Unit(raw)
    except ValueError:
        return None


def _kind(value: Any) -> str:
    return {dict: "словарь", list: "список", str: "строка", int: "число", bool: "логическое значение",
            type(None): "пустое значение"}.get(type(value), type(value).__name__)
