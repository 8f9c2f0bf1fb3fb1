"""The tantivy engine (``pip install 'arsearch[tantivy]'``): tantivy indexes and
searches arsearch's own analysis; arsearch highlights the stored originals."""
