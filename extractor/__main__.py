"""`python -m extractor` is the same command as `lbx`; both start here.

The entry point takes SIGINT and SIGTERM before it imports anything heavy
(click, pandas, pyarrow, the engine: about half a second). A signal that lands
inside an import cannot be handled safely there (CPython's import machinery
swallows an exception raised in its lock callbacks, and a half-imported module
stays broken), so during start-up signals are only recorded, and acted on as
soon as the imports are done: Ctrl-C or SIGTERM at any moment of a run, its
first milliseconds included, ends as "lbx: interrupted" (130) or "lbx:
terminated" (143), never as a traceback, a silent kill or a run that goes on.
Only this module and `extractor.exits` are imported before that.
"""
import signal
import sys

from extractor.exits import Terminated, install_sigterm, report


def main(argv=None):
    """Console-script entry point (`lbx`, `python -m extractor`)."""
    held: list[int] = []
    try:
        previous_int = signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
        signal.signal(signal.SIGTERM, lambda signum, _frame: held.append(signum))
    except ValueError:  # not the main thread (embedded use): nothing to hold
        previous_int = None
    try:
        try:
            from extractor.cli import main as cli_main
        finally:
            if previous_int is not None:
                signal.signal(signal.SIGINT, previous_int)  # Python's own: raises KeyboardInterrupt
            install_sigterm()  # raises Terminated from now on
        if held:  # a signal during start-up: acted on now, at a safe point
            raise KeyboardInterrupt() if held[0] == signal.SIGINT else Terminated()
        cli_main(argv)  # ends in SystemExit, having reported whatever ended the command
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001  (a signal in the last bytecodes, or held at start-up)
        sys.exit(report(e))


if __name__ == "__main__":
    main()
