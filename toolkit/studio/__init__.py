"""Reel Studio: a live preview of a storyboard in the browser (`reel studio FILE`).

It stands on the film floor: it plans with `toolkit.film.pipeline.prepare` and draws frames with
`toolkit.film.render.render_frames`, the same path as `reel still`. Nothing in `toolkit` imports it
back, and its web stack (starlette, uvicorn, watchfiles) is imported only by its own modules, so
`import toolkit` and `reel --help` never load it. It previews; it never writes the storyboard.
"""
