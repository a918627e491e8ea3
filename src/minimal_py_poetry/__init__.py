"""A small HTTP service: the sample application the kit ships with."""
