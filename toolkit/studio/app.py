"""The studio's web app (Starlette): the page, its assets, the film's state, frames and events.

Everything is read-only: the storyboard is read by the watcher's refresh, frames are written only
into Reel's cache, and nothing else on disk is served (no path from the request reaches the file
system: assets come from a fixed list, frames are named by number).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from toolkit.errors import ReelError
from toolkit.film.sheet import moment
from toolkit.studio.draft import Drafts
from toolkit.studio.events import Hub
from toolkit.studio.frames import FrameCache
from toolkit.studio.guard import Guard, cookie_name
from toolkit.studio.state import Snapshot, Studio, issue_json

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
ASSETS = {p.name: p for p in STATIC.iterdir() if p.suffix in {".js", ".css"}}  # all it will ever serve
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_PAGE = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))


def state_json(snapshot: Snapshot, storyboard: Path, drafts: Drafts | None = None) -> dict[str, Any]:
    """What the page shows: the film (from the last good plan), its draft, and every current issue."""
    prepared, film = snapshot.prepared, None
    if prepared is not None:
        tl = prepared.timeline
        safe = tl.canvas.safe
        film = {"title": tl.title, "duration": float(tl.duration), "fps": float(tl.canvas.fps), "frames": tl.frames,
                "width": tl.canvas.width, "height": tl.canvas.height, "key": snapshot.key,
                "safe": {"x": safe.x, "y": safe.y, "w": safe.w, "h": safe.h},
                "scenes": [{"name": seg.name, "kind": seg.kind, "start": seg.start, "end": seg.end,
                            "thumb": moment(prepared, seg)} for seg in tl.segments]}
        if drafts is not None:
            film["draft"] = drafts.status(snapshot.key)
    return {"version": snapshot.version, "stale": snapshot.stale, "file": storyboard.name,
            "refresh_seconds": round(snapshot.seconds, 3), "film": film,
            "issues": [issue_json(i, prepared, storyboard) for i in snapshot.issues]}


def make_app(studio: Studio, cache: FrameCache, hub: Hub, *, token: str, port: int) -> Guard:
    """The ASGI app for one storyboard, behind the Host/token/path guard."""
    drafts = Drafts(studio.settings, lambda: hub.publish("draft", {"version": studio.snapshot.version}))

    def page(request: Request) -> Response:
        html = _PAGE.get_template("studio.html.j2").render(file=studio.storyboard.name,
                                                           title=_title(studio.snapshot))
        response = HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                               "Content-Security-Policy": _CSP})
        response.set_cookie(cookie_name(port), token, httponly=True, samesite="strict", path="/")
        return response

    def asset(request: Request) -> Response:
        path = ASSETS.get(request.path_params["name"])
        if path is None:
            return Response("no such asset\n", status_code=404, media_type="text/plain")
        return FileResponse(path, media_type=_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})

    def state(request: Request) -> Response:
        return JSONResponse(state_json(studio.snapshot, studio.storyboard, drafts),
                            headers={"Cache-Control": "no-store"})

    def render_draft(request: Request) -> Response:
        snapshot = studio.snapshot
        if snapshot.prepared is None or snapshot.stale:
            return _error(409, "the storyboard does not plan now: fix the issues listed, then render the draft")
        drafts.start(snapshot.prepared, snapshot.key)
        return JSONResponse(drafts.status(snapshot.key), status_code=202)

    def draft_film(request: Request) -> Response:
        snapshot = studio.snapshot
        path = drafts.path(snapshot.key)
        if snapshot.prepared is None or snapshot.stale or not path.is_file():
            return _error(404, "no draft of the storyboard as it is now: press Render draft")
        return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "no-store"})

    def frame(request: Request) -> Response:
        snapshot = studio.snapshot
        if snapshot.prepared is None:
            return _error(409, "no preview yet: the storyboard has never planned (see the issues)")
        frames = snapshot.prepared.timeline.frames
        try:
            n = int(request.query_params.get("n", ""))
        except ValueError:
            return _error(400, "n must be a frame number")
        if not 0 <= n < frames:
            return _error(400, f"n must lie in 0..{frames - 1}")
        try:
            if request.query_params.get("thumb") == "1":  # a scene's thumbnail: after the frame on screen
                png = cache.thumb(snapshot.prepared, snapshot.key, n)
            else:
                cache.wanted = n  # where the page is: after a save, that frame is drawn ahead
                png = cache.frame(snapshot.prepared, snapshot.key, n)
        except (ReelError, OSError) as exc:  # e.g. a clip deleted since the last good plan
            return _error(409, str(exc))
        # a URL naming the plan it wants (k) is the same picture for ever: the browser may keep it
        fixed = request.query_params.get("k") == snapshot.key
        return FileResponse(png, media_type="image/png",
                            headers={"Cache-Control": "private, max-age=86400, immutable" if fixed else "no-store"})

    def events(request: Request) -> Response:
        return StreamingResponse(hub.stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    routes = [Route("/", page), Route("/static/{name}", asset), Route("/api/state", state),
              Route("/frame", frame), Route("/events", events), Route("/draft", render_draft, methods=["POST"]),
              Route("/draft.mp4", draft_film)]
    return Guard(Starlette(routes=routes), token=token, port=port)


# the page loads nothing from elsewhere (no CDN), and nothing may frame it
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "media-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def _title(snapshot: Snapshot) -> str:
    return snapshot.prepared.timeline.title if snapshot.prepared is not None else ""


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers={"Cache-Control": "no-store"})
