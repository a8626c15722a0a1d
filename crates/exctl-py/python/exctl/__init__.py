"""exctl from Python: classify items, check shipments and screen parties
with the same rule packs, lists and answers as the ``exctl`` command and
server.

One call at a time takes and returns dicts (the HTTP API's JSON shapes);
``check_many`` and ``screen_many`` take a table (pyarrow, pandas or polars)
and return a ``pyarrow.Table`` in input order, working on every core with
the interpreter released. Nothing is recorded: an embedded check answers as
``exctl check --no-record`` does on an instance with no clearances or
licences on file.
"""

from __future__ import annotations

import datetime
import json
import math
import numbers
import os
from typing import Any, Mapping, Optional, Sequence

from ._native import ExctlError, InvalidInput, NativeEngine, __version__, parse_facts, parse_party

# An error made by hand (or by a path that names nothing) has no field.
ExctlError.field = None

__all__ = ["Engine", "ExctlError", "InvalidInput", "CHECK_SCHEMA", "SCREEN_SCHEMA", "__version__"]

# Columns a check table may have; any other is refused (a misspelt column
# would otherwise be dropped and its value lost).
CHECK_COLUMNS = (
    "id", "item", "to", "as_of", "end_use", "end_use_note", "end_user_hq", "end_user",
    "end_user_country", "consignee", "consignee_country", "intermediates", "quantity",
    "value", "facts", "jurisdictions",
)
SCREEN_COLUMNS = ("id", "name", "country", "type", "dob", "ids", "threshold", "limit")


def _schema(fields):
    import pyarrow as pa

    return pa.schema([pa.field(n, t) for n, t in fields])


def _answer_schemas():
    import pyarrow as pa

    s, b = pa.string(), pa.bool_()
    check = _schema([("id", s), ("ok", b), ("error_field", s), ("error", s), ("overall", s),
                     ("outcomes", s), ("controls", s), ("questions", s), ("notices", s),
                     ("headline", s), ("party_hits", s), ("warnings", s), ("result", s)])
    screen = _schema([("id", s), ("name", s), ("ok", b), ("error_field", s), ("error", s),
                      ("hits", pa.int64()), ("effects", s), ("best_score", pa.float64()),
                      ("best_list", s), ("best_entry", s), ("best_entry_id", s), ("matches", s)])
    return check, screen


# Outcomes from least to most restrictive, to name a hit's worst effect.
_RANK = {o: i for i, o in enumerate((
    "not_controlled", "no_license_required", "obligations_apply", "exception_eligible",
    "authorized", "needs_info", "license_required", "prohibited"))}

# The columns check_many and screen_many return, typed (a column of nulls
# is still a string column, so batches from many calls concatenate).
CHECK_SCHEMA, SCREEN_SCHEMA = _answer_schemas()


def _read(data: Any):
    """The column names and the rows (dicts) of any table: pyarrow, pandas,
    polars, a dict of columns (or of one row's values). pandas frames and
    dicts are read cell by cell, so that a column of mixed types is each
    row's own matter, never the whole call's."""
    import pyarrow as pa

    if type(data).__module__.startswith("pandas") and hasattr(data, "itertuples") and hasattr(data, "columns"):
        # The row index is not a column the caller wrote.
        names = [str(c) for c in data.columns]
        _distinct(names)
        return names, [dict(zip(names, r)) for r in data.itertuples(index=False, name=None)]
    if isinstance(data, Mapping):
        columns = {str(k): v for k, v in data.items()}
        _distinct(columns)
        scalar = {k: isinstance(v, (str, bytes, numbers.Number, datetime.date)) or v is None
                  for k, v in columns.items()}
        # One row given as values: {"name": "Huawei"}.
        if columns and all(scalar.values()):
            columns = {k: [v] for k, v in columns.items()}
        elif any(scalar.values()):
            # "Huawei" among columns would be read letter by letter.
            k = next(k for k, one in scalar.items() if one)
            raise _invalid(k, "one value among columns of values: give every column as a list "
                              "(or every value as one row's)")
        for k, v in columns.items():
            if not hasattr(v, "__len__") or isinstance(v, Mapping):
                raise _invalid(k, f"expected a column of values, got {type(v).__name__}")
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise _invalid(None, f"table: columns of different lengths {sorted(lengths)}")
        names = list(columns)
        return names, [dict(zip(names, r)) for r in zip(*columns.values())]
    if isinstance(data, (list, tuple)) and all(isinstance(r, Mapping) for r in data):
        # Rows as dicts: the columns are their keys, in order of appearance.
        names: list = []
        for r in data:
            for k in r:
                if str(k) not in names:
                    names.append(str(k))
        return names, [{str(k): v for k, v in r.items()} for r in data]
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    elif not isinstance(data, pa.Table):
        if hasattr(data, "to_arrow"):  # polars
            data = data.to_arrow()
        else:
            try:  # anything with the Arrow PyCapsule interface
                data = pa.table(data)
            except Exception:  # noqa: BLE001 - said back with what is read
                raise _invalid(None, f"table: cannot read a {type(data).__name__} as a table; give a pyarrow "
                                     "Table or RecordBatch, a pandas or polars DataFrame, a dict of "
                                     "columns or a list of row dicts") from None
    names = list(data.column_names)
    _distinct(names)
    return names, data.to_pylist()


def _distinct(names) -> None:
    """Refuses a column given twice: one of them would be read, the other
    (a party's name, say) silently never."""
    seen = set()
    for n in names:
        if n in seen:
            raise _invalid(n, "column given twice")
        seen.add(n)


def _invalid(field: Optional[str], message: str) -> InvalidInput:
    err = InvalidInput(f"{field}: {message}" if field else message)
    err.field = field
    return err


def _columns(names: Sequence[str], known: Sequence[str], required: Sequence[str]) -> None:
    for name in names:
        if name not in known:
            raise _invalid(name, f"unknown column; the columns are {', '.join(known)}")
    for name in required:
        if name not in names:
            raise _invalid(name, "required column missing")


def _given(value: Any) -> bool:
    # Arrow nulls, pandas NaN / NaT / NA and numpy NaN are "not given".
    if value is None:
        return False
    kind = type(value)
    if kind.__module__.startswith("pandas") and kind.__name__ in ("NAType", "NaTType"):
        return False
    try:
        return not (value != value)
    except Exception:  # noqa: BLE001 - arrays and such are given
        return True


def _unicode(key: str, value: str) -> str:
    """Text that is Unicode: what Python makes of bytes that are not UTF-8
    (lone surrogates) is refused, naming where."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _invalid(key, f"not valid Unicode text (an unpaired surrogate at character {e.start}: "
                            "bytes that were not UTF-8?)") from None
    return value


def _text(row: Mapping[str, Any], key: str) -> Optional[str]:
    """A text cell, or None; anything else is the row's error, never text
    made of it (b'Huawei' is not the name Huawei)."""
    value = row.get(key)
    if not _given(value) or value == "":
        return None
    if isinstance(value, str):
        return _unicode(key, value)
    raise _invalid(key, f"expected text, got {type(value).__name__} {value!r}"[:200])


def _plain(value: Any, path: str) -> Any:
    """A request's value as JSON takes it, or InvalidInput naming its path:
    dates become YYYY-MM-DD, numpy numbers Python's; NaN and infinity,
    bytes, text that is not Unicode and objects JSON has no form for are
    refused rather than sent as something else."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _unicode(path, value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if not math.isfinite(float(value)):
            raise _invalid(path, f"{value} is not a finite number")
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise _invalid(path, f"expected text, a number, a date, a list or an object, got {type(value).__name__}")


def _request(fields: Mapping[str, Any]) -> str:
    """A single call's request as JSON, every value checked by [`_plain`]."""
    return json.dumps({k: _plain(v, k) for k, v in fields.items()}, allow_nan=False)


def _date(row: Mapping[str, Any], key: str) -> Optional[str]:
    """A date cell: text YYYY-MM-DD, or a date or timestamp (its day)."""
    value = row.get(key)
    if not _given(value) or value == "":
        return None
    if isinstance(value, str):
        try:
            if len(value) != 10:
                raise ValueError
            datetime.date.fromisoformat(value)
        except ValueError:
            raise _invalid(key, f"{value!r} is not a date (expected YYYY-MM-DD)") from None
        return value
    if hasattr(value, "date") and callable(value.date):  # datetime, pandas Timestamp
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise _invalid(key, f"expected a date, got {type(value).__name__} {value!r}"[:200])


def _number(row: Mapping[str, Any], key: str, whole: bool = False) -> Any:
    value = row.get(key)
    if not _given(value) or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise _invalid(key, f"{value!r} is not a number") from None
    # numpy's numbers are numbers too (pandas cells); JSON takes Python's.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _invalid(key, f"expected a number, got {type(value).__name__}")
    if not math.isfinite(float(value)):
        raise _invalid(key, f"{value} is not a finite number")
    if whole:
        if float(value) != int(value):
            raise _invalid(key, f"{value} is not a whole number")
        return int(value)
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _id(row: Mapping[str, Any]) -> Optional[str]:
    value = row.get("id")
    if not _given(value):
        return None
    # pandas turns whole-number columns with gaps into floats: 1.0 is id 1.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _party(role: str, spec: Optional[str], country: Optional[str]) -> Optional[dict]:
    """A party cell in the order-book form (NAME;country=CC;owner=NAME:PCT)."""
    if spec is None:
        return None
    party = json.loads(parse_party(role, spec))
    if country and not party.get("country"):
        party["country"] = country
    return party


def _jurisdictions(value: Any) -> Optional[list]:
    if not _given(value) or value == "":
        return None
    if isinstance(value, str):
        return [j.strip() for j in value.split(",") if j.strip()]
    return [str(j).strip() for j in value]


def _check_request(row: Mapping[str, Any]) -> dict:
    r: dict = {}
    for key in ("item", "to", "end_use", "end_user_hq", "end_use_note"):
        v = _text(row, key)
        if v is not None:
            r[key] = v
    as_of = _date(row, "as_of")
    if as_of:
        r["as_of"] = as_of
    for key in ("quantity", "value"):
        v = _number(row, key)
        if v is not None:
            r[key] = v
    for role in ("end_user", "consignee"):
        spec, country = _text(row, role), _text(row, role + "_country")
        if country is not None and spec is None:
            # A country with no party to be its country would be dropped.
            raise _invalid(role + "_country", f"given without {role}")
        p = _party(role, spec, country)
        if p:
            r[role] = p
    inter = _text(row, "intermediates")
    if inter:
        r["intermediates"] = [_party("intermediate", s.strip(), None)
                              for s in inter.split("|") if s.strip()]
    facts = row.get("facts")
    if _given(facts) and facts != "":
        if isinstance(facts, Mapping):
            r["facts"] = dict(facts)
        elif isinstance(facts, str) and facts.lstrip().startswith("{"):
            try:
                r["facts"] = json.loads(facts)
            except ValueError as e:
                raise _invalid("facts", f"not a JSON object: {e}") from None
        elif isinstance(facts, str):
            r["facts"] = json.loads(parse_facts(facts))
        else:
            raise _invalid("facts", f"expected text name=value;… or an object, got {type(facts).__name__}")
    js = _jurisdictions(row.get("jurisdictions"))
    if js:
        r["jurisdictions"] = js
    return r


def _screen_request(row: Mapping[str, Any]) -> dict:
    name = _text(row, "name")
    if name is None:
        raise _invalid("name", "empty")
    r: dict = {"name": name}
    for key in ("country", "type"):
        v = _text(row, key)
        if v is not None:
            r[key] = v
    # A birth date may be a year or a month ("1984", "1984-01"), as lists
    # and the command line give them: text is the native side's to read.
    dob = row.get("dob")
    if isinstance(dob, str):
        dob = _text(row, "dob")
    else:
        dob = _date(row, "dob")
    if dob:
        r["dob"] = dob
    threshold = _number(row, "threshold")
    if threshold is not None:
        r["threshold"] = threshold
    limit = _number(row, "limit", whole=True)
    if limit is not None:
        r["limit"] = limit
    ids = row.get("ids")
    if _given(ids) and ids != "":
        if isinstance(ids, str):
            r["ids"] = [i.strip() for i in ids.split(";") if i.strip()]
        elif isinstance(ids, (list, tuple)):
            r["ids"] = [str(i) for i in ids]
        else:
            raise _invalid("ids", f"expected text kind:number;… or a list, got {type(ids).__name__}")
    return r


def _requests(rows, build) -> list:
    """Each row's request as JSON, or its error: a row the wrapper cannot
    read is that row's error, never the whole call's."""
    out = []
    for row in rows:
        try:
            out.append((True, _request(build(row))))
        except InvalidInput as e:
            out.append((False, json.dumps({"field": getattr(e, "field", None), "error": str(e)})))
        except (ValueError, TypeError) as e:
            out.append((False, json.dumps({"field": None, "error": str(e)})))
    return out


def _answer(native_many, requests) -> list:
    good = [text for ok, text in requests if ok]
    answers = iter(native_many(good))
    return [next(answers) if ok else (False, text) for ok, text in requests]


class Engine:
    """The rule packs and, when given, the restricted-party lists, loaded once.

    ``data``: a folder with ``packs/`` and ``catalog/`` to use instead of the
    copy built in. ``lists``: what parties are screened against: ``"demo"``
    or paths of list files in any format exctl reads (trade.gov CSL, OFAC
    SDN CSV/XML, UN XML, EU FSF XML, UK Sanctions List, FollowTheMoney…).
    Without lists, a check that names a party is refused, never cleared.
    """

    def __init__(self, *, data: Optional[str] = None, lists: Optional[Sequence[str]] = None):
        if isinstance(lists, (str, os.PathLike)):
            lists = [lists]
        named = [os.fspath(x) for x in lists] if lists else None
        self._native = NativeEngine(os.fspath(data) if data is not None else None, named)

    def about(self) -> dict:
        """The packs (id, version, hash) and the lists (version, entries) in use."""
        return json.loads(self._native.about())

    def classify(self, item: str, as_of: Optional[str] = None,
                 jurisdictions: Optional[Sequence[str]] = None, explain: bool = False) -> dict:
        """What each pack makes of an item, as of a date (default today)."""
        r: dict = {"item": item, "explain": explain}
        if as_of:
            r["as_of"] = _date({"as_of": as_of}, "as_of")
        js = _jurisdictions(jurisdictions)
        if js:
            r["jurisdictions"] = js
        return json.loads(self._native.classify(_request(r)))

    def check(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> dict:
        """A shipment: ``check(item="h100", to="CN", end_user={"name": …})``
        or ``check({...})`` with the API's check request. Returns the
        decision with its summary, party hits and warnings."""
        r = dict(request or {})
        r.update(fields)
        if "as_of" in r:
            r["as_of"] = _date(r, "as_of")
        return json.loads(self._native.check(_request(r)))

    def screen(self, name: str, **fields: Any) -> dict:
        """A party's matches, each with its list's legal effect under the packs."""
        r = {"name": name}
        r.update(fields)
        return json.loads(self._native.screen(_request(r)))

    def check_many(self, table: Any, *, details: bool = False):
        """Checks every row of a table (the columns are in docs/python.md).
        Returns a pyarrow.Table, one row per input row, in order; with
        ``details``, ``result`` holds each whole answer as JSON (several KB a
        row), else it is null."""
        import pyarrow as pa

        names, rows = _read(table)
        _columns(names, CHECK_COLUMNS, ("item", "to"))
        answers = _answer(lambda good: self._native.check_many(good, details),
                          _requests(rows, _check_request))
        return _assemble(rows, answers, CHECK_SCHEMA, pa)

    def screen_many(self, table: Any, *, details: bool = False):
        """Screens every row of a table (the columns are in docs/python.md).
        Returns a pyarrow.Table in input order; with ``details``,
        ``matches`` holds every match with its legal effects as JSON, else
        it is null."""
        import pyarrow as pa

        names, rows = _read(table)
        _columns(names, SCREEN_COLUMNS, ("name",))
        answers = _answer(lambda good: self._native.screen_many(good, details),
                          _requests(rows, _screen_request))
        return _assemble(rows, answers, SCREEN_SCHEMA, pa)


def _echo(text: Optional[str]) -> Optional[str]:
    """Text said back in the answer: as given, but with what is not Unicode
    (lone surrogates) written as escapes, which Arrow can hold."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _assemble(rows, answers, schema, pa):
    """The answer table: the row's id (and name), whether it was answered,
    its error or its columns, as the native side made them."""
    out = {k: [] for k in schema.names}
    for row, (ok, text) in zip(rows, answers):
        v = json.loads(text)
        v["id"] = _echo(_id(row))
        if "name" in out:
            name = row.get("name")
            v["name"] = _echo(name) if isinstance(name, str) else None
        v["ok"] = ok
        if not ok:
            v["error_field"], v["error"] = v.pop("field", None), v.get("error")
        for k in out:
            out[k].append(v.get(k))
    return pa.table(out, schema=schema)
