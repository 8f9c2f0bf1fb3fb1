"""The Whoosh engine: arsearch's codec and segment writer on Whoosh's
storage, and a NumPy executor for query plans (:mod:`.search`)."""
