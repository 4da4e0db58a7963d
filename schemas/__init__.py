"""Message schemas: JSON Schema files (the public contract), records and codecs."""
