"""publish: one structured source of a book -> EPUB 3, print PDF and catalogue records."""
