"""Readers: turn input files into `Paper` records (see `read_papers`)."""
