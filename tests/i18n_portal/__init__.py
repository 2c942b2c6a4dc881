"""The portal in Dutch: every page rendered with Dutch active, the catalogues complete, and the
Dutch text plain enough to read."""
