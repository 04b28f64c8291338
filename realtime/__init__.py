"""Transport for live updates: the one module that talks to the channel layer
(broadcast.publish) and the per-process hub that fans frames out to local sockets.

It imports nothing of ours, so every app's services can publish through it.
"""
