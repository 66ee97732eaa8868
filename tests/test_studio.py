"""`reel studio`: the HTTP rules (token, Host, paths), frames identical to `reel still`, live refresh on
save, a half-written storyboard, a deleted clip, clean stops, and one real page in headless Chromium."""

from __future__ import annotations

import ast
import asyncio
import base64
import http.client
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from media_factory import make_image, make_video
from PIL import Image

from toolkit.cli import cli
from toolkit.errors import Issue, ReelError

ROOT = Path(__file__).resolve().parent.parent
STORYBOARD = """title: Studio test
region: IE
scenes:
  - background: '#2a9d8f'
    duration: 2s
    captions: A short caption.
  - background: '{second}'
    duration: 2s
    captions: Another one here.
"""
TOKEN, PORT = "t0ken-for-tests", 5555


def _write(path: Path, text: str) -> None:
    # as an editor saves: a new file renamed over the old one
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


@pytest.fixture()
def film(tmp_path: Path) -> Path:
    path = tmp_path / "film.yaml"
    path.write_text(STORYBOARD.format(second="#e76f51"), encoding="utf-8")
    return path


@pytest.fixture()
def client(film: Path):
    from starlette.testclient import TestClient

    from toolkit.studio.app import make_app
    from toolkit.studio.events import Hub
    from toolkit.studio.frames import FrameCache
    from toolkit.studio.state import Studio

    studio, cache = Studio(film), FrameCache()
    studio.refresh()
    app = make_app(studio, cache, Hub(), token=TOKEN, port=PORT)
    with TestClient(app, base_url=f"http://127.0.0.1:{PORT}") as http:
        http.studio, http.studio_cache = studio, cache
        yield http


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _still(runner, film: Path, seconds: float, out: Path) -> np.ndarray:
    result = runner.invoke(cli, ["still", str(film), "--draft", "--at", f"{seconds}s", "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    return _pixels(out.read_bytes())


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and float(np.abs(a - b).mean()) < 1.0 and int(np.abs(a - b).max()) <= 8


# ------------------------------------------------------------------ imports


def test_the_web_stack_is_not_imported_by_toolkit_or_reel_help() -> None:
    code = ("import sys; from click.testing import CliRunner; from toolkit.cli import cli; "
            "r = CliRunner().invoke(cli, ['--help']); assert r.exit_code == 0 and 'studio' in r.output, r.output; "
            "heavy = [m for m in ('uvicorn', 'starlette', 'watchfiles', 'toolkit.studio') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_nothing_imports_the_studio_but_its_command() -> None:
    for path in sorted((ROOT / "toolkit").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("toolkit/studio/") or rel == "toolkit/cli/studio.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "toolkit.studio" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith("toolkit.studio") for n in names), f"{rel} imports the studio"


# ------------------------------------------------------------------ the HTTP rules


def test_every_request_needs_the_token(client) -> None:
    refused = client.get("/")
    assert refused.status_code == 401 and "open the URL `reel studio` printed" in refused.text
    assert client.get("/api/state").status_code == 401
    assert client.get("/?token=wrong").status_code == 401
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and "Studio test" in page.text and "/static/studio.js" in page.text
    assert f"reel_studio_{PORT}={TOKEN}" in page.headers["set-cookie"] and "samesite=strict" in \
        page.headers["set-cookie"].lower()
    assert client.get("/api/state").status_code == 200  # the cookie the page set
    client.cookies.clear()
    assert client.get("/api/state").status_code == 401
    assert client.get("/api/state", headers={"X-Reel-Token": TOKEN}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:9", f"127.0.0.2:{PORT}", ""])
def test_a_foreign_host_is_refused(client, host: str) -> None:
    answer = client.get(f"/?token={TOKEN}", headers={"Host": host})
    assert answer.status_code == 403 and "DNS rebinding" in answer.text
    assert client.get(f"/?token={TOKEN}", headers={"Host": f"localhost:{PORT}"}).status_code == 200


@pytest.mark.parametrize("path", ["/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2fapp.py", "/static/studio.js%00",
                                  "/static/%2e%2e%5capp.py", "/%2e%2e/%2e%2e/etc/passwd"])
def test_a_path_outside_the_folder_is_refused(client, path: str) -> None:
    answer = client.get(f"{path}?token={TOKEN}")
    assert answer.status_code == 403 and "this path is refused" in answer.text


def test_only_its_own_assets_and_numbered_frames_are_served(client) -> None:
    assert client.get(f"/static/studio.css?token={TOKEN}").status_code == 200
    assert client.get(f"/static/film.yaml?token={TOKEN}").status_code == 404
    assert client.get(f"/static/app.py?token={TOKEN}").status_code == 404
    assert client.get(f"/film.yaml?token={TOKEN}").status_code == 404
    bad = client.get(f"/frame?n=../film.yaml&token={TOKEN}")
    assert bad.status_code == 400 and bad.json() == {"error": "n must be a frame number"}
    assert client.get(f"/frame?n=99999&token={TOKEN}").json()["error"].startswith("n must lie in 0..")


# ------------------------------------------------------------------ frames, state, refresh


def test_the_frame_is_the_one_reel_still_draws(client, runner, film: Path, tmp_path: Path) -> None:
    state = client.get(f"/api/state?token={TOKEN}").json()
    assert state["film"]["title"] == "Studio test" and state["film"]["frames"] == 399 and not state["stale"]
    assert [s["name"] for s in state["film"]["scenes"]] == ["scene 1", "scene 2", "helpline end card"]
    assert state["film"]["safe"] == {"x": 60, "y": 144, "w": 384, "h": 480}
    key = state["film"]["key"]
    for seconds in (0.5, 2.5):
        answer = client.get(f"/frame?n={round(seconds * 30)}&k={key}&token={TOKEN}")
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert "immutable" in answer.headers["cache-control"]
        assert _same(_pixels(answer.content), _still(runner, film, seconds, tmp_path / "still.png"))
    # the scene thumbnails are drawn by the same path, into the same cache
    thumbs = [s["thumb"] for s in state["film"]["scenes"]]
    for n in thumbs:
        assert client.get(f"/frame?n={n}&thumb=1&token={TOKEN}").content == \
            client.get(f"/frame?n={n}&token={TOKEN}").content
    assert all(client.studio_cache.path(key, n).is_file() for n in thumbs)


def test_a_saved_edit_refreshes_pushes_an_event_and_changes_the_frame(film: Path, runner, tmp_path: Path) -> None:
    from toolkit.studio.server import StudioServer

    server = StudioServer(film)
    studio, hub = server.studio, server.hub
    before = server.cache.frame(studio.snapshot.prepared, studio.snapshot.key, 75).read_bytes()
    server.watcher.start()
    try:
        async def first_event() -> str:
            events = hub.stream()
            assert await anext(events) == ": connected\n\n"
            server.watcher.ready.wait(5)
            await asyncio.sleep(0.3)  # watchfiles starts watching on its first step
            _write(film, STORYBOARD.format(second="#264653"))
            message = await asyncio.wait_for(anext(events), 10)
            await events.aclose()
            return message

        message = asyncio.run(first_event())
    finally:
        server.watcher.stop()
        server.sock.close()
    assert message.startswith("event: refresh\ndata: ") and '"stale": false' in message
    snapshot = studio.snapshot
    assert snapshot.version >= 2 and not snapshot.stale
    after = server.cache.frame(snapshot.prepared, snapshot.key, 75).read_bytes()
    assert not _same(_pixels(after), _pixels(before))
    assert _same(_pixels(after), _still(runner, film, 2.5, tmp_path / "still.png"))


def test_half_written_yaml_is_located_and_the_last_good_frame_stays(client, film: Path) -> None:
    good = client.get(f"/frame?n=45&token={TOKEN}").content
    _write(film, STORYBOARD.format(second="#264653").replace("    duration: 2s\n    captions: Another",
                                                                "    duration: [2s\n    captions: Another"))
    client.studio.refresh()
    state = client.get(f"/api/state?token={TOKEN}").json()
    assert state["stale"] and state["film"]["title"] == "Studio test"  # the last good plan
    [issue] = [i for i in state["issues"] if i["severity"] == "error"]
    # where the YAML parser finds the open `[` unclosed, as `reel validate` says
    assert issue["file"] == str(film) and (issue["line"], issue["col"]) == (9, 13), issue
    assert issue["message"].startswith("YAML syntax: did not find expected ',' or ']'")
    assert client.get(f"/frame?n=45&token={TOKEN}").content == good


def test_a_located_error_maps_to_its_scene(client, film: Path) -> None:
    _write(film, STORYBOARD.format(second="#264653").replace("duration: 2s\n    captions: Another",
                                                             "duration: banana\n    captions: Another"))
    client.studio.refresh()
    state = client.get(f"/api/state?token={TOKEN}").json()
    [issue] = [i for i in state["issues"] if i["path"].startswith("scenes[1]")]
    assert (issue["line"], issue["col"]) == (8, 15) and "banana" in issue["message"]
    assert 60 <= issue["frame"] < 120  # scene 2 of the last good plan


def test_issue_times_follow_the_field_path(film: Path) -> None:
    from toolkit.studio.state import Studio, issue_frame, loc_of

    studio = Studio(film)
    prepared = studio.refresh().prepared
    assert loc_of("scenes[1].captions.lines[0]") == ("scenes", 1, "captions", "lines", 0)
    at = lambda path: issue_frame(Issue("x", path=path, file=film), prepared, studio.storyboard)  # noqa: E731
    assert at("scenes[1].captions") == 90 and at("scenes[0].background") == 30
    assert at("end_card.services[0]") >= 120
    assert at("music") is None and at("") is None
    assert issue_frame(Issue("x", path="scenes[0]", file=film.with_name("other.yaml")), prepared,
                       studio.storyboard) is None


def test_a_deleted_clip_is_listed_and_the_server_keeps_answering(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from toolkit.studio.app import make_app
    from toolkit.studio.events import Hub
    from toolkit.studio.frames import FrameCache
    from toolkit.studio.state import Studio

    picture = make_image(tmp_path / "photo.png", size=(216, 384), color="0x884422")
    film = tmp_path / "film.yaml"
    film.write_text(STORYBOARD.format(second="#e76f51").replace("background: '#2a9d8f'", "background: photo.png"),
                    encoding="utf-8")
    studio = Studio(film)
    assert not studio.refresh().stale
    app = make_app(studio, FrameCache(), Hub(), token=TOKEN, port=PORT)
    with TestClient(app, base_url=f"http://127.0.0.1:{PORT}") as http:
        shown = http.get(f"/frame?n=10&token={TOKEN}")
        assert shown.status_code == 200
        picture.unlink()
        snapshot = studio.refresh()
        assert snapshot.stale
        state = http.get(f"/api/state?token={TOKEN}").json()
        assert any("photo.png" in i["message"] and i["line"] == 4 for i in state["issues"]), state["issues"]
        assert http.get(f"/frame?n=10&token={TOKEN}").content == shown.content  # drawn before: cached
        missing = http.get(f"/frame?n=11&token={TOKEN}")
        assert missing.status_code == 409 and missing.json()["error"]
        assert http.get(f"/api/state?token={TOKEN}").status_code == 200


def test_render_draft_runs_the_normal_draft_render_and_serves_it(client, film: Path, tmp_path: Path) -> None:
    from toolkit.media.probe import probe
    from toolkit.settings import Settings

    key = client.get(f"/api/state?token={TOKEN}").json()["film"]["key"]
    (Settings.cache_root() / "studio" / "drafts" / f"draft-{key}.mp4").unlink(missing_ok=True)  # an earlier run's
    assert client.get(f"/draft.mp4?token={TOKEN}").status_code == 404
    started = client.post(f"/draft?token={TOKEN}")
    assert started.status_code == 202 and started.json()["state"] in {"rendering", "ready"}
    deadline = time.monotonic() + 120
    while (draft := client.get(f"/api/state?token={TOKEN}").json()["film"]["draft"])["state"] == "rendering":
        assert time.monotonic() < deadline, "the draft did not finish"
        time.sleep(0.2)
    assert draft["state"] == "ready", draft
    served = client.get(f"/draft.mp4?token={TOKEN}")
    assert served.status_code == 200 and served.headers["content-type"] == "video/mp4"
    (tmp_path / "draft.mp4").write_bytes(served.content)
    info = probe(tmp_path / "draft.mp4")
    assert (info.video.width, info.video.height) == (540, 960) and info.audio is not None
    assert abs(info.duration - 13.3) < 0.1
    # an edit makes it out of date: not played for the new version; a storyboard that does not plan: refused
    _write(film, STORYBOARD.format(second="#264653"))
    client.studio.refresh()
    assert client.get(f"/api/state?token={TOKEN}").json()["film"]["draft"] == {"state": "none"}
    assert client.get(f"/draft.mp4?token={TOKEN}").status_code == 404
    _write(film, "title: [half")
    client.studio.refresh()
    refused = client.post(f"/draft?token={TOKEN}")
    assert refused.status_code == 409 and "does not plan now" in refused.json()["error"]


def test_a_long_session_keeps_the_frames_of_its_recent_versions_only(tmp_path: Path, monkeypatch) -> None:
    from toolkit.studio.frames import FrameCache

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    cache = FrameCache()
    keys = [f"{i:02d}" + "ab" * 15 for i in range(4)]
    for key in keys:
        for n in (0, 7):
            cache.path(key, n).parent.mkdir(parents=True, exist_ok=True)
            cache.path(key, n).write_bytes(b"png")
        cache.note(key, keep=2)
    cache.note(keys[2], keep=2)  # undo to a recent version: it stays
    kept = sorted({p.name.split("-")[0] for p in cache.folder.rglob("*.png")})
    assert kept == sorted(keys[2:])


def test_two_studios_on_one_folder_have_their_own_port_token_and_cookie(film: Path) -> None:
    from starlette.testclient import TestClient

    from toolkit.studio.server import StudioServer

    one, two = StudioServer(film), StudioServer(film)
    try:
        assert one.port != two.port and one.token != two.token
        app = one.server.config.app
        with TestClient(app, base_url=f"http://127.0.0.1:{one.port}") as http:
            assert http.get(f"/api/state?token={two.token}").status_code == 401
            assert http.get(f"/api/state?token={one.token}").status_code == 200
            assert f"reel_studio_{one.port}=" in http.get(f"/?token={one.token}").headers["set-cookie"]
    finally:
        one.sock.close()
        two.sock.close()


# ------------------------------------------------------------------ the server process


def test_a_taken_port_is_a_plain_error() -> None:
    from toolkit.studio.server import bind

    first = bind(None)
    try:
        with pytest.raises(ReelError, match=r"port \d+ on 127.0.0.1 is in use \(another studio\?\)"):
            bind(first.getsockname()[1])
    finally:
        first.close()


def test_the_command_says_plainly_when_it_cannot_start(runner, film: Path, tmp_path: Path) -> None:
    from toolkit.studio.server import bind

    taken = bind(None)
    try:
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["studio", str(film), "--no-browser", "--port", str(port)])
    finally:
        taken.close()
    assert result.exit_code == 1
    assert f"Error: port {port} on 127.0.0.1 is in use (another studio?); leave out --port" in result.output
    missing = runner.invoke(cli, ["studio", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "nope.yaml' does not exist" in missing.output


def test_sigterm_stops_the_studio_cleanly(film: Path) -> None:
    reel = Path(sys.executable).with_name("reel")
    proc = subprocess.Popen([str(reel), "studio", str(film), "--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line and "/?token=" in line, line
        url = line.split()[-1]
        port = int(url.split(":")[2].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/" + url.split("/", 3)[3])
        assert conn.getresponse().status == 200
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143 and "Traceback" not in err, err
    assert "interrupted (SIGTERM)" in err


# ------------------------------------------------------------------ a real browser


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _raw(port: int, path: str, host: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host)
    conn.endheaders()
    return conn.getresponse().status


def test_the_page_in_headless_chromium(film: Path, runner, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium; .ci/run does it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
    from media_factory import make_tone

    from toolkit.settings import Settings
    from toolkit.studio.server import StudioServer

    make_tone(tmp_path / "music.wav", seconds=14, level_db=-12)  # the draft is played with sound
    film.write_text(f"{STORYBOARD.format(second='#e76f51')}music: music.wav\n", encoding="utf-8")
    server = StudioServer(film).start()
    key = server.studio.snapshot.key
    assert not [i for i in server.studio.snapshot.issues if i.code == "silent-film"]
    (Settings.cache_root() / "studio" / "drafts" / f"draft-{key}.mp4").unlink(missing_ok=True)  # an earlier run's
    shown = "document.getElementById('frame').dataset.shown"
    grab = ("() => { const i = document.getElementById('frame'); const c = document.createElement('canvas');"
            " c.width = i.naturalWidth; c.height = i.naturalHeight; c.getContext('2d').drawImage(i, 0, 0);"
            " return c.toDataURL('image/png'); }")
    try:
        with sync_api.sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=browser, args=[
                "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"])
            # the page's CSP forbids eval; Playwright's wait_for_function needs it
            page = chromium.new_context(bypass_csp=True).new_page()
            page.goto(server.url)
            page.wait_for_function(f"{shown} === '0'", timeout=10_000)
            assert page.inner_text("#title") == "Studio test" and "13.30 s" in page.inner_text("#duration")
            assert page.locator("#strip img").count() == 3
            assert page.inner_text("#draft-status").startswith(("no draft of this version yet", "draft ready"))
            assert page.is_enabled("#render-draft")

            # Render draft → the normal draft render → played in the page, with sound, at the film's length
            page.click("#render-draft")
            page.wait_for_function("document.getElementById('draft-status').textContent.startsWith('draft ready')",
                                   timeout=120_000)
            player = "document.getElementById('player')"
            page.wait_for_function(f"!{player}.hidden && {player}.readyState >= 1", timeout=10_000)
            assert abs(page.evaluate(f"{player}.duration") - 13.3) < 0.1
            page.evaluate(f"{player}.play()")
            page.wait_for_function(f"{player}.currentTime > 1.0 && {player}.webkitAudioDecodedByteCount > 0",
                                   timeout=15_000)
            first = page.evaluate(f"{player}.currentTime")
            page.wait_for_function(f"{player}.currentTime > {first} + 0.3", timeout=5_000)  # it keeps playing
            assert not page.evaluate(f"{player}.paused") and page.evaluate(f"{player}.error") is None
            # the server answers range requests, so a jump ahead plays from there (not from the start)
            page.evaluate(f"{player}.currentTime = 10")
            page.wait_for_function(f"!{player}.seeking && {player}.currentTime > 10.1", timeout=10_000)
            page.evaluate(f"{player}.pause()")  # paused: the preview shows the frame it stopped on
            stopped = round(page.evaluate(f"{player}.currentTime") * 30)
            page.wait_for_function(f"Math.abs(Number({shown}) - {stopped}) <= 1", timeout=10_000)

            def frame_at(n: int) -> np.ndarray:
                page.wait_for_function(f"{shown} === '{n}'", timeout=10_000)
                return _pixels(base64.b64decode(page.evaluate(grab).split(",", 1)[1]))

            for seconds in (0.5, 2.5, 6.0):
                page.fill("#scrubber", str(round(seconds * 30)))
                assert _same(frame_at(round(seconds * 30)), _still(runner, film, seconds, tmp_path / "s.png"))
            page.keyboard.press("ArrowLeft")
            frame_at(179)
            page.keyboard.press("Shift+ArrowLeft")
            frame_at(149)
            page.keyboard.press("s")
            assert page.is_visible("#safe")

            page.fill("#scrubber", "75")
            before = frame_at(75)
            version = int(page.get_attribute("body", "data-version"))
            _write(film, STORYBOARD.format(second="#264653"))
            page.wait_for_function(f"Number(document.body.dataset.version) > {version} && {shown} === '75' && "
                                   "document.getElementById('frame').complete", timeout=10_000)
            after = frame_at(75)
            assert not _same(after, before)
            assert _same(after, _still(runner, film, 2.5, tmp_path / "s.png"))

            _write(film, STORYBOARD.format(second="#264653").replace("duration: 2s\n    captions: Another",
                                                                     "duration: banana\n    captions: Another"))
            page.wait_for_selector("#issues li.error", timeout=10_000)
            error = page.inner_text("#issues li.error")
            assert "film.yaml:8:15" in error and "banana" in error
            assert "last good preview" in page.inner_text("#status")
            page.fill("#scrubber", "0")
            frame_at(0)
            target = int(page.get_attribute("#issues li.error.jump", "data-frame"))
            assert target == 90  # the middle of scene 2's caption, in the last good plan
            page.click("#issues li.error.jump")
            assert _same(frame_at(target), after)  # the last good preview, at the error's scene
            chromium.close()
        assert _raw(server.port, f"/?token={server.token}", f"attacker.example:{server.port}") == 403
        assert _raw(server.port, f"/static/../../pyproject.toml?token={server.token}",
                    f"127.0.0.1:{server.port}") == 403
        assert _raw(server.port, "/api/state", f"127.0.0.1:{server.port}") == 401
    finally:
        server.stop()


# ------------------------------------------------------------------ --template and --field


CAPTIONED = """title: Studio test
region: IE
scenes:
  - slate: title
    duration: 3s
  - background: '#e76f51'
    duration: 2s
    captions: 'Made for {{ programme }}.'
"""


def test_template_and_fields_reach_the_preview_as_reel_still_draws_them(tmp_path: Path, runner) -> None:
    from toolkit.film.template.loader import templates_dir
    from toolkit.studio.server import StudioServer

    film = tmp_path / "film.yaml"
    film.write_text(CAPTIONED, encoding="utf-8")
    options = ["--template", "harbour", "--field", "programme=Peer Voices"]
    server = StudioServer(film, template="harbour", fields={"programme": "Peer Voices"})
    try:
        snapshot = server.studio.snapshot
        assert not snapshot.stale and not [i for i in snapshot.issues if i.severity == "error"], snapshot.issues
        plan = str(snapshot.prepared.timeline.to_dict())
        assert "Made for Peer Voices." in plan and "Harbour Youth Voices" not in plan  # harbour's own default
        # harbour's title slate heading is `{{ programme }}`: the field, on screen as `reel still` draws it
        for n in (45, 105):
            shown = _pixels(server.cache.frame(snapshot.prepared, snapshot.key, n).read_bytes())
            result = runner.invoke(cli, ["still", str(film), "--draft", "--at", f"{n / 30}s", "-o",
                                         str(tmp_path / "s.png"), "--force", *options])
            assert result.exit_code == 0, result.output
            assert _same(shown, _pixels((tmp_path / "s.png").read_bytes()))
        plain = StudioServer(film, template="harbour")  # no --field: harbour's default programme
        try:
            other = plain.studio.snapshot
            assert "Harbour Youth Voices" in str(other.prepared.timeline.to_dict())
            assert not _same(_pixels(plain.cache.frame(other.prepared, other.key, 105).read_bytes()), shown)
        finally:
            plain.sock.close()
        # the templates folder is watched (the named template, what it extends, its logo and fonts)
        assert templates_dir().resolve() in server._paths()
    finally:
        server.sock.close()


def test_the_command_passes_template_and_fields_and_refuses_a_bad_field_as_render_does(
        tmp_path: Path, runner, monkeypatch) -> None:
    from toolkit.studio.server import StudioServer

    film = tmp_path / "film.yaml"
    film.write_text(CAPTIONED, encoding="utf-8")
    seen = {}

    def run(self, *, open_browser: bool = False) -> None:  # instead of serving: what it would serve
        seen.update(template=self.studio.template, fields=self.studio.fields, stale=self.studio.snapshot.stale,
                    browser=open_browser)
        self.sock.close()

    monkeypatch.setattr(StudioServer, "run", run)
    result = runner.invoke(cli, ["studio", str(film), "--no-browser", "--template", "harbour",
                                 "--field", "programme=Peer Voices", "--field", "programme=Sea Voices"])
    assert result.exit_code == 0, result.output
    assert seen == {"template": "harbour", "fields": {"programme": "Sea Voices"}, "stale": False, "browser": False}
    # the same parser, the same words as `reel render --draft` (exit 2, naming the bad item)
    bad = runner.invoke(cli, ["studio", str(film), "--no-browser", "--field", "two words=x"])
    draft = runner.invoke(cli, ["render", "--draft", str(film), "--field", "two words=x"])
    assert bad.exit_code == draft.exit_code == 2
    error = "Error: Invalid value for '--field': `two words=x`: expected key=value with a name of letters"
    assert error in bad.output and bad.output.split("Error:")[1] == draft.output.split("Error:")[1]
    # a missing field (no --field, no `fields:` and the default template has none) is listed with its place
    result = runner.invoke(cli, ["studio", str(film), "--no-browser"])
    assert result.exit_code == 0 and seen["stale"] and "does not plan yet" in result.output
    assert "film.yaml:8:15: scenes[1].captions: merge field `programme` has no value" in result.output


# ------------------------------------------------------------------ a page open for hours


def test_a_day_of_edits_and_drafts_keeps_the_servers_memory_bounded(tmp_path: Path, monkeypatch) -> None:
    import toolkit.studio.draft as draft_module
    from toolkit.settings import Settings
    from toolkit.studio.draft import KEEP_FAILURES, Drafts
    from toolkit.studio.frames import KEEP_VERSIONS, FrameCache

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))

    def render_film(prepared, out: Path, **_) -> None:  # every other draft fails (a flashing edit)
        if prepared % 2 == 0:
            raise ReelError(f"draft {prepared} flashes")
        out.write_bytes(b"mp4")

    monkeypatch.setattr(draft_module, "render_film", render_film)
    done = []
    drafts, cache = Drafts(Settings(), lambda: done.append(1)), FrameCache()
    for i in range(1000):
        key = f"{i:04d}" + "ab" * 14
        drafts._render(i, key)  # what the draft thread runs, here in line
        cache.note(key)
    assert len(done) == 1000
    assert len(drafts._failed) == KEEP_FAILURES and len(drafts._seconds) == 1 and len(drafts._made) == 1
    assert drafts.status(key)["state"] == "ready" and drafts.status(f"{998:04d}" + "ab" * 14)["state"] == "failed"
    assert drafts.status(f"{1:04d}" + "ab" * 14) == {"state": "none"}  # forgotten, not kept for ever
    assert [p.name for p in drafts.folder.iterdir()] == [f"draft-{key}.mp4"]
    assert len(cache._versions) == KEEP_VERSIONS


def test_a_closed_page_is_dropped_from_the_event_hub(film: Path) -> None:
    from toolkit.studio.server import StudioServer

    server = StudioServer(film).start()
    try:
        for _ in range(20):  # twenty reloads of the page
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", f"/events?token={server.token}")
            answer = conn.getresponse()
            assert answer.status == 200 and answer.readline() == b": connected\n"
            assert len(server.hub._queues) >= 1
            conn.close()  # the tab is closed
        deadline = time.monotonic() + 5
        while server.hub._queues and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.hub._queues == []  # none left behind: no queue per page ever opened
        server.hub.publish("refresh", {"version": 2})  # and publishing to nobody is fine
    finally:
        server.stop()


def test_a_frame_is_drawn_once_and_the_page_s_frame_is_drawn_ahead_after_a_save(tmp_path: Path,
                                                                                  monkeypatch) -> None:
    import threading
    from types import SimpleNamespace

    from toolkit.studio.frames import FrameCache

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    cache, drawn, gate = FrameCache(), [], threading.Event()

    def render(prepared, key: str, frames: list[int]) -> None:  # a slow still, as a 60 s film's
        drawn.append((key, *frames))
        gate.wait(5)
        path = cache.path(key, frames[0])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"png")

    monkeypatch.setattr(cache, "_render", render)
    film = SimpleNamespace(timeline=SimpleNamespace(frames=100))
    cache.wanted = 250  # past the end of the new version: its last frame
    cache.ahead(film, "a" * 32)
    asked = [threading.Thread(target=cache.frame, args=(film, "a" * 32, 99)) for _ in range(3)]
    for thread in asked:
        thread.start()  # the page (and a second tab) ask while it is being drawn
    for key in "bcde":
        cache.ahead(film, key * 32)  # a burst of saves meanwhile: only the newest is drawn next
    time.sleep(0.2)
    gate.set()
    for thread in asked:
        thread.join(5)
    deadline = time.monotonic() + 5
    while (cache._ahead_running or not cache.path("e" * 32, 99).is_file()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert drawn == [("a" * 32, 99), ("e" * 32, 99)]
    assert cache._drawing == {} and not cache._ahead_running


def test_a_thumbnail_waits_for_the_frame_on_screen(tmp_path: Path, monkeypatch) -> None:
    import threading
    from types import SimpleNamespace

    from toolkit.studio.frames import FrameCache

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    cache, drawn, gate = FrameCache(), [], threading.Event()

    def render(prepared, key: str, frames: list[int]) -> None:
        drawn.append(frames[0])
        if frames[0] == 7:
            gate.wait(5)  # the frame on screen takes a while
        path = cache.path(key, frames[0])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"png")

    monkeypatch.setattr(cache, "_render", render)
    film = SimpleNamespace(timeline=SimpleNamespace(frames=100))
    shown = threading.Thread(target=cache.frame, args=(film, "a" * 32, 7))
    shown.start()
    time.sleep(0.1)
    strip = threading.Thread(target=cache.thumb, args=(film, "a" * 32, 30))
    strip.start()
    time.sleep(0.3)
    assert drawn == [7]  # the thumbnail has not started beside it
    gate.set()
    shown.join(5)
    strip.join(5)
    assert drawn == [7, 30] and cache.path("a" * 32, 30).is_file()


# ------------------------------------------------------------------ proxies for scrubbing


def test_footage_is_drawn_from_its_draft_proxy_once_the_studio_has_made_it(tmp_path: Path, runner,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    # a cache of its own: the same test clips in a shared cache would have their proxies already
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))

    from toolkit.film.render import render_frames
    from toolkit.studio.frames import FrameCache
    from toolkit.studio.proxies import ProxyMaker, missing_proxies
    from toolkit.studio.state import Studio

    make_video(tmp_path / "walk.mp4", size=(384, 216), fps=25, seconds=3.0)
    make_video(tmp_path / "back.mp4", size=(384, 216), fps=25, seconds=3.0)
    film = tmp_path / "film.yaml"
    film.write_text(STORYBOARD.format(second="#e76f51")
                    .replace("background: '#2a9d8f'", "background: {video: walk.mp4, from: 0.5s, to: 2.5s}")
                    .replace("background: '#e76f51'", "background: {video: back.mp4, from: 0s, to: 2s, reverse: yes}"),
                    encoding="utf-8")
    studio = Studio(film)
    before = studio.refresh()
    assert not before.stale, before.issues
    # the reversed clip is drawn from its reversed copy, never from a proxy of the original
    assert [job.source.name for job in missing_proxies(before.prepared.timeline)] == ["walk.mp4"]
    cache = FrameCache()
    original = _pixels(cache.frame(before.prepared, before.key, 37).read_bytes())

    made = threading.Event()
    maker = ProxyMaker(studio.settings, wait_idle=cache.wait_idle, on_made=made.set)
    maker.want(before.prepared)
    assert made.wait(60), "no proxy was made"
    assert missing_proxies(before.prepared.timeline) == []
    after = studio.refresh()
    assert after.key != before.key  # frames drawn from the proxy are other files than the original's
    proxied = _pixels(cache.frame(after.prepared, after.key, 37).read_bytes())
    # the same frame (not one early or late) at draft quality: as `reel still` draws it from the clip
    # the same frame, not one early or late (the clip is 25 fps: canvas frames 35 and 36 show one
    # source frame, 37 the next, 39 the one after), at draft quality (the proxy is scaled twice)
    def off(frame: int) -> float:
        return float(np.abs(proxied - _pixels(cache.frame(before.prepared, before.key, frame).read_bytes())).mean())

    assert off(37) < 4 and off(37) < 0.7 * min(off(36), off(38), off(39))
    assert _same(original, _still(runner, film, 37 / 30, tmp_path / "still.png"))  # `reel still` reads the clip
    [png] = render_frames(after.prepared, [37], tmp_path, proxies=True)
    assert _pixels(png.read_bytes()).tolist() == proxied.tolist()
