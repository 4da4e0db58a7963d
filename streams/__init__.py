"""Faust app, topics, agents, tables and the `tickertone` CLI."""
