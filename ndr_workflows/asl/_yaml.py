"""YAML for :func:`ndr_workflows.asl.reader.read_data` (environment files).

PyYAML is optional (``pip install pyyaml``) and imported only here. Its
``safe_load`` still accepts what the reader refuses in JSON: a key twice
(the last wins silently), aliases (a few lines expand to billions of
nodes for any code that walks the result), nesting deep enough for a
RecursionError, integers Python will not convert. The loader below refuses
each of them with one message; values JSON cannot hold (dates, NaN) are
refused afterwards by the reader's JSON-data check. (The reader imports
this module, never the other way round.)
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["load_yaml", "YamlUnusable"]


class YamlUnusable(ValueError):
    """The text cannot be used; the message says why (without the source)."""


def load_yaml(text: str, max_depth: int, max_int_digits: int) -> Any:
    """The YAML document in ``text`` as plain data, or YamlUnusable (the
    reader, which imports this module, adds the file's name)."""
    MAX_DEPTH, MAX_INT_DIGITS = max_depth, max_int_digits  # noqa: N806 - the reader's limits
    try:
        import yaml
    except ImportError:
        raise YamlUnusable("YAML files need PyYAML: pip install pyyaml (or use JSON)") from None

    class Refused(Exception):
        pass

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise Refused(f"YAML aliases (*{self.peek_event().anchor}) are not accepted; write the value out")
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise Refused(f"nested too deeply (at most {MAX_DEPTH} levels)")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:  # an unhashable key: refused below as not JSON
                    continue
                if duplicate:
                    raise Refused(f"the key {key!r} appears more than once in one mapping (line {key_node.start_mark.line + 1}); only one value can count, so none does")
                seen.add(key)
            return super().construct_mapping(node, deep)

        def construct_yaml_int(self, node: Any) -> Any:
            digits = sum(ch.isdigit() for ch in str(node.value))
            if digits > MAX_INT_DIGITS:
                raise Refused(f"an integer of {digits} digits at line {node.start_mark.line + 1} (at most {MAX_INT_DIGITS} are accepted)")
            return super().construct_yaml_int(node)

    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    try:
        documents = list(yaml.load_all(text, Loader=Loader))  # noqa: S506 - a SafeLoader subclass
    except Refused as exc:
        raise YamlUnusable(f"not usable YAML: {exc}") from None
    except yaml.YAMLError as exc:
        raise YamlUnusable(f"not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise YamlUnusable(f"not usable YAML: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # a constructor's own refusal (e.g. a malformed number or date)
        raise YamlUnusable(f"not usable YAML: {exc}") from None
    if len(documents) != 1:
        raise YamlUnusable(f"holds {len(documents)} YAML documents; one is expected")
    return documents[0]
