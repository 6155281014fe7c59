"""``python -m rsatoolbox_topo``: the ``rsatoolbox-topo`` command."""

import sys

if __name__ == "__main__":
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while Python loads the command
        print("rsatoolbox-topo: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(main())
