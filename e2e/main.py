"""Runs every e2e/test_*.py with unittest and ends with one plain summary
line, "e2e: N passed, N failed, N skipped", that CI logs can be read by.
Extra arguments are unittest name patterns (-k)."""

import sys
import unittest
from pathlib import Path


def main(argv):
    here = Path(__file__).resolve().parent
    loader = unittest.TestLoader()
    if argv:
        loader.testNamePatterns = ["*%s*" % a if "*" not in a else a for a in argv]
    suite = loader.discover(str(here), pattern="test_*.py", top_level_dir=str(here))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print("e2e: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if result.testsRun == 0:
        print("e2e: no test ran", file=sys.stderr)
        return 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
