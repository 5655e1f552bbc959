#!/usr/bin/env python3
"""Host-side verification of the RapiLog scenarios (docs/RAPILOG.md).

Usage: rapilog-check.py expect-all|expect-loss
Reads $OUT/console.log for every "ACK <id>" the database client printed
(each a commit sqlite3 reported done), copies the database and its WAL
out of (a copy of) the ext4 image $OUT/disk.img with debugfs, after
e2fsck has replayed its journal as a mount would, opens it with Python's
sqlite3 and checks PRAGMA integrity_check and that every acknowledged id
is present (expect-all), or that some are missing (expect-loss: the
control run, which proves the check can fail)."""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

out = os.environ["OUT"]
with open(os.path.join(out, "console.log"), errors="replace") as f:
    acked = {int(m.group(1)) for m in re.finditer(r"\[linux0\] ACK (\d+)\s*$", f.read(), re.M)}
with tempfile.TemporaryDirectory() as tmp:
    # A power cut leaves ext4's journal to replay, as mounting would:
    # e2fsck does that on a copy (debugfs alone reads the stale tree).
    image = f"{tmp}/disk.img"
    shutil.copyfile(os.path.join(out, "disk.img"), image)
    subprocess.run(["e2fsck", "-fy", image], capture_output=True)
    for name in ("t.db", "t.db-wal"):
        subprocess.run(["debugfs", "-R", f"dump /{name} {tmp}/{name}", image],
                       capture_output=True)
    if not os.path.exists(f"{tmp}/t.db"):
        sys.exit("no t.db on the image")
    db = sqlite3.connect(f"{tmp}/t.db")
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    present = {r[0] for r in db.execute("SELECT id FROM t")}
missing = sorted(acked - present)
print(f"acknowledged {len(acked)}, in the database {len(present)}, "
      f"acknowledged but missing {len(missing)} {missing[:10]}, integrity {integrity}")
if not acked:
    sys.exit("no acknowledged commits: the run proves nothing")
if sys.argv[1] == "expect-all":
    sys.exit(0 if integrity == "ok" and not missing else 1)
sys.exit(0 if missing else 1)
