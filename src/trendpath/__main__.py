"""``python -m trendpath`` is the ``trendpath`` command."""

from trendpath.cli import main

main()
