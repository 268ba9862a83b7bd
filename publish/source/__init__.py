"""Stage 1, the source: `book.yaml`, the text files and `fonts.yaml` read, checked and turned
into the validated book model (`model.py`), its text already parsed (`markup.py`)."""
