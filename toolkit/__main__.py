"""`python -m toolkit` runs the `reel` command line."""

from toolkit.cli import main

main()
