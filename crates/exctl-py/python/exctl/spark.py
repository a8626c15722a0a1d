"""exctl on a Spark cluster: screen or check a DataFrame with
``DataFrame.mapInArrow``, the rule packs and lists loaded once per executor
Python worker (Spark reuses its Python workers), every batch answered on all
the worker's cores with the interpreter released.

    from exctl.spark import screen_dataframe
    hits = screen_dataframe(parties_df, lists=["/data/lists/cons_prim.csv"])

The lists (and a ``data`` folder, if any) must be readable at the same path
on every executor: ship them with ``spark.files`` / ``SparkFiles`` or a
shared filesystem. Answers are those of ``Engine.screen_many`` and
``Engine.check_many``, in the same columns.
"""

from __future__ import annotations

from typing import Iterator, Optional, Sequence

import pyarrow as pa

import os

from . import CHECK_COLUMNS, CHECK_SCHEMA, SCREEN_COLUMNS, SCREEN_SCHEMA, Engine, _invalid

_ENGINES: dict = {}


def _lists(lists) -> tuple:
    if lists is None:
        return ()
    if isinstance(lists, (str, os.PathLike)):
        return (os.fspath(lists),)
    return tuple(os.fspath(x) for x in lists)


def _engine(lists: Sequence[str], data: Optional[str]) -> Engine:
    """One engine per worker process and configuration: loading the lists
    is the slow part, and it happens once."""
    key = (_lists(lists), data)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = Engine(data=data, lists=list(key[0]) or None)
    return engine


def _ddl(schema: pa.Schema) -> str:
    names = {pa.string(): "string", pa.bool_(): "boolean", pa.int64(): "bigint",
             pa.float64(): "double"}
    return ", ".join(f"`{f.name}` {names[f.type]}" for f in schema)


def screen_batches(lists: Sequence[str], data: Optional[str] = None, details: bool = False):
    """The function for ``mapInArrow`` that screens each batch of parties."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        engine = _engine(lists, data)
        for batch in batches:
            table = pa.Table.from_batches([batch])
            yield from engine.screen_many(table, details=details).to_batches()

    return run


def check_batches(lists: Optional[Sequence[str]] = None, data: Optional[str] = None,
                  details: bool = False):
    """The function for ``mapInArrow`` that checks each batch of orders."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        engine = _engine(lists or (), data)
        for batch in batches:
            table = pa.Table.from_batches([batch])
            yield from engine.check_many(table, details=details).to_batches()

    return run


def _check_columns(df, known, required) -> None:
    # Said on the driver, before any task runs, not as an executor's traceback.
    for name in df.columns:
        if name not in known:
            raise _invalid(name, f"unknown column; the columns are {', '.join(known)}")
    for name in required:
        if name not in df.columns:
            raise _invalid(name, "required column missing")


def screen_dataframe(df, lists: Sequence[str], data: Optional[str] = None, details: bool = False):
    """Screens every row of a Spark DataFrame (the columns ``screen_many``
    reads); returns a DataFrame of ``screen_many``'s columns."""
    _check_columns(df, SCREEN_COLUMNS, ("name",))
    if not _lists(lists):
        # Every row would be refused on the executors, one by one.
        raise _invalid("lists", "screening needs lists: \"demo\", or list files readable on every executor")
    return df.mapInArrow(screen_batches(_lists(lists), data, details), _ddl(SCREEN_SCHEMA))


def check_dataframe(df, lists: Optional[Sequence[str]] = None, data: Optional[str] = None,
                    details: bool = False):
    """Checks every row of a Spark DataFrame (the columns ``check_many``
    reads); returns a DataFrame of ``check_many``'s columns."""
    _check_columns(df, CHECK_COLUMNS, ("item", "to"))
    return df.mapInArrow(check_batches(_lists(lists), data, details), _ddl(CHECK_SCHEMA))
