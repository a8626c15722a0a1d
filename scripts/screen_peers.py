"""Peers for the screening benchmark, run on the same input as exctl.

rapidfuzz: a plain process.extract of each query over every list name.
nomenklatura logic-v2: OpenSanctions' matcher, scoring name pairs (yente
retrieves 50 candidates per query from Elasticsearch and scores each).
Prints tab-separated figures for scripts/bench-screen.
"""
import csv
import statistics
import sys
import time

out, name_bench = sys.argv[1], sys.argv[2]
n_queries = int(sys.argv[3]) if len(sys.argv) > 3 else 200

names = open(f"{out}/list_names.txt", encoding="utf-8").read().split("\n")
queries = open(f"{out}/queries.txt", encoding="utf-8").read().split("\n")[:n_queries]

from rapidfuzz import fuzz, process, utils

lat = []
t0 = time.perf_counter()
for q in queries:
    t = time.perf_counter()
    process.extract(q, names, scorer=fuzz.token_sort_ratio, processor=utils.default_process, limit=10)
    lat.append((time.perf_counter() - t) * 1000)
total = time.perf_counter() - t0
lat.sort()
print(f"rapidfuzz\t{len(queries) / total:.1f}\t{statistics.median(lat):.4f}\t{lat[int((len(lat) - 1) * 0.99)]:.4f}")

from followthemoney import model
from nomenklatura.matching import get_algorithm
from nomenklatura.matching.types import ScoringConfig

algo = get_algorithm("logic-v2")
cfg = ScoringConfig.defaults()
rows = list(csv.DictReader(open(name_bench, encoding="utf-8")))


def entity(name, schema, i):
    e = model.make_entity(schema if schema in ("Person", "Company", "Organization", "LegalEntity") else "LegalEntity")
    e.id = f"e{i}"
    e.add("name", name)
    return e


pairs = [(entity(r["name1"], r["schema"], 2 * i), entity(r["name2"], r["schema"], 2 * i + 1), r["is_match"] == "true") for i, r in enumerate(rows)]
t0 = time.perf_counter()
scores = [algo.compare(a, b, cfg).score for a, b, _ in pairs]
pps = len(pairs) / (time.perf_counter() - t0)
tp = sum(1 for s, (_, _, m) in zip(scores, pairs) if s >= 0.7 and m)
fp = sum(1 for s, (_, _, m) in zip(scores, pairs) if s >= 0.7 and not m)
fn = sum(1 for s, (_, _, m) in zip(scores, pairs) if s < 0.7 and m)
p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
f1 = 2 * p * r / max(p + r, 1e-9)
print(f"logic-v2-pairs\t{pps:.1f}\t{f1:.3f}")
