"""Container tables: Docker and LXD, read through their APIs on unix sockets."""
