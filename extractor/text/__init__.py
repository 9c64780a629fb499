"""Text: normalization with an offset map, sentence splitting, the number grammar."""
