"""The Panel app (placeholder until the scene component lands)."""

from __future__ import annotations

import panel as pn
import pyvista as pv


def create_app(content_dirs=()):
    pn.extension("vtk")
    plotter = pv.Plotter(off_screen=True)
    plotter.add_mesh(pv.Sphere(radius=50), color="#d8cfc0")
    plotter.reset_camera()
    return pn.Column("# Hip anatomy viewer", pn.pane.VTK(plotter.ren_win, width=800, height=600))


if __name__.startswith("bokeh"):
    create_app().servable()
