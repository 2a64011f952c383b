"""Read a model file (YAML) into a mapping of keys; `case.py` interprets the keys (horizon, options, solver)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import InputError, InputProblem
from ..files import FileError, NotUtf8, read_regular_file, utf8_text
from ..limits import MAX_MODEL_FILE_BYTES


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML SafeLoader that refuses a key given twice in one mapping (plain YAML keeps the last silently), and
    anchors and aliases: a model file needs none, and nested aliases expand a few hundred bytes into gigabytes."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:  # noqa: D102 (PyYAML's hook)
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, f"an alias (*{event.anchor}) is not allowed in a model "
                                              "file; write the value out", event.start_mark)  # type: ignore[arg-type]
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, f"an anchor (&{event.anchor}) is not allowed in a model "
                                              "file; write the value out", event.start_mark)  # type: ignore[arg-type]
        return super().compose_node(parent, index)


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """Build a mapping, raising a YAML error at the second of two equal keys."""
    first_line: dict[object, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in first_line:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice (first at row {first_line[key]})", key_node.start_mark)
        first_line[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def read_yaml_mapping(path: Path) -> dict:
    """The mapping of keys in a model file; `InputError` (one line) if it is missing, unreadable or not a mapping."""
    source = str(path)
    try:
        raw = read_regular_file(path, MAX_MODEL_FILE_BYTES, what="the model file", expected="a model file (.yaml)")
    except FileError as exc:
        raise InputError([InputProblem(source, "model file not found" if exc.missing else str(exc))]) from None
    if path.suffix.lower() in (".csv", ".xlsx", ".xlsm", ".xls"):
        raise InputError([InputProblem(source, "this holds input tables, not a model: give a model file (.yaml) "
                                       "with start, periods and inputs (the folder of CSV files or the workbook)")])
    try:
        text = utf8_text(raw)
    except NotUtf8 as exc:
        row = len(re.findall(rb"\r\n|\r|\n", raw[: exc.at])) + 1
        raise InputError([InputProblem(source, f"not UTF-8 text (byte {raw[exc.at]:#x}); save it as UTF-8",
                                       row=row)]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or "malformed YAML"
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            reason += f" ({context} started at row {context_mark.line + 1})"
        raise InputError([InputProblem(source, f"malformed YAML: {reason}",
                                       row=None if mark is None else mark.line + 1)]) from None
    except RecursionError:
        raise InputError([InputProblem(source, "malformed YAML: lists or mappings nested too deeply")]) from None
    if data is None:
        raise InputError([InputProblem(source, "model file is empty: expected keys name, inputs, start, periods, ...")])
    if not isinstance(data, dict):
        raise InputError([InputProblem(source, "model file must be a mapping of keys (name, inputs, start, periods, "
                                       "...)")])
    return data
