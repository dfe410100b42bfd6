"""One module per group of pages; each lists its routes in `routes()`."""
