"""The hip viewer: an interactive 3D model of the hip around the gluteus medius muscle.

In a notebook::

    import viewer
    viewer.show()         # the same page as ``hip-viewer`` serves, in the cell

(``viewer.app`` is the module that builds the page; ``viewer.app.create_app()`` returns it.)
"""


def show(content_dirs=()):
    """The viewer for a Jupyter cell (or any Panel context); extra content packs optional."""
    import panel as pn

    from viewer.app import create_app

    pn.extension("vtk")
    return create_app(content_dirs=content_dirs)
