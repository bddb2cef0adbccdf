"""A module that exists only in tests: proof that adding a module is one folder and one line."""
