"""Stage 2, the rendering: the book model as HTML, once for both editions, through the Jinja2
templates in `templates/`."""
