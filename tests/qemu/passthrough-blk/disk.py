#!/usr/bin/env python3
"""The passthrough-blk scenario's disk image: `make` writes a 1 MiB image
whose sector 0 the guest checks; `check` verifies what the guest wrote
(sectors 8-15: byte i is (7 i + 3) mod 256) reached the host's file."""
import os
import sys

path = os.path.join(os.environ["OUT"], "disk.img")
if sys.argv[1] == "make":
    sector0 = b"numbat passthrough disk".ljust(511, b"\0") + b"\xa5"
    with open(path, "wb") as f:
        f.write(sector0 + bytes(1024 * 1024 - 512))
else:
    with open(path, "rb") as f:
        f.seek(8 * 512)
        data = f.read(4096)
    want = bytes((i * 7 + 3) & 0xff for i in range(4096))
    if data != want:
        sys.exit("sectors 8-15 do not hold what the guest wrote")
    print("the guest's write reached the image")
