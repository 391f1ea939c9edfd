"""HTML pages, one router module per area; each calls the facades the CLI calls."""
