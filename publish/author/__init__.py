"""The author's loop over the built editions: `publish check`, `proof`, `watch` and `new`."""
