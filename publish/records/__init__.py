"""Stage 5, the catalogue records: MARC 21 and ONIX 3.0, from the model and the built editions."""
