"""`python -m extractor` is the same command as `lbx`."""
from extractor.cli import main

if __name__ == "__main__":
    main()
