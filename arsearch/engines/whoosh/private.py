"""Every private Whoosh name the Whoosh engine relies on, in one place.

arsearch's codec, segment writer and NumPy engine reach into Whoosh 2.7
where it has no public API: module-level names starting with ``_``
(imported here and re-exported: the other modules import them from this
module), private attributes and methods of Whoosh's classes (listed in
:data:`PRIVATE_ATTRIBUTES`, per class), module-level names arsearch
rebinds (:data:`REBOUND_NAMES`) and Whoosh's pickle loaders, which
:mod:`.unpickle` replaces (:data:`PICKLE_LOADERS`).
``tests/test_whoosh_private.py`` checks that each one exists in the
installed Whoosh, on real instances where they are instance attributes, so
a Whoosh release that renames one fails there rather than deep in a query.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import _lenfield
from whoosh.system import _INT_SIZE

__all__ = ["_lenfield", "_INT_SIZE", "PRIVATE_ATTRIBUTES", "REBOUND_NAMES", "PICKLE_LOADERS"]

#: Private attributes and methods arsearch reads, sets, calls or overrides,
#: per Whoosh class (its dotted path), and where: schema.py (codec and
#: posting writers), search.py (reading posting blocks, term lookups),
#: writer.py (the grouped segment writer), store.py (writer clean-up, segments).
PRIVATE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    # schema.ArabicCodec passes these to its postings writer
    "whoosh.codec.whoosh3.W3Codec": ("_blocklimit", "_compression", "_inlinelimit"),
    # schema._PostingsWriter: block buffers and statistics, the block writer it overrides
    "whoosh.codec.whoosh3.W3PostingsWriter": (
        "_postfile", "_blocklimit", "_byteids", "_compression", "_inlinelimit", "_blockcount", "_terminfo",
        "_ids", "_weights", "_values", "_maxweight", "_minlength", "_maxlength",
        "_mini_ids", "_mini_weights", "_mini_values", "_new_block", "_write_block",
    ),
    # schema._PostingsWriter.add_frequency_postings updates a term's statistics as add_block does;
    # schema._TermBatch packs term infos with its struct
    "whoosh.codec.whoosh3.W3TermInfo": (
        "_weight", "_df", "_minlength", "_maxlength", "_maxweight", "_minid", "_maxid", "_struct",
    ),
    # schema._FieldWriter.add_grouped_postings writes through its postings writer, or
    # (schema._TermBatch) to its postings file and term index directly
    "whoosh.codec.whoosh3.W3FieldWriter": ("_postwriter", "_postfile", "_tindex", "_fieldid"),
    # schema._TermBatch adds term index records as add does (its undocumented
    # attributes too); schema._TermIndexWriter overrides the hash table writer
    "whoosh.filedb.filetables.OrderedHashWriter": (
        "dbfile", "buckets", "directory", "hashtype", "hashfn", "index", "lastkey", "_write_hashes",
    ),
    # schema._extend_positions widens the term index's position array as append does
    "whoosh.util.numlists.GrowableArray": ("array", "_retype"),
    # schema.field_length_bytes reads a segment's length column in one go
    "whoosh.codec.whoosh3.W3PerDocReader": ("_cached_reader",),
    "whoosh.columns.NumericColumn.Reader": ("_fixedlen", "_default", "_count", "_dbfile", "_basepos"),
    # search._read_postings walks the blocks and decodes their data itself
    "whoosh.codec.whoosh3.W3LeafMatcher": (
        "_postfile", "_dataoffset", "_nextoffset", "_compression", "_blocklength", "_lastblock",
        "_data", "_values", "_goto", "_read_values",
    ),
    # search._Segment: a segment's terms and per-document readers, the term hash table
    "whoosh.reading.SegmentReader": ("_terms", "_perdoc"),
    "whoosh.codec.whoosh3.W3TermsReader": ("_fieldmap", "_tindex"),
    # writer.GroupedSegmentWriter.add_document is SegmentWriter's with a grouped pool;
    # store._abandon and writer._release_on_failure clean up after a failed writer
    "whoosh.writing.SegmentWriter": (
        "_tempstorage", "_added", "_check_state", "_check_fields", "_doc_boost", "_field_boost",
        "_flush_segment", "_commit_toc",
    ),
    # writer.GroupedMpWriter starts its own sub-writer processes
    "whoosh.multiproc.MpWriter": ("_new_task",),
    # store.WhooshStore.segment_count
    "whoosh.index.FileIndex": ("_segments",),
}

#: Whoosh module-level names arsearch rebinds (hooks Whoosh gives no
#: argument for): module → names.
REBOUND_NAMES: dict[str, tuple[str, ...]] = {
    # writer._GroupedSubWriterTask.run: the class SubWriterTask.run builds its writer from
    "whoosh.multiproc": ("SegmentWriter",),
}

#: Where Whoosh unpickles what it reads from an index (module → the name of
#: its loader there); :func:`.unpickle.install` puts the restricted loader in
#: each place. ``whoosh.index.pickle`` is the pickle module itself (the table
#: of contents' schema), ``whoosh.legacy.RenamingUnpickler`` reads old tables
#: of contents, ``whoosh.filedb.structfile.load_pickle`` backs every
#: ``StructFile.read_pickle`` (segment lists, compound file directories,
#: posting block headers, hash table extras, column lengths).
PICKLE_LOADERS: dict[str, str] = {
    "whoosh.index": "pickle",
    "whoosh.legacy": "RenamingUnpickler",
    "whoosh.filedb.structfile": "load_pickle",
    "whoosh.codec.whoosh3": "loads",  # posting blocks, inlined postings
    "whoosh.columns": "loads",  # PickleColumn: stored fields
    "whoosh.formats": "loads",  # Whoosh's own position formats' values
    "whoosh.codec.plaintext": "loads",  # the plain-text codec (a segment could name it)
}
