"""A small app that lives only in the tests: notices on a board, with a menu and an API."""
