"""Collections, the face store, the search kernels and SQLite persistence.

Nothing here knows the AWS wire format: it imports nothing from ``service``."""
