"""Panel's stylesheets stay on this server when a view updates a component that is not on the
page at that moment (a side tab not on show): no request to Panel's CDN."""

from __future__ import annotations

import panel as pn
from bokeh.document import Document
from bokeh.models import ImportedStyleSheet
from panel.io.resources import CDN_DIST, LOCAL_DIST
from panel.io.state import set_curdoc

from viewer.serve.local_resources import keep_panel_resources_local


def stylesheet_urls(model) -> list[str]:
    return [str(s.url) for s in model.stylesheets if isinstance(s, ImportedStyleSheet)]


def test_a_pane_updated_off_the_page_keeps_local_stylesheets():
    keep_panel_resources_local()
    doc = Document()
    doc._template_variables["dist_url"] = LOCAL_DIST  # as Panel's server sets it
    pane = pn.pane.HTML("<p>before</p>")
    with set_curdoc(doc):
        model = pane.get_root(doc)
        doc.add_root(model)
        assert any("loading.css" in url for url in stylesheet_urls(model))
        doc.remove_root(model)  # as a dynamic tab does with a tab not on show
        assert model.document is None
        pane.object = "<p>after</p>"
    urls = stylesheet_urls(model)
    assert urls and not [url for url in urls if url.startswith(CDN_DIST) or "://" in url], urls


def test_keeping_resources_local_is_idempotent():
    from panel import reactive

    keep_panel_resources_local()
    patched = reactive.patch_stylesheet
    keep_panel_resources_local()
    assert reactive.patch_stylesheet is patched
    assert callable(patched.__wrapped__)
