"""Arabizi: Latin-script Arabic queries (issue #15, part 2).

The rule table (golden tables), the reading of words against a vocabulary,
and search on both engines: Arabizi words find the Arabic words they stand
for as close spellings (marked "near"), Latin words the index holds match
themselves, nonsense finds nothing, Arabic queries are untouched.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch import ArsearchError, Index, normalize
from arsearch.arabizi import (
    ARABIZI_DIGITS,
    ARTICLE_LOOKUPS,
    MAX_LOOKUPS,
    RULES,
    fold_latin,
    has_arabizi_digits,
    is_foreign_word,
    is_latin_word,
    read_word,
    transliterate,
)
from arsearch.cli import main

# -- the rule table ----------------------------------------------------------------------

#: Each convention: a Latin spelling and the Arabic word it must read as, first.
GOLDEN_FIRST = [
    ("sha3b", "شعب"),  # 3 = ع, sh = ش
    ("cha3b", "شعب"),  # French ch
    ("7ekouma", "حكومة"),  # 7 = ح, ou = و, final a = ة
    ("5obz", "خبز"),  # 5 = خ
    ("khobz", "خبز"),  # kh = خ
    ("9alb", "قلب"),  # 9 = ق
    ("6ayr", "طير"),  # 6 = ط, ay = ي
    ("8arb", "غرب"),  # 8 = غ
    ("gharb", "غرب"),  # gh = غ
    ("djebel", "جبل"),  # dj = ج (French), short vowels unwritten
    ("tounes", "تونس"),
    ("3arab", "عرب"),
    ("el7arb", "الحرب"),  # the article written on
    ("wel7arb", "والحرب"),  # و + the article
    ("madrasa", "مدرسة"),
    ("2amn", "أمن"),  # 2 = ء on alef at the start
]

#: Readings that must be among the spellings of a word that are looked up (the rules
#: allow them; the vocabulary and frequency choose between them).
GOLDEN_AMONG = [
    ("ra2is", "رئيس"),  # 2 = ئ
    ("thawra", "ثورة"),  # th = ث
    ("dhahab", "ذهب"),  # dh = ذ
    ("dhaif", "ضيف"),  # dh = ض
    ("intikhabat", "انتخابات"),  # final at = ات
    ("kourat", "كرة"),  # ou left unwritten, final at = ة (construct state)
    ("ta2ira", "طائرة"),  # a2i = ائ, t = ط
    ("echa3b", "الشعب"),  # the article assimilated (ech-cha3b)
    ("3ira9", "عراق"),
    ("masr", "مصر"),  # s = ص
    ("jaza2ir", "جزائر"),
]


@pytest.mark.parametrize(("latin", "arabic"), GOLDEN_FIRST)
def test_golden_first_reading(latin: str, arabic: str) -> None:
    assert next(transliterate(latin))[0] == arabic


@pytest.mark.parametrize(("latin", "arabic"), GOLDEN_AMONG)
def test_golden_reading_among_the_cheapest(latin: str, arabic: str) -> None:
    assert arabic in [a for a, _ in transliterate(latin, limit=MAX_LOOKUPS)]


def test_every_arabizi_digit_has_a_rule_and_its_usual_letter_costs_least() -> None:
    usual = {"2": "ء", "3": "ع", "5": "خ", "6": "ط", "7": "ح", "8": "غ", "9": "ق"}
    assert set(usual) == set(ARABIZI_DIGITS)
    for digit, letter in usual.items():
        rules = [r for r in RULES if r.latin == digit and r.where == "any"]
        best = min(rules, key=lambda r: r.cost)
        assert best.arabic == letter, digit


def test_latin_words_and_digits() -> None:
    assert [is_latin_word(w) for w in ("tounes", "Tounès", "2020", "تونس", "g7", "")] == [True, True, False, False, True, False]
    assert [has_arabizi_digits(w) for w in ("sha3b", "tounes", "2020", "covid19")] == [True, False, False, True]
    assert fold_latin("Élection ÇA") == "election ca"
    assert list(transliterate("تونس")) == [] and list(transliterate("2020")) == []


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12))
@settings(max_examples=150, deadline=None)
def test_spellings_come_cheapest_first_each_once_in_arabic_letters(word: str) -> None:
    out = list(transliterate(word, limit=30))
    costs = [c for _, c in out]
    assert costs == sorted(costs)
    assert len({a for a, _ in out}) == len(out)
    for arabic, _ in out:
        assert arabic and all("\u0621" <= ch <= "\u064a" for ch in arabic)


# -- reading against a vocabulary -------------------------------------------------------

VOCAB = {normalize(w): n for w, n in {
    "حكومة": 900, "الحكومة": 1500, "حكم": 400, "تونس": 1200, "شعب": 300, "الشعب": 500,
    "رئيس": 2000, "كرة": 600, "القدم": 500, "قدم": 200, "في": 5000, "بنك": 100,
}.items()}


def test_read_word_keeps_the_vocabulary_words_best_first() -> None:
    readings = read_word("7ekouma", VOCAB.get)
    assert readings[0].arabic == "حكومة" and readings[0].df == 2400
    assert [r.arabic for r in read_word("ra2is", VOCAB.get)] == ["رئيس"]
    assert all(r.score == pytest.approx(r.cost - 0.4 * __import__("math").log10(r.df)) for r in readings)


@pytest.mark.parametrize("word", ["xqzvbt", "brdkls", "zzzzzz", "qwrtp", "government", "the", "avec"])
def test_nonsense_and_foreign_words_read_as_nothing(word: str) -> None:
    assert read_word(word, VOCAB.get) == []


def test_common_english_and_french_words_are_never_read() -> None:
    vocab = {normalize("فيلم"): 600, normalize("بنك"): 300, normalize("قرر"): 900}
    assert [is_foreign_word(w) for w in ("film", "bank", "Guerre", "tounes", "7ekouma", "sha3b")] == [
        True, True, True, False, False, False
    ]
    assert read_word("film", vocab.get) == [] and read_word("bank", vocab.get) == []
    assert read_word("guerre", vocab.get) == []


def test_acronyms_are_never_read() -> None:
    vocab = {normalize("غابة"): 300, "امس": 900, "شعب": 100}
    assert read_word("GABA", vocab.get) == [] and read_word("UMC", vocab.get) == []
    assert [r.arabic for r in read_word("gaba", vocab.get)] == ["غابة"]
    assert [r.arabic for r in read_word("SHA3B", vocab.get)] == ["شعب"]  # digits: Arabizi in capitals


def test_frequencies_are_scaled_to_the_index_size() -> None:
    vocab = {"تونس": 3}
    assert read_word("tounes", vocab.get, documents=40_000) == []  # 3 in 40,000: below MIN_FREQ
    assert [r.arabic for r in read_word("tounes", vocab.get, documents=100)] == ["تونس"]


def test_stop_words_are_never_a_reading() -> None:
    stops = {"في"}
    assert read_word("fi", VOCAB.get, is_stopword=stops.__contains__) == []


def test_lookups_are_bounded() -> None:
    asked: list[str] = []

    def df(word: str) -> int:
        asked.append(word)
        return 0

    assert read_word("intikhabatouhoum", df, lookups=10) == []
    # the cheapest spellings the vocabulary lacks are looked up with the article too, the others not
    assert len(asked) == 10 + ARTICLE_LOOKUPS and sum(a.startswith("ال") for a in asked) == ARTICLE_LOOKUPS


# -- search, on both engines -------------------------------------------------------------

DOCS = [
    {"id": "gov", "title": "الحكومة الجديدة", "body": "أعلنت الحكومة التونسية عن إصلاحات"},
    {"id": "gov2", "title": "اجتماع", "body": "اجتمع رئيس الحكومة بالوزراء في تونس"},
    {"id": "tunis", "title": "تونس", "body": "زار الرئيس العاصمة تونس أمس"},
    {"id": "football", "title": "كرة القدم", "body": "فاز المنتخب في مباراة كرة القدم"},
    {"id": "people", "title": "الشعب", "body": "خرج الشعب إلى الشوارع"},
    {"id": "google", "title": "Google", "body": "أعلنت شركة Google عن هاتف جديد"},
    {"id": "googleAr", "title": "غوغل", "body": "تطبيقات غوغل الجديدة"},
    {"id": "oil", "title": "النفط", "body": "ارتفعت أسعار النفط في الأسواق"},
    {"id": "cinema", "title": "سينما", "body": "عرض فيلم جديد في السينما"},
]


@pytest.fixture(scope="module")
def ix(engine: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    path = tmp_path_factory.mktemp("arabizi") / "ix"
    index = Index.create(path)
    with index:
        index.add_many(DOCS)
    yield index
    index.close()


def ids(results: object) -> set[str]:
    return {h.id for h in results}  # type: ignore[attr-defined]


def test_arabizi_words_find_the_arabic_words(ix: Index) -> None:
    r = ix.search("el 7ekouma")
    assert ids(r) == {"gov", "gov2"}
    assert r.read_as == {"el 7ekouma": ("الحكومة",)}
    assert r.searched_as == "الحكومة"
    assert ids(ix.search("tounes")) == {"tunis", "gov2", "gov"}  # التونسية: the stem of تونس
    r = ix.search("kourat el 9adam")
    assert ids(r) == {"football"} and r.searched_as == "كرة القدم"
    r = ix.search("El-7ekouma OR Google")  # the article written on with a hyphen; other words kept
    assert r.read_as == {"El 7ekouma": ("الحكومة",)} and r.searched_as == "الحكومة OR Google"
    assert ids(r) == {"gov", "gov2", "google"}


def test_every_arabizi_hit_is_marked_near(ix: Index) -> None:
    for query in ("el 7ekouma", "tounes", "sha3b", "cha3b", "kourat el 9adam", "+ra2is"):
        results = ix.search(query, limit=20)
        assert results.total > 0, query
        for hit in results:
            assert '<mark class="near">' in hit.snippet + hit.title, (query, hit.id)
            assert {m.how for m in hit.explain()} == {"near"}, (query, hit.id)


def test_the_index_latin_words_match_themselves_first(ix: Index) -> None:
    r = ix.search("Google")
    assert r[0].id == "google" and r.read_as == {} and r.searched_as is None
    assert "<mark>Google</mark>" in r[0].snippet


@pytest.mark.parametrize("word", ["xqzvbt", "brdkls", "zzkkqq", "qwrtpz", "vvvvvv", "x7x7x7"])
def test_nonsense_latin_strings_find_nothing(ix: Index, word: str) -> None:
    r = ix.search(word)
    assert r.total == 0 and r.read_as == {}


def test_required_and_excluded_arabizi_words(ix: Index) -> None:
    assert ids(ix.search("+tounes +ra2is")) == {"tunis", "gov2"}
    assert ids(ix.search("el 7ekouma -tounes")) == set()  # both government articles mention تونس
    assert ids(ix.search("sha3b -tounes")) == {"people"}


def test_english_words_are_searched_as_english(ix: Index) -> None:
    r = ix.search("film")  # فيلم is in the index, but film is an English word
    assert r.total == 0 and r.read_as == {}


def test_arabizi_can_be_turned_off(ix: Index) -> None:
    r = ix.search("tounes", arabizi=False)
    assert r.total == 0 and r.read_as == {} and r.searched_as is None


# -- the words readings are checked against ----------------------------------------------
# The index's completion table (documents per normalized word, in memory) when it is the
# committed documents'; the engine's vocabulary field when a commit left it stale.


def test_a_word_only_deleted_documents_held_is_no_reading(engine: str, tmp_path: Path) -> None:
    index = Index.create(tmp_path / "ix", engine=engine)
    with index:
        index.add_many(DOCS)
    assert index.search("sha3b").read_as == {"sha3b": ("شعب",)}  # found as الشعب
    with index:
        index.delete("people")  # the one document with الشعب (the engine keeps its terms until a merge)
    r = index.search("sha3b")
    assert r.total == 0 and r.read_as == {} and r.searched_as is None
    index.close()


def test_a_stale_or_damaged_table_leaves_the_readings_to_the_engine(engine: str, tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index = Index.create(path, engine=engine)
    with index:
        index.add_many([*DOCS, {"id": "dz", "title": "المغرب", "body": "زيارة إلى المغرب"}])
    old_table = (path / "completions.bin").read_bytes()
    with index:
        index.add({"id": "dz", "title": "الجزائر", "body": "زيارة إلى الجزائر"})  # as many documents as before
    # a writer stopped between the engine's commit and the table's: the old table, marked stale
    (path / "completions.bin").write_bytes(old_table)
    (path / "completions.bin.stale").touch()
    reopened = Index.open(path)
    r = reopened.search("djazair")
    assert r.read_as == {"djazair": ("جزائر",)} and ids(r) == {"dz"}
    reopened.close()
    (path / "completions.bin.stale").unlink()
    with index:  # a commit rebuilds the stale table
        index.add({"id": "extra", "body": "خبر"})
    assert (path / "completions.bin").read_bytes() != old_table
    with index:
        index.delete("extra")
    # a table counting another number of documents than the index (an older writer's)
    (path / "completions.bin").write_bytes(old_table)
    with index:
        index.add({"id": "extra", "body": "خبر"})
    (path / "completions.bin").write_bytes(old_table)
    reopened = Index.open(path)
    assert reopened.search("djazair").read_as == {"djazair": ("جزائر",)}
    reopened.close()
    for damage in (b"ARSEARCH-COMPLETIONS\n garbage", b"ARSEARCH-COMPLETIONS\n" + b"\xff" * 4 + b"[" * 200_000):
        (path / "completions.bin").write_bytes(damage)
        reopened = Index.open(path)
        r = reopened.search("djazair el 7ekouma")
        assert r.read_as == {"djazair": ("جزائر",), "el 7ekouma": ("الحكومة",)}
        reopened.close()
    (path / "completions.bin").unlink()
    (path / "completions.bin").mkdir()  # unreadable as a file
    reopened = Index.open(path)
    assert reopened.search("djazair").read_as == {"djazair": ("جزائر",)}
    with pytest.raises(ArsearchError, match="cannot read the completions of the index"):
        reopened.complete("الجز")
    reopened.close()
    index.close()


def test_text_fields_not_stored_leave_the_readings_to_the_engine(engine: str, tmp_path: Path) -> None:
    # their words cannot be read back, so the completion table does not count them
    from arsearch import Field

    index = Index.create(tmp_path / "ix", {"title": Field("text"), "body": Field("text", stored=False)}, engine=engine)
    with index:
        index.add({"id": "a", "title": "خبر", "body": "زيارة إلى المغرب"})
    r = index.search("elmaghrib")
    assert r.read_as == {"elmaghrib": ("المغرب",)} and ids(r) == {"a"}
    with index:
        index.add({"id": "a", "title": "خبر", "body": "زيارة إلى تونس"})
    r = index.search("elmaghrib")
    assert ids(r) == set()
    assert index.complete("المغ") == [] and index.complete("خب")[0].text == "خبر"
    index.close()


WORDS = sorted({w for d in DOCS for w in (d["title"] + " " + d["body"]).split() if not w.isascii()})


@given(st.lists(st.sampled_from(WORDS + ["+", "-", "AND", "OR", '"', "(", ")", "كتاب*"]), min_size=1, max_size=5))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arabic_queries_are_the_same_with_arabizi_on_or_off(ix: Index, words: list[str]) -> None:
    query = " ".join(words)
    on, off = ix.search(query, limit=20), ix.search(query, limit=20, arabizi=False)
    assert [(h.id, h.score, h.snippet) for h in on] == [(h.id, h.score, h.snippet) for h in off]
    assert on.total == off.total and on.read_as == {}


# -- the CLI -----------------------------------------------------------------------------


def test_cli_prints_searched_as_and_explains(ix: Index, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--index", str(ix.path), "el 7ekouma"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "searched as: الحكومة"
    assert "{الحكومة}" in out
    assert main(["search", "--index", str(ix.path), "--explain", "kourat el 9adam"]) == 0
    out = capsys.readouterr().out
    assert "searched as: كرة القدم" in out
    assert "arabizi: kourat → كرة" in out and "arabizi: el 9adam → القدم" in out
    assert "kourat ← near in title: كرة" in out


def test_cli_no_arabizi_and_json(ix: Index, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--index", str(ix.path), "--no-arabizi", "tounes"]) == 1
    out = capsys.readouterr().out
    assert "searched as" not in out and "no results" in out
    assert main(["search", "--index", str(ix.path), "--json", "sha3b"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]  # JSON Lines: one hit each
    assert rows and all(row["snippet"] for row in rows)
    assert "searched as: شعب" in captured.err  # stdout holds only hits
    assert main(["search", "--index", str(ix.path), "Google"]) == 0
    assert "searched as" not in capsys.readouterr().out


def test_console_script_prints_searched_as(ix: Index, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("arsearch")
    if not script.exists():
        pytest.skip("the arsearch console script is not installed next to this Python")
    r = subprocess.run(
        [str(script), "search", "--index", str(ix.path), "tounes"],
        capture_output=True, text=True, encoding="utf-8", timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "HOME": str(tmp_path)},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "searched as: تونس"
    assert "{تونس}" in r.stdout
