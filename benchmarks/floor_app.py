"""The smallest Panel pages, served to measure what Panel itself costs per session.

``?n=0`` is one text pane; ``?n=N`` adds N small browser components (a few parameters and a
render function each, as the viewer's own are).  :mod:`benchmarks.bench_session_cost` serves
this file with ``panel serve`` and reads the server's CPU per reader, so the viewer's figure
can be set against the framework's floor on the same machine.
"""

import panel as pn
import param


class Part(pn.custom.JSComponent):
    """A small browser component: a title, a count and a flag, drawn as one line of text."""

    title = param.String(default="part")
    count = param.Integer(default=0)
    flag = param.Boolean(default=False)

    _esm = """
    export function render({ model, el }) {
      const line = document.createElement('div')
      const draw = () => { line.textContent = `${model.title}: ${model.count} ${model.flag ? 'on' : 'off'}` }
      model.on(['title', 'count', 'flag'], draw)
      draw()
      el.append(line)
    }
    """


def page():
    try:
        n = int(pn.state.session_args.get("n", [b"0"])[0])
    except (TypeError, ValueError):
        n = 0
    return pn.Column(pn.pane.Markdown("# A page"), *[Part(title=f"part {i}", count=i) for i in range(n)])


page().servable()
