"""Serving the viewer: the hip-viewer command, the Panel server and the offline hand-out."""
