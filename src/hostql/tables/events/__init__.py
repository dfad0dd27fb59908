"""Evented tables: rows buffered by the events runtime (file_events...)."""
