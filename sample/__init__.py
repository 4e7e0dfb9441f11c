"""The bundled sample news site, its loopback server, and `make demo`."""
