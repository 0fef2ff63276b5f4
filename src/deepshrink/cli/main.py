import sys


def main(argv=None) -> int:
    print("deepshrink: command line under construction", file=sys.stderr)
    return 0
