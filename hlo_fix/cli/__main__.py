"""`python -m hlo_fix.cli`, the same as the `hlo-fix` console script."""

from hlo_fix.cli import main

if __name__ == "__main__":
    main()
