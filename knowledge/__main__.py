"""`python -m knowledge build`: the same build as `python -m bot build`."""

import sys

from knowledge.build import build_command


def main() -> int:
    argv = sys.argv[1:]
    if not argv or argv[0] != "build":
        print(
            "usage: python -m knowledge build [--seeds DIR] [--glossary FILE] [--out FILE] [--check]"
        )
        return 2
    return build_command(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
