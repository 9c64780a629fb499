"""`python -m extractor` is the same command as `lbx`; both start here.

The entry point installs the signal handling before it imports anything heavy
(click, pandas, pyarrow, the engine: about half a second), so that Ctrl-C or
SIGTERM at any moment of a run, its first milliseconds included, ends as
"lbx: interrupted" (130) or "lbx: terminated" (143), never as a traceback or a
silent kill. Only this module and `extractor.exits` are imported before that.
"""
import sys

from extractor.exits import install_sigterm, report


def main(argv=None):
    """Console-script entry point (`lbx`, `python -m extractor`)."""
    install_sigterm()  # SIGINT needs nothing: Python's handler raises KeyboardInterrupt
    try:
        from extractor.cli import main as cli_main

        cli_main(argv)  # ends in SystemExit, having reported whatever ended the command
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001  (a signal while importing, or in the last bytecodes)
        sys.exit(report(e))


if __name__ == "__main__":
    main()
