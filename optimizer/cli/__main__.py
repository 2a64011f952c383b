"""`python -m optimizer.cli`: the capopt command line."""
from . import main

main()
