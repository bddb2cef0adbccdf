"""The platform operator (平台运营方): sees streets and their counts, never residents' data."""
