"""The relevance harness (benchmarks/relevance.py) and its reference analyzers on a tiny hand-made set.

Nothing here needs the shared benchmark data: a five-document TREC-style set
and a short Lucene stop list are written to ``tmp_path``. PyStemmer (the
Snowball row) is in the test extra, so that row always runs; rows that need
nltk (ISRI) are skipped without it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import relevance  # noqa: E402
from reference_analyzers import LuceneArabicAnalyzer, lucene_normalize, lucene_stem  # noqa: E402

DOCS = [
    ("d1", "القاهرة", "القاهرة عاصمة مصر وأكبر مدنها، يمر بها نهر النيل."),
    ("d2", "الخوارزمي", "محمد بن موسى الخوارزمي عالم رياضيات وفلك، ينسب إليه علم الجبر."),
    ("d3", "التمور", "تشتهر المملكة العربية السعودية بزراعة النخيل وإنتاج التمور."),
    ("d4", "كرة القدم", "كرة القدم أكثر الرياضات شعبية في العالم، ويلعبها فريقان."),
    ("d5", "المكتبات", "تضم المكتبات العامة آلاف الكتب والمخطوطات النادرة."),
]
QUERIES = [
    ("q1", "ما هي عاصمة مصر؟"),
    ("q2", "من هو الخوارزمي عالم الجبر"),
    ("q3", "بزراعة النخيل وإنتاج التمور"),  # its exact words are in d3 only
]
QRELS = ["q1 0 d1 1", "q2 0 d2 1", "q3 0 d3 1", "q3 0 d4 0"]
LUCENE_STOPS = ["# a comment line", "من", "في", "ما", "على", "هي", "هو", "و"]


@pytest.fixture()
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """(data dir holding reference/, dataset dir) for the hand-made set."""
    data = tmp_path / "data"
    dataset = data / "tiny"
    dataset.mkdir(parents=True)
    (dataset / "corpus.tsv").write_text("".join(f"{d}\t{t}\t{b}\n" for d, t, b in DOCS), encoding="utf-8")
    (dataset / "queries.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in QUERIES), encoding="utf-8")
    (dataset / "qrels.txt").write_text("\n".join(QRELS) + "\n", encoding="utf-8")
    (data / "reference").mkdir()
    (data / "reference" / "lucene-arabic-stopwords.txt").write_text("\n".join(LUCENE_STOPS) + "\n", encoding="utf-8")
    return data, dataset


def _needs_extras(name: str) -> None:
    """Skip a row whose analyzer needs a bench extra that is not installed
    (PyStemmer is a test dependency: the Snowball row is never skipped)."""
    if "isri" in name:
        pytest.importorskip("nltk")


# -- every configuration builds, answers and is scored ----------------------------------------
@pytest.mark.parametrize("name", relevance.ALL_NAMES)
def test_every_row_builds_and_answers(name: str, tiny: tuple[Path, Path]) -> None:
    _needs_extras(name)
    data, dataset = tiny
    ds = relevance.load_dataset(dataset)
    row = relevance.run_row(name, ds, data, per_query=True)
    assert row["config"] == name
    assert row["metrics"]["all"]["queries"] == 3
    assert row["metrics"]["tune"]["queries"] + row["metrics"]["test"]["queries"] == 3
    for split in relevance.SPLITS:
        for metric in ("mrr@10", "ndcg@10", "recall@10", "recall@100"):
            assert 0.0 <= row["metrics"][split][metric] <= 1.0, (split, metric)
    assert row["metrics"]["all"]["mrr@10"] > 0  # at least one query finds its document
    latency = row["latency_ms"]  # every query is timed: a summary of 3 real, positive times
    assert 0 < latency["p50"] <= latency["p95"] <= latency["max"], latency
    assert 0 < latency["mean"] <= latency["max"], latency
    assert 0 < row["index_build_s"] <= row["total_s"], row
    assert set(row["first_relevant_rank"]) == {"q1", "q2", "q3"}
    json.dumps(row)  # the row goes into the results file as is


def test_latency_summary_of_known_times() -> None:
    summary = relevance._latency_summary([4.0, 1.0, 3.0, 2.0])
    assert summary == {"mean": 2.5, "p50": 3.0, "p95": 4.0, "max": 4.0}
    assert relevance._latency_summary([]) == {"mean": 0.0, "p50": 0.0, "p95": 0.0, "max": 0.0}


@pytest.mark.parametrize("name", relevance.ALL_NAMES)
def test_exact_words_rank_their_document_first(name: str, tiny: tuple[Path, Path]) -> None:
    _needs_extras(name)
    data, dataset = tiny
    ds = relevance.load_dataset(dataset)
    search, _, settings = relevance.build_row(name, ds, data)
    assert search("بزراعة النخيل وإنتاج التمور")[0] == "d3"
    assert search("نهر النيل")[0] == "d1"
    assert "title_boost" in settings


def test_default_row_uses_library_defaults(tiny: tuple[Path, Path]) -> None:
    data, dataset = tiny
    _, _, settings = relevance.build_row(relevance.DEFAULT_ROW, relevance.load_dataset(dataset), data)
    assert settings["library_defaults"] == {"analyzer": True, "ranking": True, "fields": True}


def test_registered_experiment_factories_return_setups(tiny: tuple[Path, Path]) -> None:
    data, _ = tiny
    for name, factory in {**relevance.REFERENCE_ROWS, **relevance.EXPERIMENTS}.items():
        if name == "snowball" or "isri" in name:
            continue  # construction needs an extra; covered (or skipped) above
        analyzer, ranking, title_boost = factory(data)
        assert analyzer is not None and ranking is not None and title_boost > 0, name


# -- selecting rows, splitting and loading ------------------------------------------------------
def test_resolve_configs_groups_and_order() -> None:
    assert relevance.resolve_configs(None) == list(relevance.DEFAULT_SET)
    assert relevance.resolve_configs("light+and,lucene") == ["lucene", "light+and"]  # table order
    assert relevance.resolve_configs("experiments") == list(relevance.EXPERIMENTS)
    assert relevance.resolve_configs("all,light") == list(relevance.ALL_NAMES)
    with pytest.raises(ValueError, match="unknown config 'nope'"):
        relevance.resolve_configs("light,nope")


def test_split_is_stable_and_roughly_half() -> None:
    qids = [str(i) for i in range(2000)]
    halves = [relevance.split_of(q) for q in qids]
    assert halves == [relevance.split_of(q) for q in qids]
    assert set(halves) == {"tune", "test"}
    assert 900 < halves.count("tune") < 1100


def test_load_dataset_split_and_sample(tiny: tuple[Path, Path]) -> None:
    _, dataset = tiny
    ds = relevance.load_dataset(dataset)
    assert [d["id"] for d in ds.docs] == ["d1", "d2", "d3", "d4", "d5"]
    assert ds.docs[0] == {"id": "d1", "title": DOCS[0][1], "body": DOCS[0][2]}
    assert ds.qrels["q3"] == {"d3": 1, "d4": 0}
    tune = relevance.load_dataset(dataset, split="tune")
    test = relevance.load_dataset(dataset, split="test")
    assert sorted(q for q, _ in tune.queries + test.queries) == ["q1", "q2", "q3"]
    sample = relevance.load_dataset(dataset, limit_queries=2).queries
    assert len(sample) == 2 and sample == relevance.load_dataset(dataset, limit_queries=2).queries


def test_missing_dataset_exits_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        relevance.main(["--data", str(tmp_path), "--no-save"])
    assert e.value.code == 2
    assert "qa-dev" in capsys.readouterr().err


def test_main_prints_one_table_and_writes_json(
    tiny: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, dataset = tiny
    out = tmp_path / "out.json"
    args = ["--data", str(data), "--dataset", str(dataset), "--configs", "light,lucene", "--no-save"]
    args += ["--json", str(out)]
    assert relevance.main([*args, "--jobs", "2"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("| config") == 1
    assert "| lucene" in printed and "| light " in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    assert [r["config"] for r in result["rows"]] == ["lucene", "light"]
    assert result["dataset"]["documents"] == 5 and result["dataset"]["judged_queries"] == 3


# -- the Lucene reference analyzer follows Lucene's rules ----------------------------------------
@pytest.mark.parametrize(
    "description, word, expected",
    [
        ("alef forms fold", "آجن", "اجن"),
        ("alef maksura folds to yeh, then the yeh suffix goes", "مستشفى", "مستشف"),
        ("teh marbuta folds to heh, which is stripped", "مَدْرَسَةٌ", "مدرس"),
        ("article", "الكتاب", "كتاب"),
        ("wa + article is one prefix", "والكتاب", "كتاب"),
        ("only the first prefix goes", "وللصحيفة", "للصحيف"),
        ("only the first prefix goes (bi-al)", "وبالمدرسة", "بالمدرس"),
        ("al needs two letters left", "الو", "الو"),
        ("wa needs four letters", "ولد", "ولد"),
        ("several suffixes in one pass", "المكتبات", "مكتب"),
        ("alef wasla is untouched", "ٱلكتاب", "ٱلكتاب"),
        ("hamza seats are untouched", "مسؤول", "مسؤول"),
        ("digits fold", "٢٠١٩", "2019"),
        ("lowercase", "Arabic", "arabic"),
    ],
)
def test_lucene_rules(description: str, word: str, expected: str, tiny: tuple[Path, Path]) -> None:
    analyzer = LuceneArabicAnalyzer.from_data(tiny[0])
    assert analyzer.terms(word) == [expected]


def test_lucene_stop_words_are_checked_before_normalization(tiny: tuple[Path, Path]) -> None:
    analyzer = LuceneArabicAnalyzer.from_data(tiny[0])
    assert analyzer.entry("على") == ("على", True)
    assert analyzer.entry("علي") == ("عل", False)  # not in the unnormalized list
    assert analyzer.entry("عَلَى") == ("عل", False)  # marks defeat the list, as in Lucene
    assert analyzer.terms("من في القاهرة") == ["قاهر"]
    assert analyzer.terms("من في", keep_stopwords=True) == ["من", "في"]
    assert "# a comment line" not in analyzer.lucene_stopwords


def test_lucene_helpers() -> None:
    assert lucene_normalize("ـمُدَرِّسَةٌ") == "مدرسه"
    assert lucene_stem("فالكتابان") == "كتاب"
    assert lucene_stem("لل") == "لل"


def test_lucene_analyzer_is_picklable(tiny: tuple[Path, Path]) -> None:
    import pickle

    analyzer = LuceneArabicAnalyzer.from_data(tiny[0])
    clone = pickle.loads(pickle.dumps(analyzer))
    assert type(clone) is LuceneArabicAnalyzer
    assert clone.lucene_stopwords == analyzer.lucene_stopwords
    assert clone.terms("وللصحيفة على") == ["للصحيف"]
