"""Results: solved model -> tidy DataFrames (`tables`), checks, files."""
