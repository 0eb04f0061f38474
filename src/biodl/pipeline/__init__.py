"""One module per command, on top of the kinds: read, run the command's steps, write results."""
