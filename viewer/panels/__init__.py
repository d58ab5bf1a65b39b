"""The side panels of the viewer: card, structure list, posture, camera, layers, share, mechanics."""
