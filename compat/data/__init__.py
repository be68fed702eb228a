"""The matrix: its schema and validation, the compiled form shipped in the wheel, typed records, versions and
ranges, and updating it."""
