"""The bad-input corpus: hostile and broken catalogs, built by the tests in temporary folders.

``cases.py`` holds a small good catalog (``BASE``) and one ``Case`` per kind of bad input, each
with the findings it must produce. Nothing hostile is committed: the 50 MB file, binary pages,
FIFOs, symlinks and 200,000-level documents are generated at test time. ``generate.py`` holds the
hypothesis strategies that build random catalogs for the fuzz tests and ``scripts/fuzz_check.py``.
"""
