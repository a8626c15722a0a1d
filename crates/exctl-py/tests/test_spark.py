"""A DataFrame screened on Spark (local mode, every core) with the package's
mapInArrow function answers every row as ``exctl screen --input`` does."""

import csv
import json
import os
import subprocess
import sys

import pytest

ROWS = int(os.environ.get("EXCTL_SPARK_ROWS", "1000000"))
EXCTL = os.environ.get("EXCTL_BIN")

if os.environ.get("CI") == "true":
    import pyspark  # noqa: F401 - under CI the Spark test must run
else:
    pytest.importorskip("pyspark", reason="pyspark is not installed: the Spark test is skipped")

# Parties as order books name them: listed ones in their own scripts and
# spellings, and many that are not listed.
LISTED = ["Huawei Technologies Co., Ltd.", "华为技术有限公司", "Хуавэй", "SMIC", "Semiconductor Manufacturing International Corporation",
          "Sberbank", "Rosoboronexport", "Korea Mining Development Trading Corporation", "Iran Electronics Industries"]
FIRST = ["Nordic", "Pacific", "Golden", "Alpine", "Lotus", "Aurora", "Cedar", "Delta", "Eagle", "Harbor",
         "Jade", "Kestrel", "Lumen", "Meridian", "Nova", "Orion", "Pioneer", "Quartz", "Summit", "Vertex"]
SECOND = ["Trading", "Logistics", "Electronics", "Semiconductor", "Components", "Systems", "Devices",
          "Instruments", "Networks", "Materials", "Robotics", "Photonics", "Computing", "Microsystems"]
FORM = ["Co., Ltd.", "GmbH", "LLC", "FZE", "Pte Ltd", "S.A.", "KK", "Sp. z o.o."]


def name(i: int) -> str:
    if i % 10 == 0:
        return LISTED[(i // 10) % len(LISTED)]
    return f"{FIRST[i % 20]} {SECOND[(i // 20) % 14]} {FORM[(i // 280) % 8]} {i % 97}"


def test_spark_screens_a_dataframe_as_the_cli_does(tmp_path):
    if not EXCTL:
        pytest.fail("EXCTL_BIN is not set: the Spark answers are compared with the CLI's")
    from pyspark.sql import SparkSession

    from exctl.spark import screen_dataframe

    rows = [(f"r{i}", name(i)) for i in range(ROWS)]
    source = tmp_path / "parties.csv"
    with open(source, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name"])
        w.writerows(rows)

    # Executors run the Python that has the package installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (SparkSession.builder.master("local[*]").appName("exctl-test")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
             .config("spark.ui.enabled", "false").getOrCreate())
    try:
        df = spark.read.option("header", True).csv(str(source))
        answered = screen_dataframe(df, lists=["demo"], details=True).toArrow()
    finally:
        spark.stop()
    assert answered.num_rows == ROWS
    ids = answered.column("id").to_pylist()
    oks = answered.column("ok").to_pylist()
    assert all(oks), [i for i, ok in zip(ids, oks) if not ok][:5]

    out = tmp_path / "cli.csv"
    done = subprocess.run([EXCTL, "screen", "--input", str(source), "--output", str(out),
                           "--list", "demo", "--no-record"], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    cli: dict = {}
    with open(out, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["entry_id"]:
                cli.setdefault(r["id"], []).append((r["list"], r["entry_id"], r["score"]))
    spark_hits = {}
    for i, text in zip(ids, answered.column("matches").to_pylist()):
        matches = json.loads(text)
        if matches:
            spark_hits[i] = [(m["list"], m["entry_id"], f"{m['score']:.3f}") for m in matches]
    assert spark_hits.keys() == cli.keys()
    for k, v in cli.items():
        assert sorted(spark_hits[k]) == sorted(v), k
    assert len(cli) >= ROWS // 20, "the listed parties are found"
