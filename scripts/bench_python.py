"""Screening throughput through the CLI, the Python package and Spark, side
by side on the same names and lists, on one core and on every core.

    python scripts/bench_python.py ROWS LIST FIGURES_FILE

Runs in the virtualenv scripts/test-python builds (the wheel, pyspark).
Each path screens the same ROWS distinct names (every row is screened: no
path may skip a repeated name) and is timed from its input file or table to
its answers; rows/s, rows/s per core and the scaling from one core to all
are appended to FIGURES_FILE as Markdown rows. Asserts nothing but that
every path answered every row.
"""
import csv
import os
import subprocess
import sys
import tempfile
import time

ROWS, LIST, FIGURES = int(sys.argv[1]), sys.argv[2], sys.argv[3]
CORES = os.cpu_count() or 1
EXCTL = os.environ["EXCTL_BIN"]

FIRST = ["Nordic", "Pacific", "Golden", "Alpine", "Lotus", "Aurora", "Cedar", "Delta", "Eagle", "Harbor",
         "Jade", "Kestrel", "Lumen", "Meridian", "Nova", "Orion", "Pioneer", "Quartz", "Summit", "Vertex"]
SECOND = ["Trading", "Logistics", "Electronics", "Semiconductor", "Components", "Systems", "Devices",
          "Instruments", "Networks", "Materials", "Robotics", "Photonics", "Computing", "Microsystems"]
LISTED = ["Huawei Technologies Co., Ltd.", "华为技术有限公司", "Semiconductor Manufacturing International",
          "Rosoboronexport", "Korea Mining Development Trading Corporation", "Sberbank of Russia"]


def name(i: int) -> str:
    # Distinct names: one in ten a listed party's, with its row number.
    if i % 10 == 0:
        return f"{LISTED[(i // 10) % len(LISTED)]} {i}"
    return f"{FIRST[i % 20]} {SECOND[(i // 20) % 14]} {i}"


work = tempfile.mkdtemp()
source = os.path.join(work, "names.csv")
with open(source, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["id", "name"])
    w.writerows((f"r{i}", name(i)) for i in range(ROWS))


def timed(cmd, threads):
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads), "EXCTL_HOME": work}
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{cmd[:3]}: {done.stderr}")
    return took, done.stdout


def cli(threads):
    out = os.path.join(work, f"cli-{threads}.csv")
    took, _ = timed([EXCTL, "screen", "--input", source, "--output", out, "--list", LIST,
                     "--no-record"], threads)
    with open(out, encoding="utf-8") as f:
        answered = len({r["id"] for r in csv.DictReader(f)})
    assert answered == ROWS, f"CLI answered {answered} of {ROWS} rows"
    return took


PY = r"""
import sys, time, pyarrow.csv as pc, exctl
engine = exctl.Engine(lists=[sys.argv[2]])
table = pc.read_csv(sys.argv[1])
start = time.perf_counter()
out = engine.screen_many(table)
took = time.perf_counter() - start
assert out.num_rows == table.num_rows and all(out.column("ok").to_pylist())
print(took)
"""


def python(threads):
    # Timed from the table to the answers: the lists load once per engine.
    _, out = timed([sys.executable, "-c", PY, source, LIST], threads)
    return float(out.strip())


SPARK = r"""
import os, sys, time
os.environ["PYSPARK_PYTHON"] = sys.executable
from pyspark.sql import SparkSession
from exctl.spark import screen_dataframe
cores = int(sys.argv[3])
spark = (SparkSession.builder.master(f"local[{cores}]").appName("bench")
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", str(cores))
         .getOrCreate())
df = spark.read.option("header", True).csv(sys.argv[1]).repartition(cores).cache()
df.count()
# The lists load once per executor worker: a first small run warms them.
screen_dataframe(df.limit(cores * 10).repartition(cores), [sys.argv[2]]).count()
start = time.perf_counter()
n = screen_dataframe(df, [sys.argv[2]]).filter("ok").count()
took = time.perf_counter() - start
assert n == df.count()
spark.stop()
print(took)
"""


def spark(cores):
    # One rayon thread per Spark task: Spark spreads the work over cores.
    _, out = timed([sys.executable, "-c", SPARK, source, LIST, str(cores)], 1)
    return float(out.strip().splitlines()[-1])


rows = []
for path, run in (("CLI `exctl screen --input`", cli), ("Python `Engine.screen_many`", python),
                  ("Spark `screen_dataframe` (local mode)", spark)):
    one = run(1)
    every = run(CORES) if CORES > 1 else one
    rows.append(
        f"| {path}, {ROWS:,} distinct names vs `{os.path.basename(LIST)}` | "
        f"1 core {ROWS / one:,.0f} rows/s; {CORES} cores {ROWS / every:,.0f} rows/s "
        f"({ROWS / every / CORES:,.0f} per core); scaling {one / every:.2f}× |")
    print(rows[-1], flush=True)

with open(FIGURES, "a", encoding="utf-8") as f:
    f.write("\n".join(rows) + "\n")
