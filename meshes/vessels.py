"""Superior gluteal nerve and artery as tubes along paths, and the nerve's safe-zone band.

Course (Gray's Anatomy 1918): both leave the pelvis through the greater sciatic foramen
above piriformis and run forward between gluteus medius and gluteus minimus; the deep
branch of the artery splits into an upper division toward the anterior superior iliac spine
and a lower division toward the greater trochanter.

Safe zone: sources disagree on how far above the greater trochanter the nerve runs: 5 cm
(Jacobs & Buxton 1989), 3 cm (Bos et al. 1994), measured mean 4.8 cm, range 2-9 cm.  The
band drawn spans 30-50 mm from the trochanter tip on the muscle surface.

Frame and units: ISB pelvis frame, mm.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import trimesh

from meshes.muscles import closed_sheet, cross, resample, signed_volume

SAFE_ZONE_MM = (30.0, 50.0)
NERVE_RADIUS_MM = 1.8
ARTERY_RADIUS_MM = 2.0


def smooth_polyline(points: np.ndarray, passes: int = 3, n: int = 40) -> np.ndarray:
    """Resample a polyline evenly to ``n`` points and smooth it with Laplacian passes,
    ends fixed (Taubin 1995 style umbrella operator, shrinking allowed)."""
    p = resample(np.asarray(points, dtype=float), n)
    for _ in range(passes):
        p[1:-1] = 0.5 * p[1:-1] + 0.25 * (p[:-2] + p[2:])
    return p


def _dot(a, b) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _frames(path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation-minimising frames along a polyline by double reflection
    (Wang, Juettler, Zheng & Liu 2008, ACM TOG 27:2)."""
    t = np.gradient(path, axis=0)
    t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-9)
    ref = np.array([0.0, 0.0, 1.0]) if abs(t[0][2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    r = cross(t[0], ref)
    r /= np.linalg.norm(r)
    # the sweep is sequential: plain floats are far quicker than 3-element arrays here
    pts, tan = path.tolist(), t.tolist()
    rs = [r.tolist()]
    for i in range(len(pts) - 1):
        r0 = rs[-1]
        v1 = [b - a for a, b in zip(pts[i], pts[i + 1])]
        c1 = _dot(v1, v1)
        if c1 < 1e-12:
            rs.append(r0)
            continue
        k = (2.0 / c1) * _dot(v1, r0)
        rl = [a - k * b for a, b in zip(r0, v1)]
        k = (2.0 / c1) * _dot(v1, tan[i])
        v2 = [a - (b - k * c) for a, b, c in zip(tan[i + 1], tan[i], v1)]
        c2 = _dot(v2, v2)
        if c2 > 1e-12:
            k = (2.0 / c2) * _dot(v2, rl)
            rl = [a - k * b for a, b in zip(rl, v2)]
        norm = math.sqrt(_dot(rl, rl))
        rs.append([a / norm for a in rl])
    r = np.array(rs)
    s = cross(t, r)
    return r, s


@functools.lru_cache(maxsize=16)
def _tube_faces(n: int, sides: int) -> np.ndarray:
    i = np.arange(n - 1)[:, None]
    j = np.arange(sides)[None, :]
    a = (i * sides + j).ravel()
    b = (i * sides + (j + 1) % sides).ravel()
    c, d = a + sides, b + sides
    side = np.concatenate([np.stack([a, b, d], 1), np.stack([a, d, c], 1)])
    c0, c1 = n * sides, n * sides + 1
    last = (n - 1) * sides
    jj = np.arange(sides)
    cap0 = np.stack([np.full(sides, c0), (jj + 1) % sides, jj], 1)
    cap1 = np.stack([np.full(sides, c1), last + jj, last + (jj + 1) % sides], 1)
    return np.concatenate([side, cap0, cap1])


def tube_mesh(path: np.ndarray, radius: float, sides: int = 10) -> trimesh.Trimesh:
    """Watertight tube of circular section around a polyline, with flat end caps."""
    path = np.asarray(path, dtype=float)
    n = len(path)
    r, s = _frames(path)
    ang = np.linspace(0.0, 2.0 * np.pi, sides, endpoint=False)
    ring = np.cos(ang)[None, :, None] * r[:, None, :] + np.sin(ang)[None, :, None] * s[:, None, :]
    verts = np.vstack([(path[:, None, :] + radius * ring).reshape(-1, 3), path[0], path[-1]])
    faces = _tube_faces(n, sides)
    if signed_volume(verts, faces) < 0:
        faces = faces[:, ::-1]
    return trimesh.Trimesh(verts, faces, process=False)


def merge(meshes) -> trimesh.Trimesh:
    """One mesh from several closed parts (still watertight: each part is closed)."""
    verts, faces, offset = [], [], 0
    for m in meshes:
        verts.append(np.asarray(m.vertices))
        faces.append(np.asarray(m.faces) + offset)
        offset += len(m.vertices)
    return trimesh.Trimesh(np.vstack(verts), np.vstack(faces), process=False)


def point_at_distance(path: np.ndarray, centre: np.ndarray, distance: float,
                      clamp: bool = False) -> np.ndarray | None:
    """Point of ``path`` (origin -> insertion) at ``distance`` from ``centre``, found by
    walking from the path's closest approach to ``centre`` back toward the origin, with
    linear interpolation between path points.  None if the path never gets that far, unless
    ``clamp``: then at most 90 % of the farthest distance it reaches."""
    p = np.asarray(path, dtype=float)
    d = np.linalg.norm(p - centre, axis=1)
    k0 = int(np.argmin(d))
    p = p[: k0 + 1][::-1]
    d = d[: k0 + 1][::-1]
    if clamp:
        distance = min(distance, 0.9 * float(d.max()))
    idx = np.nonzero(d >= distance)[0]
    if len(idx) == 0:
        return None
    k = idx[0]
    if k == 0:
        return p[0]
    w = (distance - d[k - 1]) / max(d[k] - d[k - 1], 1e-9)
    return p[k - 1] + w * (p[k] - p[k - 1])


def points_at_distances(path: np.ndarray, centre: np.ndarray, distances) -> np.ndarray | None:
    """:func:`point_at_distance` for several increasing distances at once, (len(distances), 3),
    or None if the path does not get as far as the last of them."""
    p = np.asarray(path, dtype=float)
    d = np.linalg.norm(p - centre, axis=1)
    k0 = int(np.argmin(d))
    p = p[: k0 + 1][::-1]
    d = d[: k0 + 1][::-1]
    dist = np.asarray(distances, dtype=float)
    # first point at least as far as each distance (the running maximum reaches it there)
    k = np.searchsorted(np.maximum.accumulate(d), dist, side="left")
    if k.max(initial=0) >= len(d):
        return None
    km = np.maximum(k - 1, 0)
    w = (dist - d[km]) / np.maximum(d[k] - d[km], 1e-9)
    out = p[km] + w[:, None] * (p[k] - p[km])
    out[k == 0] = p[0]
    return out


def crossing_points(paths, centre: np.ndarray, distances) -> np.ndarray:
    """For each path (origin -> insertion), the point at the given distance from ``centre``
    (the trochanter tip), walking up from the insertion."""
    pts = []
    for path, dist in zip(paths, np.broadcast_to(np.asarray(distances, float), (len(paths),))):
        q = point_at_distance(path, centre, dist, clamp=True)
        if q is not None:
            pts.append(q)
    return np.array(pts)


def band_grid(surface_rows, centre: np.ndarray, lo: float, hi: float, levels: int = 5) -> np.ndarray:
    """Grid (rows, levels, 3) of points on a surface (given as polylines running origin ->
    insertion) lying ``lo``..``hi`` mm from ``centre``."""
    dists = np.linspace(lo, hi, levels)
    rows = []
    for path in surface_rows:
        row = points_at_distances(path, centre, dists)
        if row is not None:
            rows.append(row)
    if len(rows) < 2:       # the fan is too close to the tip: keep the band's shape anyway
        rows = [np.array([point_at_distance(path, centre, d, clamp=True) for d in dists])
                for path in surface_rows]
    return drop_coincident_rows(np.array(rows))


def drop_coincident_rows(grid: np.ndarray, tol: float = 0.05) -> np.ndarray:
    """The grid without rows that collapse (a fibre too short to reach the whole band gives
    the same point for several distances) or repeat the row before them (fibres that meet in
    the tendon): either would make zero-area triangles in a mesh built over the grid."""
    spread = np.linalg.norm(np.diff(grid, axis=1), axis=-1).min(axis=1) > tol
    keep = [i for i in range(len(grid)) if spread[i]]
    keep = [i for j, i in enumerate(keep)
            if j == 0 or np.linalg.norm(grid[i] - grid[keep[j - 1]], axis=-1).min() > tol]
    return grid[keep]


def ribbon_mesh(grid: np.ndarray, normals: np.ndarray, lift: float = 0.4, thickness: float = 1.0) -> trimesh.Trimesh:
    """A thin watertight slab over a (rows, cols, 3) grid, ``lift`` mm off the surface along
    ``normals`` and ``thickness`` mm thick."""
    deep = grid + lift * normals
    return closed_sheet(deep, deep + thickness * normals)
