"""The SMS tests' components: Kannel with fakesmsc as the phone network, and a fake of the
Android SMS gateway app's API (docs/testing.md, "The SMS tests' components")."""
