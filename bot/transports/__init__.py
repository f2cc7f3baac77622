"""One connector per chat service plus the console; each renders the shared message model."""
