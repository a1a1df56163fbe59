"""Telephone audio: the constants of the public network and the G.711 codecs."""
