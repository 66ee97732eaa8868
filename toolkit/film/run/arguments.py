"""Arguments too long for one exec: handed to ffmpeg through memory instead.

Linux refuses a single argument over 128 KiB (MAX_ARG_STRLEN), which the filtergraph of a film
with many scenes, layers and sounds can reach (170 one-second scenes, each with a kept-sound layer,
compiled a 134,761-byte graph). The printed argv (`reel render --dry-run`) keeps the value inline;
only the process that runs it gets the value through an inherited in-memory file.
"""

from __future__ import annotations

import os

# Option values longer than this go to ffmpeg through memory: well under the 128 KiB limit.
ARG_SPILL = 64 * 1024


def spill_long_arguments(command: list[str]) -> tuple[list[str], tuple[int, ...]]:
    """`command` with every option value longer than `ARG_SPILL` passed through memory instead.

    Linux refuses a single argument over 128 KiB (MAX_ARG_STRLEN), which a filtergraph of a film
    with many scenes, layers and sounds can reach. ffmpeg reads an option's value from a file
    when the option is written `-/name`; the file is an anonymous in-memory one (`memfd`) the
    child inherits, so nothing is left on disk even if Reel is killed. Returns the command and
    the descriptors to hand to the child (the caller closes them after the start).
    """
    if not any(len(arg) > ARG_SPILL for arg in command) or not hasattr(os, "memfd_create"):
        return command, ()
    out, fds = [command[0]], []
    for i in range(1, len(command)):
        arg, option = command[i], command[i - 1]
        if len(arg) > ARG_SPILL and option.startswith("-") and not option.startswith("-/") and i > 1:
            fd = os.memfd_create("reel-argument", 0)
            data = memoryview(arg.encode("utf-8"))
            while data:
                data = data[os.write(fd, data):]
            fds.append(fd)
            out[-1] = "-/" + option[1:]
            out.append(f"/dev/fd/{fd}")
        else:
            out.append(arg)
    return out, tuple(fds)
