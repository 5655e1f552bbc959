#!/usr/bin/env python3
"""TCP throughput between two Linux VMs over a numbat network link (issue 9).

Boots the default system (systems/linux.dts: linux0 and linux1 joined by a
virtio-net link, BUILD/numbat.bin) and runs iperf3 from linux0 to linux1
over the link, then the same iperf3 over loopback inside linux0, and
prints both and their ratio (the issue's target: >= 0.9). Two runs:

  icount   QEMU -icount shift=0,sleep=off: virtual time is instructions,
           so the figure is throughput per instruction executed, the same
           on every run; shows the work numbat adds (traps, the copy).
  wall     no icount: virtual time is host time; noisy on a shared host,
           and includes TCG's cost of emulating EL2 and stage 2.

Figures only: the exit status says whether the runs completed.
Usage: scripts/bench-net.py [BUILD_DIR] [--seconds S] [--skip-wall] [--skip-icount]
Environment: QEMU, BENCH_NET_TIMEOUT (s per boot, default 1800).
"""

import argparse
import os
import re
import select
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
TIMEOUT = int(os.environ.get("BENCH_NET_TIMEOUT", "1800"))
MACHINE = ["-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a72",
           "-smp", "4", "-m", "2G", "-nographic", "-no-reboot", "-nic", "none",
           "-echr", "0x14"]
ICOUNT = ["-icount", "shift=0,sleep=off", "-rtc", "base=2024-01-01T00:00:00,clock=vm"]
LINUX1 = "169.254.35.157"
RATE = re.compile(r"\[(linux\d)\] \[ *\d+\] +0\.00-[\d.]+ +sec +[\d.]+ \w?Bytes +([\d.]+) (\w?)bits/sec +receiver")


class Console:
    """QEMU's console: lines in, keystrokes out."""

    def __init__(self, cmd, log):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.buf = b""
        self.lines = []
        self.pos = 0
        self.log = open(log, "wb")
        self.deadline = time.time() + TIMEOUT

    def wait(self, pattern, anywhere=False):
        """The first line matching pattern after the last match (or anywhere)."""
        rx = re.compile(pattern)
        i = 0 if anywhere else self.pos
        while True:
            while i < len(self.lines):
                m = rx.search(self.lines[i])
                i += 1
                if m:
                    self.pos = max(self.pos, i)
                    return m
            left = self.deadline - time.time()
            if left <= 0 or self.p.poll() is not None:
                raise TimeoutError(pattern)
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 5))
            if r:
                data = os.read(self.p.stdout.fileno(), 65536)
                self.log.write(data)
                self.buf += data
                *done, self.buf = self.buf.split(b"\n")
                self.lines += [l.decode("utf-8", "replace") for l in done]

    def send(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def vm(self, n):
        self.send("\x01%d\n" % n)

    def close(self):
        self.p.kill()
        self.p.wait()
        self.log.close()


def mbits(m):
    scale = {"": 1e-6, "K": 1e-3, "M": 1.0, "G": 1e3}[m.group(3)]
    return float(m.group(2)) * scale


def run(build, extra, seconds, log):
    # The monitor on a socket, off stdio: with it muxed on stdio, runs under
    # -icount stalled early in the Linux boots here (QEMU 7.2), with it on
    # a socket they did not.
    mon = ["-monitor", "unix:%s.mon,server,nowait" % log]
    c = Console([QEMU] + MACHINE + extra + mon + ["-kernel", os.path.join(build, "numbat.bin")], log)
    try:
        c.wait(r"\[linux0\] numbat-guest: ready", anywhere=True)
        c.wait(r"\[linux1\] numbat-guest: ready", anywhere=True)
        c.vm(1)
        c.send("iperf3 -s -D && echo srv-$((6*7))\n")
        c.wait(r"\[linux1\] srv-42")
        c.vm(0)
        c.send("iperf3 -s -D -p 5202 && echo srv-$((6*7))\n")
        c.wait(r"\[linux0\] srv-42")
        c.send("iperf3 -c %s -t %d -f m\n" % (LINUX1, seconds))
        link = mbits(c.wait(RATE.pattern))
        c.send("iperf3 -c 127.0.0.1 -p 5202 -t %d -f m\n" % seconds)
        loop = mbits(c.wait(RATE.pattern))
        return link, loop
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--skip-wall", action="store_true")
    ap.add_argument("--skip-icount", action="store_true")
    a = ap.parse_args()
    out = os.path.join(a.build, "bench-net")
    os.makedirs(out, exist_ok=True)
    ok = True
    print("bench-net: iperf3 TCP linux0 -> linux1 over the link vs loopback in linux0 "
          "(%d s each)" % a.seconds)
    for name, extra in (("icount", ICOUNT), ("wall", [])):
        if (name == "icount" and a.skip_icount) or (name == "wall" and a.skip_wall):
            continue
        log = os.path.join(out, name + ".log")
        try:
            link, loop = run(a.build, extra, a.seconds, log)
        except TimeoutError as e:
            print("  %-7s did not complete (waiting for %s; console: %s)" % (name, e, log))
            ok = False
            continue
        print("  %-7s link %8.1f Mbit/s   loopback %8.1f Mbit/s   ratio %.2f   (console: %s)"
              % (name, link, loop, link / loop if loop else 0.0, log))
    print("  (icount: Mbit/s of virtual time at one instruction per ns; target ratio >= 0.9)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
