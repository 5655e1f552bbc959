#!/usr/bin/env python3
"""What a Linux workload pays under numbat (issue 11): `make bench-linux`.

Runs the nbench suite (guests/linux/bench, in build/linux/
initramfs-bench.cpio.gz) in the same Debian kernel, initramfs, device tree
and bootargs, booted directly by QEMU at EL1 ("native") and under numbat
(bench/linux-suite1.dts: 1 vCPU, bench/linux-suite2.dts: 2 vCPUs), and
prints the OKL4 Microvisor paper's lmbench table with native, numbat,
overhead and the OKL4 column, plus loopback throughput and CPU kernels.

Two methods:
  icount   QEMU -icount shift=0,sleep=off: one instruction per ns of
           virtual time, so each figure is an exact instruction count,
           the same on every run. Shows the work numbat adds (traps,
           emulation, its own code); cannot show cache, TLB or stage-2
           walk costs, which TCG does not model.
  wall     no icount: virtual time is host time. Each benchmark runs
           nbench.reps times in one boot; the table gives the median and
           the spread (min-max). Includes TCG's cost of emulating what
           numbat does (EL2 entries, stage-2 translation in QEMU's
           softmmu), which is not what hardware would pay; noisy on a
           shared machine.

The direct boot is "fair": -cpu cortex-a72,pmu=off, so Linux sees the same
CPU features as under numbat (numbat hides the PMU; cortex-a72 has none of
the other features numbat hides). The boot section also boots the direct
kernel as shipped (-cpu cortex-a72) to show what the hidden PMU saves.

Writes BUILD/bench-linux/results.csv and a chart (overhead per row, numbat
beside OKL4) as overhead.svg and overhead.png (gnuplot); --docs copies the
SVG to docs/bench-linux.svg.

Usage: scripts/bench-linux.py [BUILD_DIR] [--reps R] [--quick] [--docs]
       [--only a,b] [--skip-wall] [--jobs N]
Environment: QEMU (default qemu-system-aarch64), BENCH_LINUX_TIMEOUT (s
per QEMU run, default 1200). Figures only: the exit status says whether
the suite ran.
"""

import argparse
import csv
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
TIMEOUT = int(os.environ.get("BENCH_LINUX_TIMEOUT", "1200"))
MEM = "256M"     # the VM's memory in bench/linux-suite*.dts
BOOTARGS = "console=ttyAMA0 quiet nbench=full"
ICOUNT = ["-icount", "shift=0,sleep=off", "-rtc", "base=2024-01-01T00:00:00,clock=vm"]
CPU_FAIR = "cortex-a72,pmu=off"
CPU_SHIPPED = "cortex-a72"

# (nbench name, label, kind, OKL4 overhead %, target %). kind: lat (ns/op,
# lower is better), rate (MB/s, higher is better), cpu (ns/run). Overhead is
# always extra time per unit of work: numbat/native - 1 for times,
# native/numbat - 1 for rates (so OKL4's 651 -> 630 Mib/s is +3.3%).
ROWS = [
    ("null", "null syscall", "lat", 60, 2),
    ("read", "read", "lat", 15, 2),
    ("stat", "stat", "lat", 7, 2),
    ("fstat", "fstat", "lat", 42, 2),
    ("openclose", "open/close", "lat", -10, 2),
    ("select10", "select(10)", "lat", 14, 2),
    ("sighandler", "sig handler", "lat", 16, 2),
    ("pipe", "pipe latency", "lat", 31, 5),
    ("unix", "UNIX socket", "lat", 53, 5),
    ("fork", "fork+exit", "lat", 8, 5),
    ("exec", "fork+execve", "lat", 5, 5),
    ("system", "system()", "lat", 3, 5),
    ("tcp", "TCP loopback", "rate", 3.3, None),
    ("udp", "UDP loopback", "rate", 4.1, None),
    ("sha", "sha256", "cpu", None, 0.5),
    ("qsort", "qsort", "cpu", None, 0.5),
    ("crc32", "crc32", "cpu", None, 0.5),
    ("dijkstra", "dijkstra", "cpu", None, 0.5),
    ("search", "string search", "cpu", None, 0.5),
]
CPU_REF = "Bao +0.14, Xen +0.30, seL4 +2.41 (MiBench)"

LINE_RE = re.compile(r"NBENCH (\S+) ([0-9.]+) (\S+) iters=(\d+)(?: check=([0-9a-f]+))?")
INIT_RE = re.compile(r"cntvct (\d+) cntfrq (\d+)")
ENTRY_RE = re.compile(r"numbat: vm \S+ vcpu 0 entered at counter (\d+)")


def log(msg):
    print(msg, flush=True)


class Run:
    """One QEMU run: its command, log, and what came out of it."""

    def __init__(self, key, cmd, logfile, boot_only=False):
        self.key, self.cmd, self.logfile, self.boot_only = key, cmd, logfile, boot_only
        self.results = {}       # nbench name -> list of values
        self.checks = {}        # nbench name -> check
        self.boot = None        # instructions from kernel entry to /init
        self.why = None         # why it failed, if it did
        self.seconds = 0.0

    def execute(self):
        """Runs QEMU (its own session, so a timeout ends all of it) until it
        exits, or for boot-only runs until /init's first line."""
        t0 = time.time()
        with open(self.logfile, "w") as out:
            proc = subprocess.Popen(["nice", "-n", "5"] + self.cmd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            status = None
            while status is None:
                time.sleep(0.5)
                status = proc.poll()
                text = open(self.logfile, errors="replace").read()
                if status is None and ("numbat: PANIC" in text or
                                       (self.boot_only and INIT_RE.search(text)) or
                                       time.time() - t0 > TIMEOUT):
                    os.killpg(proc.pid, signal.SIGTERM)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait()
                    status = "stopped"
        self.seconds = time.time() - t0
        self.parse(open(self.logfile, errors="replace").read(), status)

    def parse(self, text, status):
        for m in LINE_RE.finditer(text):
            self.results.setdefault(m.group(1), []).append(float(m.group(2)))
            if m.group(5):
                self.checks[m.group(1)] = m.group(5)
        init = INIT_RE.search(text)
        entry = ENTRY_RE.search(text)
        if init:
            ticks, freq = int(init.group(1)), int(init.group(2))
            start = int(entry.group(1)) if entry else 0
            if "numbat" in self.key and not entry:
                self.why = "numbat printed no entry counter"
            elif ticks >= start and freq:
                self.boot = (ticks - start) * 10**9 // freq
        if "numbat: PANIC" in text:
            self.why = "numbat panicked"
        elif not self.boot_only and "nbench: done" not in text:
            self.why = f"the suite did not finish (QEMU status {status})"
        for m in re.finditer(r"nbench: (\S+) failed", text):
            self.why = (self.why + "; " if self.why else "") + f"{m.group(1)} failed"
        if self.why:
            self.why += f" (see {self.logfile})"


def sh(cmd, logfile):
    with open(logfile, "w") as out:
        return subprocess.call(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def build_system(build, vcpus, bootargs, out):
    """numbat with bench/linux-suite<vcpus>.dts, bootargs replaced; returns
    the numbat.bin and the VM's generated device tree, or raises."""
    os.makedirs(out, exist_ok=True)
    src = open(os.path.join(ROOT, f"bench/linux-suite{vcpus}.dts")).read()
    dts = os.path.join(out, "system.dts")
    new = re.sub(r'bootargs = "[^"]*";', f'bootargs = "{bootargs}";', src)
    if not os.path.exists(dts) or open(dts).read() != new:
        open(dts, "w").write(new)
    if sh(["make", "--no-print-directory", "system-image", f"BUILD={build}",
           f"SYSTEM={dts}", f"OUT={out}"], os.path.join(out, "build.log")):
        raise RuntimeError(f"numbat did not build {dts} (see {out}/build.log)")
    return os.path.join(out, "numbat.bin"), os.path.join(out, "linux0.dtb")


def qemu_direct(build, smp, cpu, dtb, bootargs, icount):
    return (["timeout", "--kill-after=5", str(TIMEOUT), QEMU,
             "-M", "virt,gic-version=3,dtb-randomness=off", "-cpu", cpu, "-smp", str(smp),
             "-m", MEM, "-nographic", "-no-reboot", "-nic", "none"] +
            (ICOUNT if icount else []) +
            ["-kernel", f"{build}/linux/Image", "-initrd", f"{build}/linux/initramfs-bench.cpio.gz",
             "-dtb", dtb, "-append", bootargs])


def qemu_numbat(smp, image, icount):
    return (["timeout", "--kill-after=5", str(TIMEOUT), QEMU,
             "-M", "virt,virtualization=on,gic-version=3,dtb-randomness=off",
             "-cpu", "cortex-a72", "-smp", str(smp), "-m", "1G", "-nographic", "-no-reboot",
             "-nic", "none"] + (ICOUNT if icount else []) +
            ["-kernel", image, "-append", "numbat.entry-stamp"])


def overhead(kind, native, virt):
    if native is None or virt is None or native <= 0 or virt <= 0:
        return None
    return (native / virt - 1) * 100 if kind == "rate" else (virt / native - 1) * 100


def fmt_val(v, kind):
    if v is None:
        return "-"
    return f"{v:,.1f}" if kind == "rate" or v < 1000 else f"{v:,.0f}"


def fmt_pct(p):
    return "-" if p is None else f"{p:+.2f}%"


def first(run, name):
    vals = run.results.get(name) if run else None
    return vals[0] if vals else None


def median(run, name):
    vals = run.results.get(name) if run else None
    return statistics.median(vals) if vals else None


def spread(run, name):
    """Half the min-max range as % of the median, or None."""
    vals = run.results.get(name) if run else None
    if not vals or not statistics.median(vals):
        return None
    return (max(vals) - min(vals)) / 2 / statistics.median(vals) * 100


def fmt_spread(p):
    return "-" if p is None else f"±{p:.1f}%"


def verdict(p, target):
    if p is None or target is None:
        return ""
    return "ok" if p <= target else "MISS"


# CSV columns: one row per figure pair (long format).
CSV_HEADER = ["method", "name", "label", "unit", "vcpus", "native", "numbat", "overhead_pct",
              "native_spread_pct", "numbat_spread_pct", "okl4_pct", "target_pct"]


def unit_of(kind):
    return {"lat": "ns/op", "rate": "MB/s", "cpu": "ns/run"}[kind]


def icount_table(runs, names):
    """The seed's table under icount; returns CSV rows."""
    n1, v1, n2, v2 = (runs.get(k) for k in ("native1", "numbat1", "native2", "numbat2"))
    hdr = (f"{'benchmark':<15} {'unit':<6} {'native':>11} {'numbat':>11} {'ovh 1vCPU':>10} "
           f"{'native 2':>11} {'numbat 2':>11} {'ovh 2vCPU':>10} {'OKL4':>6} {'target':>7}  ")
    log(hdr)
    log("-" * len(hdr))
    rows = []
    for name, label, kind, okl4, target in ROWS:
        if name not in names:
            continue
        a, b, c, d = (first(r, name) for r in (n1, v1, n2, v2))
        p1, p2 = overhead(kind, a, b), overhead(kind, c, d)
        okl = f"{okl4:+.0f}%" if okl4 is not None else ""
        tgt = f"<=+{target}%" if target is not None else ""
        worst = max((p for p in (p1, p2) if p is not None), default=None)
        log(f"{label:<15} {unit_of(kind):<6} {fmt_val(a, kind):>11} {fmt_val(b, kind):>11} "
            f"{fmt_pct(p1):>10} {fmt_val(c, kind):>11} {fmt_val(d, kind):>11} "
            f"{fmt_pct(p2):>10} {okl:>6} {tgt:>7}  {verdict(worst, target)}")
        rows.append(["icount", name, label, unit_of(kind), 1, a, b, p1, None, None, okl4, target])
        rows.append(["icount", name, label, unit_of(kind), 2, c, d, p2, None, None, okl4, target])
    return rows


def wall_table(runs, names):
    n1, v1 = runs.get("wall-native1"), runs.get("wall-numbat1")
    reps = len(n1.results.get("null", [])) if n1 else 0
    hdr = (f"{'benchmark':<15} {'unit':<6} {'native median':>14} {'spread':>7} "
           f"{'numbat median':>14} {'spread':>7} {'overhead':>9}")
    log(hdr)
    log("-" * len(hdr))
    rows = []
    for name, label, kind, okl4, target in ROWS:
        if name not in names:
            continue
        a, b = median(n1, name), median(v1, name)
        sa, sb = spread(n1, name), spread(v1, name)
        p = overhead(kind, a, b)
        log(f"{label:<15} {unit_of(kind):<6} {fmt_val(a, kind):>14} {fmt_spread(sa):>7} "
            f"{fmt_val(b, kind):>14} {fmt_spread(sb):>7} {fmt_pct(p):>9}")
        rows.append(["wall", name, label, unit_of(kind), 1, a, b, p, sa, sb, okl4, target])
    log(f"(median of {reps} runs in one boot each; spread: half the min-max range, "
        "as % of the median)")
    return rows


def boot_table(runs):
    log(f"{'vCPUs':<6} {'direct as shipped':>18} {'direct fair':>14} {'numbat':>14} "
        f"{'extra (fair)':>13} {'ratio':>8} {'extra (shipped)':>16}")
    out = []
    for smp in (1, 2):
        s, f, v = (runs.get(k) for k in (f"boot-shipped{smp}", f"native{smp}", f"numbat{smp}"))
        bs, bf, bv = (r.boot if r else None for r in (s, f, v))
        if bf is None or bv is None:
            log(f"{smp:<6} not available")
            continue
        es = f"{bv - bs:+,}" if bs is not None else "-"
        log(f"{smp:<6} {'-' if bs is None else format(bs, ','):>18} {bf:>14,} {bv:>14,} "
            f"{bv - bf:>+13,} {bv / bf:>8.5f} {es:>16}")
        out.append(["boot-fair", "boot", "kernel entry to /init", "instructions", smp,
                    bf, bv, (bv / bf - 1) * 100, None, None, None, None])
        if bs is not None:
            out.append(["boot-shipped", "boot", "kernel entry to /init", "instructions", smp,
                        bs, bv, (bv / bs - 1) * 100, None, None, None, None])
    return out


def write_chart(rows, outdir):
    """overhead.dat, .gp, .svg and .png: icount overhead per row, numbat 1
    and 2 vCPUs beside OKL4. Returns the SVG path, or None."""
    dat = os.path.join(outdir, "overhead.dat")
    val = lambda x: "NaN" if x is None else f"{x:.3f}"
    by = {}
    for r in rows:
        if r[0] == "icount":
            by.setdefault(r[2], {})[r[4]] = r[7]
            by[r[2]]["okl4"] = r[10]
    with open(dat, "w") as f:
        f.write("# label numbat1 numbat2 okl4 (overhead %, icount)\n")
        for label, v in by.items():
            f.write(f'"{label}" {val(v.get(1))} {val(v.get(2))} {val(v.get("okl4"))}\n')
    gp = os.path.join(outdir, "overhead.gp")
    with open(gp, "w") as f:
        f.write(f"""set title "Linux workload overhead: numbat (QEMU -icount, instructions) vs OKL4 Microvisor (500 MHz ARMv7)"
set ylabel "overhead vs native (%)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -40 nomirror
set grid ytics
set key top right
set yrange [-15:65]
set datafile missing "NaN"
plot "{dat}" using 2:xtic(1) title "numbat, 1 vCPU" lc rgb "#1f77b4", \\
     "" using 3 title "numbat, 2 vCPUs" lc rgb "#6baed6", \\
     "" using 4 title "OKL4 (lmbench, netperf)" lc rgb "#d62728"
""")
    if not shutil.which("gnuplot"):
        log("bench-linux: no gnuplot (scripts/deps.sh installs gnuplot-nox): no chart")
        return None
    svg, png = os.path.join(outdir, "overhead.svg"), os.path.join(outdir, "overhead.png")
    ok = True
    for term, path in (("svg size 1000,520 dynamic font 'sans,11'", svg),
                       ("pngcairo size 1000,520 font 'sans,10'", png)):
        ok &= subprocess.call(["gnuplot", "-e", f"set terminal {term}; set output '{path}'",
                               gp]) == 0
    return svg if ok else None


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--reps", type=int, default=5, help="wall-clock runs per benchmark")
    ap.add_argument("--quick", action="store_true", help="nbench=smoke counts (a check, not figures)")
    ap.add_argument("--only", default="", help="comma-separated nbench names")
    ap.add_argument("--skip-wall", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="icount runs at once (deterministic)")
    ap.add_argument("--docs", action="store_true", help="copy the SVG to docs/bench-linux.svg")
    return ap.parse_args()


def plan_runs(args, build, outdir):
    """Builds the numbat images; returns the icount runs and the wall-clock
    runs (empty with --skip-wall). Raises RuntimeError if a build fails."""
    base = BOOTARGS.replace("nbench=full", "nbench=smoke") if args.quick else BOOTARGS
    if args.only:
        base += f" nbench.only={args.only}"
    runs, wall = {}, {}
    for smp in (1, 2):
        image, dtb = build_system(build, smp, base, os.path.join(outdir, f"numbat{smp}"))
        runs[f"native{smp}"] = Run(f"native{smp}", qemu_direct(build, smp, CPU_FAIR, dtb, base, True),
                                   os.path.join(outdir, f"native{smp}.log"))
        runs[f"numbat{smp}"] = Run(f"numbat{smp}", qemu_numbat(smp, image, True),
                                   os.path.join(outdir, f"numbat{smp}.log"))
        runs[f"boot-shipped{smp}"] = Run(
            f"boot-shipped{smp}", qemu_direct(build, smp, CPU_SHIPPED, dtb, base, True),
            os.path.join(outdir, f"boot-shipped{smp}.log"), boot_only=True)
    if not args.skip_wall:
        wall_args = f"{base} nbench.reps={args.reps}"
        image, dtb = build_system(build, 1, wall_args, os.path.join(outdir, "wall-numbat1"))
        wall["wall-native1"] = Run("wall-native1",
                                   qemu_direct(build, 1, CPU_FAIR, dtb, wall_args, False),
                                   os.path.join(outdir, "wall-native1.log"))
        wall["wall-numbat1"] = Run("wall-numbat1", qemu_numbat(1, image, False),
                                   os.path.join(outdir, "wall-numbat1.log"))
    return runs, wall


def execute_all(runs, wall, jobs):
    """icount runs (jobs at once), then wall-clock runs one at a time; adds
    the wall runs to runs; returns the host load average before them."""
    t0 = time.time()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(lambda r: r.execute(), runs.values()))
    load = open("/proc/loadavg").read().split()[0]
    if wall:
        log(f"bench-linux: wall-clock runs, one at a time (host load average {load})")
        for r in wall.values():
            r.execute()
        runs.update(wall)
    for r in runs.values():
        log(f"  {r.key:<14} {r.seconds:6.0f} s  {r.why or 'ok'}")
    log(f"  total {time.time() - t0:.0f} s")
    return load


def report(runs, names, load):
    """Prints the three tables; returns their CSV rows."""
    bad_checks = [n for n in names for r in runs.values()
                  if n in r.checks and r.checks[n] != runs["native1"].checks.get(n)]
    if bad_checks:
        log(f"bench-linux: CPU kernel results differ between runs: {sorted(set(bad_checks))}")
    log("")
    log("Linux workloads, QEMU -icount shift=0 (1 ns = 1 instruction: figures are "
        "instructions per op or per run, MB/s = bytes per 1,000 instructions)")
    rows = icount_table(runs, names)
    log("native: direct EL1 boot, -cpu " + CPU_FAIR + " (the features numbat shows); "
        "OKL4: 500 MHz ARMv7, lmbench/netperf; CPU kernels: " + CPU_REF)
    if "wall-native1" in runs:
        log("")
        log(f"The same, wall-clock (no icount; 1 vCPU; host load average {load} on "
            f"{os.cpu_count()} CPUs when it started)")
        rows += wall_table(runs, names)
    log("")
    log("Boot, kernel entry to the first line of /init (instructions, icount; the benchmark "
        "initramfs and bootargs)")
    rows += boot_table(runs)
    log("  as shipped: -cpu cortex-a72 (the guest sees the PMU); fair: -cpu " + CPU_FAIR)
    return rows


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        for r in rows:
            w.writerow(["" if x is None else (f"{x:.4f}" if isinstance(x, float) else x)
                        for x in r])


def main():
    args = parse_args()
    os.chdir(ROOT)
    build = args.build
    outdir = os.path.join(build, "bench-linux")
    os.makedirs(outdir, exist_ok=True)
    log("")
    log("bench-linux: the nbench suite natively and under numbat (issue 11)")
    if sh(["make", "--no-print-directory", "linux", f"BUILD={build}"],
          os.path.join(outdir, "linux-build.log")):
        log(f"bench-linux: not available: make linux failed (see {outdir}/linux-build.log)")
        return 1
    names = [r[0] for r in ROWS if not args.only or r[0] in args.only.split(",")]
    try:
        runs, wall = plan_runs(args, build, outdir)
    except RuntimeError as e:
        log(f"bench-linux: not available: {e}")
        return 1
    log(f"bench-linux: {len(runs)} icount runs (jobs {args.jobs}), logs in {outdir}")
    load = execute_all(runs, wall, args.jobs)
    rows = report(runs, names, load)
    csv_path = os.path.join(outdir, "results.csv")
    write_csv(rows, csv_path)
    svg = write_chart(rows, outdir)
    log(f"bench-linux: {csv_path}" + (f", {svg} and .png" if svg else ""))
    if svg and args.docs:
        shutil.copy(svg, os.path.join(ROOT, "docs", "bench-linux.svg"))
        log("bench-linux: copied the chart to docs/bench-linux.svg")
    return 1 if any(r.why for r in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
