"""Stage 3, the layout: WeasyPrint lays the interior out (`typeset.py`, confined to the book),
and its pages give the page count, the page labels and the page map both editions share."""
