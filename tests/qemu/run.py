#!/usr/bin/env python3
"""QEMU integration tests of numbat: whole systems booted under QEMU.

Each scenario is a directory tests/qemu/<scenario>/ holding
  system.dts  the system description (images come from build/guests/)
  expect      what the run must show, one directive a line:

    # comment                   ignored, as are blank lines
    system: <path>              the system description to use instead of
                                ./system.dts (relative to the repository)
    qemu: <args>                extra QEMU arguments; an option the base
                                command has (-smp, -m, -cpu, -M) replaces it
    timeout: <seconds>          wall-clock limit of the run (default 60)
    exit: <status>              QEMU's exit status (default 0)
    tests: <vm> [<vm> ...]      these VMs must print "TESTS DONE"
    expect: <text>              <text> appears in some line
    expect-count: <n> <text>    <text> appears in exactly <n> lines
                                (">=<n>" for at least <n>)
    reject: <text>              <text> appears in no line
    order: <text>               all order: texts appear, in this order
                                (each in a line after the previous one's)

Texts are plain substrings, matched against each console line; leading and
trailing blanks are dropped.

For every scenario the runner builds the system image into
build/tests/<scenario>/ (`make system-image`), boots it with
  qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72
      -smp 4 -m 1G -nographic -no-reboot -kernel <image>
in its own process group (killed as a group on timeout), stops early when
"numbat: PANIC" appears, keeps the console in build/tests/<scenario>/console.log
and prints one line per result:
  PASS|FAIL: qemu/<scenario>/<vm>/<suite.name>   a guest test ([ RUN  ] with
                                                 no [ PASS ]/[ FAIL ] fails)
  PASS|FAIL: qemu/<scenario>/<vm>/tests-done     a VM listed in tests:
  FAIL: qemu/<scenario>/<vm>/unexpected-exception
  PASS|FAIL: qemu/<scenario>/<check>             each expect file directive,
                                                 no-panic, finished, exit
A scenario that times out fails and shows its last 20 console lines.

Usage: tests/qemu/run.py [--only SCENARIO]... [--jobs N] [--build DIR]
                         [--no-build] [--list] [-v]
"""

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO_DIR = os.path.join(ROOT, "tests", "qemu")

QEMU_BASE = [
    ("-M", "virt,virtualization=on,gic-version=3"),
    ("-cpu", "cortex-a72"),
    ("-smp", "4"),
    ("-m", "1G"),
    ("-nographic", None),
    ("-no-reboot", None),
]
DEFAULT_TIMEOUT = 60
PANIC = "numbat: PANIC"
TAIL_LINES = 20

VM_LINE = re.compile(r"^\[([^\]]+)\] (.*)$")
TEST_LINE = re.compile(r"^\[ (RUN |PASS|FAIL) +\] (\S+)")
DONE_LINE = re.compile(r"^TESTS DONE passed=(\d+) failed=(\d+)")

# Makefile fragment used while the top-level Makefile lacks system-image.
FALLBACK_MK = """\
include Makefile
.PHONY: system-image
system-image: deps-stamp $(CORE_LIB) $(SYSGEN) guests
\t@$(MAKE) --no-print-directory -f mk/system.mk SYSTEM=$(SYSTEM) OUT=$(OUT)
"""


class ExpectError(Exception):
    pass


class Scenario:
    """One scenario's expect file, parsed."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(SCENARIO_DIR, name)
        self.dts = os.path.join(self.dir, "system.dts")
        self.qemu_args = []
        self.timeout = DEFAULT_TIMEOUT
        self.exit = 0
        self.test_vms = []
        self.checks = []    # (kind, args...)
        self.order = []
        self._parse(os.path.join(self.dir, "expect"))

    def _parse(self, path):
        with open(path, encoding="utf-8") as f:
            for num, raw in enumerate(f, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                key, sep, value = line.partition(":")
                value = value.strip()
                if not sep:
                    raise ExpectError(f"{path}:{num}: no directive")
                try:
                    self._directive(key.strip(), value)
                except (ValueError, ExpectError) as e:
                    raise ExpectError(f"{path}:{num}: {e}") from None

    def _directive(self, key, value):
        if key == "system":
            self.dts = os.path.join(ROOT, value)
            if not os.path.isfile(self.dts):
                raise ExpectError(f"no system description {value}")
        elif key == "qemu":
            self.qemu_args += shlex.split(value)
        elif key == "timeout":
            self.timeout = float(value)
        elif key == "exit":
            self.exit = int(value)
        elif key == "tests":
            self.test_vms += value.split()
        elif key in ("expect", "reject"):
            if not value:
                raise ExpectError(f"empty {key}")
            self.checks.append((key, value))
        elif key == "expect-count":
            count, _, text = value.partition(" ")
            at_least = count.startswith(">=")
            n = int(count[2:] if at_least else count)
            if not text.strip():
                raise ExpectError("expect-count needs a text")
            self.checks.append((key, text.strip(), n, at_least))
        elif key == "order":
            self.order.append(value)
        else:
            raise ExpectError(f"unknown directive {key!r}")


class Reporter:
    """Collects PASS/FAIL lines of one scenario."""

    def __init__(self, scenario):
        self.prefix = f"qemu/{scenario}"
        self.lines = []
        self.passed = 0
        self.failed = 0

    def result(self, ok, name, detail=None):
        word = "PASS" if ok else "FAIL"
        self.lines.append(f"{word}: {self.prefix}/{name}")
        if detail and not ok:
            self.lines += ["    " + d for d in detail]
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def qemu_command(image, extra):
    base = list(QEMU_BASE)
    overridden = {a for a in extra if a.startswith("-")}
    cmd = [os.environ.get("QEMU", "qemu-system-aarch64")]
    for opt, val in base:
        if opt in overridden:
            continue
        cmd.append(opt)
        if val is not None:
            cmd.append(val)
    return cmd + extra + ["-kernel", image]


def make_system_image(build, scenario, out, verbose):
    """Builds out/numbat.bin; returns (ok, output)."""
    rel_dts = os.path.relpath(scenario.dts, ROOT)
    args = [f"BUILD={build}", f"SYSTEM={rel_dts}", f"OUT={out}"]
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        has_target = re.search(r"^system-image\s*:", f.read(), re.M)
    if not has_target:
        fallback = os.path.join(build, "tests", "system-image.mk")
        os.makedirs(os.path.dirname(fallback), exist_ok=True)
        with open(fallback, "w", encoding="utf-8") as f:
            f.write(FALLBACK_MK)
        cmd = ["make", "--no-print-directory", "-f", fallback, "system-image"]
    else:
        cmd = ["make", "--no-print-directory", "system-image"]
    proc = subprocess.run(cmd + args, cwd=ROOT, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    if verbose:
        sys.stdout.write(output)
    return proc.returncode == 0, output


def run_qemu(cmd, timeout, log_path):
    """Runs QEMU in its own process group; returns (lines, status, timed_out,
    panicked). status is None when the runner had to kill QEMU."""
    lines = []
    panic = threading.Event()
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        log.write("# " + " ".join(shlex.quote(c) for c in cmd) + "\n")
        log.flush()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)

        def reader():
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                line = line.replace("\r", "")
                lines.append(line)
                log.write(line + "\n")
                if PANIC in line:
                    panic.set()
            log.flush()

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        timed_out = False
        status = None
        while True:
            try:
                status = proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            if panic.is_set():
                time.sleep(0.5)       # let the rest of the report arrive
                break
            if time.monotonic() > deadline:
                timed_out = True
                break
        if status is None:
            kill_group(proc)
        thread.join(timeout=5)
    return lines, status, timed_out, panic.is_set()


def kill_group(proc):
    """Ends QEMU's process group (and only it)."""
    for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def evaluate_guest_tests(rep, lines, scenario):
    """Turns guest [ RUN  ]/[ PASS ]/[ FAIL ] lines into results."""
    tests = {}      # vm -> {test: status or None}
    done = {}       # vm -> (passed, failed)
    unexpected = {}
    for line in lines:
        m = VM_LINE.match(line)
        if not m:
            continue
        vm, rest = m.groups()
        t = TEST_LINE.match(rest)
        if t:
            kind, name = t.groups()
            per_vm = tests.setdefault(vm, {})
            per_vm[name] = None if kind == "RUN " else kind
            continue
        d = DONE_LINE.match(rest)
        if d:
            done[vm] = (int(d.group(1)), int(d.group(2)))
        elif "UNEXPECTED EXCEPTION" in rest:
            unexpected.setdefault(vm, rest)
    for vm, per_vm in tests.items():
        for name, status in per_vm.items():
            detail = None if status else ["no result: the test never finished"]
            rep.result(status == "PASS", f"{vm}/{name}", detail)
    for vm, text in unexpected.items():
        rep.result(False, f"{vm}/unexpected-exception", [text])
    for vm in scenario.test_vms:
        if vm in done:
            rep.result(True, f"{vm}/tests-done")
        else:
            rep.result(False, f"{vm}/tests-done",
                       [f"[{vm}] never printed TESTS DONE"])


def evaluate_checks(rep, lines, scenario):
    for check in scenario.checks:
        kind, text = check[0], check[1]
        hits = sum(1 for line in lines if text in line)
        if kind == "expect":
            rep.result(hits > 0, f"expect: {text}")
        elif kind == "reject":
            bad = [line for line in lines if text in line][:3]
            rep.result(hits == 0, f"reject: {text}", bad)
        else:
            n, at_least = check[2], check[3]
            ok = hits >= n if at_least else hits == n
            want = f">={n}" if at_least else str(n)
            rep.result(ok, f"expect-count: {want} {text}",
                       [f"found {hits} lines"])
    if scenario.order:
        pos, missing = 0, None
        for text in scenario.order:
            while pos < len(lines) and text not in lines[pos]:
                pos += 1
            if pos == len(lines):
                missing = text
                break
            pos += 1
        rep.result(missing is None, "order",
                   [f"not found in order: {missing}"] if missing else None)


def run_scenario(scenario, build, verbose):
    rep = Reporter(scenario.name)
    out = os.path.join(build, "tests", scenario.name)
    image = os.path.join(out, "numbat.bin")
    if not os.path.exists(image):
        rep.result(False, "build", [f"{image} missing"])
        return rep
    cmd = qemu_command(image, scenario.qemu_args)
    start = time.monotonic()
    lines, status, timed_out, panicked = run_qemu(
        cmd, scenario.timeout, os.path.join(out, "console.log"))
    elapsed = time.monotonic() - start
    if verbose:
        rep.lines += ["    | " + line for line in lines]

    evaluate_guest_tests(rep, lines, scenario)
    evaluate_checks(rep, lines, scenario)
    panic_lines = [line for line in lines if PANIC in line]
    rep.result(not panicked, "no-panic", panic_lines[:3] + lines[-TAIL_LINES:]
               if panicked else None)
    tail = ["last console lines:"] + lines[-TAIL_LINES:]
    rep.result(not timed_out, "finished",
               [f"timed out after {scenario.timeout:.0f} s"] + tail
               if timed_out else None)
    if not timed_out and not panicked:
        rep.result(status == scenario.exit, "exit-status",
                   [f"QEMU exited with {status}, expected {scenario.exit}"]
                   + tail)
    rep.lines.append(f"# {scenario.name}: {rep.passed} passed, "
                     f"{rep.failed} failed, {elapsed:.1f} s")
    return rep


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", default=[],
                    help="run only this scenario (repeatable)")
    ap.add_argument("--jobs", type=int, default=2,
                    help="scenarios run in parallel (default 2)")
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"),
                    help="build directory (default build)")
    ap.add_argument("--no-build", action="store_true",
                    help="use the images already built")
    ap.add_argument("--list", action="store_true", help="list scenarios")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show build output and console lines")
    args = ap.parse_args()

    names = sorted(d for d in os.listdir(SCENARIO_DIR)
                   if os.path.isfile(os.path.join(SCENARIO_DIR, d, "expect")))
    if args.list:
        print("\n".join(names))
        return 0
    for only in args.only:
        if only not in names:
            print(f"run.py: no scenario {only!r} (have: {', '.join(names)})",
                  file=sys.stderr)
            return 2
    selected = [n for n in names if not args.only or n in args.only]
    build = args.build if os.path.isabs(args.build) else os.path.join(ROOT, args.build)

    scenarios, failed_setup = [], 0
    for name in selected:
        try:
            scenarios.append(Scenario(name))
        except (OSError, ExpectError) as e:
            print(f"FAIL: qemu/{name}/expect-file\n    {e}")
            failed_setup += 1

    runnable = []
    for sc in scenarios:
        if args.no_build:
            runnable.append(sc)
            continue
        ok, output = make_system_image(build, sc, os.path.join(build, "tests", sc.name),
                                       args.verbose)
        if ok:
            runnable.append(sc)
        else:
            print(f"FAIL: qemu/{sc.name}/build")
            for line in output.strip().splitlines()[-TAIL_LINES:]:
                print("    " + line)
            failed_setup += 1

    start = time.monotonic()
    passed, failed = 0, failed_setup
    lock = threading.Lock()

    def one(sc):
        rep = run_scenario(sc, build, args.verbose)
        with lock:
            print("\n".join(rep.lines), flush=True)
        return rep

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for rep in pool.map(one, runnable):
            passed += rep.passed
            failed += rep.failed
    print(f"qemu: {passed} passed, {failed} failed "
          f"({len(selected)} scenarios, {time.monotonic() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
