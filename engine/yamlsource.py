"""YAML reading that remembers where every value came from.

The loader reports problems as ``file:line: path.inside[0].file: what is wrong``; for
that it needs the line of each key and list item, which plain ``yaml.safe_load`` drops.
:func:`read_yaml` composes the node tree and converts it to plain Python data while
recording the line of every path, and reports duplicate keys (which YAML silently lets
the last one win). Parsing uses libyaml (``CSafeLoader``, shipped in PyYAML's wheels) when it
is there — eight times faster than the pure-Python scanner — and falls back to ``SafeLoader``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

Path = tuple[str | int, ...]
if TYPE_CHECKING:
    Loader = yaml.SafeLoader | yaml.CSafeLoader
LOADER: type[Loader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Located:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[tuple[Path, int]] = field(default_factory=list)
    #: keys that are not plain scalars (a list or mapping used as a key), with their lines
    bad_keys: list[tuple[Path, int]] = field(default_factory=list)

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        current = tuple(path)
        while current:
            if current in self.lines:
                return self.lines[current]
            current = current[:-1]
        return self.lines.get((), None)


class YamlSyntaxError(ValueError):
    def __init__(self, line: int | None, message: str) -> None:
        self.line, self.text = line, message
        super().__init__(message)


def read_yaml(text: str, loader_class: type[Loader] = LOADER) -> Located:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        result = Located(None)
        if node is not None:
            result.lines[()] = node.start_mark.line + 1
            result.data = _convert(loader, node, (), result)
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(mark.line + 1 if mark else None, str(exc.problem or exc)) from exc
    finally:
        loader.dispose()


def _convert(loader: Loader, node: yaml.Node, path: Path, out: Located) -> Any:
    if isinstance(node, yaml.MappingNode):
        explicit_count = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        loader.flatten_mapping(node)  # resolve "<<: *anchor" merge keys as safe_load does
        merged_count = len(node.value) - explicit_count  # merged pairs come first; explicit ones override
        result: dict[Any, Any] = {}
        explicit: set[Any] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                out.bad_keys.append((path, key_node.start_mark.line + 1))
                continue
            key = loader.construct_object(key_node, deep=True)
            child = (*path, key)
            if index >= merged_count:
                if key in explicit:
                    out.duplicates.append((child, key_node.start_mark.line + 1))
                explicit.add(key)
            out.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(loader, value_node, child, out)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            out.lines[child] = item.start_mark.line + 1
            items.append(_convert(loader, item, child, out))
        return items
    return loader.construct_object(node, deep=True)


def format_path(path: Path) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
