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

import json
from typing import Any, Iterable, Mapping, Optional, Sequence

from ._native import ExctlError, InvalidInput, NativeEngine, __version__

__all__ = ["Engine", "ExctlError", "InvalidInput", "CHECK_SCHEMA", "SCREEN_SCHEMA", "__version__"]

# Columns a check table may have; any other is refused (a misspelt column
# would otherwise be dropped and its value lost).
CHECK_COLUMNS = (
    "id", "item", "to", "as_of", "end_use", "end_user_hq", "end_user",
    "end_user_country", "consignee", "consignee_country", "quantity", "value",
    "facts", "jurisdictions",
)
SCREEN_COLUMNS = ("id", "name", "country", "type", "dob", "ids", "threshold", "limit")


def _schema(fields):
    import pyarrow as pa

    return pa.schema([pa.field(n, t) for n, t in fields])


def _answer_schemas():
    import pyarrow as pa

    s, b = pa.string(), pa.bool_()
    check = _schema([("id", s), ("ok", b), ("error_field", s), ("error", s), ("overall", s),
                     ("outcomes", s), ("headline", s), ("party_hits", s), ("warnings", s),
                     ("result", s)])
    screen = _schema([("id", s), ("name", s), ("ok", b), ("error_field", s), ("error", s),
                      ("hits", pa.int64()), ("best_score", pa.float64()), ("best_list", s),
                      ("best_entry", s), ("matches", s)])
    return check, screen


# The columns check_many and screen_many return, typed (a column of nulls
# is still a string column, so batches from many calls concatenate).
CHECK_SCHEMA, SCREEN_SCHEMA = _answer_schemas()


def _table(data: Any):
    """Any table as a pyarrow.Table (pyarrow, pandas, polars, a dict of columns)."""
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if hasattr(data, "to_arrow"):  # polars
        return data.to_arrow()
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, Mapping):
        return pa.table(dict(data))
    try:  # pandas, or anything with the Arrow PyCapsule interface
        return pa.table(data)
    except Exception as e:  # noqa: BLE001 - said back with what was given
        raise InvalidInput(f"table: cannot read a {type(data).__name__} as a table ({e})") from None


def _columns(table, known: Sequence[str], required: Sequence[str]) -> None:
    for name in table.column_names:
        if name not in known:
            err = InvalidInput(f"{name}: unknown column; the columns are {', '.join(known)}")
            err.field = name
            raise err
    for name in required:
        if name not in table.column_names:
            err = InvalidInput(f"{name}: required column missing")
            err.field = name
            raise err


def _clean(value: Any) -> Any:
    # Arrow nulls and pandas NaN are "not given".
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value


def _party(name: Any, country: Any) -> Optional[dict]:
    name = _clean(name)
    if name is None or name == "":
        return None
    party = {"name": str(name)}
    country = _clean(country)
    if country:
        party["country"] = str(country)
    return party


def _check_request(row: Mapping[str, Any]) -> dict:
    r: dict = {}
    for key in ("item", "to", "as_of", "end_use", "end_user_hq"):
        v = _clean(row.get(key))
        if v is not None and v != "":
            r[key] = str(v)
    for key in ("quantity", "value"):
        v = _clean(row.get(key))
        if v is not None:
            r[key] = v
    for role in ("end_user", "consignee"):
        p = _party(row.get(role), row.get(role + "_country"))
        if p:
            r[role] = p
    facts = _clean(row.get("facts"))
    if facts:
        r["facts"] = json.loads(facts) if isinstance(facts, str) else dict(facts)
    js = _clean(row.get("jurisdictions"))
    if js:
        r["jurisdictions"] = [j for j in str(js).split(",") if j] if isinstance(js, str) else list(js)
    return r


def _screen_request(row: Mapping[str, Any]) -> dict:
    r: dict = {"name": "" if _clean(row.get("name")) is None else str(row.get("name"))}
    for key in ("country", "type", "dob"):
        v = _clean(row.get(key))
        if v is not None and v != "":
            r[key] = str(v)
    for key in ("threshold", "limit"):
        v = _clean(row.get(key))
        if v is not None:
            r[key] = v
    ids = _clean(row.get("ids"))
    if ids:
        r["ids"] = [i.strip() for i in str(ids).split(";") if i.strip()]
    return r


def _rows(table) -> Iterable[dict]:
    return table.to_pylist()


class Engine:
    """The rule packs and, when given, the restricted-party lists, loaded once.

    ``data``: a folder with ``packs/`` and ``catalog/`` to use instead of the
    copy built in. ``lists``: what parties are screened against: ``"demo"``
    or paths of list files in any format exctl reads (trade.gov CSL, OFAC
    SDN CSV/XML, UN XML, EU FSF XML, UK Sanctions List, FollowTheMoney…).
    Without lists, a check that names a party is refused, never cleared.
    """

    def __init__(self, data: Optional[str] = None, lists: Optional[Sequence[str]] = None):
        if isinstance(lists, str):
            lists = [lists]
        self._native = NativeEngine(data, list(lists) if lists else None)

    def about(self) -> dict:
        """The packs (id, version, hash) and the lists (version, entries) in use."""
        return json.loads(self._native.about())

    def classify(self, item: str, as_of: Optional[str] = None,
                 jurisdictions: Optional[Sequence[str]] = None, explain: bool = False) -> dict:
        """What each pack makes of an item, as of a date (default today)."""
        r: dict = {"item": item, "explain": explain}
        if as_of:
            r["as_of"] = as_of
        if jurisdictions:
            r["jurisdictions"] = list(jurisdictions)
        return json.loads(self._native.classify(json.dumps(r)))

    def check(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> dict:
        """A shipment: ``check(item="h100", to="CN", end_user={"name": …})``
        or ``check({...})`` with the API's check request. Returns the
        decision with its summary, party hits and warnings."""
        r = dict(request or {})
        r.update(fields)
        return json.loads(self._native.check(json.dumps(r)))

    def screen(self, name: str, **fields: Any) -> dict:
        """A party's matches, each with its list's legal effect under the packs."""
        r = {"name": name}
        r.update(fields)
        return json.loads(self._native.screen(json.dumps(r)))

    def check_many(self, table: Any):
        """Checks every row of a table (columns: item, to, as_of, end_use,
        end_user_hq, end_user, end_user_country, consignee,
        consignee_country, quantity, value, facts (JSON), jurisdictions
        (comma list), id). Returns a pyarrow.Table, one row per input row, in
        order: id, ok, error_field, error, overall, outcomes, headline,
        party_hits, warnings, result (the whole answer as JSON)."""
        import pyarrow as pa

        t = _table(table)
        _columns(t, CHECK_COLUMNS, ("item", "to"))
        rows = _rows(t)
        answers = self._native.check_many([json.dumps(_check_request(r)) for r in rows])
        out = {k: [] for k in ("id", "ok", "error_field", "error", "overall", "outcomes",
                               "headline", "party_hits", "warnings", "result")}
        for row, (ok, text) in zip(rows, answers):
            v = json.loads(text)
            out["id"].append(None if _clean(row.get("id")) is None else str(row.get("id")))
            out["ok"].append(ok)
            if not ok:
                out["error_field"].append(v.get("field"))
                out["error"].append(v.get("error"))
                for k in ("overall", "outcomes", "headline", "party_hits", "warnings", "result"):
                    out[k].append(None)
                continue
            out["error_field"].append(None)
            out["error"].append(None)
            out["overall"].append(v.get("overall"))
            out["outcomes"].append(";".join(
                f"{d['jurisdiction']}={d.get('outcome') or ''}" for d in v.get("determinations", [])))
            out["headline"].append((v.get("summary") or {}).get("headline"))
            out["party_hits"].append(";".join(
                f"{h['role']}:{h['list']}:{h['entry_id']}" for h in v.get("party_hits", [])))
            out["warnings"].append(" | ".join(v.get("warnings", [])))
            out["result"].append(text)
        return pa.table(out, schema=CHECK_SCHEMA)

    def screen_many(self, table: Any):
        """Screens every row of a table (columns: name, country, type, dob,
        ids (semicolon list), threshold, limit, id). Returns a
        pyarrow.Table in input order: id, name, ok, error_field, error,
        hits, best_score, best_list, best_entry, matches (JSON)."""
        import pyarrow as pa

        t = _table(table)
        _columns(t, SCREEN_COLUMNS, ("name",))
        rows = _rows(t)
        answers = self._native.screen_many([json.dumps(_screen_request(r)) for r in rows])
        out = {k: [] for k in ("id", "name", "ok", "error_field", "error", "hits",
                               "best_score", "best_list", "best_entry", "matches")}
        for row, (ok, text) in zip(rows, answers):
            v = json.loads(text)
            out["id"].append(None if _clean(row.get("id")) is None else str(row.get("id")))
            out["name"].append(_clean(row.get("name")))
            out["ok"].append(ok)
            if not ok:
                out["error_field"].append(v.get("field"))
                out["error"].append(v.get("error"))
                for k in ("hits", "best_score", "best_list", "best_entry", "matches"):
                    out[k].append(None)
                continue
            # The matches are those at or above the threshold, best first.
            matches = v.get("matches", [])
            best = matches[0] if matches else None
            out["error_field"].append(None)
            out["error"].append(None)
            out["hits"].append(len(matches))
            out["best_score"].append(best["score"] if best else None)
            out["best_list"].append(best["list"] if best else None)
            out["best_entry"].append(best["name"] if best else None)
            out["matches"].append(json.dumps(matches, ensure_ascii=False))
        return pa.table(out, schema=SCREEN_SCHEMA)
