"""The runners' DuckDB SQL, transpiled to ClickHouse: one source of truth per query.

SQLGlot (https://sqlglot.com) reads the DuckDB text and writes ClickHouse; this module adds
what its ClickHouse generator does not say the way the copy needs it:

- ordered lists (``list(x ORDER BY t)``) become ``groupArray`` of (keys…, value) tuples,
  sorted and projected back, so a journey path keeps its order (``groupArray`` alone has no
  order and skips NULLs);
- ``quantile_cont`` and ``median`` become ``quantile(s)ExactInclusive`` — the same linear
  interpolation as DuckDB (ClickHouse's plain ``median`` is an estimate);
- ``epoch(t)`` is epoch seconds with microseconds, ``epoch(a - b)`` a difference of two;
- ``TIMESTAMP`` is ``DateTime64(6)`` (DuckDB's microseconds), ``bool_or`` is ``max``;
- list comprehensions become ``arrayMap``/``arrayFilter``; two ``unnest`` in one SELECT
  walk their lists side by side (``arrayJoin`` of ``arrayZip``), not as a cross product;
- ``array_slice(l, a, b)`` (1-based, both ends in) becomes ``arraySlice(l, a, length)``,
  ``list_sort`` ``arraySort`` and ``range(a, b)`` ClickHouse's ``range`` (both exclude ``b``;
  SQLGlot writes ``GENERATE_SERIES``, which ClickHouse has not);
- parameters (``$name`` and ``?``) become typed literals, so the same text runs on chDB and
  on a server without a server-side parameter syntax.

A construct the transforms do not know is written as SQLGlot writes it; the parity test
(``tests/test_clickhouse_parity.py``) runs every runner on both engines to find such gaps.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp

#: The DuckDB catalogue queries the runners make, in ClickHouse's words.
CATALOGUE = {
    "duckdb_tables()": "(SELECT name AS table_name, is_temporary AS temporary "
    "FROM system.tables WHERE database = currentDatabase())",
}


def _epoch(value: exp.Expression) -> exp.Expression:
    if isinstance(value, exp.Sub):
        return exp.Paren(this=exp.Sub(this=_epoch(value.this), expression=_epoch(value.expression)))
    if isinstance(value, exp.Paren):
        return _epoch(value.this)
    micro = exp.Anonymous(
        this="toUnixTimestamp64Micro",
        expressions=[
            exp.Anonymous(this="toDateTime64", expressions=[value, exp.Literal.number(6)])
        ],
    )
    return exp.Div(this=micro, expression=exp.Literal.number("1000000.0"))


def _element(index: int) -> exp.Expression:
    return exp.Anonymous(
        this="tupleElement", expressions=[exp.column("p"), exp.Literal.number(index)]
    )


def _lambda(body: exp.Expression) -> exp.Expression:
    return exp.Lambda(this=body, expressions=[exp.to_identifier("p")])


def _ordered_list(node: exp.ArrayAgg) -> exp.Expression:
    """``list(v ORDER BY k1, k2)`` → sort (k1, k2, v) tuples by their keys, keep v."""
    inner = node.this
    if isinstance(inner, exp.Order):
        value, keys = inner.this, list(inner.expressions)
    else:
        value, keys = inner, []
    parts = [k.this for k in keys] + [value]
    tuples = exp.Anonymous(this="groupArray", expressions=[exp.Tuple(expressions=parts)])
    n = len(parts)
    if keys:
        descending = [bool(k.args.get("desc")) for k in keys]
        if any(descending) and not all(descending):
            raise NotImplementedError("a list ordered both ways")
        sort = "arrayReverseSort" if all(descending) else "arraySort"
        key = _lambda(exp.Tuple(expressions=[_element(i + 1) for i in range(len(keys))]))
        tuples = exp.Anonymous(this=sort, expressions=[key, tuples])
    pick = _lambda(_element(n))
    return exp.Anonymous(this="arrayMap", expressions=[pick, tuples])


def _quantiles(node: exp.Expression) -> exp.Expression:
    levels = node.args.get("expression") or exp.Literal.number("0.5")
    if isinstance(levels, exp.Array):
        name, args = "quantilesExactInclusive", list(levels.expressions)
    else:
        name, args = "quantileExactInclusive", [levels]
    # ``quantile(levels)(x)``: a parametric aggregate.
    return exp.ParameterizedAgg(this=name, expressions=args, params=[node.this])


def _comprehension(node: exp.Array) -> exp.Expression:
    comp = node.expressions[0]
    var = comp.args["expression"]
    source = comp.args["iterator"]
    name = var.name
    if comp.args.get("condition") is not None:
        source = exp.Anonymous(
            this="arrayFilter",
            expressions=[
                exp.Lambda(this=comp.args["condition"], expressions=[exp.to_identifier(name)]),
                source,
            ],
        )
    body = comp.this
    if isinstance(body, exp.Column) and body.name == name and not body.table:
        return source
    return exp.Anonymous(
        this="arrayMap",
        expressions=[exp.Lambda(this=body, expressions=[exp.to_identifier(name)]), source],
    )


def _zip_unnests(select: exp.Select) -> None:
    """Several ``unnest`` in one SELECT walk their lists together (DuckDB's meaning)."""
    found = [p for p in select.expressions if isinstance(p.unalias(), exp.Explode)]
    if len(found) < 2:
        return
    lists = [p.unalias().this.copy() for p in found]
    # The lists are read from the table, not from the aliases of their elements (ClickHouse
    # lets an alias shadow a column anywhere in the SELECT).
    source = select.args.get("from_") or select.args.get("from")
    table = source.this if source is not None else None
    if isinstance(table, exp.Table):
        qualifier = table.alias_or_name
        for column in [c for item in lists for c in item.find_all(exp.Column)]:
            if not column.table:
                column.set("table", exp.to_identifier(qualifier))
    zipped = exp.alias_(
        exp.Anonymous(
            this="arrayJoin", expressions=[exp.Anonymous(this="arrayZip", expressions=lists)]
        ),
        "_zipped",
    )
    projections: list[Any] = []
    for p in select.expressions:
        if p in found:
            index = found.index(p) + 1
            element = exp.Anonymous(
                this="tupleElement",
                expressions=[exp.column("_zipped"), exp.Literal.number(index)],
            )
            projections.append(exp.alias_(element, p.alias_or_name))
            if index == 1:
                projections.insert(len(projections) - 1, zipped)
        else:
            projections.append(p)
    select.set("expressions", projections)


def _decimal(node: exp.Cast) -> exp.Expression:
    """DuckDB rounds a double to the decimal's scale; ClickHouse would truncate (12.3 is
    12.2999… as a double): go through the double's shortest text, round as a decimal."""
    scale = node.to.expressions[1].this if len(node.to.expressions) > 1 else exp.Literal.number(0)
    exact = exp.Anonymous(
        this="toDecimal128",
        expressions=[
            exp.Anonymous(this="toString", expressions=[node.this]),
            exp.Literal.number(9),
        ],
    )
    rounded = exp.Anonymous(this="round", expressions=[exact, scale])
    return exp.Cast(this=rounded, to=node.to)


def _slice(node: exp.ArraySlice) -> exp.Expression:
    """DuckDB's ``array_slice(l, a, b)`` keeps elements ``a..b``; ClickHouse's
    ``arraySlice(l, offset, length)`` takes a length, and a negative one counts from the end:
    ``b < a`` (an empty slice in DuckDB) must be a length of 0."""
    start, end = node.args["start"], node.args.get("end")
    if end is None or node.args.get("is_length"):
        args = [node.this, start] + ([end] if end is not None else [])
        return exp.Anonymous(this="arraySlice", expressions=args)
    length = exp.Anonymous(
        this="greatest",
        expressions=[
            exp.Paren(
                this=exp.Add(
                    this=exp.Sub(this=exp.Paren(this=end), expression=exp.Paren(this=start.copy())),
                    expression=exp.Literal.number(1),
                )
            ),
            exp.Literal.number(0),
        ],
    )
    return exp.Anonymous(this="arraySlice", expressions=[node.this, start, length])


def _range(node: exp.GenerateSeries) -> exp.Expression:
    """``range(a, b)`` (b excluded) and ``generate_series(a, b)`` (b included) as a list."""
    end = node.args["end"]
    if not node.args.get("is_end_exclusive"):
        end = exp.Add(this=exp.Paren(this=end), expression=exp.Literal.number(1))
    return exp.Anonymous(this="range", expressions=[node.args["start"], end])


REWRITTEN = (
    exp.ArraySlice,
    exp.ArraySort,
    exp.GenerateSeries,
    exp.Cast,
    exp.ArrayAgg,
    exp.PercentileCont,
    exp.Median,
    exp.TimeToUnix,
    exp.LogicalOr,
    exp.Array,
)


def _name_columns(select: exp.Select) -> None:
    """``t.x`` in a subquery's SELECT list is named ``x`` (DuckDB's name; ClickHouse's is
    ``t.x``), unless two columns share the name (the outer query cannot name them then)."""
    if select.parent is None:
        return
    names = [p.alias_or_name for p in select.expressions]
    select.set(
        "expressions",
        [
            exp.alias_(p, p.name)
            if isinstance(p, exp.Column) and p.table and not p.is_star and names.count(p.name) == 1
            else p
            for p in select.expressions
        ],
    )


def _transform(node: exp.Expression) -> exp.Expression:
    if isinstance(node, REWRITTEN):
        # The replacement is not walked again: rewrite what it wraps first.
        for child in list(node.iter_expressions()):
            child.replace(child.transform(_transform))
    if isinstance(node, exp.ArrayAgg):
        return _ordered_list(node)
    if isinstance(node, exp.ArraySlice):
        return _slice(node)
    if isinstance(node, exp.ArraySort):
        return exp.Anonymous(this="arraySort", expressions=[node.this])
    if isinstance(node, exp.GenerateSeries) and node.args.get("step") is None:
        return _range(node)
    if isinstance(node, exp.PercentileCont):
        return _quantiles(node)
    if isinstance(node, exp.Median):
        return _quantiles(node)
    if isinstance(node, exp.TimeToUnix):
        return _epoch(node.this)
    if (
        isinstance(node, exp.Cast)
        and node.to.this == exp.DataType.Type.DECIMAL
        and not isinstance(node.this, exp.Literal)
    ):
        return _decimal(node)
    if isinstance(node, exp.LogicalOr):
        return exp.Max(this=node.this)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        # A grouping key only (the promotions' matched cells): another hash, the same groups.
        return exp.Anonymous(this="cityHash64", expressions=node.expressions)
    if (
        isinstance(node, exp.Array)
        and node.expressions
        and isinstance(node.expressions[0], exp.Comprehension)
    ):
        return _comprehension(node)
    if isinstance(node, exp.DataType) and node.this in (
        exp.DataType.Type.TIMESTAMP,
        exp.DataType.Type.TIMESTAMPNTZ,
    ):
        return exp.DataType.build("DateTime64(6)", dialect="clickhouse")
    if isinstance(node, exp.Select):
        _zip_unnests(node)
        _name_columns(node)
    return node


@functools.lru_cache(maxsize=512)
def _parsed(sql: str) -> exp.Expression:
    for duck, click in CATALOGUE.items():
        sql = sql.replace(duck, click)
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(_transform)


def literal(value: Any) -> exp.Expression:
    """A parameter value as a ClickHouse literal of the type DuckDB would bind."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            return exp.Anonymous(this="toFloat64", expressions=[exp.Literal.string(str(value))])
        return exp.Cast(
            this=exp.Literal.number(repr(float(value))),
            to=exp.DataType.build("Float64", dialect="clickhouse"),
        )
    if isinstance(value, datetime):
        text = value.replace(tzinfo=None).isoformat(sep=" ")
        return exp.Anonymous(
            this="toDateTime64",
            expressions=[
                exp.Literal.string(text),
                exp.Literal.number(6),
                exp.Literal.string("UTC"),
            ],
        )
    if isinstance(value, date):
        return exp.Anonymous(this="toDate32", expressions=[exp.Literal.string(value.isoformat())])
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, Sequence):
        return exp.Array(expressions=[literal(v) for v in value])
    raise TypeError(f"No ClickHouse literal for {type(value).__name__}")


def clickhouse_sql(sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> str:
    """The ClickHouse text of one DuckDB statement, its parameters written in as literals."""
    tree = _parsed(sql).copy()
    if params:
        positional = iter(params) if not isinstance(params, Mapping) else None

        def bind(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Placeholder):
                if node.name and isinstance(params, Mapping):
                    return literal(params[node.name])
                if positional is not None:
                    return literal(next(positional))
            return node

        tree = tree.transform(bind)
    return tree.sql(dialect="clickhouse")
