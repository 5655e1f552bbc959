#!/usr/bin/env python3
"""Disk image of the power-fail scenarios. `make MODE`: sector 0 says the
server's mode; `check written|empty`: whether the server's drain record
(sector 100) reached the image before the machine powered off."""
import os
import sys

path = os.path.join(os.environ["OUT"], "disk.img")
if sys.argv[1] == "make":
    with open(path, "wb") as f:
        f.write(f"mode={sys.argv[2]}".encode().ljust(512, b"\0") + bytes(1024 * 1024 - 512))
else:
    with open(path, "rb") as f:
        f.seek(100 * 512)
        record = f.read(24)
    written = record == b"drained before power-off"
    print("drain record:", record)
    sys.exit(0 if written == (sys.argv[2] == "written") else 1)
