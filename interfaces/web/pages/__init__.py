"""HTML pages, one router module per area."""
