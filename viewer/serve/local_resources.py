"""Panel's own stylesheets stay on this server, whatever part of the page changes.

Every Panel component carries Panel's ``css/loading.css``, as one stylesheet object shared by
the whole page (Panel caches it per document).  Panel points stylesheets at the directory the
page loads Panel from (the document's ``dist_url``); for a component whose Bokeh model sits
outside any document at that moment it falls back to Panel's CDN
(``panel.reactive.Reactive._get_properties``: ``dist_url = CDN_DIST`` when ``doc`` is None).

That happens in this app: the side tabs are built on demand (``pn.Tabs(dynamic=True)``), so a
tab's models leave the document while another tab is shown, and a view can still update them
(a tour step chooses another fibre group; the Mechanics tab's texts follow).  An HTML pane
updated there (``panel.pane.markup``'s ``_update(ref, model)`` passes ``model.document``,
None) rewrote the page-wide ``loading.css`` object to
``https://cdn.holoviz.org/panel/<version>/dist/css/loading.css``, and every component of the
page then asked the internet for it.

:func:`keep_panel_resources_local` makes that fallback the local directory whenever the
server serves Panel's resources itself (the default, ``BOKEH_RESOURCES`` unset or
``server``).  Panel is pinned (``pyproject.toml``); ``tests/test_local_resources.py`` fails if
a new Panel no longer has the function this wraps.
"""

from __future__ import annotations

_APPLIED: list[bool] = []


def keep_panel_resources_local() -> None:
    """Point stylesheets Panel would send to its CDN at this server instead (idempotent)."""
    if _APPLIED:
        return
    from panel import reactive
    from panel.io import resources

    original = reactive.patch_stylesheet

    def patch_stylesheet(stylesheet, dist_url):
        if dist_url == resources.CDN_DIST and not resources.use_cdn():
            dist_url = resources.get_dist_path()
        return original(stylesheet, dist_url)

    patch_stylesheet.__wrapped__ = original
    reactive.patch_stylesheet = patch_stylesheet
    _APPLIED.append(True)
