"""Collections, the face store, the search kernels and durable state (SQLite or PostgreSQL).

Nothing here knows the AWS wire format: it imports nothing from ``service``."""
