"""Stage 4, the editions: the print interior (PDF/X), its cover and the EPUB, each a writer
(`publish/stage.py`) that returns its files and a frozen record of its facts."""
