"""``python -m xlplan``: the same CLI as the ``xlplan`` command."""

from xlplan.cli import main

main()
