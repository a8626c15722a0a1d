"""Writes a benchmark's figures into docs/benchmarks.md, between the
markers of its section, with the commit and the machine they come from.

    python3 scripts/bench_report.py SECTION FIGURES_FILE SCRIPT

FIGURES_FILE holds the Markdown rows the benchmarks appended
(EXCTL_BENCH_REPORT); an empty or missing file is an error, so a
benchmark that ran nothing cannot leave old figures standing.
"""
import datetime
import os
import platform
import re
import subprocess
import sys

section, figures, script = sys.argv[1:4]
rows = open(figures, encoding="utf-8").read().strip() if os.path.exists(figures) else ""
if not rows:
    sys.exit(f"{figures}: no figures were reported")


def out(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


commit = out("git", "rev-parse", "--short", "HEAD")
# Uncommitted changes outside docs/ (where the benchmarks write) are named.
changed = [l for l in out("git", "status", "--porcelain", "--untracked-files=no").splitlines() if len(l.split(maxsplit=1)) == 2 and not l.split(maxsplit=1)[1].startswith("docs/")]
dirty = " (with uncommitted changes)" if changed and changed != ["unknown"] else ""
cpu = "unknown CPU"
try:
    for line in open("/proc/cpuinfo", encoding="utf-8"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
machine = f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.machine()}, {out('rustc', '--version')}"
today = datetime.date.today().isoformat()
body = (
    f"<!-- begin {section} -->\n"
    f"Written by `{script}` on {today} at commit {commit}{dirty}; machine: {machine}.\n\n"
    "| measure | figure |\n|---|---|\n"
    f"{rows}\n"
    f"<!-- end {section} -->"
)
path = "docs/benchmarks.md"
doc = open(path, encoding="utf-8").read()
pattern = re.compile(rf"<!-- begin {re.escape(section)} -->.*?<!-- end {re.escape(section)} -->", re.S)
if not pattern.search(doc):
    sys.exit(f"{path}: no section {section!r} (add <!-- begin {section} --> and <!-- end {section} -->)")
open(path, "w", encoding="utf-8").write(pattern.sub(lambda _: body, doc))
print(f"wrote the {section} figures into {path}")
