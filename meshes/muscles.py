"""Muscle geometry: signed-distance lookups, fibre paths that wrap over bone, and thick
sheets lofted over the fibres.

Everything here is generic over any signed distance function (negative inside, mm) and is
expressed in the ISB pelvis frame (see :mod:`meshes.frame`).  The functions are small and
pure; :mod:`meshes.model` strings them together for the gluteal muscles.

Wrapping follows the elastic-string (obstacle-set) idea: a fibre is a polyline of ``N``
points with fixed ends; the points are repeatedly pulled straight and pushed out of every
bone along the SDF gradient until no point is closer to a bone than its margin.  The result
approximates the shortest path over the bones (Garner & Pandy 2000, Comput Methods Biomech
Biomed Engin 3:1, obstacle-set method; here with implicit obstacles).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import trimesh

from meshes import _sdf

SDF = Callable[[np.ndarray], np.ndarray]

#: Beyond this distance (mm) outside a grid's box, a lookup returns the distance to the box
#: (a lower bound of the distance to the bone inside it) without interpolating.
FAR_MM = 45.0


# --------------------------------------------------------------------------------------
# Signed distance lookups
# --------------------------------------------------------------------------------------


_AXES6 = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0],
                   [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])


def sdf_gradient(fn: SDF, points: np.ndarray, h: float = 0.5) -> np.ndarray:
    """Central-difference gradient of ``fn`` at ``points`` (M, 3)."""
    return _value_and_central_gradient(fn, points, h, value=False)[1]


def _value_and_central_gradient(fn: SDF, points: np.ndarray, h: float = 0.5, value: bool = True):
    """``fn`` at ``points`` (M, 3) (or None unless ``value``) and its central-difference
    gradient, from one batched call of ``fn`` (the per-call cost of a composite SDF is
    larger than its per-point cost for a few hundred points)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    m = len(pts)
    offsets = h * _AXES6 if not value else np.vstack([np.zeros((1, 3)), h * _AXES6])
    vals = np.asarray(fn((pts[None, :, :] + offsets[:, None, :]).reshape(-1, 3)), dtype=float)
    vals = vals.reshape(len(offsets), m)
    k = 1 if value else 0
    grad = ((vals[k:k + 3] - vals[k + 3:k + 6]) / (2.0 * h)).T.copy()
    return (vals[0] if value else None), grad



#: Points per call when sampling an SDF onto a grid (bounds peak memory).
_CHUNK = 200_000


def _lattice(lo, hi, spacing: float) -> tuple[np.ndarray, tuple[int, int, int], np.ndarray]:
    """Corner, shape and (N, 3) points of a regular grid covering ``lo``..``hi``."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    shape = tuple(int(np.ceil((hi[i] - lo[i]) / spacing)) + 1 for i in range(3))
    axes = [lo[i] + spacing * np.arange(shape[i]) for i in range(3)]
    return lo, shape, np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)


def _table(values: np.ndarray, shape, spacing: float) -> np.ndarray:
    """(N, 4) float32 table of distance and its central-difference gradient per grid point
    (one-sided differences on the faces of the box, as ``np.gradient``)."""
    values = np.asarray(values, dtype=float).reshape(shape)
    out = np.empty(tuple(shape) + (4,), dtype=np.float32)
    out[..., 0] = values
    for axis in range(3):
        src = np.moveaxis(values, axis, 0)
        dst = np.moveaxis(out[..., 1 + axis], axis, 0)
        np.subtract(src[2:], src[:-2], out=dst[1:-1])
        dst[1:-1] *= 0.5 / spacing
        dst[0] = (src[1] - src[0]) / spacing
        dst[-1] = (src[-1] - src[-2]) / spacing
    return out.reshape(-1, 4)

def _trilinear_weights(f: np.ndarray) -> np.ndarray:
    """(M, 8) weights of the corners of a grid cell (x slowest, z fastest) for fractional
    positions ``f`` (M, 3) inside it: products of (1 - f) and f per axis."""
    fx, fy, fz = f[:, 0], f[:, 1], f[:, 2]
    gx, gy, gz = 1.0 - fx, 1.0 - fy, 1.0 - fz
    w = np.empty((len(f), 8))
    for i, xy in enumerate((gx * gy, gx * fy, fx * gy, fx * fy)):
        np.multiply(xy, gz, out=w[:, 2 * i])
        np.multiply(xy, fz, out=w[:, 2 * i + 1])
    return w


@dataclass
class GridSDF:
    """A signed distance function sampled once on a regular grid, then looked up by
    trilinear interpolation (value and gradient together).  Points outside the grid fall
    back to the exact function."""

    fn: SDF
    lo: np.ndarray
    spacing: float
    shape: tuple[int, int, int]
    table: np.ndarray  # (nx*ny*nz, 4) float32: value, dvalue/dx, dvalue/dy, dvalue/dz

    @functools.cached_property
    def strides(self) -> np.ndarray:
        """Flat-index steps of the table along x, y, z."""
        return np.array([self.shape[1] * self.shape[2], self.shape[2], 1], dtype=np.int64)

    @functools.cached_property
    def top(self) -> np.ndarray:
        """Largest fractional grid index a lookup is clamped to, per axis."""
        return np.asarray(self.shape, dtype=float) - 1.000001

    @functools.cached_property
    def corner_offsets(self) -> np.ndarray:
        """Flat-index offsets of the 8 corners of a grid cell (x slowest, z fastest)."""
        sx, sy, _ = self.strides
        return np.array([dx * sx + dy * sy + dz for dx in (0, 1) for dy in (0, 1) for dz in (0, 1)])

    @classmethod
    def build(cls, fn: SDF, lo, hi, spacing: float = 2.0) -> "GridSDF":
        lo, shape, grid = _lattice(lo, hi, spacing)
        values = np.empty(len(grid))
        for start in range(0, len(grid), _CHUNK):
            values[start : start + _CHUNK] = fn(grid[start : start + _CHUNK])
        return cls(fn=fn, lo=lo, spacing=float(spacing), shape=shape, table=_table(values, shape, spacing))

    @classmethod
    def build_banded(cls, fn: SDF, lo, hi, spacing: float = 2.0, coarse: float = 8.0,
                     band: float = 12.0) -> "GridSDF":
        """Like :meth:`build`, but the exact function is evaluated only in a narrow band
        (|d| < ``band`` on a coarse pre-sampling); elsewhere the coarse samples are
        interpolated.  For slow SDFs.  An SDF with a ``sample_banded(lo, shape, spacing,
        factor, band)`` attribute (values on that lattice, or None) supplies them itself,
        e.g. from samples it keeps for its meshes."""
        lo = np.asarray(lo, dtype=float)
        hi = np.asarray(hi, dtype=float)
        shape = tuple(int(np.ceil((hi[i] - lo[i]) / spacing)) + 1 for i in range(3))
        factor = int(round(coarse / spacing))
        if abs(factor * spacing - coarse) < 1e-9 and factor >= 1:
            own = getattr(fn, "sample_banded", None)
            values = own(lo, shape, spacing, factor, band) if own is not None else None
            if values is None:
                values = _sdf.sample_banded(fn, lo, shape, spacing, factor, band)
            return cls(fn=fn, lo=lo, spacing=float(spacing), shape=shape,
                       table=_table(values, shape, spacing))
        rough = cls.build(fn, np.asarray(lo, float) - coarse, np.asarray(hi, float) + coarse, coarse)
        lo, shape, grid = _lattice(lo, hi, spacing)
        values = np.empty(len(grid))
        for start in range(0, len(grid), _CHUNK):
            values[start : start + _CHUNK] = rough(grid[start : start + _CHUNK])[0]
        near = np.nonzero(np.abs(values) < band)[0]
        for start in range(0, len(near), _CHUNK):
            idx = near[start : start + _CHUNK]
            values[idx] = fn(grid[idx])
        return cls(fn=fn, lo=lo, spacing=float(spacing), shape=shape, table=_table(values, shape, spacing))

    def __call__(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Signed distance (M,) and unit gradient (M, 3) at ``points`` (M, 3).

        Outside the sampled box the bone is assumed absent: the distance grows by the
        distance to the box (an upper bound by the triangle inequality)."""
        pts = np.asarray(points, dtype=float).reshape(-1, 3)
        q = (pts - self.lo) / self.spacing
        qc = np.minimum(np.maximum(q, 0.0), self.top)
        gap = (q - qc) * self.spacing
        gn = np.sqrt(np.einsum("ij,ij->i", gap, gap))
        far = gn > FAR_MM
        if far.any():
            # far outside the sampled box: the distance to the box is a lower bound
            d = gn.copy()
            g = gap / np.maximum(gn, 1e-9)[:, None]
            near = np.flatnonzero(~far)
            if len(near):
                d[near], g[near] = self._interpolate(qc[near], gap[near], gn[near])
            return d, g
        return self._interpolate(qc, gap, gn)

    def _interpolate(self, qc: np.ndarray, gap: np.ndarray, gn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance and unit gradient at fractional grid positions ``qc`` (clamped into the
        grid) of points ``gap`` (M, 3) outside the box (|gap| = ``gn``)."""
        i0 = qc.astype(np.int64)
        f = qc - i0
        base = i0 @ self.strides
        # np.take gathers whole rows far faster than fancy indexing of a 2-D array
        vals = np.take(self.table, base[:, None] + self.corner_offsets, axis=0).astype(float)  # (M, 8, 4)
        out = np.einsum("mc,mck->mk", _trilinear_weights(f), vals)
        d = out[:, 0] + gn
        g = out[:, 1:] + gap / np.maximum(gn, 1e-9)[:, None]
        norm = np.sqrt(np.einsum("ij,ij->i", g, g))[:, None]
        return d, g / np.maximum(norm, 1e-9)


def exact_sdf(fn: SDF) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Wrap a plain SDF as a (value, unit gradient) lookup without a grid."""

    def lookup(points):
        d, g = _value_and_central_gradient(fn, points)
        g /= np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-9)
        return d, g

    return lookup


def moved_sdf(lookup, rotation: np.ndarray, translation: np.ndarray):
    """A (value, gradient) lookup for a rigid body whose SDF is known in its own frame.

    ``rotation``/``translation`` map body-frame points to the pelvis frame (x = R q + t), so a
    pelvis-frame point is looked up at q = R^T (x - t) and the gradient turned back by R.
    """
    r = np.asarray(rotation, dtype=float)
    t = np.asarray(translation, dtype=float)

    def moved(points):
        pts = np.asarray(points, dtype=float).reshape(-1, 3)
        d, g = lookup((pts - t) @ r)
        return d, g @ r.T

    return moved


# --------------------------------------------------------------------------------------
# Surfaces: ray casting and projection
# --------------------------------------------------------------------------------------


def ray_hits(lookup, starts: np.ndarray, direction: np.ndarray, max_dist: float = 200.0,
             tol: float = 0.05, max_steps: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Sphere tracing (Hart 1996, The Visual Computer 12:527) from ``starts`` along one
    ``direction``.  Returns hit points (M, 3) and a boolean hit mask."""
    starts = np.asarray(starts, dtype=float).reshape(-1, 3)
    direction = np.asarray(direction, dtype=float)
    direction = direction / np.linalg.norm(direction)
    t = np.zeros(len(starts))
    hit = np.zeros(len(starts), dtype=bool)
    active = np.ones(len(starts), dtype=bool)
    for _ in range(max_steps):
        if not active.any():
            break
        idx = np.nonzero(active)[0]
        d, _ = lookup(starts[idx] + t[idx, None] * direction)
        done = d < tol
        hit[idx[done]] = True
        t[idx[~done]] += np.maximum(d[~done] * 0.9, 0.2)
        active[idx[done]] = False
        active &= t < max_dist
    return starts + t[:, None] * direction, hit


def push_out(lookup, points: np.ndarray, margin, iterations: int = 6,
             hint: np.ndarray | None = None, report: bool = False):
    """Move points closer to a surface than ``margin`` outward along the SDF gradient.

    Points deep inside (d < 0) move along ``hint`` (an outward direction) when the gradient
    points against it, so that a thin plate is left on the intended side.  With ``report``
    also returns whether any point moved.
    """
    p = np.array(points, dtype=float).reshape(-1, 3)
    margin = np.broadcast_to(np.asarray(margin, dtype=float), (len(p),))
    moved = False
    for _ in range(iterations):
        d, g = lookup(p)
        bad = d < margin
        if not bad.any():
            break
        moved = True
        if hint is not None:
            flip = bad & (d < 0) & (g @ hint < -0.2)
            g[flip] = hint / np.linalg.norm(hint)
        p[bad] += (margin[bad] - d[bad] + 0.05)[:, None] * g[bad]
    return (p, moved) if report else p


def push_out_all(lookups: Sequence, points: np.ndarray, margin, rounds: int = 3) -> np.ndarray:
    """:func:`push_out` of every lookup in turn, repeated so that a point squeezed between
    two bones ends up clear of both where there is room."""
    p = np.asarray(points, dtype=float).reshape(-1, 3)
    for m in (margin, 0.6 * np.asarray(margin), 0.3):
        for k in range(rounds):
            moved = []
            for lk in lookups:
                p, any_moved = push_out(lk, p, m, report=True)
                moved.append(any_moved)
            # clear when, in a round after the first, no lookup had to move anything
            if not any(moved[1:] if k == 0 else moved):
                return p
    return p


# --------------------------------------------------------------------------------------
# Polylines
# --------------------------------------------------------------------------------------


def arc_length(path: np.ndarray) -> np.ndarray:
    """Cumulative arc length along the last-but-one axis; (..., N)."""
    seg = np.linalg.norm(np.diff(path, axis=-2), axis=-1)
    return np.concatenate([np.zeros(seg.shape[:-1] + (1,)), np.cumsum(seg, axis=-1)], axis=-1)


def resample(path: np.ndarray, n: int) -> np.ndarray:
    """Resample a polyline (N, 3) to ``n`` points evenly spaced along its length."""
    path = np.asarray(path, dtype=float)
    s = arc_length(path)
    if s[-1] <= 0:
        return np.repeat(path[:1], n, axis=0)
    t = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(t, s, path[:, k]) for k in range(3)], axis=1)


def resample_batch(paths: np.ndarray) -> np.ndarray:
    """Resample each path of a (F, N, 3) batch evenly by arc length, keeping N."""
    return resample_count(paths, paths.shape[1])


def polyline_at(path: np.ndarray, fractions) -> np.ndarray:
    """Points at given arc-length fractions (0..1) along a polyline."""
    path = np.asarray(path, dtype=float)
    s = arc_length(path)
    t = np.asarray(fractions, dtype=float) * s[-1]
    return np.stack([np.interp(t, s, path[:, k]) for k in range(3)], axis=-1)


# --------------------------------------------------------------------------------------
# Wrapping
# --------------------------------------------------------------------------------------


@dataclass
class Obstacle:
    """A bone for wrapping: a (value, gradient) lookup in the pelvis frame, a per-point
    margin (F, N) in mm and an optional outward hint used only for points inside."""

    lookup: Callable
    margin: np.ndarray
    hint: np.ndarray | None = None


def _project(p: np.ndarray, obstacles: Sequence[Obstacle], tol: float = 0.3) -> np.ndarray:
    """Push interior points of a (F, N, 3) batch out of every obstacle, in place.  Returns
    the (F, N) mask of points touching an obstacle (path ends included)."""
    f, n, _ = p.shape
    inner = p[:, 1:-1].reshape(-1, 3)
    touching = np.ones((f, n), dtype=bool)
    touch_inner = np.zeros(len(inner), dtype=bool)
    for ob in obstacles:
        margin = ob.margin[:, 1:-1].reshape(-1)
        d, g = ob.lookup(inner)
        touch_inner |= d < margin + tol
        bad = d < margin
        if not bad.any():
            continue
        if ob.hint is not None:
            flip = bad & (d < 0) & (g @ ob.hint < -0.2)
            g[flip] = ob.hint
        inner[bad] += (margin[bad] - d[bad] + 0.02)[:, None] * g[bad]
    p[:, 1:-1] = inner.reshape(f, n - 2, 3)
    touching[:, 1:-1] = touch_inner.reshape(f, n - 2)
    return touching


def _straighten_spans(p: np.ndarray, touching: np.ndarray) -> None:
    """Lay every run of free points (touching no obstacle) on the straight line between
    the anchors around it (path ends and contact points), in place."""
    f, n, _ = p.shape
    idx = np.broadcast_to(np.arange(n), (f, n))
    prev = np.maximum.accumulate(np.where(touching, idx, 0), axis=1)
    nxt = np.minimum.accumulate(np.where(touching, idx, n - 1)[:, ::-1], axis=1)[:, ::-1]
    s = arc_length(p)
    row = np.arange(f)[:, None]
    s0 = s[row, prev]
    s1 = s[row, nxt]
    w = np.where(nxt > prev, (s - s0) / np.maximum(s1 - s0, 1e-12), 0.0)[..., None]
    p0 = p[row, prev]
    p1 = p[row, nxt]
    p[:] = p0 + w * (p1 - p0)


def wrap_paths(init: np.ndarray, obstacles: Sequence[Obstacle], iterations: int = 40,
               relax: float = 0.6, final_projections: int = 2) -> np.ndarray:
    """Wrap a batch of fibre polylines (F, N, 3) with fixed ends over implicit obstacles.

    Each iteration pulls every interior point toward the midpoint of its neighbours (the
    discrete elastic string shortening, a Laplacian step), projects it out of each obstacle
    along the SDF gradient and lays the free runs between contact points straight; every
    few iterations the points are re-spaced evenly along the path.  A converged path is
    taut: straight where free, lying on the surface where it wraps (Garner & Pandy 2000
    obstacle-set geometry, implicit-surface form).
    """
    p = np.array(init, dtype=float, copy=True)
    for it in range(iterations):
        mid = 0.5 * (p[:, :-2] + p[:, 2:])
        p[:, 1:-1] += relax * (mid - p[:, 1:-1])
        touching = _project(p, obstacles)
        _straighten_spans(p, touching)
        if it % 4 == 3:
            p = resample_batch(p)
    for _ in range(final_projections):
        _project(p, obstacles)
    return p


def resample_count(paths: np.ndarray, n: int) -> np.ndarray:
    """Resample each path of a (F, N, 3) batch to ``n`` points evenly spaced by arc length."""
    f, m, _ = paths.shape
    s = arc_length(paths)
    u = s / np.maximum(s[:, -1:], 1e-9) + 2.0 * np.arange(f)[:, None]   # one increasing key
    target = np.linspace(0.0, 1.0, n)[None, :] + 2.0 * np.arange(f)[:, None]
    j = np.searchsorted(u.ravel(), target.ravel(), side="right").reshape(f, n) - 1 - m * np.arange(f)[:, None]
    j = np.clip(j, 0, m - 2)
    u0 = np.take_along_axis(u, j, 1)
    u1 = np.take_along_axis(u, j + 1, 1)
    w = np.clip((target - u0) / np.maximum(u1 - u0, 1e-12), 0.0, 1.0)[..., None]
    p0 = np.take_along_axis(paths, j[..., None], 1)
    p1 = np.take_along_axis(paths, (j + 1)[..., None], 1)
    return p0 + w * (p1 - p0)


_MARGIN_CACHE: dict = {}


def resample_margin(margin: np.ndarray, n: int) -> np.ndarray:
    """A (F, N) per-point margin table at ``n`` points, by linear interpolation along the
    path (cached per table: margins are static)."""
    key = (id(margin), n)
    hit = _MARGIN_CACHE.get(key)
    if hit is not None and hit[0] is margin:
        return hit[1]
    f, m = margin.shape
    x = np.linspace(0.0, 1.0, m)
    t = np.linspace(0.0, 1.0, n)
    out = np.stack([np.interp(t, x, row) for row in margin])
    _MARGIN_CACHE[key] = (margin, out)
    return out


def wrap_multilevel(init: np.ndarray, obstacles: Sequence[Obstacle], levels=(7, 13),
                    iterations=(16, 10, 8), relax: float = 0.9) -> np.ndarray:
    """:func:`wrap_paths` coarse to fine: solve with few points per path first, where a
    path slides over a bone in a few steps, then refine with more points (multigrid idea:
    the elastic string relaxes like diffusion, which takes about N^2 steps at N points)."""
    n = init.shape[1]
    sizes = [k for k in levels if k < n] + [n]
    p = resample_count(init, sizes[0])
    for level, size in enumerate(sizes):
        if level:
            p = resample_count(p, size)
        obs = [Obstacle(o.lookup, resample_margin(o.margin, size), o.hint) for o in obstacles]
        p = wrap_paths(p, obs, iterations=iterations[min(level, len(iterations) - 1)], relax=relax)
    return p


def contact_mask(path: np.ndarray, obstacle: Obstacle, index: int, tol: float = 0.5) -> np.ndarray:
    """Points of fibre ``index`` lying on (within ``tol`` of the margin of) an obstacle."""
    d, _ = obstacle.lookup(path)
    return d < obstacle.margin[index] + tol


# --------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------


def grid_faces(rows: int, cols: int, offset: int = 0, flip: bool = False) -> np.ndarray:
    """Two triangles per quad of a rows x cols vertex grid (row-major)."""
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(cols - 1), indexing="ij")
    a = (r * cols + c).ravel() + offset
    b = a + 1
    d = a + cols
    e = d + 1
    tri = np.concatenate([np.stack([a, d, b], 1), np.stack([b, d, e], 1)])
    return tri[:, ::-1] if flip else tri


def box_faces(rows: int, cols: int) -> np.ndarray:
    """Faces closing two stacked rows x cols grids (deep at 0, superficial at rows*cols)
    into one watertight solid (a read-only array, shared per size)."""
    return _box_faces(int(rows), int(cols))


@functools.lru_cache(maxsize=64)
def _box_faces(rows: int, cols: int) -> np.ndarray:
    n = rows * cols
    faces = [grid_faces(rows, cols, 0), grid_faces(rows, cols, n, flip=True)]

    def ring(idx):
        idx = np.asarray(idx)
        a, b = idx[:-1], idx[1:]
        return np.concatenate([np.stack([a, b, a + n], 1), np.stack([b, b + n, a + n], 1)])

    grid = np.arange(n).reshape(rows, cols)
    faces.append(ring(grid[0, :]))            # first row edge
    faces.append(ring(grid[-1, ::-1]))        # last row edge
    faces.append(ring(grid[::-1, 0]))         # first column edge
    faces.append(ring(grid[:, -1]))           # last column edge
    out = np.concatenate(faces)
    out.flags.writeable = False
    return out


def closed_sheet(deep: np.ndarray, superficial: np.ndarray) -> trimesh.Trimesh:
    """A watertight solid between two (rows, cols, 3) grids, faces wound outward."""
    rows, cols, _ = deep.shape
    verts = np.concatenate([deep.reshape(-1, 3), superficial.reshape(-1, 3)])
    faces = box_faces(rows, cols)
    if signed_volume(verts, faces) < 0:
        faces = faces[:, ::-1]
    return trimesh.Trimesh(verts, faces.copy(), process=False)


def signed_volume(verts: np.ndarray, faces: np.ndarray) -> float:
    """Signed volume of a closed triangle mesh, positive when faces wind outward
    (divergence theorem: sum of det[a, b, c] / 6)."""
    tri = verts[faces]
    return float(np.einsum("ij,ij->i", tri[:, 0], cross(tri[:, 1], tri[:, 2])).sum() / 6.0)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product over the last axis (written out: faster than ``np.cross`` on the
    small strided arrays used here)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def sheet_normals(grid: np.ndarray, outward: np.ndarray, smoothing: int = 4) -> np.ndarray:
    """Unit normals of a (rows, cols, 3) surface grid, smoothed over the grid and turned as a
    whole to the side of ``outward`` (rows, cols, 3; e.g. SDF gradients away from bone)."""
    du = np.gradient(grid, axis=0)
    ds = np.gradient(grid, axis=1)
    n = cross(ds, du)
    n /= np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-9)
    if np.sum(n * outward) < 0:
        n = -n
    for _ in range(smoothing):
        m = n.copy()
        m[1:-1] += 0.5 * (n[:-2] + n[2:])
        m[:, 1:-1] += 0.5 * (n[:, :-2] + n[:, 2:])
        n = m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-9)
    return n


def upsample_rows(fibres: np.ndarray, factor: int) -> np.ndarray:
    """Insert ``factor - 1`` rows between neighbouring fibres of a (F, N, 3) batch by
    Catmull-Rom interpolation across the fan (Catmull & Rom 1974)."""
    f = fibres.shape[0]
    if factor <= 1 or f < 2:
        return fibres
    padded = np.concatenate([2 * fibres[:1] - fibres[1:2], fibres, 2 * fibres[-1:] - fibres[-2:-1]])
    rows = []
    for i in range(f - 1):
        p0, p1, p2, p3 = padded[i], padded[i + 1], padded[i + 2], padded[i + 3]
        for k in range(factor):
            t = k / factor
            rows.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                               + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    rows.append(fibres[-1])
    return np.stack(rows)


def sheet_grids(fibres: np.ndarray, thickness: np.ndarray, lookups: Sequence, rows_factor: int = 2,
                clearance: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Deep and superficial vertex grids (rows, N, 3) of a thick sheet over a fan of fibres.

    ``fibres`` (F, N, 3) form the deep face (rows between fibres by Catmull-Rom); the
    superficial face lies ``thickness`` (N,) or (rows, N) mm further out along the sheet
    normal, oriented away from the nearest bone, smoothed once and kept at least
    ``clearance`` mm out of each bone lookup.
    """
    return sheet_grids_many([(fibres, thickness)], lookups, rows_factor, clearance)[0]


def sheet_grids_many(sheets: Sequence, lookups: Sequence, rows_factor: int = 2,
                     clearance: float = 0.8) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`sheet_grids` for several (fibres, thickness) sheets at once (one batch of
    bone lookups for all of them)."""
    deeps = [upsample_rows(np.asarray(f, dtype=float), rows_factor) for f, _ in sheets]
    shapes = [d.shape for d in deeps]
    cuts = np.cumsum([0] + [d.shape[0] * d.shape[1] for d in deeps])
    flat = push_out_all(lookups, np.vstack([d.reshape(-1, 3) for d in deeps]), clearance)
    best_d = np.full(len(flat), np.inf)
    outward = np.zeros_like(flat)
    for lk in lookups:
        d, g = lk(flat)
        closer = d < best_d
        best_d[closer] = d[closer]
        outward[closer] = g[closer]
    sups = []
    deeps = []
    for k, ((_, thickness), shape) in enumerate(zip(sheets, shapes)):
        rows, cols, _ = shape
        deep = flat[cuts[k]:cuts[k + 1]].reshape(shape)
        normals = sheet_normals(deep, outward[cuts[k]:cuts[k + 1]].reshape(shape))
        thick = np.asarray(thickness, dtype=float)
        thick = np.broadcast_to(thick, (rows, cols)) if thick.ndim == 1 else thick
        sup = deep + normals * thick[..., None]
        smooth = sup.copy()
        smooth[1:-1, 1:-1] = 0.5 * sup[1:-1, 1:-1] + 0.125 * (sup[:-2, 1:-1] + sup[2:, 1:-1] + sup[1:-1, :-2]
                                                             + sup[1:-1, 2:])
        deeps.append(deep)
        sups.append(smooth.reshape(-1, 3))
    sup_flat = push_out_all(lookups, np.vstack(sups), clearance)
    return [(deeps[k], sup_flat[cuts[k]:cuts[k + 1]].reshape(shapes[k])) for k in range(len(sheets))]


def loft_sheet(fibres: np.ndarray, thickness: np.ndarray, lookups: Sequence, rows_factor: int = 2,
               clearance: float = 0.8) -> tuple[trimesh.Trimesh, np.ndarray, np.ndarray]:
    """A watertight thick sheet lofted over a fan of fibres (:func:`sheet_grids`); returns
    the mesh and its deep and superficial vertex grids."""
    deep, sup = sheet_grids(fibres, thickness, lookups, rows_factor, clearance)
    return closed_sheet(deep, sup), deep, sup


def thickness_profile(n: int, origin: float, belly: float, tendon: float, belly_at: float = 0.45,
                      tendon_from: float = 0.85) -> np.ndarray:
    """Thickness along a fibre (n samples, origin -> insertion): rising from ``origin`` to
    ``belly`` at ``belly_at`` and tapering to a flat ``tendon`` beyond ``tendon_from``."""
    s = np.linspace(0.0, 1.0, n)
    up = np.sin(0.5 * np.pi * np.clip(s / belly_at, 0, 1))
    down = np.cos(0.5 * np.pi * np.clip((s - belly_at) / (tendon_from - belly_at), 0, 1))
    prof = np.where(s <= belly_at, origin + (belly - origin) * up, tendon + (belly - tendon) * down)
    return prof
