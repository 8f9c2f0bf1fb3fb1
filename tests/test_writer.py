"""Tests for arsearch.engines.whoosh.writer: the grouped segment writer writes what Whoosh's writer writes.

Every scenario is run through Whoosh's stock ``SegmentWriter`` with
Whoosh's W3 codec (ArabicCodec's settings) and through
``GroupedSegmentWriter`` with ``ArabicCodec``: the two indexes must agree
posting for posting (ids, weights, values, term statistics, field lengths,
stored fields). ArabicCodec compresses posting blocks differently (small
blocks stored raw, a small zlib window), so file for file the grouped
writer's index must equal the stock ``SegmentWriter``'s with ArabicCodec,
which writes posting by posting.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from pathlib import Path
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from whoosh import fields as wf
from whoosh.analysis import StemmingAnalyzer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from arsearch import Index, IndexLockedError
from arsearch.analysis import DEFAULT_ANALYZER
from arsearch.engines.whoosh import schema as schema_module
from arsearch.engines.whoosh.schema import ArabicCodec, ArabicText
from arsearch.engines.whoosh import writer as writer_module
from arsearch.engines.whoosh.writer import GroupedSegmentWriter

WORDS = (
    "ذهب الطلاب إلى المكتبة العامة لقراءة الكتب الجديدة في الصباح الباكر المدرسة المعلم "
    "الدرس الكتاب القلم الولد البنت البيت السيارة الطريق المدينة القرية الزراعة الماء"
).split()
TEST_BLOCKLIMIT = 32  # small blocks, so that long posting lists span several
COMMON = "الزراعة"  # in every document: its postings span several blocks


def arsearch_schema() -> wf.Schema:
    """The kinds of fields arsearch's schema has: positional text fields, a
    frequency-only text field (a ranking representation), keyword, numeric
    and date fields. Spelled out so the tests do not follow build_schema's layout."""
    schema = wf.Schema()
    schema.add("id", wf.ID(unique=True, stored=True))
    schema.add("title", ArabicText(DEFAULT_ANALYZER, stored=True))
    schema.add("body", ArabicText(DEFAULT_ANALYZER))
    schema.add("all__none", ArabicText(DEFAULT_ANALYZER.with_stemmer("none"), phrase=False))
    schema.add("all__ngram4", ArabicText(DEFAULT_ANALYZER.with_stemmer("none"), phrase=False, ngram=4))
    schema.add("tags", wf.KEYWORD(stored=True, lowercase=True, commas=True, scorable=False))
    schema.add("year", wf.NUMERIC(numtype=float, stored=True, sortable=NumericColumn("d", default=0.0), signed=True))
    schema.add("when", wf.DATETIME(stored=True, sortable=True))
    return schema


Op = tuple[str, Any]
Batch = dict[str, Any]  # {"ops": [Op, ...], "optimize": bool}


def make_doc(i: int, rng: random.Random, version: int = 0) -> dict[str, Any]:
    """A document as the Whoosh writer gets it from Index (all__none: every text field)."""
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60)))
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
    body = f"{COMMON} {body} كلمة{i % 37} نسخة{version}"
    combined = f"{title}\n{body}"
    doc: dict[str, Any] = {"id": f"d{i}", "title": title, "body": body, "all__none": combined, "all__ngram4": combined}
    if i % 3:
        doc["tags"] = ",".join(sorted({rng.choice(["سياسة", "رياضة", "اقتصاد", "ثقافة"]) for _ in range(2)}))
    if i % 4:
        doc["year"] = float(1990 + i % 30)
    if i % 5:
        doc["when"] = dt.datetime(2020, 1 + i % 12, 1 + i % 28)
    return doc


def new_index(path: Path, schema: wf.Schema | None = None) -> Any:
    path.mkdir(parents=True)
    return FileStorage(str(path)).create_index(schema or arsearch_schema(), indexname="MAIN")


def grouped_only(check: Callable[[GroupedSegmentWriter], None]) -> Op:
    """An op that runs ``check`` on the grouped writer (and nothing on Whoosh's)."""
    return ("check", lambda w: check(w) if isinstance(w, GroupedSegmentWriter) else None)


def codec_for(writer_cls: type, whoosh_codec: bool = True) -> Any:
    """Whoosh's writer gets Whoosh's own W3 codec with ArabicCodec's settings
    (unless not ``whoosh_codec``), so the reference owes nothing to
    arsearch's postings writer."""
    if issubclass(writer_cls, GroupedSegmentWriter) or not whoosh_codec:
        return ArabicCodec(blocklimit=TEST_BLOCKLIMIT)
    reference = ArabicCodec(blocklimit=TEST_BLOCKLIMIT)
    return W3Codec(
        blocklimit=reference._blocklimit, compression=reference._compression, inlinelimit=reference._inlinelimit
    )


def run_script(
    ix: Any, writer_cls: type, script: list[Batch], limitmb: float = 256, whoosh_codec: bool = True
) -> None:
    for batch in script:
        w = writer_cls(ix, codec=codec_for(writer_cls, whoosh_codec), limitmb=limitmb)
        for op, arg in batch["ops"]:
            if op == "add":
                w.add_document(**arg)
            elif op == "update":
                w.update_document(**arg)
            elif op == "delete":
                w.delete_by_term("id", arg)
            else:  # "check": a callable run on the open writer
                arg(w)
        w.commit(optimize=batch.get("optimize", False))


def snapshot(ix: Any) -> dict[str, Any]:
    """Everything a reader can see of the postings, lengths and stored fields."""
    out: dict[str, Any] = {}
    with ix.reader() as r:
        out["doc_count"] = (r.doc_count(), r.doc_count_all())
        out["stored"] = [(d, r.stored_fields(d)) for d in r.all_doc_ids()]
        names = sorted(r.indexed_field_names())
        out["lengths"] = {
            f: ([r.doc_field_length(d, f) for d in range(r.doc_count_all())], r.field_length(f))
            for f in names
        }
        # (Whoosh cannot take the max of a field that stores no lengths)
        out["max_lengths"] = {f: r.max_field_length(f) for f in names if r.schema[f].scorable}
        terms = {}
        for fieldname, btext in r.all_terms():
            ti = r.term_info(fieldname, btext)
            m = r.postings(fieldname, btext)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight())
            stats += (ti.min_id(), ti.max_id())
            terms[(fieldname, btext)] = (stats, postings)
        out["terms"] = terms
    return out


def segment_files(ix: Any) -> list[dict[str, bytes]]:
    """Each segment's files (postings, terms, columns) by extension."""
    out = []
    for seg in ix._segments():
        storage = seg.open_compound_file(ix.storage) if seg.is_compound() else ix.storage
        prefix = seg.make_filename("")
        files = {}
        for name in storage.list():
            if name.startswith(prefix):
                f = storage.open_file(name)
                files[name[len(prefix) :]] = f.read()
                f.close()
        out.append(files)
    return out


def assert_same(
    tmp_path: Path, script: list[Batch], limitmb: float = 256, schema: Callable[[], wf.Schema] | None = None
) -> Any:
    """Run ``script`` through both writers; assert the indexes agree; return the grouped one."""
    stock = new_index(tmp_path / "stock", schema() if schema else None)
    stock_codec = new_index(tmp_path / "stock_codec", schema() if schema else None)
    grouped = new_index(tmp_path / "grouped", schema() if schema else None)
    run_script(stock, SegmentWriter, script, limitmb)
    run_script(stock_codec, SegmentWriter, script, limitmb, whoosh_codec=False)
    run_script(grouped, GroupedSegmentWriter, script, limitmb)
    expected, got = snapshot(stock), snapshot(grouped)
    assert got["doc_count"] == expected["doc_count"]
    assert got["stored"] == expected["stored"]
    assert got["lengths"] == expected["lengths"]
    assert got["max_lengths"] == expected["max_lengths"]
    assert got["terms"].keys() == expected["terms"].keys()
    for key, value in expected["terms"].items():
        assert got["terms"][key] == value, key
    assert snapshot(stock_codec) == expected
    assert segment_files(grouped) == segment_files(stock_codec)
    return grouped


def corpus_script(seed: int = 7) -> list[Batch]:
    """Several commits: adds, deletions, updates, merges of small segments, optimize."""
    rng = random.Random(seed)
    script: list[Batch] = [{"ops": [("add", make_doc(i, rng)) for i in range(160)]}]
    n = 160
    for b in range(7):  # small commits: Whoosh merges the small segments on the way
        ops: list[Op] = [("add", make_doc(n + k, rng)) for k in range(2 + b % 2)]
        n += 2 + b % 2
        ops.append(("delete", f"d{rng.randrange(n)}"))
        ops.append(("update", make_doc(rng.randrange(n), rng, version=b + 1)))
        script.append({"ops": ops})
    script.append({"ops": [("delete", "d3"), ("update", make_doc(5, rng, version=9))], "optimize": True})
    script.append({"ops": [("add", make_doc(n + k, rng)) for k in range(20)]})
    return script


def test_same_index_as_whoosh_writer(tmp_path: Path) -> None:
    ix = assert_same(tmp_path, corpus_script())
    with ix.reader() as r:
        # the scenario covers what it claims: multi-block terms, deletions, merged segments
        common = DEFAULT_ANALYZER.terms(COMMON, keep_stopwords=True)[0]
        assert r.doc_frequency("body", common.encode()) > 128
        assert r.doc_count() < r.doc_count_all() or len(ix._segments()) > 1


def test_same_index_with_one_big_batch(tmp_path: Path) -> None:
    rng = random.Random(3)
    assert_same(tmp_path, [{"ops": [("add", make_doc(i, rng)) for i in range(400)]}])


def test_grouped_pool_stays_grouped_through_merges(tmp_path: Path) -> None:
    """Merged segments' postings (added at commit, in term order) keep the pool grouped."""
    flushed: list[tuple[bool, int]] = []

    class Recording(GroupedSegmentWriter):
        def _flush_segment(self) -> None:
            flushed.append((self.pool.grouped, self.docnum))
            super()._flush_segment()

    ix = new_index(tmp_path / "ix")
    run_script(ix, Recording, corpus_script())
    # a merge of the small segments (their docs follow the new ones) and an optimize
    assert [grouped for grouped, _ in flushed] == [True] * len(flushed)
    assert any(docnum > 4 for _, docnum in flushed[1:-2])
    assert flushed[-2][1] > 160


@pytest.mark.parametrize("max_open_runs", [64, 2])
def test_spill_to_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_open_runs: int) -> None:
    """A tiny memory limit: the pool spills sorted runs and joins them at
    commit (with few open files allowed: the oldest runs first, in steps)."""
    monkeypatch.setattr(writer_module, "_MAX_OPEN_RUNS", max_open_runs)
    runs: list[int] = []
    script = corpus_script(seed=11)
    script[0]["ops"].append(grouped_only(lambda w: runs.append(len(w.pool.runs))))
    assert_same(tmp_path, script, limitmb=0.02)
    assert runs[0] > 5
    assert not list(tmp_path.rglob("*.grun"))  # runs are removed with the writer's temp storage


def test_fallback_on_repeated_term(tmp_path: Path) -> None:
    """A numeric field given a list with a repeated value yields the same term
    twice for a document: the pool falls back to Whoosh's sorting pool."""
    rng = random.Random(5)
    states: list[bool] = []
    ops: list[Op] = [("add", make_doc(i, rng)) for i in range(150)]
    ops.append(("add", {**make_doc(150, rng), "year": [2001.0, 2001.0]}))
    ops.append(grouped_only(lambda w: states.append(w.pool.grouped)))
    ops += [("add", make_doc(i, rng)) for i in range(151, 200)]
    assert_same(tmp_path, [{"ops": ops}, {"ops": [("add", make_doc(200, rng))], "optimize": True}])
    assert states == [False]


def test_fallback_after_spill(tmp_path: Path) -> None:
    rng = random.Random(6)
    states: list[tuple[bool, int]] = []
    ops: list[Op] = [("add", make_doc(i, rng)) for i in range(120)]
    ops.append(grouped_only(lambda w: states.append((w.pool.grouped, len(w.pool.runs)))))
    ops.append(("add", {**make_doc(120, rng), "year": [1.0, 2.0, 1.0]}))
    ops.append(grouped_only(lambda w: states.append((w.pool.grouped, len(w.pool.runs)))))
    ops += [("add", make_doc(i, rng)) for i in range(121, 140)]
    assert_same(tmp_path, [{"ops": ops}], limitmb=0.02)
    assert states[0][0] and states[0][1] > 0
    assert states[1] == (False, 0)


def spelling_schema() -> wf.Schema:
    return wf.Schema(
        id=wf.ID(unique=True, stored=True),
        content=wf.TEXT(analyzer=StemmingAnalyzer(), spelling=True),
        vec=wf.TEXT(vector=True),
        num=wf.NUMERIC(),
    )


def test_whoosh_fields_spelling_and_vectors(tmp_path: Path) -> None:
    """Fields arsearch does not use: spelling words (docnum 0 for every
    document: falls back) and term vectors (Whoosh's add_document)."""
    rng = random.Random(9)
    english = "rendering shading lighting modeling animation texture render shade light model".split()

    def doc(i: int) -> dict[str, Any]:
        text = " ".join(rng.choice(english) for _ in range(rng.randint(2, 12)))
        return {"id": f"e{i}", "content": text, "vec": text, "num": i % 7}

    script: list[Batch] = [
        {"ops": [("add", doc(i)) for i in range(140)]},
        {"ops": [("add", doc(i)) for i in range(140, 150)]},
    ]
    assert_same(tmp_path, script, schema=spelling_schema)


def test_vectors_alone_stay_grouped(tmp_path: Path) -> None:
    schema = lambda: wf.Schema(id=wf.ID(stored=True), vec=wf.TEXT(vector=True), n=wf.NUMERIC(stored=True))  # noqa: E731
    states: list[bool] = []
    ops: list[Op] = [("add", {"id": str(i), "vec": f"alpha beta w{i % 5}", "n": i}) for i in range(140)]
    ops.append(grouped_only(lambda w: states.append(w.pool.grouped)))
    assert_same(tmp_path, [{"ops": ops}], schema=schema)
    assert states == [True]


def test_field_boost_keyword_argument(tmp_path: Path) -> None:
    rng = random.Random(4)
    ops: list[Op] = [
        ("add", {**make_doc(i, rng), "_body_boost": 1.5, "_boost": 0.5 if i % 2 else 1.0}) for i in range(60)
    ]
    assert_same(tmp_path, [{"ops": ops}])


def test_iter_postings_matches_whoosh_order(tmp_path: Path) -> None:
    rng = random.Random(2)
    docs = [make_doc(i, rng) for i in range(30)]
    grouped = GroupedSegmentWriter(new_index(tmp_path / "a"), codec=ArabicCodec())
    stock = SegmentWriter(new_index(tmp_path / "b"), codec=codec_for(SegmentWriter))
    for d in docs:
        grouped.add_document(**d)
        stock.add_document(**d)
    assert list(grouped.pool.iter_postings()) == list(stock.pool.iter_postings())
    stock.cancel()
    grouped.cancel()


def test_index_uses_grouped_writer(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "ix")
    ix.add({"id": "1", "title": "المكتبة", "body": "ذهب الطلاب إلى المكتبة"})
    assert isinstance(ix._store._writer, GroupedSegmentWriter)
    assert ix._store._writer.codec.__class__ is ArabicCodec
    ix.commit()
    assert [h.id for h in ix.search("المكتبة")] == ["1"]
    other = Index.open(tmp_path / "ix")
    ix.add({"id": "2", "title": "الملعب", "body": "لعب الأطفال"})
    with pytest.raises(IndexLockedError):
        other.add({"id": "3", "title": "x", "body": "y"})
    ix.commit()
    other.add({"id": "3", "title": "الحديقة", "body": "الأطفال في الحديقة"})
    other.commit()
    ix.refresh()
    assert len(ix) == 3


def test_index_multiprocess_writer_still_works(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "ix")
    docs = [{"id": str(i), "title": f"عنوان {i}", "body": f"الزراعة الحديثة كلمة{i % 7}"} for i in range(300)]
    assert ix.add_many(docs[:150]) == 150
    assert ix.add_many(docs[150:], procs=2) == 150
    assert len(ix) == 300
    assert ix.search("الزراعة").total == 300


def test_cancel_after_spill_removes_runs_and_unlocks(tmp_path: Path) -> None:
    ix = new_index(tmp_path / "ix")
    rng = random.Random(8)
    w = GroupedSegmentWriter(ix, codec=ArabicCodec(), limitmb=0.02)
    for i in range(80):
        w.add_document(**make_doc(i, rng))
    assert w.pool.runs
    w.cancel()
    assert not list(tmp_path.rglob("*.grun"))
    w2 = GroupedSegmentWriter(ix, codec=ArabicCodec())  # the lock was released
    w2.add_document(**make_doc(0, rng))
    w2.commit()
    assert ix.doc_count() == 1


def test_multiprocess_writer_gives_the_same_results_as_one_process(tmp_path: Path) -> None:
    rng = random.Random(11)
    docs = [{"id": str(i), "title": " ".join(rng.choice(WORDS) for _ in range(3)),
             "body": " ".join(rng.choice(WORDS) for _ in range(40))} for i in range(400)]
    one, many = Index.create(tmp_path / "one"), Index.create(tmp_path / "many")
    one.add_many(docs)
    many.add_many(docs, procs=2)  # sub-processes write segments with GroupedSegmentWriter
    assert len(many._store._wix._segments()) >= 2
    for query in (WORDS[0], f"{WORDS[1]} {WORDS[2]}", f'"{WORDS[3]} {WORDS[4]}"', WORDS[5][:3] + "*"):
        a = {h.id: h.score for h in one.search(query, limit=400)}
        b = {h.id: h.score for h in many.search(query, limit=400)}
        assert a.keys() == b.keys()
        assert all(abs(a[k] - b[k]) < 1e-9 for k in a), query


def test_text_fields_use_the_bulk_store(tmp_path: Path) -> None:
    """ArabicText fields go to the pool's bulk stores (representations as
    term counts, positional fields as terms in order); the id, keyword,
    numeric and date fields do not."""
    seen: list[set[str]] = []
    rng = random.Random(12)
    ops: list[Op] = [("add", make_doc(i, rng)) for i in range(50)]
    ops.append(grouped_only(lambda w: seen.append(set(w.pool.bulk_fieldnames))))
    assert_same(tmp_path, [{"ops": ops}])
    assert seen == [{"title", "body", "all__none", "all__ngram4"}]


def test_bulk_store_joined_with_postings_added_one_by_one() -> None:
    """Postings added one by one after the bulk ones (a merged segment's, at
    commit) follow them in each term's list, in docnum order."""
    pool = writer_module.GroupedPool(None, None)
    assert pool.add_counts("f", 0, Counter({"b": 2, "a": 1}))
    assert pool.add_counts("f", 1, Counter({"a": 3}))
    pool.add(("f", b"a", 5, 1.0, pack_uint(1)))
    pool.add(("f", b"c", 4, 2.0, pack_uint(2)))
    pool.add(("f", b"a", 7, 1.0, pack_uint(1)))
    assert not pool.add_counts("f", 8, Counter({"a": 1}))  # the field now holds one-by-one postings
    pool.add(("f", b"b", 6, 1.0, pack_uint(1)))
    expected = [
        ("f", b"a", [0, 1.0, pack_uint(1), 1, 3.0, pack_uint(3), 5, 1.0, pack_uint(1), 7, 1.0, pack_uint(1)]),
        ("f", b"b", [0, 2.0, pack_uint(2), 6, 1.0, pack_uint(1)]),
        ("f", b"c", [4, 2.0, pack_uint(2)]),
    ]
    assert list(pool.iter_terms()) == expected
    assert pool.grouped
    compact = {btext: postings for _f, btext, postings in pool.iter_terms(compact=True)}
    assert compact[b"a"] == expected[0][2]  # a term in both parts comes back as a flat list


def test_bulk_store_out_of_order_document_is_refused() -> None:
    pool = writer_module.GroupedPool(None, None)
    assert pool.add_counts("f", 3, Counter({"a": 1}))
    assert not pool.add_counts("f", 3, Counter({"b": 1}))
    assert not pool.add_counts("f", 2, Counter({"b": 1}))
    # a new term added one by one below the bulk store's last document would
    # land before bulk postings it cannot be ordered against: fall back
    pool.add(("f", b"z", 1, 1.0, pack_uint(1)))
    assert not pool.grouped
    assert list(pool.iter_postings()) == [("f", b"a", 3, 1.0, pack_uint(1)), ("f", b"z", 1, 1.0, pack_uint(1))]


def test_bulk_terms_in_compact_form() -> None:
    pool = writer_module.GroupedPool(None, None)
    for docnum in range(3):
        pool.add_counts("f", docnum, Counter({"x": docnum + 1, "y": 1}))
    terms = {btext: postings for _f, btext, postings in pool.iter_terms(compact=True)}
    assert sorted(terms) == [b"x", b"y"]
    assert terms[b"x"][0].tolist() == [0, 1, 2] and terms[b"x"][1].tolist() == [1, 2, 3]
    assert terms[b"y"][0].tolist() == [0, 1, 2] and terms[b"y"][1].tolist() == [1, 1, 1]


def test_small_blocks_stored_raw_and_big_ones_compressed(tmp_path: Path) -> None:
    """ArabicCodec writes blocks whose pickle is under _COMPRESS_MIN bytes
    uncompressed and the rest with its small-window zlib; Whoosh reads both."""
    from arsearch.engines.whoosh import schema as schema_module

    rng = random.Random(8)
    ix = new_index(tmp_path / "ix")
    run_script(ix, GroupedSegmentWriter, [{"ops": [("add", make_doc(i, rng)) for i in range(100)]}])
    comps: Counter[int] = Counter()
    with ix.reader() as r:
        for fieldname, btext in r.all_terms():
            m = r.postings(fieldname, btext)
            comps[m._compression] += 1  # the first block's
            while m.is_active():  # every block decodes
                m.next()
    assert comps[0] > 0 and comps[schema_module.ArabicCodec()._compression] > 0


def test_positional_bulk_store_postings() -> None:
    """A Positions field's bulk store gives each term's postings with the
    values ArabicText.index gives (count, then the positions)."""
    pool = writer_module.GroupedPool(None, None)
    field = ArabicText(DEFAULT_ANALYZER)
    docs = ["ذهب الطلاب إلى المكتبة ثم ذهب الطلاب", "المكتبة", "كتب كتب كتب " * 30]
    expected: dict[bytes, list[Any]] = {}
    for docnum, text in enumerate(docs):
        assert pool.add_terms("f", docnum, field.position_terms(text))
        for btext, _freq, weight, value in field.index(text):
            expected.setdefault(btext, []).extend((docnum, weight, value))
    got = {btext: postings for _f, btext, postings in pool.iter_terms()}
    assert got == expected
    compact = {btext: postings for _f, btext, postings in pool.iter_terms(compact=True)}
    assert {b: (p[0].tolist(), p[1].tolist(), p[2]) for b, p in compact.items()} == {
        b: (p[0::3], [int(w) for w in p[1::3]], p[2::3]) for b, p in expected.items()
    }
    assert not pool.add_counts("f", 5, Counter({"x": 1}))  # a Positions store takes no counts


def test_spilled_runs_are_read_one_record_at_a_time(tmp_path: Path) -> None:
    """Joining runs at commit holds one record per run, not the whole run: a
    run's reader that kept what it loaded (one Unpickler's memo for the
    whole file) made a commit's memory grow to the batch's size."""
    import tracemalloc

    pool = writer_module.GroupedPool(FileStorage(str(tmp_path)).create(), None)
    for docnum in range(40):  # 40 terms of 200 KB each (distinct values), spilled as one run: 8 MB
        pool.add(("f", b"t%03d" % docnum, docnum, 1.0, bytes([docnum]) * 200_000))
    pool.spill()
    assert len(pool.runs) == 1
    tracemalloc.start()
    try:
        seen = 0
        for _field, _btext, postings in pool._read_run(pool.runs[0]):
            seen += len(postings[2])
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 40 * 200_000
    assert peak < 2_000_000  # a few records, not the 8 MB run


# -- the batched term writer (schema._TermBatch) ----------------------------------


def _batched_and_per_term(tmp_path: Path, script: list[Batch], limitmb: float, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """``script`` through the grouped writer with single-block bulk terms
    batched (the default) and written one by one through the postings writer."""
    assert schema_module._FieldWriter.batch_terms  # the default
    batched = new_index(tmp_path / "batched")
    run_script(batched, GroupedSegmentWriter, script, limitmb)
    monkeypatch.setattr(schema_module._FieldWriter, "batch_terms", False)
    per_term = new_index(tmp_path / "per_term")
    run_script(per_term, GroupedSegmentWriter, script, limitmb)
    monkeypatch.undo()
    return batched, per_term


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    docs=st.integers(1, 90),
    batch_terms=st.sampled_from([1, 2, 3, 4096]),
    spill=st.booleans(),
)
def test_batched_terms_write_the_same_files(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, seed: int, docs: int, batch_terms: int, spill: bool
) -> None:
    """Property: the term batch writes the files, byte for byte, that the
    per-term path (start_term, add_frequency_postings, finish_term) writes:
    terms of one posting and of several, terms over a block (written per
    term between two batches), one term per batch or many, from memory or
    from spilled runs; and the readers see the same postings."""
    monkeypatch.setattr(schema_module, "_BATCH_TERMS", batch_terms)
    rng = random.Random(seed)
    script: list[Batch] = [{"ops": [("add", make_doc(i, rng)) for i in range(docs)]}]
    script.append({"ops": [("add", make_doc(docs + i, rng)) for i in range(3)] + [("delete", "d0")]})
    batched, per_term = _batched_and_per_term(tmp_path_factory.mktemp("ix"), script, 0.05 if spill else 256, monkeypatch)
    assert segment_files(batched) == segment_files(per_term)
    assert snapshot(batched) == snapshot(per_term)


def test_batched_terms_are_most_terms_and_match_whoosh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch writes the text fields' single-block terms (the per-term
    path only the rest), and the index is still the stock writer's."""
    calls = Counter[str]()
    batch_add, per_term = schema_module._TermBatch.add, schema_module._PostingsWriter.add_frequency_postings

    def counting_batch_add(self: Any, *args: Any) -> None:
        calls["batch"] += 1
        batch_add(self, *args)

    def counting_per_term(self: Any, *args: Any) -> None:
        calls["per_term"] += 1
        per_term(self, *args)

    monkeypatch.setattr(schema_module._TermBatch, "add", counting_batch_add)
    monkeypatch.setattr(schema_module._PostingsWriter, "add_frequency_postings", counting_per_term)
    ix = assert_same(tmp_path, corpus_script())
    with ix.reader() as r:
        common = DEFAULT_ANALYZER.terms(COMMON, keep_stopwords=True)[0]
        assert r.doc_frequency("body", common.encode()) > TEST_BLOCKLIMIT  # over a block: per term
    assert calls["per_term"] > 0
    assert calls["batch"] > 4 * calls["per_term"]  # (blocks of 32 postings here)


def test_one_document_of_many_distinct_words(tmp_path: Path) -> None:
    """Issue #14's case, small: one document with thousands of distinct words
    (every term one posting) gives the stock writer's index."""
    rng = random.Random(14)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(3000)}
    text = " ".join(sorted(words, key=lambda _: rng.random()))
    doc = {"id": "big", "title": "عنوان", "body": text, "all__none": text, "all__ngram4": text}
    assert_same(tmp_path, [{"ops": [("add", doc), ("add", make_doc(1, rng))]}])


def test_batched_terms_keep_key_order_checked() -> None:
    """A term that does not follow the previous one (in the batch or already
    in the term index) is refused as OrderedHashWriter.add refuses it."""
    class Writer:  # the field writer's parts a batch uses
        _postfile = StructFile(io.BytesIO())
        _tindex = schema_module._TermIndexWriter(StructFile(io.BytesIO()))
        _postwriter = ArabicCodec().postings_writer(None)
        _fieldid = 0

    one = (np.array([0], dtype=np.uint32), np.array([1], dtype=np.uint32))
    batch = schema_module._TermBatch(Writer(), None)
    batch.add(b"b", *one)
    with pytest.raises(ValueError, match="Keys must increase"):
        batch.add(b"a", *one)
    batch.flush()
    with pytest.raises(ValueError, match="Keys must increase"):
        batch.add(b"b", *one)
    batch.add(b"c", *one)
    batch.flush()
    assert Writer._tindex.lastkey == b"\x00\x00c"


def test_batched_index_searches_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through Index: the same hits and scores (several ranking
    representations, phrases, one big document among news-like ones)."""
    rng = random.Random(5)
    docs = [{"id": f"d{i}", "title": " ".join(rng.choice(WORDS) for _ in range(3)), "body": make_doc(i, rng)["body"]} for i in range(300)]
    docs.append({"id": "big", "title": "كبير", "body": " ".join(f"{w}{i}" for i in range(400) for w in WORDS[:5])})
    indexes = {}
    for batched in (True, False):
        monkeypatch.setattr(schema_module._FieldWriter, "batch_terms", batched)
        ix = Index.create(tmp_path / f"ix{batched}", engine="whoosh")
        ix.add_many(docs)
        ix.commit()
        indexes[batched] = ix
    queries = ["الطلاب", "المكتبة العامة", '"ذهب الطلاب"', "كتاب", "الزراعة الماء", "ذهب5", "كلمة3"]
    for q in queries:
        got = [(h.id, h.score) for h in indexes[True].search(q, limit=50)]
        assert got == [(h.id, h.score) for h in indexes[False].search(q, limit=50)], q
        assert got, q  # every query finds something
    for ix in indexes.values():
        ix.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=60), st.booleans())
@example(["a\x00", "a"], False)
@example(["b\x00\x00", "b\x00", "a", "\x00"], False)
@example(["ب", "ا", "آ", "z", "a", "ab", "ٱ", "ـ", "بب", "ﻻ", "𝐀", "é", "\uffff", "\U0010ffff"], False)
def test_bulk_store_sorts_terms_in_str_order(terms: list[str], small_array: bool) -> None:
    """_utf8_order gives the terms' str order through NumPy's fixed-width
    sort of their UTF-8 bytes and through Python's sort (terms ending in a
    NUL character, which a NumPy bytes array cannot tell apart, go to Python's)."""
    old = writer_module._SORT_ARRAY_BYTES
    writer_module._SORT_ARRAY_BYTES = 0 if small_array else old
    try:
        order = writer_module._utf8_order(terms).tolist()
    finally:
        writer_module._SORT_ARRAY_BYTES = old
    assert [terms[i] for i in order] == sorted(terms)


def test_bulk_store_sorts_terms_as_unicode_strings() -> None:
    """A bulk store gives its terms in the order of their str (Whoosh's term order)."""
    words = ["ب", "ا", "آ", "z", "a", "ab", "ٱ", "ـ", "بب", "ﻻ", "𝐀", "é"]
    pool = writer_module.GroupedPool(None, None)
    pool.add_counts("f", 0, Counter(words))
    assert [btext for _f, btext, _p in pool.iter_terms(compact=True)] == [w.encode() for w in sorted(words)]


@pytest.mark.parametrize("steps", [[10, 20], [65_000, 70_000, 2**31 - 1], [2**31 + 5, 2**32 + 9], [5, 2**32 + 1]])
def test_term_positions_extended_as_appended(steps: list[int]) -> None:
    """_extend_positions leaves the term index's position array (its type
    included) as appending each position does."""
    from whoosh.util.numlists import GrowableArray

    one_by_one, extended = GrowableArray("H"), GrowableArray("H")
    for batch in ([1, 2, 3], steps, [steps[-1] + 1]):
        for n in batch:
            one_by_one.append(n)
        schema_module._extend_positions(extended, batch)
        assert extended.typecode == one_by_one.typecode
        assert list(extended) == list(one_by_one)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=6), unique=True, max_size=1500))
def test_term_index_hash_tables_are_whooshs(keys: list[bytes]) -> None:
    """_TermIndexWriter writes the term index file Whoosh's
    OrderedHashWriter writes (hash tables with colliding slots included)."""
    from whoosh.filedb.filetables import OrderedHashWriter

    files = []
    for cls in (OrderedHashWriter, schema_module._TermIndexWriter):
        f = io.BytesIO()
        writer = cls(StructFile(f))
        writer.dbfile.close = lambda: None  # keep the bytes readable
        for key in sorted(keys):
            writer.add(key, key[::-1])
        writer.close()
        files.append(f.getvalue())
    assert files[0] == files[1]
