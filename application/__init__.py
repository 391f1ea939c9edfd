"""Ledger-side use cases: used by activities and by the Temporal-facing facades alike."""
