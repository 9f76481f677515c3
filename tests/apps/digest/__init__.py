"""A test app that requires noticeboard, to exercise dependency checks."""
