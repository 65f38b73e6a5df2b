"""Parsers: source bytes in, plain records out. No database, no network."""
