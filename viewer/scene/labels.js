// Names in the 3D view: a label for each visible landmark marker, joined to it by a leader
// line, placed so that no two labels overlap and none covers the selected structure's
// marker.  The selected structure is always labelled (first, in bold); the others are
// labelled while there is room, nearest the centre of the view first.
//
// Placement (greedy, after Christensen, Marks & Shieber 1995, "An empirical study of
// algorithms for point-feature label placement", ACM ToG 14:203): each label tries a ring of
// candidate positions around its anchor, nearest first, and takes the first whose box
// overlaps no placed box, no anchor and stays inside the view.
//
// makeLabels(root, state, model, projectMarkers) returns {update()}; the scene view calls
// update() after each frame it draws.

function makeLabels(root, state, model, projectMarkers) {
  const layer = document.createElement("div");
  layer.className = "hip-labels";
  layer.setAttribute("aria-hidden", "true"); // the names are in the structure list and the card
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "hip-leaders");
  layer.append(svg);
  root.append(layer);
  const boxes = new Map(); // id -> div, reused between frames

  const GAP = 4;
  const RINGS = [14, 34, 60, 90];
  const DIRS = [[1, -1], [1, 1], [-1, -1], [-1, 1], [1, 0], [-1, 0], [0, -1], [0, 1]];

  function overlaps(a, b) {
    return a.x < b.x + b.w + GAP && b.x < a.x + a.w + GAP && a.y < b.y + b.h + GAP && b.y < a.y + a.h + GAP;
  }

  function labelDiv(id, text) {
    let div = boxes.get(id);
    if (!div) {
      div = document.createElement("div");
      div.className = "hip-label";
      div.dataset.id = id;
      layer.append(div);
      boxes.set(id, div);
    }
    if (div.textContent !== text) div.textContent = text;
    return div;
  }

  function update() {
    const names = model.labels || {};
    const ids = Object.keys(names);
    if (!state.renderer || !state.api || !ids.length) {
      layer.style.display = "none";
      return;
    }
    layer.style.display = "";
    const rect = root.getBoundingClientRect();
    const size = state.api.getSize();
    const scale = size[0] / Math.max(rect.width, 1);
    const W = rect.width, H = rect.height;
    layer.style.fontSize = Math.round(14 * (model.label_scale || 1)) + "px";
    const anchors = [];
    for (const m of projectMarkers()) {
      const id = m.name.startsWith("lm:") ? m.name.slice(3) : m.name;
      if (!(id in names)) continue;
      const x = m.display[0] / scale, y = H - m.display[1] / scale;
      if (x < 0 || y < 0 || x > W || y > H) continue;
      anchors.push({ id, x, y });
    }
    const selected = model.label_selected;
    const cx = W / 2, cy = H / 2;
    anchors.sort((a, b) => (b.id === selected) - (a.id === selected)
      || Math.hypot(a.x - cx, a.y - cy) - Math.hypot(b.x - cx, b.y - cy));
    const dots = anchors.map((a) => ({ x: a.x - 5, y: a.y - 5, w: 10, h: 10 }));
    // The view's own buttons (frame the selection) are not covered either.
    const placed = [];
    for (const b of root.querySelectorAll("button")) {
      const r = b.getBoundingClientRect();
      if (r.width && r.height) placed.push({ x: r.left - rect.left, y: r.top - rect.top, w: r.width, h: r.height });
    }
    const fixed = placed.length;
    const used = new Set();
    let lines = "";
    for (const a of anchors) {
      const div = labelDiv(a.id, names[a.id]);
      div.classList.toggle("selected", a.id === selected);
      div.style.display = "";
      const w = div.offsetWidth, h = div.offsetHeight;
      let spot = null;
      for (const r of RINGS) {
        for (const [dx, dy] of DIRS) {
          const x = dx > 0 ? a.x + r : dx < 0 ? a.x - r - w : a.x - w / 2;
          const y = dy > 0 ? a.y + r : dy < 0 ? a.y - r - h : a.y - h / 2;
          const box = { x, y, w, h };
          if (x < 2 || y < 2 || x + w > W - 2 || y + h > H - 2) continue;
          if (placed.some((p) => overlaps(p, box))) continue;
          if (dots.some((d) => overlaps(d, box))) continue;
          spot = box;
          break;
        }
        if (spot) break;
      }
      if (!spot) {
        div.style.display = "none";
        continue;
      }
      placed.push(spot);
      used.add(a.id);
      div.style.left = spot.x + "px";
      div.style.top = spot.y + "px";
      // Leader line: from the marker to the nearest point of the label's box.
      const ex = Math.max(spot.x, Math.min(a.x, spot.x + spot.w));
      const ey = Math.max(spot.y, Math.min(a.y, spot.y + spot.h));
      lines += `<line x1="${a.x.toFixed(1)}" y1="${a.y.toFixed(1)}" x2="${ex.toFixed(1)}" y2="${ey.toFixed(1)}"` +
        (a.id === selected ? ' class="selected"' : "") + "/>";
    }
    placed.splice(0, fixed);
    for (const [id, div] of boxes) if (!used.has(id)) div.style.display = "none";
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    svg.innerHTML = lines;
  }

  return { update, layer };
}
