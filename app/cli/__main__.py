"""`python -m app.cli`: the same as the `laurel` command."""

from app.cli import main

if __name__ == "__main__":
    main()
