"""Commands that compose several features (the top layer); a feature's own commands
live in its ``cli.py``."""
