#!/usr/bin/env python3
"""The network link between two Linux VMs (issue 9): `make bench-net`.

Boots the default system (systems/linux.dts: linux0 and linux1 joined by a
virtio-net link and a vsock link, each with a vsock link to the native
vsockd) with the benchmark initramfs (the default one plus nbench and
vsock_loopback.ko: scripts/linux-bench-initramfs.sh), and prints, side by
side from one boot:

  TCP    linux0 -> linux1 over the link against the same over loopback
         inside linux0 (Mbit/s; the issue's target ratio >= 0.9): nbench
         tcp (a fixed number of 64 KiB writes to nbench tcpsink) and
         iperf3 (timed runs, last)
  UDP    round trip of a 64-byte datagram (nbench udprr) linux0 <-> linux1
         over the link, against the same over loopback inside linux0
  vsock  round trip of 64 bytes on an AF_VSOCK stream (nbench vsockrr)
         linux0 <-> linux1 (CID 4) over their vsock link, against the same
         over vsock loopback inside linux0 (CID 1, VMADDR_CID_LOCAL,
         Debian's vsock_loopback module); and linux0 <-> the native
         partition's echo service (CID 5, port 1234) for comparison

Two methods, one boot each:
  icount   QEMU -icount shift=0,sleep=off: virtual time is instructions
           (one per ns), summed over every pCPU that runs; what moves
           the figures between boots is when the script's keystrokes
           arrive. Shows the work numbat and the two guests do per byte
           or per round trip. Each group of nbench rows (UDP, vsock,
           TCP) runs three times, alternating, and the table gives
           medians: rows have moved by up to 20% between boots.
  wall     no icount: host time; each row runs --reps times in the boot
           and the table gives the median and the spread (half the
           min-max range). Noisy on a shared host, and includes TCG's cost
           of emulating EL2 and stage 2.

--counters also reads numbat's exit and MMIO counters (the monitor's
`stats`) and both guests' /proc/interrupts around the nbench TCP link
run and prints them per MiB moved.

Figures only: the exit status says whether the runs completed.
Usage: scripts/bench-net.py [BUILD_DIR] [--seconds S] [--reps R]
       [--skip-wall] [--skip-icount] [--counters]
       [--rr N] [--chunks N]
       [--only tcp-link,tcp-loop,iperf-link,iperf-loop,udp-link,udp-loop,
               vsock-link,vsock-loop,vsock-native]
Environment: QEMU, BENCH_NET_TIMEOUT (s per boot, default 1800),
BENCH_NET_STALL (s without console output that end a boot, default 300).
"""

import argparse
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
TIMEOUT = int(os.environ.get("BENCH_NET_TIMEOUT", "1800"))
# No console output for this long ends the run: under -icount, runs here
# have stopped printing (the guests running, numbat's console ring empty,
# nothing reaching QEMU's stdout) instead of completing.
STALL = int(os.environ.get("BENCH_NET_STALL", "300"))
MACHINE = ["-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a72",
           "-smp", "4", "-m", "2G", "-nographic", "-no-reboot", "-nic", "none",
           "-echr", "0x14"]
ICOUNT = ["-icount", "shift=0,sleep=off", "-rtc", "base=2024-01-01T00:00:00,clock=vm"]
ICOUNT_REPS = 3
LINUX1 = "169.254.35.157"
LINUX1_CID = 4
NATIVE_ECHO = "5:1234"
RATE = re.compile(r"\[(linux\d)\] \[ *\d+\] +0\.00-[\d.]+ +sec +[\d.]+ \w?Bytes +([\d.]+) (\w?)bits/sec +receiver")
NB = r"\[linux0\] NBENCH %s ([\d.]+) ns/op"
NBRATE = r"\[linux0\] NBENCH tcp ([\d.]+) MB/s"
FAILED = r"\[linux0\] (nbench: .*)"


class Console:
    """QEMU's console: lines in, keystrokes out."""

    def __init__(self, cmd, log):
        # A session of its own: close() kills timeout and QEMU together
        # (killing only timeout would leave QEMU running).
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        self.buf = b""
        self.lines = []
        self.pos = 0
        self.log = open(log, "wb", buffering=0)   # readable while it runs
        self.deadline = time.time() + TIMEOUT
        self.heard = time.time()

    def wait(self, pattern, anywhere=False, fail=None):
        """The first line matching pattern after the last match (or
        anywhere); a line matching fail first raises RuntimeError."""
        rx = re.compile(pattern)
        bad = re.compile(fail) if fail else None
        i = 0 if anywhere else self.pos
        while True:
            while i < len(self.lines):
                line = self.lines[i]
                i += 1
                m = rx.search(line)
                if m:
                    self.pos = max(self.pos, i)
                    return m
                if bad and bad.search(line):
                    self.pos = max(self.pos, i)
                    raise RuntimeError(line)
            left = self.deadline - time.time()
            if left <= 0 or self.p.poll() is not None:
                raise TimeoutError(pattern)
            if time.time() - self.heard > STALL:
                raise TimeoutError("no output for %d s, waiting for %s" % (STALL, pattern))
            r, _, _ = select.select([self.p.stdout], [], [], min(left, 5))
            if r:
                data = os.read(self.p.stdout.fileno(), 65536)
                self.heard = time.time()
                self.log.write(data)
                self.buf += data
                *done, self.buf = self.buf.split(b"\n")
                self.lines += [l.decode("utf-8", "replace") for l in done]

    def since(self, start):
        return self.lines[start:]

    def send(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def vm(self, n):
        self.send("\x01%d\n" % n)

    def close(self):
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()
        self.log.close()


def mbytes(m):
    return float(m.group(1)) * 8   # MB/s -> Mbit/s


def mbits(m):
    scale = {"": 1e-6, "K": 1e-3, "M": 1.0, "G": 1e3}[m.group(3)]
    return float(m.group(2)) * scale


def build_system(build, out):
    """numbat for systems/linux.dts with the benchmark initramfs."""
    os.makedirs(out, exist_ok=True)
    src = open(os.path.join(ROOT, "systems/linux.dts")).read()
    new = src.replace('initrd = "initramfs.cpio.gz"', 'initrd = "initramfs-bench.cpio.gz"')
    if new == src:
        raise RuntimeError("systems/linux.dts names no initramfs.cpio.gz")
    dts = os.path.join(out, "system.dts")
    if not os.path.exists(dts) or open(dts).read() != new:
        open(dts, "w").write(new)
    with open(os.path.join(out, "build.log"), "w") as log:
        for target in (["linux"], ["system-image", "SYSTEM=" + dts, "OUT=" + out]):
            if subprocess.call(["make", "--no-print-directory", "BUILD=" + build] + target,
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT):
                raise RuntimeError("make %s failed (see %s/build.log)" % (target[0], out))
    return os.path.join(out, "numbat.bin")


def counters(c):
    """numbat's per-vCPU exit and per-device MMIO counters of linux0 and
    linux1 (the monitor's stats), and both guests' virtio interrupt counts:
    a dict name -> value."""
    got = {}
    for vm in (0, 1):
        c.vm(vm)
        c.send("grep virtio /proc/interrupts; echo irq-$((6*7))\n")
        start = len(c.lines)
        c.wait(r"\[linux%d\] irq-42" % vm)
        for line in c.since(start):
            m = re.match(r"\[linux\d\] +(\d+):((?: +\d+)+) .*virtio(\d+)", line)
            if m:
                got["linux%d virtio%s irqs" % (vm, m.group(3))] = sum(int(x) for x in m.group(2).split())
    c.send("\x01m")
    for name in ("linux0", "linux1"):
        start = len(c.lines)
        c.send("stats %s\nhelp\n" % name)
        c.wait(r"monitor: list: ")
        for line in c.since(start):
            m = re.search(r"monitor: (\S+) vcpu \d+ exits: (.*)", line)
            if m:
                for k, v in re.findall(r"(\w+) (\d+)", m.group(2)):
                    key = "%s exits %s" % (m.group(1), k)
                    got[key] = got.get(key, 0) + int(v)
            m = re.search(r"monitor: (\S+) vcpu \d+ mmio (\S+): (\d+)", line)
            if m:
                key = "%s mmio %s" % (m.group(1), m.group(2))
                got[key] = got.get(key, 0) + int(m.group(3))
    c.send("exit\n")
    return got


def run(build, image, extra, a, log):
    """One boot: every row, reps times; returns {row: [values]} (what ran,
    if the boot stopped early), the counter deltas (or None) and why the
    boot stopped early (or None)."""
    # The monitor on a socket, off stdio: with it muxed on stdio, runs under
    # -icount stalled early in the Linux boots here (QEMU 7.2), with it on
    # a socket they did not.
    mon = ["-monitor", "unix:%s.mon,server,nowait" % log]
    c = Console(["timeout", "--kill-after=5", str(TIMEOUT), QEMU] + MACHINE + extra + mon +
                ["-kernel", image], log)
    res = {}
    delta = None
    try:
        c.wait(r"\[linux0\] numbat-guest: ready", anywhere=True)
        c.wait(r"\[linux1\] numbat-guest: ready", anywhere=True)
        c.vm(1)
        c.send("iperf3 -s -D; nbench udpecho & nbench vsockecho & nbench tcpsink & "
               "echo srv-$((6*7))\n")
        c.wait(r"\[linux1\] srv-42")
        c.vm(0)
        c.send("iperf3 -s -D -p 5202; insmod /lib/modules/vsock_loopback.ko && "
               "nbench seed >/dev/null && echo srv-$((6*7))\n")
        c.wait(r"\[linux0\] srv-42", fail=r"\[linux0\] .*(insmod|nbench): ")
        # iperf3 last: its timed runs used to stop under -icount here
        # (docs/BENCHMARKS.md); nbench tcp moves a fixed byte count.
        rows = [
            ("udp link", "nbench udprr %d %s" % (a.rr, LINUX1), NB % "udprr", None),
            ("udp loop", "nbench udprr %d" % a.rr, NB % "udprr", None),
            ("vsock link", "nbench vsockrr %d %d" % (a.rr, LINUX1_CID), NB % "vsockrr", None),
            ("vsock loop", "nbench vsockrr %d" % a.rr, NB % "vsockrr", None),
            ("vsock native", "nbench vsockrr %d %s" % (a.rr, NATIVE_ECHO), NB % "vsockrr", None),
            ("tcp loop", "nbench tcp %d" % a.chunks, NBRATE, mbytes),
            ("tcp link", "nbench tcp %d %s" % (a.chunks, LINUX1), NBRATE, mbytes),
            ("iperf loop", "iperf3 -c 127.0.0.1 -p 5202 -t %d -f m" % a.seconds, RATE.pattern, mbits),
            ("iperf link", "iperf3 -c %s -t %d -f m" % (LINUX1, a.seconds), RATE.pattern, mbits),
        ]
        if a.only:
            rows = [r for r in rows if r[0].replace(" ", "-") in a.only.split(",")]
        if a.icount:
            # One boot is deterministic, but rows moved by up to 20% from
            # boot to boot (much of it numbat's idle spin on pCPU 2, since
            # fixed; docs/BENCHMARKS.md): each group of nbench rows runs
            # ICOUNT_REPS times, alternating, and the table gives medians.
            grouped = []
            for kind in ("udp", "vsock", "tcp"):
                grouped += [r for r in rows if r[0].startswith(kind)] * ICOUNT_REPS
            rows = grouped + [r for r in rows if r[0].startswith("iperf")]
        for rep in range(a.reps):
            for name, cmd, pattern, conv in rows:
                before = counters(c) if a.counters and rep == 0 and name == "tcp link" else None
                if before is not None:
                    c.vm(0)
                c.send(cmd + "\n")
                m = c.wait(pattern, fail=FAILED)
                res.setdefault(name, []).append(conv(m) if conv else float(m.group(1)))
                if before is not None:
                    after = counters(c)
                    c.vm(0)
                    mib = a.chunks / 16.0   # 64 KiB writes
                    delta = {k: (after.get(k, 0) - v, mib) for k, v in before.items()}
        return res, delta, None
    except (TimeoutError, RuntimeError) as e:
        return res, delta, str(e)
    finally:
        c.close()


def fmt(vals, unit):
    """median, and the spread (half the min-max range) when there are several."""
    if not vals:
        return "-"
    med = statistics.median(vals)
    f = "%.1f" if unit == "Mbit/s" else "%.0f"
    s = (f % med)
    if len(vals) > 1:
        s += " ±" + (f % ((max(vals) - min(vals)) / 2))
    return s


def report(name, res, reps):
    if reps > 1:
        how = "median ± half the min-max range of %d" % reps
    elif any(len(v) > 1 for v in res.values()):
        how = "one boot; a row with ± ran several times: median ± half the min-max range"
    else:
        how = "one run"
    print("  %s (%s):" % (name, how))
    for what, unit, link, loop, better in (
            ("TCP, nbench 64 KiB writes", "Mbit/s", "tcp link", "tcp loop", "higher"),
            ("TCP, iperf3", "Mbit/s", "iperf link", "iperf loop", "higher"),
            ("UDP round trip, 64 B", "ns", "udp link", "udp loop", "lower"),
            ("vsock round trip, 64 B", "ns", "vsock link", "vsock loop", "lower")):
        if link not in res and loop not in res:
            continue
        lk, lp = (statistics.median(res[k]) if k in res else 0.0 for k in (link, loop))
        ratio = "%.2f" % ((lk / lp if better == "higher" else lp / lk) if lk and lp else 0.0)
        print("    %-24s link %14s   loopback %14s %-6s  link/loopback speed %s"
              % (what, fmt(res.get(link), unit), fmt(res.get(loop), unit), unit,
                 ratio if lk and lp else "-"))
    if "vsock native" in res:
        print("    %-24s linux0 <-> native vsockd echo (CID 5): %s ns"
              % ("vsock round trip, 64 B", fmt(res["vsock native"], "ns")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=int, default=3, help="iperf3 run length")
    ap.add_argument("--rr", type=int, default=2000,
                    help="round trips per latency row (a quarter for wall clock)")
    ap.add_argument("--chunks", type=int, default=2000,
                    help="64 KiB writes per nbench tcp row (a quarter for wall clock)")
    ap.add_argument("--reps", type=int, default=5, help="runs of each row, wall clock")
    ap.add_argument("--skip-wall", action="store_true")
    ap.add_argument("--skip-icount", action="store_true")
    ap.add_argument("--counters", action="store_true")
    ap.add_argument("--only", help="rows to run, e.g. udp-link,udp-loop (default: all)")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    out = os.path.join(build, "bench-net")
    try:
        image = build_system(build, os.path.join(out, "system"))
    except RuntimeError as e:
        print("bench-net: not run: %s" % e)
        return 1
    ok = True
    print("bench-net: linux0 <-> linux1 over numbat's links vs loopback inside linux0 "
          "(iperf3 %d s; %d round trips a row, %d 64 KiB writes; a quarter of each "
          "for wall clock)" % (a.seconds, a.rr, a.chunks))
    for name, extra, reps in (("icount", ICOUNT, 1), ("wall", [], a.reps)):
        if (name == "icount" and a.skip_icount) or (name == "wall" and a.skip_wall):
            continue
        log = os.path.join(out, name + ".log")
        runs = argparse.Namespace(**vars(a))
        runs.reps = reps
        runs.icount = name == "icount"
        if name == "wall":   # milliseconds a round trip here: a quarter
            runs.rr, runs.chunks = max(a.rr // 4, 50), max(a.chunks // 4, 50)
        res, delta, err = run(build, image, extra, runs, log)
        report(name, res, reps)
        if err:
            print("    did not complete: %s" % err)
            ok = False
        print("    (console: %s)" % log)
        if delta:
            print("    counters over the TCP link run, per MiB moved:")
            for k in sorted(delta):
                v, mib = delta[k]
                if v:
                    print("      %-40s %10d  %9.1f/MiB" % (k, v, v / mib))
    print("  (icount: ns are instructions of every pCPU; Mbit/s of virtual time. "
          "TCP target: link/loopback >= 0.9)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
