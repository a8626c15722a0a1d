"""The exctl package as a data team uses it: installed from its wheel,
single calls with dicts, and tables through pyarrow, pandas and polars.
Every answer is compared with the ``exctl`` command's own where one exists."""

import json
import os
import subprocess

import pyarrow as pa
import pytest

import exctl

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
EU_LIST = os.path.join(REPO, "docs", "examples", "lists", "eu.xml")
EXCTL = os.environ.get("EXCTL_BIN")


@pytest.fixture(scope="module")
def engine():
    return exctl.Engine(lists=["demo"])


def cli_json(*args):
    """The CLI's answer, where the test run names the binary."""
    if not EXCTL:
        if os.environ.get("CI") == "true":
            pytest.fail("EXCTL_BIN is not set: under CI the CLI to compare with must be there")
        pytest.skip("EXCTL_BIN is not set: no CLI to compare with")
    out = subprocess.run([EXCTL, *args, "--json", "--no-record"], capture_output=True, text=True,
                         env={**os.environ, "EXCTL_HOME": os.environ.get("EXCTL_HOME", "/nonexistent")})
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def test_about_names_the_packs_and_lists(engine):
    a = engine.about()
    ids = [p["id"] for p in a["packs"]]
    assert "us" in ids and "eu-sanctions" in ids
    assert a["lists"]["entries"] > 0


def test_classify_and_check_answer_as_the_cli(engine):
    d = engine.classify("h100", as_of="2026-01-01")
    us = next(x for x in d["determinations"] if x["jurisdiction"] == "us")
    assert "3A090.a" in us["controls"]
    c = engine.check(item="h100", to="CN", as_of="2026-01-01")
    assert c["summary"]["headline"]
    cli = cli_json("check", "--item", "h100", "--to", "CN", "--as-of", "2026-01-01", "--list", "demo")
    assert c["overall"] == cli["overall"]
    assert [x["outcome"] for x in c["determinations"]] == [x["outcome"] for x in cli["determinations"]]


def test_a_listed_party_is_found_in_native_script(engine):
    s = engine.screen("华为技术有限公司")
    assert s["matches"], s
    assert any("Huawei" in m["name"] or "HUAWEI" in m["name"].upper() for m in s["matches"])


def test_bad_input_raises_naming_the_field(engine):
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to="XX")
    assert e.value.field == "to"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to="CN", colour="red")
    assert "colour" in str(e.value)
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="no such chip", to="CN")
    assert e.value.field == "item"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.screen("")
    assert e.value.field == "name"
    assert issubclass(exctl.InvalidInput, exctl.ExctlError)


def test_a_party_without_lists_is_refused_never_cleared():
    bare = exctl.Engine()
    with pytest.raises(exctl.InvalidInput) as e:
        bare.check(item="h100", to="DE", end_user={"name": "Huawei"})
    assert e.value.field == "end_user"


def test_opt_in_packs_weigh_eu_listings():
    eu = exctl.Engine(lists=[EU_LIST])
    r = {"item": "h100", "to": "DE", "as_of": "2026-12-01",
         "end_user": {"name": "Korea Mining Development Trading Corporation", "country": "KP"}}
    plain = eu.check(r)
    assert any("eu-sanctions" in w for w in plain.get("warnings", [])), plain
    weighed = eu.check(r, jurisdictions=["us", "eu-sanctions"])
    assert weighed["overall"] == "prohibited"


def test_check_many_keeps_order_and_equals_single_checks(engine):
    table = pa.table({
        "id": ["a", "b", "c", "d"],
        "item": ["h100", "h100", "rtx 4090", "h100"],
        "to": ["CN", "DE", "AE", "ZZ"],
        "as_of": ["2026-01-01"] * 4,
        "end_user": ["Huawei Technologies Co., Ltd.", None, None, None],
        "end_user_country": ["CN", None, None, None],
    })
    out = engine.check_many(table, details=True)
    assert out.num_rows == 4
    rows = out.to_pylist()
    assert [r["id"] for r in rows] == ["a", "b", "c", "d"]
    assert rows[3]["ok"] is False and rows[3]["error_field"] == "to"
    for r, src in zip(rows[:3], table.to_pylist()[:3]):
        req = {"item": src["item"], "to": src["to"], "as_of": src["as_of"]}
        if src["end_user"]:
            req["end_user"] = {"name": src["end_user"], "country": src["end_user_country"]}
        assert r["ok"], r
        single = engine.check(req)
        assert r["overall"] == single["overall"]
        assert json.loads(r["result"])["determinations"] == single["determinations"]
    assert rows[0]["party_hits"], "Huawei is on the demo Entity List"


def test_unknown_columns_are_refused(engine):
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check_many(pa.table({"item": ["h100"], "to": ["CN"], "destination": ["CN"]}))
    assert e.value.field == "destination"
    with pytest.raises(exctl.InvalidInput):
        engine.screen_many(pa.table({"nom": ["Huawei"]}))


def test_screen_many_through_pandas_and_polars(engine):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    names = ["Huawei Technologies", "Acme Widgets GmbH", "華為", ""]
    expected = [engine.screen(n) if n else None for n in names]
    for frame in (pd.DataFrame({"name": names}), pl.DataFrame({"name": names})):
        out = engine.screen_many(frame).to_pylist()
        assert [r["name"] for r in out] == names
        assert out[3]["ok"] is False and out[3]["error_field"] == "name"
        for r, e in zip(out[:3], expected[:3]):
            assert r["hits"] == len(e["matches"])
    # pandas and polars read the answer back.
    assert len(engine.screen_many(pd.DataFrame({"name": names})).to_pandas()) == 4
    assert pl.from_arrow(engine.screen_many(pl.DataFrame({"name": names}))).height == 4


def test_order_book_cells_read_as_the_cli_reads_them(engine):
    # Parties, owners and facts in the order-book form of `exctl check --input`.
    table = pa.table({
        "id": ["a", "b", "c"],
        "item": ["h100", "h100", "h100"],
        "to": ["DE", "DE", "DE"],
        "as_of": ["2026-01-01"] * 3,
        "end_user": ["Huawei Technologies Co. Ltd.;country=CN", "Acme;owner=Huawei Technologies Co. Ltd.:60", "Acme"],
        "facts": ["red_flags=none", None, "red_flags=nonsense"],
    })
    rows = engine.check_many(table, details=True).to_pylist()
    assert rows[0]["ok"] and rows[0]["party_hits"], rows[0]
    single = cli_json("check", "--item", "h100", "--to", "DE", "--as-of", "2026-01-01", "--list", "demo",
                      "--end-user", "Huawei Technologies Co. Ltd.;country=CN", "--fact", "red_flags=none")
    assert rows[0]["overall"] == single["overall"]
    assert rows[1]["ok"] and "Huawei" in rows[1]["result"], rows[1]
    # A bad cell is that row's error, not the call's.
    assert rows[2]["ok"] is False and rows[2]["error_field"] in ("facts", "red_flags"), rows[2]


def test_cells_are_read_as_what_they_are(engine):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"name": ["Huawei Technologies", "Acme", "Nordic Trading"], "id": [3, 1, 2]})
    frame = frame.sort_values("id")  # a row index that is not 0, 1, 2
    out = engine.screen_many(frame).to_pylist()
    assert [r["id"] for r in out] == ["1", "2", "3"]
    bad = engine.screen_many(pa.table({"name": pa.array([b"Huawei Technologies"], pa.binary())})).to_pylist()
    assert bad[0]["ok"] is False and bad[0]["error_field"] == "name"
    nums = engine.screen_many(pa.table({"name": [1, 2]})).to_pylist()
    assert [r["ok"] for r in nums] == [False, False]
    when = pd.DataFrame({"item": ["h100"], "to": ["DE"], "as_of": pd.to_datetime(["2026-01-01"])})
    assert engine.check_many(when).to_pylist()[0]["ok"]
    one = engine.screen_many({"name": "Huawei Technologies"})
    assert one.num_rows == 1 and one.to_pylist()[0]["effects"]


def test_errors_name_the_field_and_travel_between_processes(engine):
    import pickle

    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to="CN", colour="red")
    assert e.value.field == "colour"
    again = pickle.loads(pickle.dumps(e.value))
    assert isinstance(again, exctl.InvalidInput)
    with pytest.raises(TypeError):
        exctl.Engine(["demo"])  # keywords only: a list is never read as the data folder
    with pytest.raises(exctl.InvalidInput) as e:
        exctl.Engine(lists=["no-such-list.csv"])
    assert e.value.field == "lists" and "no such file" in str(e.value)


def test_mixed_cells_and_bad_dates_are_each_rows_own_error(engine):
    pd = pytest.importorskip("pandas")
    mixed = pd.DataFrame({"name": pd.Series([b"Huawei", "Huawei Technologies", 123], dtype=object)})
    out = engine.screen_many(mixed).to_pylist()
    assert [r["ok"] for r in out] == [False, True, False], out
    assert out[1]["hits"] > 0
    orders = pd.DataFrame({"item": ["h100", "h100", "h100"], "to": ["DE", "DE", "DE"],
                           "as_of": ["2026-13-01", "01/01/2026", "2026-01-01"],
                           "quantity": pd.Series([1, 2, 3], dtype="int64"),
                           "facts": ['{"red_flags": ', None, None]})
    rows = engine.check_many(orders).to_pylist()
    assert [r["error_field"] for r in rows] == ["as_of", "as_of", None], rows
    assert rows[2]["ok"]
    bad_json = engine.check_many(pd.DataFrame({"item": ["h100"], "to": ["DE"], "facts": ['{"x": ']}))
    assert bad_json.to_pylist()[0]["error_field"] == "facts"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to="DE", as_of="2026-13-01")
    assert e.value.field == "as_of"


def test_signs_in_a_name_do_not_hide_the_party(engine):
    for name in ("Huawei Technologies ™", "Huawei Technologies 🚀", "★ Huawei Technologies"):
        assert engine.screen(name)["matches"], name
    rows = engine.screen_many({"name": ["Huawei Technologies 😀", "Acme Widgets GmbH ©"]}).to_pylist()
    assert rows[0]["hits"] > 0 and rows[1]["hits"] == 0


def test_nulls_of_every_kind_are_not_given(engine):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"name": ["Huawei Technologies", "Acme Widgets"], "country": [None, "DE"],
                          "dob": [None, None]}).convert_dtypes()
    out = engine.screen_many(frame).to_pylist()
    assert [r["ok"] for r in out] == [True, True], out
    assert out[0]["hits"] > 0
    arrow = pd.DataFrame({"item": ["h100", "h100"], "to": ["DE", "CN"],
                          "end_user": [None, "Huawei Technologies"]}).astype("string[pyarrow]")
    rows = engine.check_many(arrow).to_pylist()
    assert [r["ok"] for r in rows] == [True, True], rows
    assert rows[1]["party_hits"]


def test_tables_that_would_lose_a_name_are_refused(engine):
    pd = pytest.importorskip("pandas")
    twice = pd.DataFrame([["Huawei Technologies", "Acme"]], columns=["name", "name"])
    with pytest.raises(exctl.InvalidInput) as e:
        engine.screen_many(twice)
    assert e.value.field == "name"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.screen_many({"name": "Huawei", "id": [1, 2, 3, 4, 5, 6]})
    assert e.value.field == "name"
    rows = engine.screen_many([{"name": "Huawei Technologies"}, {"name": "Acme", "country": "DE"}])
    assert rows.num_rows == 2 and rows.to_pylist()[0]["hits"] > 0
    with pytest.raises(exctl.InvalidInput, match="list of row dicts"):
        engine.screen_many(pd.Series(["Huawei"]))


def test_values_json_cannot_carry_are_refused_naming_them(engine):
    import datetime

    rows = engine.screen_many({"name": ["\udcff", "Huawei Technologies"]}).to_pylist()
    assert rows[0]["ok"] is False and rows[0]["error_field"] == "name"
    assert rows[1]["hits"] > 0
    with pytest.raises(exctl.InvalidInput) as e:
        engine.screen("Huawei\ud800")
    assert e.value.field == "name"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to="DE", quantity=float("nan"))
    assert e.value.field == "quantity"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.screen(b"Huawei")
    assert e.value.field == "name"
    # Nested fields are named by their path; wrong types by their field.
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to="DE", end_user={"name": "Acme", "colour": "red"})
    assert e.value.field == "end_user.colour"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to=123)
    assert e.value.field == "to"
    assert engine.screen("Kim Jong Un", dob=datetime.date(1984, 1, 8))["query"]
    assert exctl.InvalidInput("by hand").field is None


def test_a_birth_year_reads_as_the_cli_reads_it(engine):
    one = engine.screen("Kim Jong Un", dob="1984")
    many = engine.screen_many({"name": ["Kim Jong Un"], "dob": ["1984"]}).to_pylist()[0]
    assert many["ok"], many
    assert many["hits"] == len(one["matches"])


def test_no_record_or_drawdown_is_pretended(engine):
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to="DE", record=True)
    assert e.value.field == "record"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.check(item="h100", to="DE", ship="L-1")
    assert e.value.field == "ship"
    with pytest.raises(exctl.InvalidInput) as e:
        engine.screen("Huawei", record=True)
    assert e.value.field == "record"


def _screen_in_child(names):
    return exctl.Engine(lists=["demo"]).screen_many({"name": names}).column("hits").to_pylist()


def _screen_with_parents_engine(names):
    return _FORKED_ENGINE.screen_many({"name": names}).column("hits").to_pylist()


_FORKED_ENGINE = None


def test_a_forked_worker_answers_with_threads_of_its_own(engine):
    import multiprocessing

    global _FORKED_ENGINE
    _FORKED_ENGINE = engine
    names = ["Huawei Technologies"] * 100
    expected = engine.screen_many({"name": names}).column("hits").to_pylist()  # the parent's threads start
    with multiprocessing.get_context("fork").Pool(1) as workers:
        # (A bound on waiting, not a timing assertion: a child waiting on
        # its parent's threads would never answer.)
        assert workers.apply_async(_screen_with_parents_engine, (names,)).get(timeout=300) == expected
        assert workers.apply_async(_screen_in_child, (names,)).get(timeout=300) == expected


def test_a_partys_country_without_the_party_is_refused(engine):
    rows = engine.check_many({"item": ["h100"], "to": ["DE"], "end_user_country": ["CN"]}).to_pylist()
    assert rows[0]["ok"] is False and rows[0]["error_field"] == "end_user_country"
