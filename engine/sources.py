"""Reading and checking several workflow files at once (``opora workflows validate``, the catalog).

* :func:`read_sources` reads the files as the user named them — a folder stands for its
  ``*.yaml`` files — and keeps the path as given (``sub/x.yaml``), so every message points at
  the file the user typed; a file that cannot be read becomes one line saying why;
* :func:`check_sources` validates every file, collecting each file's problems instead of
  stopping at the first bad one, and reports two files that describe the same workflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from engine.errors import Problem, WorkflowInvalid
from engine.loader import load_workflow
from engine.machine import CompiledWorkflow, compile_workflow
from engine.vocabulary import Vocabulary
from engine.yamlsource import LOADER


@dataclass(frozen=True)
class Source:
    path: str
    text: str


@dataclass(frozen=True)
class Unreadable:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Checked:
    path: str
    compiled: CompiledWorkflow | None = None
    problems: list[Problem] = field(default_factory=list)


def read_sources(names: Sequence[str]) -> tuple[list[Source], list[Unreadable]]:
    """The files named (a folder: its ``*.yaml`` files, sorted), each once, with the path as first given."""
    sources: list[Source] = []
    unreadable: list[Unreadable] = []
    seen: set[Path] = set()
    for name in names:
        path = Path(name)
        if path.is_dir():
            children = sorted(path.glob("*.yaml"))
            if not children:
                unreadable.append(Unreadable(name, "в папке нет файлов *.yaml"))
            shown = [str(path / child.name) for child in children]
        else:
            shown = [name]
        for item in shown:
            key = Path(item).resolve()
            if key not in seen:
                seen.add(key)
                _read(item, sources, unreadable)
    return sources, unreadable


def _read(name: str, sources: list[Source], unreadable: list[Unreadable]) -> None:
    try:
        sources.append(Source(name, Path(name).read_text(encoding="utf-8")))
    except FileNotFoundError:
        unreadable.append(Unreadable(name, "файл не найден"))
    except PermissionError:
        unreadable.append(Unreadable(name, "нет прав на чтение файла"))
    except UnicodeDecodeError as exc:
        unreadable.append(Unreadable(name, f"файл не в кодировке UTF-8 (байт {exc.start})"))
    except OSError as exc:
        unreadable.append(Unreadable(name, f"не удалось прочитать файл: {exc.strerror or exc}"))


def workflow_name(text: str) -> str | None:
    """The ``workflow:`` name of a file, if it has one (a quick look, no validation)."""
    try:
        head = yaml.load(text, Loader=LOADER)  # safe: libyaml or SafeLoader
    except yaml.YAMLError:
        return None
    return head["workflow"] if isinstance(head, dict) and isinstance(head.get("workflow"), str) else None


def check_sources(vocabulary: Vocabulary, sources: Sequence[Source], known: Iterable[str] = ()) -> list[Checked]:
    """Validate and compile every source; ``known``: more workflow names a file may start (besides these)."""
    names = {n for s in sources if (n := workflow_name(s.text))} | set(known)
    results: list[Checked] = []
    first: dict[str, Checked] = {}
    for source in sources:
        checked = Checked(source.path)
        try:
            checked.compiled = compile_workflow(load_workflow(source.text, vocabulary, filename=source.path,
                                                              known_workflows=names))
        except WorkflowInvalid as exc:
            checked.problems = list(exc.problems)
        results.append(checked)
        if checked.compiled is None:
            continue
        wf = checked.compiled.definition
        earlier = first.setdefault(wf.name, checked)
        if earlier is not checked:
            assert earlier.compiled is not None
            line = next((i for i, text in enumerate(source.text.splitlines(), 1) if text.startswith("workflow:")),
                        None)
            checked.problems.append(Problem(
                source.path, line, "workflow",
                f"процесс «{wf.name}» уже описан в файле {earlier.path} "
                f"(версия {earlier.compiled.definition.version})", "один файл на процесс"))
            checked.compiled = None
    return results


def names_in(folder: Path) -> list[str]:
    """The workflow names of a folder's files (those a file being checked may start)."""
    found, _ = read_sources([str(p) for p in sorted(folder.glob("*.yaml"))])
    return [n for s in found if (n := workflow_name(s.text))]
