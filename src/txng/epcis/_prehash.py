"""Serialise the hash tree into the pre-hash string (CBV 2.0 §8.9.2 steps 2-4).

Consumes the tree as the reference implementation does: a node printed by the ordered
pass is removed once it has no children left, and whatever remains (user extensions,
the three typed lists, extension content nested in standard fields) is printed
afterwards, sorted. Keeping these consumption rules is what makes hashes agree.
"""

from __future__ import annotations

import functools
from typing import Any

from txng.epcis.hashing import PROPERTY_ORDER, canonical_value, normalise_time

_UNSORTED_NAMES = frozenset(("bizTransaction", "source", "destination"))


def serialise_event(event_type: str, nodes: list[Any]) -> str:
    """eventType=… + ordered standard fields + remaining fields (sorted)."""
    ordered = _ordered(nodes, PROPERTY_ORDER)
    rest = _generic(nodes) if nodes else ""
    return "eventType=" + event_type + ordered + rest


def _gather_user_extensions(children: list[Any]) -> list[Any]:
    if len(children) <= 1:
        return []
    for child in children:
        name = child[0]
        if isinstance(name, str) and ("eventTime" in name or "action" in name):
            return []  # the event level: extensions go last, after everything
    found = [c for c in children if isinstance(c[0], str) and "{" in c[0] and "/}" in c[0]]
    if found:
        children[:] = [c for c in children if not any(c is e for e in found)]
    return found


def _ordered(children: list[Any], order: _Order) -> str:
    extensions = _gather_user_extensions(children)
    positions = _positions(order)
    # One pass groups the children by name; a pair (tuple) or an unknown name stays for _generic.
    groups: dict[str, list[Any]] = {}
    for child in children:
        name = child[0]
        if name.__class__ is str and name in positions:
            found = groups.get(name)
            if found is None:
                groups[name] = [child]
            else:
                found.append(child)
    out = ""
    is_consumed = False
    for name in sorted(groups, key=positions.__getitem__) if len(groups) > 1 else groups:
        sub_order = order[positions[name]][1]
        is_time = _is_time_name(name)
        values = []
        for child in groups[name]:
            if child[2]:
                text = _child(child, sub_order)
                if text:
                    values.append(text)
                if not child[2]:
                    is_consumed = True
                continue
            # A leaf (most nodes): what _child prints, without the call.
            is_consumed = True
            if child[1]:
                values.append(name + "=" + (normalise_time(child[1]) if is_time else canonical_value(child[1])))
        if values:
            if len(values) > 1:
                values.sort()
            out += "".join(values)
    if is_consumed:
        # A printed node with no children left is consumed; one with children left is printed again
        # by _generic (the reference removes emptied nodes only).
        consumed = {name for name, group in groups.items() if any(not child[2] for child in group)}
        children[:] = [c for c in children if c[0].__class__ is not str or c[0] not in consumed or c[2]]
    if extensions:
        out += _generic(extensions)
    return out


_Order = list[tuple[str, Any]]
_position_cache: dict[int, dict[str, int]] = {}


def _positions(order: _Order) -> dict[str, int]:
    found = _position_cache.get(id(order))
    if found is None:
        found = _position_cache[id(order)] = {name: i for i, (name, _) in enumerate(order)}
    return found


def _child(child: list[Any], sub_order: Any) -> str:
    grand = _ordered(child[2], sub_order) if sub_order and child[2] else ""
    text: str = child[1]
    if text:
        text = "=" + (normalise_time(text) if _is_time_name(child[0]) else canonical_value(text))
    if text or grand:
        return str(child[0]) + text + grand
    return ""


@functools.lru_cache(maxsize=4096)
def _is_time_name(name: str) -> bool:
    lowered = name.lower()
    return "time" in lowered and "offset" not in lowered


def _generic(children: list[Any]) -> str:
    values = []
    is_sorted = len(children) > 1
    for child in children:
        if isinstance(child, tuple):  # a (type, value) pair keeps its order
            values.append(_pair(child))
            continue
        name, text = child[0], child[1]
        if name in _UNSORTED_NAMES:
            is_sorted = False
        values.append(name + ("=" + canonical_value(text) if text else "") + (_generic(child[2]) if child[2] else ""))
    if is_sorted:
        values.sort()
    return "".join(values)


def _pair(pair: tuple[Any, ...]) -> str:
    out = ""
    for name, text, _ in pair:
        if not text:
            out += name
        elif name == "type" or not text.startswith(("gs1:", "cbv:")):
            out += name + "=" + canonical_value(text)
        else:  # the reference expands gs1:/cbv: in the type only, not in the value
            out += name + "=" + _canonical_without_curie(text)
    return out


def _canonical_without_curie(text: str) -> str:
    from txng.epcis.canonical import digital_link

    return digital_link(text) or text
