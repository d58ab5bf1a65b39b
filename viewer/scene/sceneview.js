// 3D hip scene drawn with the vtk.js build shipped inside Panel (window.vtk).
//
// Meshes arrive once as a deflate-compressed buffer of float32 points and uint16/uint32
// triangles (scene_data, laid out by scene_meta); later only small changes travel.
// A click or tap (pointer moved at most CLICK_SLOP / TOUCH_SLOP px between press and
// release) is picked here and written to model.picked; a drag only turns the camera.
// Touch (vtk.js's interactor): one finger turns, a pinch zooms, two fingers pan; gestures
// of two fingers never pick.  A second click or tap on the same spot soon after the first
// frames what it picked.

const CLICK_SLOP = 4;          // px: farther than this between press and release is a drag
const TOUCH_SLOP = 10;         // px: the same for a finger, which wobbles more than a mouse
const MARKER_SNAP = 12;        // px: a click this close to a landmark marker picks it
const TOUCH_MARKER_SNAP = 20;  // px: a tap this close to a landmark marker picks it
const TOUCH_REACH = 30;        // px (about 8 mm of finger): a tap on nothing takes what lies this close
const DOUBLE_MS = 450;         // ms: a second click or tap within this time ...
const DOUBLE_PX = { mouse: 8, touch: 36 }; // ... and this close to the first is a double one
const OPAQUE_ENOUGH = 0.3;     // actors fainter than this are picked only if nothing else is
const OUTLINE_COLOR = [0.05, 0.05, 0.05];
const OUTLINE_SCALE = 1.045;
const FRAME_MARGIN = 1.06;     // viewer.scene.FRAME_MARGIN: room left around a framed box
const MAX_PIXEL_RATIO = 2;     // draw at most 2 device pixels per CSS pixel (a phone has 3)

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

function unshuffle(buffer, off, len, itemsize) {
  // Undo the byte regrouping done in Python (all first bytes, then all second bytes...).
  const src = new Uint8Array(buffer, off, len);
  const n = len / itemsize;
  const out = new Uint8Array(len);
  for (let b = 0; b < itemsize; b++) {
    const base = b * n;
    for (let i = 0, j = b; i < n; i++, j += itemsize) out[j] = src[base + i];
  }
  return out.buffer;
}

function readPoints(buffer, rec) {
  const [off, len] = rec.pts;
  if (rec.enc === "q16") {
    // 16-bit positions over the mesh's box, delta-coded per axis.
    const q = new Uint16Array(unshuffle(buffer, off, len, 2));
    const n = rec.np;
    const out = new Float32Array(n * 3);
    for (let c = 0; c < 3; c++) {
      const lo = rec.lo[c], step = rec.step[c], base = c * n;
      let acc = 0;
      for (let i = 0; i < n; i++) {
        acc = (acc + q[base + i]) & 0xffff;
        out[3 * i + c] = lo + acc * step;
      }
    }
    return out;
  }
  return new Float32Array(unshuffle(buffer, off, len, 4));
}

function readTriangles(buffer, rec) {
  // Zigzag-coded differences of the flattened indices.
  const [off, len] = rec.tris;
  const z = new Uint32Array(unshuffle(buffer, off, len, 4));
  const out = new Uint32Array(z.length);
  let acc = 0;
  for (let i = 0; i < z.length; i++) {
    const v = z[i];
    acc += (v >>> 1) ^ -(v & 1);
    out[i] = acc;
  }
  return out;
}

function invert4(m) {
  // Inverse of a row-major 4x4 matrix (cofactor expansion); null if singular.
  const [a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33] = m;
  const b00 = a00 * a11 - a01 * a10, b01 = a00 * a12 - a02 * a10, b02 = a00 * a13 - a03 * a10;
  const b03 = a01 * a12 - a02 * a11, b04 = a01 * a13 - a03 * a11, b05 = a02 * a13 - a03 * a12;
  const b06 = a20 * a31 - a21 * a30, b07 = a20 * a32 - a22 * a30, b08 = a20 * a33 - a23 * a30;
  const b09 = a21 * a32 - a22 * a31, b10 = a21 * a33 - a23 * a31, b11 = a22 * a33 - a23 * a32;
  const det = b00 * b11 - b01 * b10 + b02 * b09 + b03 * b08 - b04 * b07 + b05 * b06;
  if (!det) return null;
  const d = 1 / det;
  return [
    (a11 * b11 - a12 * b10 + a13 * b09) * d, (a02 * b10 - a01 * b11 - a03 * b09) * d,
    (a31 * b05 - a32 * b04 + a33 * b03) * d, (a22 * b04 - a21 * b05 - a23 * b03) * d,
    (a12 * b08 - a10 * b11 - a13 * b07) * d, (a00 * b11 - a02 * b08 + a03 * b07) * d,
    (a32 * b02 - a30 * b05 - a33 * b01) * d, (a20 * b05 - a22 * b02 + a23 * b01) * d,
    (a10 * b10 - a11 * b08 + a13 * b06) * d, (a01 * b08 - a00 * b10 - a03 * b06) * d,
    (a30 * b04 - a31 * b02 + a33 * b00) * d, (a21 * b02 - a20 * b04 - a23 * b00) * d,
    (a11 * b07 - a10 * b09 - a12 * b06) * d, (a00 * b09 - a01 * b07 + a02 * b06) * d,
    (a31 * b01 - a30 * b03 - a32 * b00) * d, (a20 * b03 - a21 * b01 + a22 * b00) * d,
  ];
}

function apply4(m, p) {
  return [
    m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
    m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
    m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
  ];
}

function segmentHitsBox(p, q, b) {
  // Slab test: does the segment p->q cross the box (xmin, xmax, ymin, ymax, zmin, zmax)?
  let t0 = 0, t1 = 1;
  for (let c = 0; c < 3; c++) {
    const d = q[c] - p[c], lo = b[2 * c], hi = b[2 * c + 1];
    if (Math.abs(d) < 1e-12) {
      if (p[c] < lo || p[c] > hi) return false;
      continue;
    }
    let ta = (lo - p[c]) / d, tb = (hi - p[c]) / d;
    if (ta > tb) [ta, tb] = [tb, ta];
    t0 = Math.max(t0, ta);
    t1 = Math.min(t1, tb);
    if (t0 > t1) return false;
  }
  return true;
}

function segmentTriangles(p, q, pts, tris) {
  // Smallest t in [0, 1] where p + t (q - p) meets a triangle (Moller & Trumbore 1997).
  const dx = q[0] - p[0], dy = q[1] - p[1], dz = q[2] - p[2];
  let best = Infinity;
  for (let k = 0; k < tris.length; k += 3) {
    const i = 3 * tris[k], j = 3 * tris[k + 1], l = 3 * tris[k + 2];
    const ax = pts[i], ay = pts[i + 1], az = pts[i + 2];
    const e1x = pts[j] - ax, e1y = pts[j + 1] - ay, e1z = pts[j + 2] - az;
    const e2x = pts[l] - ax, e2y = pts[l + 1] - ay, e2z = pts[l + 2] - az;
    const hx = dy * e2z - dz * e2y, hy = dz * e2x - dx * e2z, hz = dx * e2y - dy * e2x;
    const det = e1x * hx + e1y * hy + e1z * hz;
    if (det > -1e-12 && det < 1e-12) continue;
    const inv = 1 / det;
    const sx = p[0] - ax, sy = p[1] - ay, sz = p[2] - az;
    const u = (sx * hx + sy * hy + sz * hz) * inv;
    if (u < 0 || u > 1) continue;
    const qx = sy * e1z - sz * e1y, qy = sz * e1x - sx * e1z, qz = sx * e1y - sy * e1x;
    const v = (dx * qx + dy * qy + dz * qz) * inv;
    if (v < 0 || u + v > 1) continue;
    const t = (e2x * qx + e2y * qy + e2z * qz) * inv;
    if (t >= 0 && t <= 1 && t < best) best = t;
  }
  return best;
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
    vtk: null, grw: null, renderer: null, renderWindow: null, api: null,
    actors: new Map(),       // name -> {actor, mapper, polydata, base: Float32Array, outline}
    names: new Map(),        // vtkActor -> name
    footprints: [],          // [actor, renderer] of each footprint tube
    renderPending: false,    // a frame is asked for (requestRender)
    pickSeq: 0,
    applyingCamera: false,
    cameraTimer: null,
    lastCamera: "",
    disposed: false,
    loaded: false,
    patchSeq: 0,
  };
  const api = { state, model };
  root.__hipScene = api;
  window.__hipScene = api;

  function renderNow() {
    // A layout that replaces this view (a window turned from desktop to tablet size) deletes
    // its vtk.js objects while frames, timers and inflates may still be on their way.
    if (state.disposed) return;
    if (state.renderWindow) state.renderWindow.render();
    if (labels) labels.update();
  }
  // Names in the 3D view (labels.js, joined to this module by the page; not in the hand-out).
  const labels = typeof makeLabels === "function" ? makeLabels(root, state, model, () => projectMarkers()) : null;

  // One selection changes colours, opacity, visibility, highlight and footprints in one
  // message from the server: draw once, at the next frame, rather than once per change
  // (a software-WebGL frame costs tens of milliseconds, and the card waits behind them).
  function requestRender() {
    if (state.renderPending || state.disposed) return;
    state.renderPending = true;
    requestAnimationFrame(() => { state.renderPending = false; renderNow(); });
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
    normals(polydata);
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
    const rec = { name, actor, mapper, polydata, tris, outline: null, center: null };
    state.actors.set(name, rec);
    state.names.set(actor, name);
    return rec;
  }

  async function loadScene() {
    const buffer = await inflate(model.scene_data);
    const meta = model.scene_meta || {};
    if (!buffer || state.disposed) return;
    for (const rec of meta.actors || []) {
      const points = readPoints(buffer, rec);
      const tris = readTriangles(buffer, rec);
      const a = makeActor(rec.name, points, tris);
      a.base = points;
      a.baseTris = tris;
    }
  }

  async function applyPatch() {
    const meta = model.patch_meta || {};
    if (!state.loaded || !meta.seq || meta.seq <= state.patchSeq) return;
    // patch_meta and patch_data change together; wait until both belong to the same patch.
    const raw = toBytes(model.patch_data);
    if (!raw || raw.length !== meta.bytes) return;
    const buffer = await inflate(raw);
    if (!buffer || state.disposed || meta.seq <= state.patchSeq) return;
    state.patchSeq = meta.seq;
    for (const item of meta.items || []) {
      const a = state.actors.get(item.name);
      if (!a) continue;
      const points = readPoints(buffer, item);
      a.polydata.getPoints().setData(points, 3);
      if (item.tris) {
        a.tris = readTriangles(buffer, item);
        a.polydata.getPolys().setData(cellArray(a.tris));
      }
      a.polydata.getPoints().modified();
      a.polydata.modified();
      normals(a.polydata);
      a.center = null;
      syncOutline(a);
    }
    for (const name of meta.restore || []) {
      const a = state.actors.get(name);
      if (!a || !a.base) continue;
      a.polydata.getPoints().setData(a.base, 3);
      a.tris = a.baseTris;
      a.polydata.getPolys().setData(cellArray(a.baseTris));
      a.polydata.modified();
      normals(a.polydata);
      a.center = null;
      syncOutline(a);
    }
    requestRender();
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
        op = Math.max(op, 0.95); // nearly opaque, so the outline shell shows only at the silhouette
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
    for (const [actor, layer] of state.footprints) layer.removeActor(actor);
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
      const tube = vtk.Filters.General.vtkTubeFilter.newInstance({ radius: 1.8, numberOfSides: 8, capping: true });
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
      const layer = name.startsWith("pull_") && state.overlay ? state.overlay : state.renderer;
      layer.addActor(actor);
      state.footprints.push([actor, layer]);
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
    if (!state.renderer || state.disposed) return;
    const cam = cameraDict();
    const key = JSON.stringify(cam);
    if (key === state.lastCamera) return;
    state.lastCamera = key;
    model.camera = cam;
  }

  // Framing: look at the centre of a box from the camera's direction, from the nearest
  // distance at which all 8 corners of the box project inside the view, less a margin (the
  // rule of viewer.scene.fit_distance).  VTK's resetCamera fits the box's bounding sphere,
  // which leaves much of a tall, narrow model's view (a femur) empty.
  function liveFrameBounds() {
    // The bones as they stand now (posture included): the pelvis and both femora.
    const meta = model.scene_meta || {};
    let box = null;
    for (const name of meta.framed || []) {
      const a = state.actors.get(name);
      if (!a) continue;
      const b = a.actor.getBounds();
      if (!b || !(b[1] >= b[0])) continue;
      box = box ? box.map((v, i) => (i % 2 ? Math.max(v, b[i]) : Math.min(v, b[i]))) : Array.from(b);
    }
    return box || meta.focus || null;
  }

  function viewAspect() {
    const size = state.api ? state.api.getSize() : null;
    return size && size[0] > 1 && size[1] > 1 ? size[0] / size[1] : 4 / 3;
  }

  function fitDistance(bounds, right, up, back, aspect, viewAngle) {
    const c = [0, 1, 2].map((i) => (bounds[2 * i] + bounds[2 * i + 1]) / 2);
    const t = Math.tan((viewAngle * Math.PI) / 360);
    let d = 1e-6;
    for (const x of [bounds[0], bounds[1]]) for (const y of [bounds[2], bounds[3]]) for (const z of [bounds[4], bounds[5]]) {
      const r = [x - c[0], y - c[1], z - c[2]];
      const dot = (v) => r[0] * v[0] + r[1] * v[1] + r[2] * v[2];
      const depth = dot(back);
      d = Math.max(d, (FRAME_MARGIN * Math.abs(dot(up))) / t + depth,
        (FRAME_MARGIN * Math.abs(dot(right))) / (t * aspect) + depth);
    }
    return { centre: c, distance: d };
  }

  function poseKey() {
    const cam = state.renderer.getActiveCamera();
    const r = (v) => Array.from(v, (x) => Math.round(x * 100) / 100);
    return JSON.stringify([r(cam.getPosition()), r(cam.getFocalPoint()), r(cam.getViewUp()), cam.getViewAngle()]);
  }

  function fitCamera(bounds) {
    // Keep the direction and view-up; frame ``bounds`` (null: the bones as they stand now).
    const box = bounds && bounds.length === 6 ? bounds : liveFrameBounds();
    if (!box) { state.renderer.resetCamera(); return; }
    const cam = state.renderer.getActiveCamera();
    const pos = cam.getPosition(), fp = cam.getFocalPoint();
    const norm = (v) => { const n = Math.hypot(...v) || 1; return v.map((x) => x / n); };
    const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    const back = norm([0, 1, 2].map((i) => pos[i] - fp[i]));
    let right = cross(cam.getViewUp(), back);
    if (Math.hypot(...right) < 1e-9) right = cross(Math.abs(back[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0], back);
    right = norm(right);
    const up = cross(back, right);
    const { centre, distance } = fitDistance(box, right, up, back, viewAspect(), cam.getViewAngle());
    cam.setFocalPoint(...centre);
    cam.setPosition(...centre.map((v, i) => v + distance * back[i]));
    state.renderer.resetCameraClippingRange();
    // A later resize fits the same box again, unless the reader has moved the camera since.
    state.fitted = { bounds: bounds && bounds.length === 6 ? bounds : null, pose: poseKey() };
  }

  function applyCamera(fit) {
    const c = model.camera || {};
    if (!c.position || !c.focal_point) {
      if (fit) fitCamera(null);
      return;
    }
    if (JSON.stringify(c) === state.lastCamera) return;
    const cam = state.renderer.getActiveCamera();
    const fitting = fit || c.preset || c.fit;
    state.applyingCamera = true;
    cam.setPosition(...c.position);
    cam.setFocalPoint(...c.focal_point);
    if (c.view_up) cam.setViewUp(...c.view_up);
    if (c.view_angle) cam.setViewAngle(c.view_angle);
    if (fitting) fitCamera(c.focus || null);
    else state.fitted = null;
    state.renderer.resetCameraClippingRange();
    state.applyingCamera = false;
    if (fitting) {
      state.lastCamera = "";
      pushCamera();
    } else {
      state.lastCamera = JSON.stringify(c);
    }
  }

  function refit() {
    // The view changed size (a phone turned, presentation mode): fit again what was fitted,
    // unless the reader turned, zoomed or panned since.
    if (!state.fitted || !state.loaded || poseKey() !== state.fitted.pose) return;
    fitCamera(state.fitted.bounds);
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

  function cellPick(x, y, accept) {
    // Nearest surface under display pixel (x, y) among the visible, non-marker actors that
    // ``accept`` (given the actor's opacity) lets through: a ray cast in each actor's frame.
    const near = state.api.displayToWorld(x, y, 0, state.renderer);
    const far = state.api.displayToWorld(x, y, 1, state.renderer);
    let found = null;
    for (const [name, a] of state.actors) {
      if (!a.actor.getVisibility() || name.startsWith("lm:")) continue;
      if (!accept(a.actor.getProperty().getOpacity())) continue;
      const inv = invert4(a.actor.getMatrix());
      if (!inv) continue;
      const p = apply4(inv, near), q = apply4(inv, far);
      if (!segmentHitsBox(p, q, a.polydata.getBounds())) continue;
      const t = segmentTriangles(p, q, a.polydata.getPoints().getData(), a.tris);
      if (t === Infinity || (found && t >= found.t)) continue;
      found = {
        actor: name,
        t,
        position: [0, 1, 2].map((c) => near[c] + t * (far[c] - near[c])),
      };
    }
    if (found) {
      const cam = state.renderer.getActiveCamera().getPosition();
      found.dist = Math.hypot(...found.position.map((v, c) => v - cam[c]));
    }
    return found;
  }

  function markerPick(x, y, scale, radius, cam) {
    // The landmark marker within ``radius`` CSS px of display pixel (x, y), nearest on screen
    // first; a marker counts even behind a translucent muscle, but not behind an opaque
    // surface (bone).
    const near = [];
    for (const m of projectMarkers()) {
      const d = Math.hypot(m.display[0] - x, m.display[1] - y) / scale;
      if (d <= radius) near.push({ ...m, d });
    }
    if (!near.length) return null;
    near.sort((a, b) => a.d - b.d || a.display[2] - b.display[2]);
    for (const m of near) {
      const wall = cellPick(m.display[0], m.display[1], (op) => op >= 0.99);
      const a = state.actors.get(m.name);
      const b = a.polydata.getBounds();
      const r = Math.max(b[1] - b[0], b[3] - b[2], b[5] - b[4]) / 2;
      const depth = Math.hypot(m.world[0] - cam[0], m.world[1] - cam[1], m.world[2] - cam[2]);
      if (wall && wall.dist < depth - Math.max(2.5 * r, 8)) continue;
      return { actor: m.name, position: m.world };
    }
    return null;
  }

  function surfacePick(x, y) {
    // Nearest actor that is opaque enough, else the nearest of any.
    const found = cellPick(x, y, (op) => op >= OPAQUE_ENOUGH) || cellPick(x, y, () => true);
    return found ? { actor: found.actor, position: found.position } : null;
  }

  function pickAt(clientX, clientY, touch = false) {
    // What a click at page pixel (clientX, clientY) is on: 1. a landmark marker within a few
    // pixels, 2. the surface under the pointer.  A finger covers more than it aims at, so a
    // tap also takes 3. the surface under the nearest of rings of points around it, out to
    // TOUCH_REACH px, and then 4. the nearest marker within that reach.
    const [x, y, scale] = cssToDisplay(clientX, clientY);
    const cam = state.renderer.getActiveCamera().getPosition();
    const hit = markerPick(x, y, scale, touch ? TOUCH_MARKER_SNAP : MARKER_SNAP, cam) || surfacePick(x, y);
    if (hit || !touch) return hit;
    for (const r of [TOUCH_REACH / 3, (2 * TOUCH_REACH) / 3, TOUCH_REACH]) {
      const n = r < TOUCH_REACH ? 8 : 12;
      for (let k = 0; k < n; k++) {
        const a = (2 * Math.PI * k) / n;
        const found = surfacePick(x + r * scale * Math.cos(a), y + r * scale * Math.sin(a));
        if (found) return found;
      }
    }
    return markerPick(x, y, scale, TOUCH_REACH, cam);
  }

  // Pointers down on the view: a press becomes a pick only if it was the only one, moved
  // less than the slop, and ended with a release (not a cancel).
  const down = new Set();
  let press = null;
  let lastTap = null;
  function onDown(ev) {
    if (ev.target.closest && ev.target.closest(".hip-scene-frame")) return;
    down.add(ev.pointerId);
    if (ev.isPrimary === false || down.size > 1) { press = null; return; }
    const touch = ev.pointerType === "touch" || ev.pointerType === "pen";
    press = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, moved: 0, touch, t: ev.timeStamp || performance.now() };
  }
  function onMove(ev) {
    if (press && ev.pointerId === press.id) {
      press.moved = Math.max(press.moved, Math.hypot(ev.clientX - press.x, ev.clientY - press.y));
    }
  }
  function onCancel(ev) {
    down.delete(ev.pointerId);
    press = null;
  }
  function onUp(ev) {
    const wasDown = down.delete(ev.pointerId);
    if (!wasDown || !press || press.id !== ev.pointerId || !state.renderer) return;
    const moved = Math.max(press.moved, Math.hypot(ev.clientX - press.x, ev.clientY - press.y));
    const touch = press.touch, pressedAt = press.t;
    press = null;
    if (moved > (touch ? TOUCH_SLOP : CLICK_SLOP) || ev.button > 0) return;
    // A double click or tap: pressed again soon after the first was released, nearby.  The
    // times are those of the input (event.timeStamp), not of its handling: a busy page (a
    // software-drawn frame) handles the second tap late.
    const near = DOUBLE_PX[touch ? "touch" : "mouse"];
    const double = !!(lastTap && pressedAt - lastTap.t <= DOUBLE_MS && lastTap.touch === touch
      && Math.hypot(ev.clientX - lastTap.x, ev.clientY - lastTap.y) <= near);
    lastTap = double ? null : { t: ev.timeStamp || performance.now(), x: ev.clientX, y: ev.clientY, touch };
    const t0 = performance.now();
    const result = pickAt(ev.clientX, ev.clientY, touch);
    state.pickSeq = Math.max(state.pickSeq, (model.picked && model.picked.seq) || 0) + 1;
    const r = (v) => Math.round(v * 1000) / 1000;
    const picked = result
      ? { actor: result.actor, position: result.position.map(r), seq: state.pickSeq }
      : { actor: null, position: null, seq: state.pickSeq };
    if (double && result) picked.frame = true;
    if (touch) picked.touch = true;
    model.picked = picked;
    state.lastPickMs = performance.now() - t0;
    root.dispatchEvent(new CustomEvent("hip-picked", { detail: picked }));
  }
  root.addEventListener("pointerdown", onDown, true);
  root.addEventListener("pointermove", onMove, true);
  root.addEventListener("pointerup", onUp, true);
  root.addEventListener("pointercancel", onCancel, true);

  // "Frame the selection": a small control over the view while something is selected.
  const frameButton = document.createElement("button");
  frameButton.type = "button";
  frameButton.className = "hip-scene-frame";
  frameButton.textContent = "Frame the selection";
  frameButton.title = "Turn the camera to the selected structure (or double-click it)";
  frameButton.hidden = !model.can_frame;
  frameButton.addEventListener("click", () => { model.frame_request = (model.frame_request || 0) + 1; });
  root.append(frameButton);
  model.on("can_frame", () => { frameButton.hidden = !model.can_frame; });

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
  function sizeCanvas() {
    // As vtkGenericRenderWindow.resize, with the pixel ratio capped: a phone's third device
    // pixel per CSS pixel costs more than twice the drawing time for little to see.
    const rect = holder.getBoundingClientRect();
    const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
    state.api.setSize(Math.max(1, Math.floor(rect.width * ratio)), Math.max(1, Math.floor(rect.height * ratio)));
  }

  function resize() {
    if (!state.grw || state.disposed) return;
    const rect = holder.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2) return;
    sizeCanvas();
    refit();
    renderNow();
  }

  async function init() {
    const marks = (state.timings = { start: performance.now() });
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
    // Lines of pull (footprints named pull_*) are drawn in a second layer over the scene with
    // the same camera, so a translucent muscle never hides the arrows that run inside it.
    const overlay = vtk.Rendering.Core.vtkRenderer.newInstance();
    overlay.setLayer(1);
    overlay.setInteractive(false);
    overlay.setActiveCamera(state.renderer.getActiveCamera());
    state.renderWindow.setNumberOfLayers(2);
    state.renderWindow.addRenderer(overlay);
    state.overlay = overlay;
    state.api = grw.getApiSpecificRenderWindow();
    const interactor = grw.getInteractor();
    const style = vtk.Interaction.Style.vtkInteractorStyleTrackballCamera.newInstance();
    interactor.setInteractorStyle(style);
    // vtk.js reports the first move after 200 ms without one as a "start" that the style
    // ignores; on a slow machine (software WebGL) every move of a drag can be such a start
    // and the view would not turn at all.  Treat starts as moves.
    interactor.onStartMouseMove((callData) => style.handleMouseMove(callData));
    marks.vtk = performance.now();
    await loadScene();
    if (state.disposed) return;
    state.loaded = true;
    marks.meshes = performance.now();
    applyAppearance();
    applyTransforms();
    applyFootprints();
    await applyPatch();
    if (state.disposed) return;
    sizeCanvas();
    applyCamera(true);
    state.renderer.getActiveCamera().onModified(scheduleCameraPush);
    interactor.onEndAnimation(() => { clearTimeout(state.cameraTimer); pushCamera(); });
    renderNow();
    marks.firstRender = performance.now();
    requestAnimationFrame(() => {
      renderNow();
      marks.ready = performance.now();
      loading.hidden = true;
      model.ready = true;
    });
  }

  const observer = new ResizeObserver(() => resize());
  observer.observe(holder);

  model.on("scene_data", async () => {
    if (!state.renderer) return;
    state.loaded = false;
    for (const a of state.actors.values()) {
      state.renderer.removeActor(a.actor);
      if (a.outline) state.renderer.removeActor(a.outline);
    }
    state.actors.clear();
    state.names.clear();
    await loadScene();
    if (state.disposed) return;
    state.loaded = true;
    state.patchSeq = 0;
    applyAppearance();
    applyTransforms();
    await applyPatch();
    renderNow();
  });
  model.on("patch_meta", () => applyPatch());
  model.on("patch_data", () => applyPatch());
  // Before the scene is loaded, init() applies the latest values itself.
  model.on("colors", () => { if (state.loaded) { applyAppearance(); applyFootprints(); requestRender(); } });
  for (const p of ["opacity", "visibility", "highlight"]) {
    model.on(p, () => { if (state.loaded) { applyAppearance(); requestRender(); } });
  }
  model.on("transforms", () => { if (state.loaded) { applyTransforms(); requestRender(); } });
  model.on("footprints", () => { if (state.loaded) { applyFootprints(); requestRender(); } });
  model.on(["labels", "label_selected", "label_scale"], () => { if (state.loaded) requestRender(); });
  model.on("camera", () => { if (state.renderer && !state.disposed) { applyCamera(false); requestRender(); } });
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "screenshot") screenshot(msg.filename);
  });
  model.on("remove", () => {
    state.disposed = true;
    state.loaded = false;
    clearTimeout(state.cameraTimer);
    observer.disconnect();
    if (state.grw) state.grw.delete();
  });

  api.pickAt = pickAt;
  api.fitCamera = fitCamera;
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
