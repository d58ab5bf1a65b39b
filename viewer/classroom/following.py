"""Following the presenter in one session: the link to the hub, and the views that show it.

:class:`Following` is the session's side of :mod:`viewer.follow`: it claims the presenter
role with ``#presenter=KEY`` (or the older ``?presenter=KEY``), publishes the state's snapshot while presenting, and, while
following, applies the presenter's snapshots to the state (keeping this reader's reading
level and presentation mode).  Any change the reader makes themselves leaves the presenter's
view.  :class:`ClassroomControls` (the sidebar's switch and status line) and
:class:`FollowBanner` (above the card) draw it.
"""

from __future__ import annotations

import panel as pn
import param

from viewer import follow
from viewer.page_parts import PagePart
from viewer.panels.base import APP_CSS, BUTTON_CSS
from viewer.state import LINK_PARAMS, PERSONAL_PARAMS, parse_bool, query_value


class KeyClaim(PagePart):
    """Reads a presenter key from the address's fragment (``#presenter=KEY``), hands it to
    Python over the page's websocket and removes it from the address bar at once.  A fragment
    never reaches the server in a request: the key stays out of the page's HTML, the server's
    access log and the browser's history."""

    part = "claim"
    key = param.String(default="", doc="the key, once; emptied by Python after the claim")

    _esm = """
    export function render({ model, el }) {
      const hash = window.location.hash || ''
      const found = /(?:^#|&)presenter=([^&]*)/.exec(hash)
      if (found) {
        let key = ''
        try { key = decodeURIComponent(found[1]) } catch (e) { key = found[1] }
        const rest = hash.replace(/(^#|&)presenter=[^&]*/, '$1').replace(/^#&/, '#').replace(/^#$/, '')
        window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search + rest)
        model.key = key
      }
      el.style.display = 'none'
    }
    """


class Following(param.Parameterized):
    """The presenter hub, seen from one session."""

    presenting = param.Boolean(default=False)
    connected = param.Boolean(default=False, doc="A presenter is connected")
    followers = param.Integer(default=0)
    left = param.Boolean(default=False, doc="The reader left the presenter's view themselves")
    paused = param.Boolean(default=False, doc="The state server shared by the processes is unreachable")

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        self.state = state = session.state
        self.hub = follow.hub()
        self.id = self.hub.new_session()
        self._latest = None  # the presenter's latest view, waiting to be shown here
        self.claim_box = KeyClaim()
        self.claim_box.param.watch(lambda e: self._claim(e.new), "key")
        query = session.query
        key = query_value(query.get("presenter"))
        if key is not None:
            self._claim(key)
        self.hub.watch(self.id, lambda: session.on_loop(self._refresh))
        hub, sid = self.hub, self.id
        session.on_close(lambda: hub.leave(sid))
        text = query_value(query.get("follow"))
        wants = parse_bool(text) if text else False
        if wants is None:
            state.add_notice(f"Ignored follow '{text[:40]}': use 1 or 0.")
        self._refresh()
        state.param.watch(self._on_following, "following")
        state.param.watch(self._on_change, list(LINK_PARAMS))
        if wants and not self.presenting:
            state.following = True

    def _claim(self, key: str) -> None:
        """Present with ``key`` (from the link); a wrong key changes nothing but a notice."""
        if not key:
            return
        self.claim_box.key = ""  # the key is not kept in the page's model
        if self.hub.claim(self.id, key, client=self.session.client):
            self.state.following = False
            self._refresh()
        else:
            self.state.add_notice("Ignored the presenter key in the link: it is not this server's key.")

    def _refresh(self) -> None:
        hub = self.hub
        self.param.update(presenting=hub.is_presenter(self.id), connected=hub.presenter_connected,
                          followers=hub.follower_count, paused=bool(getattr(hub, "paused", False)))

    # --------------------------------------------------------------- the reader's switch

    def _on_following(self, event) -> None:
        if event.new:
            self.left = False
            view = self.hub.follow(self.id, self._presenter_moved)
            if view is not None:
                self._presenter_moved(view)
        else:
            self.hub.unfollow(self.id)
        self._refresh()

    def _on_change(self, *events) -> None:
        """Publish while presenting; leave the presenter's view on the reader's own change."""
        state = self.state
        if self.hub.is_presenter(self.id):
            self.hub.publish(self.id, state.snapshot())
        if state.changed_by == "presenter" or not state.following:
            return
        if any(e.name not in PERSONAL_PARAMS for e in events):
            self.left = True
            state.following = False

    # --------------------------------------------------------------- the presenter's views

    def _presenter_moved(self, view) -> None:
        """The presenter's view changed (called from the presenter's session or another
        thread): show the latest one on this session's loop, skipping any it had no time for."""
        pending = self._latest is not None
        self._latest = view
        if not pending:
            self.session.on_loop(self._show_latest)

    def _show_latest(self) -> None:
        """Show the latest view.  Its changes (the 3D view's camera, the marked preset, ...)
        go to the browser as one message: Panel's ``unlocked`` sends what the block changed
        together, where Bokeh would send a message per change (a follower's share of a step
        then costs the server about a quarter less)."""
        view, self._latest = self._latest, None
        if view is not None and self.hub.is_following(self.id):
            with pn.io.unlocked():
                self.show(view)

    def show(self, view) -> None:
        """Show the presenter's ``view`` here, keeping this reader's reading level and mode."""
        state = self.state
        state.apply(view.with_changes(level=state.level, present=state.present), source="presenter")


class ClassroomBox(pn.custom.JSComponent):
    """The sidebar's "Classroom" section as one browser component: a heading, the native
    "Follow the presenter" checkbox (``value``; hidden while ``show_switch`` is false) and a
    status line (``status_html``)."""

    value = param.Boolean(default=False)
    show_switch = param.Boolean(default=True)
    status_html = param.String(default="")

    _esm = """
    export function render({ model, el }) {
      const heading = document.createElement('h2')
      heading.className = 'side-h'
      heading.textContent = 'Classroom'
      const label = document.createElement('label')
      label.className = 'follow-switch'
      const box = document.createElement('input')
      box.type = 'checkbox'
      label.append(box, document.createTextNode(' Follow the presenter'))
      box.addEventListener('change', () => { model.value = box.checked })
      const status = document.createElement('div')
      status.className = 'follow-status'
      const show = () => {
        box.checked = model.value
        label.hidden = !model.show_switch
        if (status.innerHTML !== model.status_html) status.innerHTML = model.status_html
      }
      model.on(['value', 'show_switch', 'status_html'], show)
      show()
      el.append(heading, label, status)
    }
    """

    _stylesheets = [APP_CSS, """
    .follow-switch { display: block; margin: 5px 5px 0; font-size: 15px; cursor: pointer;
      font-family: var(--bokeh-base-font, Helvetica, Arial, sans-serif); }
    .follow-switch[hidden] { display: none; }
    .follow-switch input { margin: 0 4px 0 0; vertical-align: middle; }
    .follow-status { margin: 12px 5px 5px; }
    """]


class ClassroomControls(pn.viewable.Viewer):
    """The sidebar's "Follow the presenter" switch and a status line."""

    def __init__(self, following: Following, **params):
        super().__init__(**params)
        self.following = following
        state = following.state
        self.switch = ClassroomBox(value=state.following, sizing_mode="stretch_width", margin=(0, 5))
        self.switch.param.watch(lambda e: setattr(state, "following", e.new), "value")
        state.param.watch(lambda e: setattr(self.switch, "value", e.new), "following")
        following.param.watch(lambda *e: self._render(), ["presenting", "connected", "followers", "left", "paused"])
        state.param.watch(lambda *e: self._render(), "following")
        self._render()

    def _render(self) -> None:
        f = self.following
        if f.paused:
            text = ("<strong>Following is paused:</strong> this server cannot reach the classroom's "
                    "shared state just now. Your view is your own; it follows again by itself once "
                    "the connection is back.")
        elif f.presenting:
            who = "1 session follows" if f.followers == 1 else f"{f.followers} sessions follow"
            text = (f"<strong>You are presenting.</strong> {who} your view. "
                    "Students tick <em>Follow the presenter</em>, or open this page's address "
                    "with <code>?follow=1</code>.")
        elif f.state.following:
            text = ("Your view follows the presenter's camera, posture, layers and selection "
                    "(your reading level stays yours). Change anything yourself to explore on your own."
                    if f.connected else "Waiting for the presenter: your view will follow once they connect.")
        elif f.left:
            text = "You are exploring on your own. Tick <em>Follow the presenter</em> to rejoin."
        elif f.connected:
            text = "A presenter is connected: tick the box to follow their view."
        else:
            text = "No presenter is connected."
        self.switch.param.update(show_switch=not f.presenting,
                                 status_html=f"<p class='follow-line' role='status' aria-live='polite'>{text}</p>")

    def __panel__(self):
        return self.switch


class FollowingTag(pn.custom.JSComponent):
    """The banner as one browser component: a tag (``text``) and a native "Explore on my own"
    button, reported as a ``{"action": "leave"}`` message."""

    text = param.String(default="")

    _esm = """
    export function render({ model, el }) {
      const row = document.createElement('div')
      row.className = 'follow-banner'
      const tag = document.createElement('p')
      tag.className = 'follow-tag'
      const leave = document.createElement('button')
      leave.type = 'button'
      leave.className = 'bk-btn bk-btn-light stop-following'
      leave.textContent = 'Explore on my own'
      leave.addEventListener('click', () => model.send_msg({ action: 'leave' }))
      model.on('text', () => { tag.textContent = model.text })
      tag.textContent = model.text
      row.append(tag, leave)
      el.append(row)
    }
    """

    _stylesheets = [APP_CSS, BUTTON_CSS, """
    .follow-banner { display: flex; align-items: center; justify-content: space-between; gap: 10px; margin: 5px 10px; }
    """]

    def __init__(self, on_leave=None, **params):
        super().__init__(**params)
        self._on_leave = on_leave

    def _handle_msg(self, data):
        if self._on_leave is not None and isinstance(data, dict) and data.get("action") == "leave":
            self._on_leave()


class FollowBanner(pn.viewable.Viewer):
    """Above the card while following, so a student always sees why the view moves."""

    def __init__(self, following: Following, **params):
        super().__init__(**params)
        self.following = following
        state = following.state
        self.tag = FollowingTag(on_leave=lambda: setattr(state, "following", False), visible=False,
                             sizing_mode="stretch_width", margin=0)
        following.param.watch(lambda *e: self._render(), ["connected"])
        state.param.watch(lambda *e: self._render(), "following")
        self._render()

    def _render(self) -> None:
        f = self.following
        self.tag.param.update(text="Following the presenter" if f.connected else "Waiting for the presenter",
                              visible=f.state.following)

    def __panel__(self):
        return self.tag
