"""Config sources, parsing, packs and options."""
