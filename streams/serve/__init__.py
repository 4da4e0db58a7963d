"""Serving the worker's state to people and programs: the HTTP queries (`streams.serve.http`)."""
