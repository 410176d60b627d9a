import devkit.cli  # noqa: F401  registers the commands
from devkit.cli.app import main

main()
