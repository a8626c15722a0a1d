"""Every ```python example in the docs runs, from the repository root, as
a reader would paste it."""

import os
import re

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DOCS = ["docs/python.md", "docs/spark.md"]


def examples():
    for doc in DOCS:
        text = open(os.path.join(REPO, doc), encoding="utf-8").read()
        for i, m in enumerate(re.finditer(r"```python\n(.*?)```", text, re.S)):
            yield pytest.param(doc, m.group(1), id=f"{doc}#{i + 1}")


@pytest.mark.parametrize("doc,code", list(examples()))
def test_example_runs(doc, code, monkeypatch):
    if "pyspark" in code and os.environ.get("CI") != "true":
        pytest.importorskip("pyspark", reason="pyspark is not installed")
    monkeypatch.chdir(REPO)
    exec(compile(code, doc, "exec"), {"__name__": "__example__"})


def test_the_docs_have_examples():
    assert len(list(examples())) >= 5
