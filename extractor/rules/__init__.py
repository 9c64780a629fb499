"""Rule files (YAML data) and their loader: the extractor's knowledge, kept out of code."""
