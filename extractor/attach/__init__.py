"""Attach the fields of a result to an accepted number: metric, dataset, method."""
