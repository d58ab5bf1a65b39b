"""Geometry of the hip model: frame and units, bones, muscles, nerve and artery, posture,
mechanics and measurements (ISB pelvis frame, millimetres, degrees)."""
