-- The PostGIS side of the benchmark: the best queries we know how to write on this
-- machine (PostgreSQL 15, PostGIS 3.3, 2 cores), for the same outputs as geocover's.
--
-- benchmarks/pgbest.py reads this file by section (`-- name: <section>`), substitutes
-- %(...)s parameters with psycopg, and runs every query with parallel workers on:
--   SET max_parallel_workers_per_gather = 2;   -- both cores (the leader works too)
--   SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
--   SET min_parallel_table_scan_size = 0;      -- small tables get parallel plans too
-- and saves each query's EXPLAIN (ANALYZE, VERBOSE) in benchmarks/results/plans/.
--
-- Coverage (union of fields of view inside a commune) is the same tiling algorithm
-- geocover uses, in SQL: the commune's box cut into squares (ST_SquareGrid), in each
-- square the fields of view meeting it (GIST index) cut to it (ST_ClipByBox2D) and
-- unioned, either by one noding pass (ST_Buffer(ST_Collect(..), 0): fast when they
-- overlap little) or by the cascaded union (ST_Union: better when they pile up; the
-- same density rule as geocover picks between them), then squares on the commune's
-- border intersected with the commune's piece. The per-square work is a PARALLEL SAFE
-- SQL function, so a parallel sequential scan of the squares runs it on both cores.
-- Squares are disjoint: their areas add up (output "area"). For the dissolved union
-- ("dissolved": one MultiPolygon, what the map draws) the squares' pieces are then
-- merged by ST_Union (parallel partial aggregate, final merge in the leader).

-- name: setup
CREATE INDEX IF NOT EXISTS fov_gix ON fov USING gist (geom);
ANALYZE fov;

-- name: functions
CREATE OR REPLACE FUNCTION gc_square_noded(box geometry, inside boolean, piece geometry)
RETURNS geometry LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN inside THEN u ELSE ST_Intersection(u, piece) END
  FROM (SELECT ST_Buffer(ST_Collect(ST_ClipByBox2D(f.geom, box)), 0) AS u
        FROM fov f WHERE f.geom && box) s
$$;

CREATE OR REPLACE FUNCTION gc_square_cascaded(box geometry, inside boolean, piece geometry)
RETURNS geometry LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN inside THEN u ELSE ST_Intersection(u, piece) END
  FROM (SELECT ST_Union(ST_ClipByBox2D(f.geom, box)) AS u
        FROM fov f WHERE f.geom && box) s
$$;

-- name: squares
-- The squares over the commune (side %(side)s m), whether each lies inside it, and the
-- commune's piece in the others. A real table (parallel workers cannot read temporary
-- ones), with fillfactor 10 so that its few rows spread over enough pages for the
-- parallel scan to hand them out to both processes.
DROP TABLE IF EXISTS gc_square;
CREATE UNLOGGED TABLE gc_square WITH (fillfactor = 10, parallel_workers = 2) AS
  SELECT s.geom AS box, ST_ContainsProperly(c.geom, s.geom) AS inside,
         CASE WHEN ST_ContainsProperly(c.geom, s.geom) THEN NULL
              ELSE ST_Intersection(c.geom, s.geom) END AS piece
  FROM commune c CROSS JOIN LATERAL ST_SquareGrid(%(side)s, c.geom) s
  WHERE ST_Intersects(c.geom, s.geom);

-- name: area_noded
SELECT sum(ST_Area(gc_square_noded(box, inside, piece))) FROM gc_square;

-- name: area_cascaded
SELECT sum(ST_Area(gc_square_cascaded(box, inside, piece))) FROM gc_square;

-- name: dissolved_noded
SELECT ST_Area(u), ST_NumGeometries(u), ST_NPoints(u)
FROM (SELECT ST_Union(gc_square_noded(box, inside, piece)) AS u FROM gc_square) s;

-- name: dissolved_cascaded
SELECT ST_Area(u), ST_NumGeometries(u), ST_NPoints(u)
FROM (SELECT ST_Union(gc_square_cascaded(box, inside, piece)) AS u FROM gc_square) s;

-- name: naive_dissolved
-- What an analyst writes first: one ST_Union (PostGIS 3.3's parallel ST_Union only
-- collects in the workers and unions in the leader). A candidate: for few fields of
-- view it can beat the squares, whose final merge then dominates.
SELECT ST_Area(u), ST_NumGeometries(u), ST_NPoints(u)
FROM (SELECT ST_Intersection(ST_Union(geom), (SELECT geom FROM commune)) AS u FROM fov) s;

-- name: naive_area
SELECT ST_Area(ST_Intersection(ST_Union(geom), (SELECT geom FROM commune))) FROM fov;

-- name: occlusion_setup
-- Cameras spread over pages for the parallel scan; buildings indexed for the probe.
ALTER TABLE occ_cam SET (fillfactor = 10, parallel_workers = 2);
VACUUM FULL occ_cam;
ANALYZE occ_cam;

-- name: occlusion_functions
-- Exact shadows, the same model as geocover.model.occlusion, per camera in a PARALLEL
-- SAFE function: every front-facing edge of every building meeting the field of view
-- hides the region behind it (a pentagon p1, p2, then far points on the rays through
-- p2, the edge's angular middle and p1, at twice the farthest of the field of view's
-- reach and the edge's ends); the visible field is the field of view minus the union
-- of its shadows. Buildings are stored with exterior rings counter-clockwise
-- (ST_ForcePolygonCCW), so an edge is front-facing when the camera is on its right.
CREATE OR REPLACE FUNCTION gc_visible(v geometry, fov geometry, reach float8)
RETURNS geometry LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH e AS (
  SELECT ST_X(v) AS vx, ST_Y(v) AS vy,
         ST_X(ST_StartPoint(d.geom)) AS x1, ST_Y(ST_StartPoint(d.geom)) AS y1,
         ST_X(ST_EndPoint(d.geom)) AS x2, ST_Y(ST_EndPoint(d.geom)) AS y2
  FROM occ_bld b CROSS JOIN LATERAL ST_DumpSegments(b.geom) AS d
  WHERE ST_Intersects(fov, b.geom)
), f AS (
  SELECT *, sqrt((x1 - vx) ^ 2 + (y1 - vy) ^ 2) AS d1, sqrt((x2 - vx) ^ 2 + (y2 - vy) ^ 2) AS d2
  FROM e
  WHERE (x2 - x1) * (vy - y1) - (y2 - y1) * (vx - x1)
        < -1e-6 * sqrt((x2 - x1) ^ 2 + (y2 - y1) ^ 2)
), m AS (
  SELECT *, (x1 - vx) / d1 + (x2 - vx) / d2 AS mx, (y1 - vy) / d1 + (y2 - vy) / d2 AS my,
         2 * greatest(reach, d1, d2) + 1 AS far
  FROM f
), q AS (
  SELECT ST_MakePolygon(ST_MakeLine(ARRAY[
      ST_MakePoint(x1, y1), ST_MakePoint(x2, y2),
      ST_MakePoint(vx + (x2 - vx) * far / d2, vy + (y2 - vy) * far / d2),
      ST_MakePoint(vx + mx * far / sqrt(mx * mx + my * my),
                   vy + my * far / sqrt(mx * mx + my * my)),
      ST_MakePoint(vx + (x1 - vx) * far / d1, vy + (y1 - vy) * far / d1),
      ST_MakePoint(x1, y1)])) AS shadow
  FROM m
)
SELECT COALESCE(ST_Difference(fov, (SELECT ST_Union(shadow) FROM q)), fov)
$$;

-- name: occlusion
SELECT sum(ST_Area(gc_visible(v, fov, %(reach)s))) FROM occ_cam;
