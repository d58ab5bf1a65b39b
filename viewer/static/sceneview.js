// 3D hip scene drawn with the vtk.js build shipped inside Panel (window.vtk).
//
// Meshes arrive once as a deflate-compressed buffer of float32 points and uint16/uint32
// triangles (scene_data, laid out by scene_meta); later only small changes travel.
// A click (pointer moved at most CLICK_SLOP px between press and release) is picked here
// and written to model.picked; a drag only turns the camera.

const CLICK_SLOP = 4;          // px: farther than this between press and release is a drag
const MARKER_SNAP = 12;        // px: a click this close to a landmark marker picks it
const OPAQUE_ENOUGH = 0.3;     // actors fainter than this are picked only if nothing else is
const OUTLINE_COLOR = [0.05, 0.05, 0.05];
const OUTLINE_SCALE = 1.045;

function vtkPath(url) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = url;
    s.onload = resolve;
    s.onerror = reject;
    document.head.appendChild(s);
  });
}

async function getVtk() {
  if (window.vtk && window.vtk.Rendering) return window.vtk;
  const known = [...document.querySelectorAll("script[src*='vtk.js']")];
  if (known.length) {
    for (let i = 0; i < 200 && !(window.vtk && window.vtk.Rendering); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    if (window.vtk && window.vtk.Rendering) return window.vtk;
  }
  const root = (document.querySelector("script[src*='static/js/bokeh']") || {}).src || "";
  const base = root ? root.split("static/js/")[0] : "/";
  await vtkPath(base + "static/extensions/panel/bundled/abstractvtkplot/vtk.js@30.1.0/vtk.js");
  return window.vtk;
}

function toBytes(value) {
  if (value == null) return null;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "string") {
    const bin = atob(value);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  if (value.buffer instanceof ArrayBuffer) return new Uint8Array(value.buffer);
  return null;
}

async function inflate(value) {
  const bytes = toBytes(value);
  if (!bytes || !bytes.length) return null;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return await new Response(stream).arrayBuffer();
}

function hexToRgb(hex) {
  const h = (hex || "#999999").replace("#", "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
}

function cellArray(tris) {
  const n = tris.length / 3;
  const cells = new Uint32Array(n * 4);
  for (let i = 0, j = 0, k = 0; i < n; i++) {
    cells[j++] = 3;
    cells[j++] = tris[k++];
    cells[j++] = tris[k++];
    cells[j++] = tris[k++];
  }
  return cells;
}

export function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "hip-scene";
  const holder = document.createElement("div");
  holder.className = "hip-scene-canvas";
  const loading = document.createElement("div");
  loading.className = "hip-scene-loading";
  loading.innerHTML = '<div class="hip-scene-spinner"></div><div>Loading the 3D model\u2026</div>';
  root.append(holder, loading);


  const state = {
    vtk: null, grw: null, renderer: null, renderWindow: null, api: null, picker: null,
    actors: new Map(),       // name -> {actor, mapper, polydata, base: Float32Array, outline}
    names: new Map(),        // vtkActor -> name
    footprints: [],          // actors of footprint tubes
    pickSeq: 0,
    applyingCamera: false,
    cameraTimer: null,
    lastCamera: "",
    disposed: false,
    patchSeq: 0,
  };
  const api = { state, model };
  root.__hipScene = api;
  window.__hipScene = api;

  function renderNow() {
    if (state.renderWindow && !state.disposed) state.renderWindow.render();
  }

  function normals(polydata) {
    const filter = state.vtk.Filters.Core.vtkPolyDataNormals.newInstance({ computeCellNormals: false });
    filter.setInputData(polydata);
    const out = filter.getOutputData();
    const n = out.getPointData().getNormals();
    if (n) polydata.getPointData().setNormals(n);
  }

  function makeActor(name, points, tris) {
    const vtk = state.vtk;
    const polydata = vtk.Common.DataModel.vtkPolyData.newInstance();
    polydata.getPoints().setData(points, 3);
    polydata.getPolys().setData(cellArray(tris));
    if (!name.startsWith("lm:")) normals(polydata);
    const mapper = vtk.Rendering.Core.vtkMapper.newInstance({ scalarVisibility: false });
    mapper.setInputData(polydata);
    const actor = vtk.Rendering.Core.vtkActor.newInstance();
    actor.setMapper(mapper);
    const prop = actor.getProperty();
    prop.setAmbient(0.12);
    prop.setDiffuse(0.85);
    prop.setSpecular(0.15);
    prop.setSpecularPower(20);
    state.renderer.addActor(actor);
    const rec = { name, actor, mapper, polydata, outline: null, center: null };
    state.actors.set(name, rec);
    state.names.set(actor, name);
    return rec;
  }

  function readTriangles(buffer, rec) {
    const [off, len] = rec.tris;
    return rec.idx === "u16" ? new Uint16Array(buffer, off, len / 2) : new Uint32Array(buffer, off, len / 4);
  }

  async function loadScene() {
    const buffer = await inflate(model.scene_data);
    const meta = model.scene_meta || {};
    if (!buffer) return;
    for (const rec of meta.actors || []) {
      const [off, len] = rec.pts;
      const points = new Float32Array(buffer.slice(off, off + len));
      const tris = readTriangles(buffer, rec);
      const a = makeActor(rec.name, points, tris);
      a.base = points;
      a.baseTris = tris;
    }
  }

  async function applyPatch() {
    const meta = model.patch_meta || {};
    if (!meta.seq || meta.seq <= state.patchSeq) return;
    const buffer = await inflate(model.patch_data);
    if (!buffer) return;
    state.patchSeq = meta.seq;
    for (const item of meta.items || []) {
      const a = state.actors.get(item.name);
      if (!a) continue;
      const [off, len] = item.pts;
      const points = new Float32Array(buffer.slice(off, off + len));
      a.polydata.getPoints().setData(points, 3);
      if (item.tris) a.polydata.getPolys().setData(cellArray(readTriangles(buffer, item)));
      a.polydata.getPoints().modified();
      a.polydata.modified();
      if (!item.name.startsWith("lm:")) normals(a.polydata);
      a.center = null;
      syncOutline(a);
    }
    for (const name of meta.restore || []) {
      const a = state.actors.get(name);
      if (!a || !a.base) continue;
      a.polydata.getPoints().setData(a.base, 3);
      a.polydata.getPolys().setData(cellArray(a.baseTris));
      a.polydata.modified();
      if (!name.startsWith("lm:")) normals(a.polydata);
      a.center = null;
      syncOutline(a);
    }
    renderNow();
  }

  // ---------------------------------------------------------------- appearance
  function applyAppearance() {
    const colors = model.colors || {};
    const opacity = model.opacity || {};
    const visibility = model.visibility || {};
    const highlight = new Set(model.highlight || []);
    for (const [name, a] of state.actors) {
      const prop = a.actor.getProperty();
      let rgb = hexToRgb(colors[name]);
      let op = opacity[name] ?? 1;
      const lit = highlight.has(name);
      if (lit) {
        rgb = rgb.map((c) => c + (1 - c) * 0.3);
        op = Math.max(op, 0.9);
      }
      prop.setColor(...rgb);
      prop.setOpacity(op);
      prop.setAmbient(lit ? 0.45 : 0.12);
      a.actor.setVisibility(visibility[name] !== false);
      setOutline(a, lit && visibility[name] !== false);
    }
  }

  function actorCenter(a) {
    if (!a.center) {
      const b = a.polydata.getBounds();
      a.center = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2];
    }
    return a.center;
  }

  function setOutline(a, on) {
    if (on && !a.outline) {
      const vtk = state.vtk;
      const outline = vtk.Rendering.Core.vtkActor.newInstance();
      outline.setMapper(a.mapper);
      const p = outline.getProperty();
      p.setColor(...OUTLINE_COLOR);
      p.setAmbient(1);
      p.setDiffuse(0);
      p.setSpecular(0);
      p.setFrontfaceCulling(true);
      outline.setPickable(false);
      state.renderer.addActor(outline);
      a.outline = outline;
    } else if (!on && a.outline) {
      state.renderer.removeActor(a.outline);
      a.outline = null;
    }
    syncOutline(a);
  }

  function syncOutline(a) {
    if (!a.outline) return;
    const c = actorCenter(a);
    a.outline.setOrigin(...c);
    a.outline.setScale(OUTLINE_SCALE, OUTLINE_SCALE, OUTLINE_SCALE);
    const m = a.actor.getUserMatrix && a.actor.getUserMatrix();
    if (m) a.outline.setUserMatrix(m);
  }

  function applyTransforms() {
    const transforms = model.transforms || {};
    for (const [name, a] of state.actors) {
      const t = transforms[name];
      const m = new Float64Array(16);
      if (t) {
        // Row-major 4x4 -> vtk.js user matrix (column-major, as gl-matrix stores it).
        for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) m[c * 4 + r] = t[r * 4 + c];
      } else {
        m[0] = m[5] = m[10] = m[15] = 1;
      }
      a.actor.setUserMatrix(m);
      syncOutline(a);
    }
  }

  function applyFootprints() {
    const vtk = state.vtk;
    for (const actor of state.footprints) state.renderer.removeActor(actor);
    state.footprints = [];
    const colors = model.colors || {};
    for (const [name, line] of Object.entries(model.footprints || {})) {
      if (!line || line.length < 2) continue;
      const n = line.length;
      const pts = new Float32Array(n * 3);
      line.forEach((p, i) => { pts[3 * i] = p[0]; pts[3 * i + 1] = p[1]; pts[3 * i + 2] = p[2]; });
      const cells = new Uint32Array(n + 1);
      cells[0] = n;
      for (let i = 0; i < n; i++) cells[i + 1] = i;
      const pd = vtk.Common.DataModel.vtkPolyData.newInstance();
      pd.getPoints().setData(pts, 3);
      pd.getLines().setData(cells);
      const tube = vtk.Filters.General.vtkTubeFilter.newInstance({ radius: 1.3, numberOfSides: 8, capping: true });
      tube.setInputData(pd);
      const mapper = vtk.Rendering.Core.vtkMapper.newInstance({ scalarVisibility: false });
      mapper.setInputConnection(tube.getOutputPort());
      const actor = vtk.Rendering.Core.vtkActor.newInstance();
      actor.setMapper(mapper);
      const base = name.replace(/_(right|left)$/, "");
      const hex = colors[name] || colors[`${base}_right`] || "#1b1b1b";
      actor.getProperty().setColor(...hexToRgb(hex).map((c) => c * 0.8));
      actor.getProperty().setAmbient(0.35);
      actor.setPickable(false);
      state.renderer.addActor(actor);
      state.footprints.push(actor);
    }
  }

  // ---------------------------------------------------------------- camera
  function cameraDict() {
    const cam = state.renderer.getActiveCamera();
    const r = (v) => Array.from(v, (x) => Math.round(x * 1e4) / 1e4);
    return {
      position: r(cam.getPosition()),
      focal_point: r(cam.getFocalPoint()),
      view_up: r(cam.getViewUp()),
      view_angle: Math.round(cam.getViewAngle() * 1e4) / 1e4,
    };
  }

  function pushCamera() {
    if (!state.renderer) return;
    const cam = cameraDict();
    const key = JSON.stringify(cam);
    if (key === state.lastCamera) return;
    state.lastCamera = key;
    model.camera = cam;
  }

  function applyCamera(fit) {
    const c = model.camera || {};
    if (!c.position || !c.focal_point) {
      if (fit) state.renderer.resetCamera();
      return;
    }
    if (JSON.stringify(c) === state.lastCamera) return;
    const cam = state.renderer.getActiveCamera();
    state.applyingCamera = true;
    cam.setPosition(...c.position);
    cam.setFocalPoint(...c.focal_point);
    if (c.view_up) cam.setViewUp(...c.view_up);
    if (c.view_angle) cam.setViewAngle(c.view_angle);
    if (fit || c.preset) state.renderer.resetCamera();
    state.renderer.resetCameraClippingRange();
    state.applyingCamera = false;
    if (fit || c.preset) {
      pushCamera();
    } else {
      state.lastCamera = JSON.stringify(c);
    }
  }

  function scheduleCameraPush() {
    if (state.applyingCamera) return;
    clearTimeout(state.cameraTimer);
    state.cameraTimer = setTimeout(pushCamera, 120);
  }

  // ---------------------------------------------------------------- picking
  function cssToDisplay(x, y) {
    const rect = holder.getBoundingClientRect();
    const size = state.api.getSize();
    const sx = size[0] / rect.width;
    const sy = size[1] / rect.height;
    return [(x - rect.left) * sx, (rect.bottom - y) * sy, sx];
  }

  function projectMarkers() {
    // Screen centre of every visible landmark marker, in display pixels (origin bottom-left).
    const out = [];
    for (const [name, a] of state.actors) {
      if (!name.startsWith("lm:") || !a.actor.getVisibility()) continue;
      const c = actorCenter(a);
      const m = a.actor.getMatrix(); // row-major
      const w = [
        m[0] * c[0] + m[1] * c[1] + m[2] * c[2] + m[3],
        m[4] * c[0] + m[5] * c[1] + m[6] * c[2] + m[7],
        m[8] * c[0] + m[9] * c[1] + m[10] * c[2] + m[11],
      ];
      const d = state.api.worldToDisplay(w[0], w[1], w[2], state.renderer);
      out.push({ name, display: d, world: w });
    }
    return out;
  }

  function pickAt(clientX, clientY) {
    const [x, y, scale] = cssToDisplay(clientX, clientY);
    // 1. Landmark markers within a few pixels, nearest wins (even behind a translucent muscle).
    let best = null;
    for (const m of projectMarkers()) {
      const d = Math.hypot(m.display[0] - x, m.display[1] - y) / scale;
      if (d <= MARKER_SNAP && (!best || d < best.d || (d === best.d && m.display[2] < best.display[2]))) {
        best = { ...m, d };
      }
    }
    if (best) return { actor: best.name, position: best.world };
    // 2. Cell pick: nearest actor that is opaque enough, else the nearest of any.
    const cam = state.renderer.getActiveCamera().getPosition();
    const hit = (minOpacity) => {
      let found = null;
      for (const [name, a] of state.actors) {
        if (!a.actor.getVisibility() || name.startsWith("lm:")) continue;
        if (a.actor.getProperty().getOpacity() < minOpacity) continue;
        state.picker.initializePickList();
        state.picker.addPickList(a.actor);
        state.picker.pick([x, y, 0], state.renderer);
        if (!state.picker.getActors().length) continue;
        const p = state.picker.getPickPosition();
        const dist = Math.hypot(p[0] - cam[0], p[1] - cam[1], p[2] - cam[2]);
        if (!found || dist < found.dist) found = { actor: name, position: Array.from(p), dist };
      }
      return found;
    };
    const found = hit(OPAQUE_ENOUGH) || hit(0);
    return found ? { actor: found.actor, position: found.position } : null;
  }

  let press = null;
  function onDown(ev) {
    if (ev.isPrimary === false) { press = null; return; }
    press = { x: ev.clientX, y: ev.clientY, moved: 0 };
  }
  function onMove(ev) {
    if (press) press.moved = Math.max(press.moved, Math.hypot(ev.clientX - press.x, ev.clientY - press.y));
  }
  function onUp(ev) {
    if (!press || !state.picker) return;
    const moved = Math.max(press.moved, Math.hypot(ev.clientX - press.x, ev.clientY - press.y));
    press = null;
    if (moved > CLICK_SLOP || ev.button > 0) return;
    const t0 = performance.now();
    const result = pickAt(ev.clientX, ev.clientY);
    state.pickSeq = Math.max(state.pickSeq, (model.picked && model.picked.seq) || 0) + 1;
    const r = (v) => Math.round(v * 1000) / 1000;
    const picked = result
      ? { actor: result.actor, position: result.position.map(r), seq: state.pickSeq }
      : { actor: null, position: null, seq: state.pickSeq };
    state.lastPickMs = performance.now() - t0;
    model.picked = picked;
    root.dispatchEvent(new CustomEvent("hip-picked", { detail: picked }));
  }
  root.addEventListener("pointerdown", onDown, true);
  root.addEventListener("pointermove", onMove, true);
  root.addEventListener("pointerup", onUp, true);

  // ---------------------------------------------------------------- screenshot
  async function screenshot(filename) {
    renderNow();
    const urls = await Promise.all(state.renderWindow.captureImages());
    const a = document.createElement("a");
    a.href = urls[0];
    a.download = filename || "hip.png";
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  // ---------------------------------------------------------------- setup
  function resize() {
    if (!state.grw || state.disposed) return;
    const rect = holder.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2) return;
    state.grw.resize();
    renderNow();
  }

  async function init() {
    let vtk;
    try {
      vtk = await getVtk();
    } catch (err) {
      loading.innerHTML = '<div class="hip-scene-error">The 3D library could not be loaded.</div>';
      return;
    }
    if (state.disposed) return;
    state.vtk = vtk;
    const grw = vtk.Rendering.Misc.vtkGenericRenderWindow.newInstance({ background: [1, 1, 1], listenWindowResize: false });
    grw.setContainer(holder);
    state.grw = grw;
    state.renderer = grw.getRenderer();
    state.renderWindow = grw.getRenderWindow();
    state.api = grw.getApiSpecificRenderWindow();
    const interactor = grw.getInteractor();
    interactor.setInteractorStyle(vtk.Interaction.Style.vtkInteractorStyleTrackballCamera.newInstance());
    state.picker = vtk.Rendering.Core.vtkCellPicker.newInstance();
    state.picker.setPickFromList(true);
    state.picker.setTolerance(0);
    await loadScene();
    applyAppearance();
    applyTransforms();
    applyFootprints();
    await applyPatch();
    grw.resize();
    applyCamera(true);
    state.renderer.getActiveCamera().onModified(scheduleCameraPush);
    interactor.onEndAnimation(() => { clearTimeout(state.cameraTimer); pushCamera(); });
    renderNow();
    requestAnimationFrame(() => {
      renderNow();
      loading.hidden = true;
      model.ready = true;
    });
  }

  const observer = new ResizeObserver(() => resize());
  observer.observe(holder);

  model.on("scene_data", async () => {
    for (const a of state.actors.values()) state.renderer.removeActor(a.actor);
    state.actors.clear();
    state.names.clear();
    await loadScene();
    applyAppearance();
    applyTransforms();
    renderNow();
  });
  model.on("patch_meta", () => applyPatch());
  model.on("colors", () => { applyAppearance(); applyFootprints(); renderNow(); });
  for (const p of ["opacity", "visibility", "highlight"]) model.on(p, () => { applyAppearance(); renderNow(); });
  model.on("transforms", () => { applyTransforms(); renderNow(); });
  model.on("footprints", () => { applyFootprints(); renderNow(); });
  model.on("camera", () => { if (state.renderer) { applyCamera(false); renderNow(); } });
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "screenshot") screenshot(msg.filename);
  });
  model.on("remove", () => {
    state.disposed = true;
    observer.disconnect();
    if (state.grw) state.grw.delete();
  });

  api.pickAt = pickAt;
  api.projectMarkers = () => projectMarkers().map((m) => {
    const rect = holder.getBoundingClientRect();
    const size = state.api.getSize();
    return {
      name: m.name,
      x: rect.left + m.display[0] * rect.width / size[0],
      y: rect.bottom - m.display[1] * rect.height / size[1],
    };
  });
  api.canvasRect = () => {
    const r = holder.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height };
  };
  api.render = renderNow;

  init();
  return root;
}
