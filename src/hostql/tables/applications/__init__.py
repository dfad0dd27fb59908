"""Application tables: browser extensions and editor plugins in users' homes."""
