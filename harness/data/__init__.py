"""Data entering the harness: the embedded world, or local files, as typed records."""
