"""One module per campaign step; each is called by cli.py and returns a typed summary."""
