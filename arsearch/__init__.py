"""arsearch: full-text search over Arabic text.

Example:
    >>> from arsearch import analyze, normalize, stem
    >>> normalize("إِلَى")
    'الي'
    >>> [t.text for t in analyze("ذهب الطلاب إلى المكتبات")]
    ['ذهب', 'طلاب', 'مكتب']
"""

from __future__ import annotations

from .analysis import ANALYZER_VERSION, Analyzer, Token, analyze
from .chars import normalize
from .errors import (
    ArsearchError,
    DocumentError,
    IncompatibleIndexError,
    IndexClosedError,
    IndexCorruptedError,
    IndexExistsError,
    IndexLockedError,
    IndexNotFoundError,
    IndexWriteError,
    QueryError,
    SchemaError,
)
from .complete import Completion
from .highlight import highlight
from .index import Hit, Index, Results
from .mapping import map_documents
from .sources import read_documents
from .fields import DEFAULT_RANKING, FAST_RANKING, Field, Ranking
from .stem import stem
from .stopwords import DEFAULT_STOPWORDS
from .suggest import Speller
from .engines.whoosh.analysis import ArabicAnalyzer

__version__ = "0.1.0"

__all__ = [
    "ANALYZER_VERSION",
    "Analyzer",
    "ArabicAnalyzer",
    "ArsearchError",
    "DEFAULT_RANKING",
    "DEFAULT_STOPWORDS",
    "Completion",
    "FAST_RANKING",
    "DocumentError",
    "Field",
    "Hit",
    "Index",
    "Ranking",
    "Results",
    "highlight",
    "map_documents",
    "read_documents",
    "IncompatibleIndexError",
    "IndexClosedError",
    "IndexCorruptedError",
    "IndexExistsError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexWriteError",
    "QueryError",
    "SchemaError",
    "Speller",
    "Token",
    "analyze",
    "normalize",
    "stem",
]
