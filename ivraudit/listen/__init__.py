"""Listening to a call: what the line sounds like, and where each prompt ends."""
