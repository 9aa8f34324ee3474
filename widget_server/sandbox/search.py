"""Stripe's search query language, strictly: what Stripe refuses is refused here too.

    email:'ana@example.com' AND -name~"bot" OR metadata['plan']:'gold' created>1700000000

- a clause is `[-]field OP value`; `field` is a supported field of the resource or
  `metadata['key']`; `OP` is `:` (exact; case-insensitive for text), `~` (substring, at least
  3 characters, string fields only: metadata is a token field, exact only), or `>`, `<`,
  `>=`, `<=`, `=` (numeric fields only);
- text values are quoted with `'` or `"` (backslash escapes the quote and itself); numbers
  are bare; `null` matches a missing value;
- clauses are joined by `AND` or `OR` (in any case) or by a space (AND), never AND and OR in
  one query, at most 10 (Stripe's docs, "Search query language").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from widget_server.sandbox.errors import bad_request

MAX_CLAUSES = 10
_FIELD = re.compile(r"(-?)(metadata\[(['\"])((?:\\.|(?!\3).)*)\3\]|[a-z_]+)")
_OPERATOR = re.compile(r">=|<=|[:~<>=]")
_NUMBER = re.compile(r"-?\d+")
_JOIN = re.compile(r"\s+(AND|OR)\s+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Clause:
    negate: bool
    field: str  # "email", or "metadata" with meta_key set
    meta_key: str | None
    operator: str
    value: str | int | None


def _invalid(query: str, why: str) -> Exception:
    return bad_request(f"Invalid search query: {why} (query: {query})", param="query")


def _value(query: str, rest: str) -> tuple[str | int | None, str]:
    if rest[:1] in ("'", '"'):
        quote, out, i = rest[0], [], 1
        while i < len(rest):
            char = rest[i]
            if char == "\\" and i + 1 < len(rest):
                out.append(rest[i + 1])
                i += 2
                continue
            if char == quote:
                return "".join(out), rest[i + 1:]
            out.append(char)
            i += 1
        raise _invalid(query, "unterminated string")
    if rest.startswith("null"):
        return None, rest[4:]
    number = _NUMBER.match(rest)
    if number:
        return int(number.group(0)), rest[number.end():]
    raise _invalid(query, "a value must be a quoted string, a number or null")


def parse(query: str, fields: dict[str, str]) -> tuple[str, list[Clause]]:
    """`fields`: name -> "text" or "number" (metadata is always allowed)."""
    rest, clauses, joins = query.strip(), [], set()
    if not rest:
        raise _invalid(query, "the query is empty")
    while True:
        found = _FIELD.match(rest)
        if not found:
            raise _invalid(query, f"expected a field at '{rest[:20]}'")
        negate, name, meta_key = bool(found.group(1)), found.group(2), found.group(4)
        field = "metadata" if meta_key is not None else name
        if field != "metadata" and field not in fields:
            raise bad_request(f"Field `{name}` is an unsupported search field for this "
                              f"resource. Supported fields: {', '.join(sorted(fields))}, "
                              "metadata.", param="query")
        rest = rest[found.end():]
        operator = _OPERATOR.match(rest)
        if not operator:
            raise _invalid(query, f"expected an operator after {name}")
        op = operator.group(0)
        value, rest = _value(query, rest[operator.end():])
        kind = "text" if meta_key is not None else fields[field]
        if op not in (":", "~") and kind != "number":
            raise _invalid(query, f"{op} only compares numeric fields")
        if op == "~" and (kind != "text" or meta_key is not None or not isinstance(value, str)
                          or len(value) < 3):
            raise _invalid(query, "~ needs a text value of at least 3 characters")
        if kind == "text" and value is not None and not isinstance(value, str):
            raise _invalid(query, f"{name} takes a quoted string")
        if kind == "number" and value is not None and not isinstance(value, int):
            raise _invalid(query, f"{name} takes a number")
        clauses.append(Clause(negate, field, meta_key.replace("\\", "") if meta_key else None,
                              op, value))
        if not rest.strip():
            break
        join = _JOIN.match(rest)
        space = _SPACE.match(rest)
        if join:
            joins.add(join.group(1).upper())
            rest = rest[join.end():]
        elif space and _FIELD.match(rest[space.end():]):
            joins.add("AND")  # clauses separated by a space are combined with AND
            rest = rest[space.end():]
        else:
            raise _invalid(query, f"expected AND or OR at '{rest.strip()[:20]}'")
    if len(joins) > 1:
        raise _invalid(query, "AND and OR cannot be combined in one query")
    if len(clauses) > MAX_CLAUSES:
        raise _invalid(query, f"at most {MAX_CLAUSES} clauses")
    return (joins.pop() if joins else "AND"), clauses


def matches(obj: dict[str, Any], clause: Clause) -> bool:
    actual = ((obj.get("metadata") or {}).get(clause.meta_key) if clause.meta_key is not None
              else obj.get(clause.field))
    wanted = clause.value
    if wanted is None:
        hit = actual in (None, "")
    elif isinstance(wanted, int):
        number = int(actual) if isinstance(actual, int) else None
        hit = number is not None and {
            ":": number == wanted, "=": number == wanted, ">": number > wanted,
            "<": number < wanted, ">=": number >= wanted, "<=": number <= wanted,
        }[clause.operator]
    else:
        text = str(actual or "").casefold()
        hit = wanted.casefold() in text if clause.operator == "~" \
            else actual is not None and text == wanted.casefold()
    return hit != clause.negate


def search(rows: list[dict[str, Any]], query: str, fields: dict[str, str]
           ) -> list[dict[str, Any]]:
    join, clauses = parse(query, fields)
    combine = any if join == "OR" else all
    return [row for row in rows if combine(matches(row, c) for c in clauses)]
