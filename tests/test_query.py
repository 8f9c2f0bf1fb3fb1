"""Tests for arsearch.query: the query language parser and query analysis."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch.analysis import Analyzer
from arsearch.query import MAX_CLAUSES, MAX_QUERY_CHARS, Clause, analyze_query, leaves, parse_query

FIELDS = {"title", "body"}
ANALYZER = Analyzer()


def W(text: str, occur: str = "should", field: str | None = None) -> Clause:  # noqa: N802 - table shorthand
    return Clause("word", text, occur, field)  # type: ignore[arg-type]


def P(text: str, occur: str = "should", field: str | None = None) -> Clause:  # noqa: N802
    return Clause("phrase", text, occur, field)  # type: ignore[arg-type]


def X(text: str, occur: str = "should", field: str | None = None) -> Clause:  # noqa: N802
    return Clause("prefix", text, occur, field)  # type: ignore[arg-type]


PARSES_TO = [
    # plain words
    ("one word", "كتاب", [W("كتاب")]),
    ("two words", "كتاب مدرسة", [W("كتاب"), W("مدرسة")]),
    ("extra spaces", "  كتاب   مدرسة  ", [W("كتاب"), W("مدرسة")]),
    ("tabs and newlines separate", "كتاب\tمدرسة\nقلم", [W("كتاب"), W("مدرسة"), W("قلم")]),
    ("diacritics kept raw", "الْمَكْتَبَةُ", [W("الْمَكْتَبَةُ")]),
    ("latin word", "Python", [W("Python")]),
    ("decimal number", "3.5", [W("3.5")]),
    # phrases
    ("phrase", '"وزير الخارجية"', [P("وزير الخارجية")]),
    ("phrase with words around", 'كتاب "وزير الخارجية" قلم', [W("كتاب"), P("وزير الخارجية"), W("قلم")]),
    ("phrase inner spaces stripped", '"  وزير الخارجية "', [P("وزير الخارجية")]),
    ("one-word phrase", '"كتاب"', [P("كتاب")]),
    ("guillemets are quotes", "«وزير الخارجية»", [P("وزير الخارجية")]),
    ("curly quotes are quotes", "“وزير الخارجية”", [P("وزير الخارجية")]),
    ("empty phrase dropped", '"" كتاب', [W("كتاب")]),
    # required / excluded
    ("required", "+مصر", [W("مصر", "must")]),
    ("excluded", "-سوريا", [W("سوريا", "must_not")]),
    ("required phrase", '+"وزير الخارجية"', [P("وزير الخارجية", "must")]),
    ("excluded phrase", '-"وزير الخارجية"', [P("وزير الخارجية", "must_not")]),
    ("mixed occurs", "كتاب +مصر -سوريا", [W("كتاب"), W("مصر", "must"), W("سوريا", "must_not")]),
    ("dash inside a word is not an operator", "ابن-خلدون", [W("ابن-خلدون")]),
    # fields
    ("known field", "title:مصر", [W("مصر", field="title")]),
    ("known field phrase", 'title:"وزير الخارجية"', [P("وزير الخارجية", field="title")]),
    ("known field required", "+title:مصر", [W("مصر", "must", "title")]),
    ("known field excluded", "-body:مصر", [W("مصر", "must_not", "body")]),
    ("known field prefix", "title:مكت*", [X("مكت", field="title")]),
    ("unknown field is a word", "foo:مصر", [W("foo:مصر")]),
    ("field name must be known exactly", "Title:مصر", [W("Title:مصر")]),
    ("two colons", "a:b:c", [W("a:b:c")]),
    # prefixes
    ("prefix", "مكت*", [X("مكت")]),
    ("prefix with several stars", "مكت**", [X("مكت")]),
    ("prefix kept raw", "المكتبات*", [X("المكتبات")]),
    ("required prefix", "+مكت*", [X("مكت", "must")]),
    ("leading star is not a prefix", "*مكت", [W("*مكت")]),
    ("inner star is not a prefix", "ك*تاب", [W("ك*تاب")]),
    # malformed input degrades to words
    ("unbalanced quote", '"غير مغلق', [W("غير"), W("مغلق")]),
    ("unbalanced quote after words", 'كتاب "غير مغلق', [W("كتاب"), W("غير"), W("مغلق")]),
    ("unbalanced open parenthesis", "(كتاب مدرسة", [W("كتاب"), W("مدرسة")]),
    ("unbalanced close parenthesis", "كتاب مدرسة)", [W("كتاب"), W("مدرسة")]),
    ("nested parentheses", "((كتاب))", [W("كتاب")]),
    ("brackets and braces", "[كتاب] {مدرسة}", [W("كتاب"), W("مدرسة")]),
    ("lone minus", "-", []),
    ("lone plus", "+", []),
    ("lone colon", ":", []),
    ("lone star", "*", []),
    ("lone operators together", "- + : * **", []),
    ("operators around a word", "- كتاب +", [W("كتاب")]),
    ("double minus", "--كتاب", [W("-كتاب", "must_not")]),
    ("known field without term", "title:", [W("title:")]),
    ("unknown field without term", "foo:", [W("foo:")]),
    ("known field without term then word", "title: مصر", [W("title:"), W("مصر")]),
    ("leading colon", ":كتاب", [W(":كتاب")]),
    ("empty", "", []),
    ("spaces only", "   ", []),
    ("whitespace only", " \t\n\r ", []),
    ("control characters stay inside the word", "\x00\x01كتاب\x07", [W("\x00\x01كتاب\x07")]),
    ("control characters between words", "كتاب\x1c\x1dمدرسة", [W("كتاب"), W("مدرسة")]),
    ("10,000 characters, no spaces: cut", "ك" * 10_000, [W("ك" * MAX_QUERY_CHARS)]),
    ("10,000 characters of words: clause cap", ("كتاب " * 2_000)[:10_000], [W("كتاب")] * MAX_CLAUSES),
    ("10,000 characters of stray operators", "- + : * ( ) " * 833, []),
    ("operators-only prefix", "+:*", []),
]


@pytest.mark.parametrize("description, query, expected", PARSES_TO, ids=[row[0] for row in PARSES_TO])
def test_parse_query(description: str, query: str, expected: list[Clause]) -> None:
    assert parse_query(query, FIELDS) == expected


def test_parse_query_without_fields_treats_every_field_as_words() -> None:
    assert parse_query("title:مصر") == [W("title:مصر")]


@pytest.mark.parametrize("query", [None, 5, b"\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8", ["كتاب"]])
def test_parse_query_non_str_gives_nothing(query: object) -> None:
    assert parse_query(query) == []  # type: ignore[arg-type]


def test_parse_query_unknown_field_keeps_its_phrase() -> None:
    """``foo:"a b"`` with no field foo searches the phrase over every field,
    keeping the clause's +/- (and warns)."""
    warnings: list[str] = []
    assert parse_query('foo:"وزير الخارجية"', FIELDS, warnings) == [P("وزير الخارجية")]
    assert parse_query('-foo:"وزير الخارجية"', FIELDS) == [P("وزير الخارجية", "must_not")]
    assert warnings == ["unknown field 'foo': searched what follows foo: in every field"]


def test_parse_query_cuts_at_a_space() -> None:
    words = [f"w{i}" for i in range(2_000)]
    clauses = parse_query(" ".join(words[:10]) + " " + "x" * (MAX_QUERY_CHARS - 20) + " tail")
    assert clauses == [W(w) for w in words[:10]]


def test_a_cut_query_is_reported_in_warnings() -> None:
    """Neither limit is silent: cutting at MAX_QUERY_CHARS and dropping clauses
    past MAX_CLAUSES each add a warning that counts what was not searched."""
    warnings: list[str] = []
    query = " ".join(["كتاب"] * 70 + ["المكتبة"])  # 71 clauses, 354 characters
    assert len(parse_query(query, FIELDS, warnings)) == MAX_CLAUSES
    assert warnings == [f"the query was cut to its first {MAX_CLAUSES} words, phrases and prefixes (7 more not searched)"]
    warnings = []
    long = "ك" * (MAX_QUERY_CHARS + 5)
    assert parse_query(long, FIELDS, warnings) == [W("ك" * MAX_QUERY_CHARS)]
    assert warnings == [f"the query was cut to its first {MAX_QUERY_CHARS:,} characters (5 more not searched)"]
    warnings = []
    parse_query('"وزير خارجي" ' * MAX_CLAUSES + "كتاب* - + :", FIELDS, warnings)  # phrases, then a prefix
    assert warnings == [f"the query was cut to its first {MAX_CLAUSES} words, phrases and prefixes (1 more not searched)"]


@pytest.mark.parametrize("query", ["كتاب " * MAX_CLAUSES, "كتاب " * MAX_CLAUSES + " - + : * ( )", "ك" * MAX_QUERY_CHARS])
def test_a_query_within_the_limits_has_no_warning(query: str) -> None:
    warnings: list[str] = []
    assert parse_query(query, FIELDS, warnings)
    assert warnings == []


def test_parse_query_long_phrase_is_cut() -> None:
    words = " ".join(f"w{i}" for i in range(5_000))
    (clause,) = parse_query(f'"{words}"')
    assert clause.kind == "phrase"
    assert len(clause.text) <= MAX_QUERY_CHARS
    assert words.startswith(clause.text)


# -- analyze_query ------------------------------------------------------------


def terms_of(query: str, fields: set[str] = FIELDS) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(ac.clause.kind, ac.clause.occur, ac.terms) for ac in analyze_query(parse_query(query, fields), ANALYZER)]


ANALYZES_TO = [
    ("plain word stemmed", "المكتبات", [("word", "should", ("مكتب",))]),
    ("diacritized word", "الْمَكْتَبَةُ", [("word", "should", ("مكتب",))]),
    ("hamza folded", "أحمد", [("word", "should", ("احمد",))]),
    ("arabic-indic digits", "١٩٤٥", [("word", "should", ("1945",))]),
    ("tatweel removed", "مـــدرسة", [("word", "should", ("مدرس",))]),
    ("only stop words: all kept", "من هو", [("word", "should", ("من",)), ("word", "should", ("هو",))]),
    ("one stop word kept", "في", [("word", "should", ("في",))]),
    ("stop words dropped next to a content word", "من هو البغدادي", [("word", "should", ("بغداد",))]),
    ("stop word dropped next to a phrase", 'في "وزير الخارجية" الطالب', [("phrase", "should", ("زير", "خارج")), ("word", "should", ("طالب",))]),
    ("phrase keeps stop words", '"من هو البغدادي"', [("phrase", "should", ("من", "هو", "بغداد"))]),
    ("one-word stop phrase", '"في"', [("phrase", "should", ("في",))]),
    ("excluded stop word does not count as plain", "-من هو", [("word", "must_not", ("من",)), ("word", "should", ("هو",))]),
    ("prefix normalized, not stemmed", "المكتبات*", [("prefix", "should", ("المكتبات",))]),
    ("prefix hamza and teh marbuta folded", "أسرة*", [("prefix", "should", ("اسره",))]),
    ("prefix diacritics removed", "مَكْتَ*", [("prefix", "should", ("مكت",))]),
    ("prefix keeps its conjunction", "والمكتبات*", [("prefix", "should", ("والمكتبات",))]),
    ("punctuation-only prefix dropped", "#*", []),
    ("unknown field words split", "foo:bar", [("word", "should", ("foo", "bar"))]),
    ("field clause", "title:مدرسة", [("word", "should", ("مدرس",))]),
    ("no letters at all", "!!! ؟؟ ...", []),
]


@pytest.mark.parametrize("description, query, expected", ANALYZES_TO, ids=[row[0] for row in ANALYZES_TO])
def test_analyze_query(description: str, query: str, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert terms_of(query) == expected


def test_analyze_query_keeps_the_clause() -> None:
    (ac,) = analyze_query(parse_query("title:المكتبات", FIELDS), ANALYZER)
    assert ac.clause == W("المكتبات", field="title")


def test_analyze_query_uses_the_given_analyzer() -> None:
    (ac,) = analyze_query(parse_query("المكتبات"), Analyzer(stemmer="none"))
    assert ac.terms == ("المكتبات",)


def test_analyze_query_without_stopwords_keeps_everything() -> None:
    got = [ac.terms for ac in analyze_query(parse_query("من هو البغدادي"), Analyzer(stopwords=None))]
    assert got == [("من",), ("هو",), ("بغداد",)]


# -- never raises ----------------------------------------------------------------

ARABIC_HEAVY = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),  # Arabic
        st.sampled_from(list(" \t\n\"+-:*()«»[]{}title") + ["\u0640", "\u200c", "\u00a0", "\x00", "\ud800"]),
        st.characters(codec="utf-8"),
    ),
    max_size=200,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARABIC_HEAVY)
def test_parse_and_analyze_never_raise(query: str) -> None:
    clauses = parse_query(query, FIELDS)
    assert len(leaves(clauses)) <= MAX_CLAUSES
    for c in clauses:
        if c.kind == "group":
            assert c.children and c.text
    for c in leaves(clauses):
        assert c.kind in ("word", "phrase", "prefix")
        assert c.occur in ("should", "must", "must_not")
        assert c.field in (None, "title", "body")
        assert c.text  # no empty clauses
    for ac in analyze_query(clauses, ANALYZER):
        assert ac.terms
        assert all(isinstance(t, str) and t for t in ac.terms)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("كتبمدرسةال \"+-:*()«»")), min_size=0, max_size=2_000))
def test_parse_query_operator_soup_never_raises(query: str) -> None:
    for c in leaves(parse_query(query, FIELDS)):
        assert c.text == c.text.strip()
        assert '"' not in c.text and "«" not in c.text and "»" not in c.text
        if c.kind == "prefix":
            assert not c.text.endswith("*")


# -- plans with representations ----------------------------------------------------


def test_plan_adds_each_representation_once_over_all_text_fields() -> None:
    from arsearch.fields import DEFAULT_FIELDS, Ranking
    from arsearch.query import TermRef, build_plan

    ranking = Ranking(representations=(("isri", 0.3), ("ngram4", 0.5)), ngram_max_df=0.2)
    plan = build_plan("المكتبات", DEFAULT_FIELDS, Analyzer(), ranking, ["title", "body"])
    assert plan.items[0].refs == (
        TermRef("title", "مكتب", 0.5),
        TermRef("body", "مكتب", 1.0),
        TermRef("all__isri", "كتب", 0.3, how="root"),
        # n-grams of the unstemmed normalized word, with the document-frequency cap
        TermRef("all__ngram4", "#الم", 0.5, 0.2, "score"),
        TermRef("all__ngram4", "المك", 0.5, 0.2, "score"),
        TermRef("all__ngram4", "لمكت", 0.5, 0.2, "score"),
        TermRef("all__ngram4", "مكتب", 0.5, 0.2, "score"),
        TermRef("all__ngram4", "كتبا", 0.5, 0.2, "score"),
        TermRef("all__ngram4", "تبات", 0.5, 0.2, "score"),
        TermRef("all__ngram4", "بات#", 0.5, 0.2, "score"),
    )


def test_plan_on_a_subset_of_the_fields_has_no_representations() -> None:
    from arsearch.fields import DEFAULT_FIELDS, Ranking
    from arsearch.query import TermRef, build_plan

    ranking = Ranking(representations=(("isri", 0.3),))
    assert build_plan("المكتبات", DEFAULT_FIELDS, Analyzer(), ranking, ["body"]).items[0].refs == (TermRef("body", "مكتب", 1.0),)
    assert build_plan("title:المكتبات", DEFAULT_FIELDS, Analyzer(), ranking, ["title", "body"]).items[0].refs == (
        TermRef("title", "مكتب", 0.5),
    )


def test_plan_counts_a_repeated_ngram_once_with_its_weight() -> None:
    from arsearch.fields import DEFAULT_FIELDS, Ranking
    from arsearch.query import build_plan

    plan = build_plan("ااااا", DEFAULT_FIELDS, Analyzer(), Ranking(representations=(("ngram4", 1.0),)), ["title", "body"])
    grams = {r.term: r.weight for r in plan.items[0].refs if r.field == "all__ngram4"}
    assert grams == {"#ااا": 1.0, "اااا": 2.0, "ااا#": 1.0}


def test_a_group_boost_is_passed_down_to_its_clauses() -> None:
    (group,) = parse_query("(كتاب^2 مدر* \"وزير الخارجية\")^3", FIELDS)
    assert group.boost == 1.0
    assert [(c.kind, c.boost) for c in group.children] == [("word", 6.0), ("prefix", 3.0), ("phrase", 3.0)]
    assert parse_query("((كتاب مدرسة)^2 قلم)^3", FIELDS)[0].children[0].children[0].boost == 6.0
