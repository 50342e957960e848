"""Judges: each returns a value or an explicit, counted failure; never a crash, never a silent drop."""
