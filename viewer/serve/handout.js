// The offline hand-out page: the 3D hip drawn by the viewer's own scene code
// (window.HipSceneView.render from sceneview.js) against a small stand-in for the Panel
// model, and the content pack's cards, all read from the JSON in #handout-data.
//
// A click in the view is picked by the scene code (it reports {actor, position}) and
// resolved here to a landmark id with the same rules as viewer/selection.py
// (resolve_pick), given as tables in data.rules.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("handout-data").textContent);
  const rules = data.rules;
  const known = new Set(rules.known);
  const visible = new Set(rules.visible_layers);
  const seeThrough = new Set(rules.see_through);
  const LM = "lm:";

  const state = { selection: null, level: data.default_level };

  // ------------------------------------------------------------------ model stand-in
  // The scene code reads parameters as properties, listens with model.on(name, cb), and
  // writes camera, picked and ready back.  update() changes a value and tells listeners.
  const listeners = {};
  const model = Object.assign(
    { highlight: [], footprints: {}, picked: {}, ready: false, patch_data: null, patch_meta: {} },
    data.scene,
  );
  model.on = function (name, cb) { (listeners[name] = listeners[name] || []).push(cb); };
  function update(name, value) {
    model[name] = value;
    for (const cb of listeners[name] || []) cb({ name, new: value });
  }

  // ------------------------------------------------------------------ click -> landmark
  function nearestLandmark(position, exclude) {
    if (!Array.isArray(position) || position.length !== 3 || !position.every(Number.isFinite)) return null;
    let best = null, bestD = rules.snap_mm;
    for (const [lid, xyz] of Object.entries(data.landmarks)) {
      if (lid === exclude || !known.has(lid) || !visible.has(rules.landmark_layer[lid] || "bones")) continue;
      const d = Math.hypot(xyz[0] - position[0], xyz[1] - position[1], xyz[2] - position[2]);
      if (d <= bestD) { best = lid; bestD = d; }
    }
    return best;
  }

  function resolvePick(picked) {
    // viewer/selection.py resolve_pick: a marker selects its landmark; a structure mesh its
    // structure (a faded one first snaps to a landmark beneath); anything else the nearest
    // landmark within the snap radius.
    if (!picked) return null;
    const actor = picked.actor;
    if (typeof actor !== "string" || !actor) return null;
    if (actor.startsWith(LM)) {
      const lid = actor.slice(LM.length);
      return known.has(lid) ? lid : null;
    }
    const layer = rules.actor_layer[actor] ?? null;
    if (layer !== null && !visible.has(layer)) return null;
    const structure = rules.actor_structure[actor] ?? null;
    if (structure !== null && known.has(structure)) {
      if (seeThrough.has(layer)) {
        const beneath = nearestLandmark(picked.position, structure);
        if (beneath !== null) return beneath;
      }
      return structure;
    }
    return nearestLandmark(picked.position, null);
  }

  // ------------------------------------------------------------------ cards
  const cardEl = document.getElementById("card");
  const listEl = document.getElementById("structures");

  function cardHtml(sid, level) {
    if (!sid) return data.welcome;
    const entry = data.entries[sid];
    if (entry) return entry.card[level] || entry.card[data.default_level];
    return data.missing[sid] || data.welcome;
  }

  function showCard() {
    cardEl.innerHTML = cardHtml(state.selection, state.level);
    cardEl.dataset.selection = state.selection || "";
    cardEl.dataset.level = state.level;
  }

  function select(sid, fromList) {
    if (sid && !data.entries[sid] && !data.missing[sid]) sid = null;
    state.selection = sid;
    update("highlight", sid ? data.highlight[sid] || [] : []);
    if (!fromList) listEl.value = sid || "";
    showCard();
  }

  listEl.addEventListener("change", () => select(listEl.value || null, true));
  listEl.addEventListener("keydown", (ev) => {
    // Enter moves to the card, so a screen reader can read it.
    if (ev.key === "Enter" && listEl.value) { ev.preventDefault(); cardEl.focus(); }
  });
  for (const radio of document.querySelectorAll('input[name="level"]')) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      state.level = radio.value;
      showCard();
    });
  }

  // ------------------------------------------------------------------ the 3D view
  const holder = document.getElementById("scene");
  let api = null;
  if (window.HipSceneView && window.vtk) {
    const root = window.HipSceneView.render({ model, el: holder });
    holder.appendChild(root);
    api = root.__hipScene;
    root.addEventListener("hip-picked", (ev) => {
      const sid = resolvePick(ev.detail);
      if (sid) select(sid, false);
    });
  } else {
    holder.innerHTML = '<p class="ho-error">The 3D view could not start in this browser; the list of structures still opens every card.</p>';
  }

  for (const button of document.querySelectorAll("button[data-camera]")) {
    button.addEventListener("click", () => {
      const cam = data.cameras[button.dataset.camera];
      // "preset" makes the view fit the scene to its own width and height.
      if (cam && api) update("camera", { ...cam, preset: button.dataset.camera, focus: data.focus });
    });
  }

  // A small hook for checks and for teachers' own scripts.
  window.__handout = {
    data,
    state,
    select: (sid) => select(sid, false),
    setLevel(level) {
      const radio = document.querySelector(`input[name="level"][value="${CSS.escape(level)}"]`);
      if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change")); }
    },
    resolvePick,
    ready: () => !!model.ready,
    camera: () => model.camera,
    // Page coordinates (CSS px) of a landmark marker, or null if it is not shown.
    project(id) {
      if (!api || !api.projectMarkers) return null;
      const hit = api.projectMarkers().find((m) => m.name === LM + id);
      return hit ? { x: hit.x, y: hit.y } : null;
    },
  };

  showCard();
})();
