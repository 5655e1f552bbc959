#!/usr/bin/env python3
"""QEMU integration tests of numbat: whole systems booted under QEMU.

Each scenario is a directory tests/qemu/<scenario>/ holding
  system.dts  the system description (images come from build/guests/,
              Linux kernels and initramfs from build/linux/)
  expect      what the run must show, one directive a line:

    # comment                   ignored, as are blank lines
    system: <path>              the system description to use instead of
                                ./system.dts (relative to the repository)
    qemu: <args>                extra QEMU arguments; an option the base
                                command has (-smp, -m, -cpu, -M) replaces it
    timeout: <seconds>          wall-clock limit of the run (default 60)
    exit: <status>              QEMU's exit status (default 0); `exit: none`:
                                the runner stops QEMU once the script is done
                                (systems that run forever) and checks no status
    quarantine: <reason>        SKIP the scenario (a "SKIP:" line with the
                                reason) unless NUMBAT_QUARANTINED=1: a test
                                that shows a known, open, intermittent bug,
                                kept out of make test's verdict but listed
                                in every run
    requires: linux             SKIP the scenario (a "SKIP:" line, neither
                                pass nor fail) unless build/linux/Image and
                                build/linux/initramfs.cpio.gz exist
    requires: linux-bench       the same with initramfs-bench.cpio.gz
    tests: <vm> [<vm> ...]      these VMs must print "TESTS DONE"
    expect: <text>              <text> appears in some line
    expect-re: <regex>          some line matches <regex> (Python re.search)
    expect-count: <n> <text>    <text> appears in exactly <n> lines
                                (">=<n>" for at least <n>, "<=<n>" for at
                                most <n>)
    expect-count-re: <n> <regex>  exactly <n> lines match <regex> (">=<n>",
                                "<=<n>")
    expect-value: <lo> <hi> <regex>  some line matches <regex>, whose first
                                group is a number, and in every matching line
                                that number is within [lo, hi]
    reject: <text>              <text> appears in no line
    reject-re: <regex>          no line matches <regex>
    abort-on: <text>            stop the run as soon as <text> appears, and
                                fail (e.g. "Kernel panic - not syncing")
    order: <text>               all order: texts appear, in this order
    host-before: <command>      a shell command run (in the repository, with
                                $OUT = build/tests/<scenario> and $SCENARIO =
                                tests/qemu/<scenario>) before QEMU starts,
                                e.g. to make a disk image; it must succeed
    host-after: <command>       the same after QEMU has exited: a check of
                                what the run left on the host (a disk image);
                                its exit status is a PASS/FAIL result
    (`{out}` in a qemu: line is replaced by build/tests/<scenario>)
    from: <text>                the checks below (expect*, reject*) look only
                                at the lines after the first line containing
                                <text> (none if it never appears); another
                                from: replaces it, `from:` alone resets it
                                (each in a line after the previous one's)

  and an interactive script, run in file order while QEMU runs:

    send: <text>                write <text> to QEMU's stdin (the console
                                input); C escapes: \\n \\r \\t \\e \\\\ \\xNN \\NNN
                                (octal); no newline is added
    wait: <text>                block until the console output after the
                                previous wait's match contains <text> (same
                                escapes), partial lines such as a shell prompt
                                included; a wait that times out fails the
                                scenario and stops QEMU
    wait-re: <regex>            the same with a regular expression (^ and
                                $ match at the start and end of lines)
    wait-anywhere: <text>       block until <text> is anywhere in the console
                                output, earlier matches included; the next
                                wait still starts after the previous wait:'s
                                match (for events of several VMs in any order)
    wait-timeout: <seconds>     limit of each later wait (default: the time
                                left of the scenario's timeout)
    sleep: <seconds>            pause the script

Texts are plain substrings, matched against each console line; leading and
trailing blanks are dropped (write \\x20 for a blank that matters in send:
and wait:). The console text has carriage returns and ANSI control
sequences (ESC [ ... letter) removed before any matching.

The console echoes what is sent, so wait for something the command prints
but its echo does not contain: `send: echo ok-$((40+2))\\n` then
`wait: ok-42`. numbat's console multiplexer gives input to one VM at a time
(Ctrl-A then a digit: `send: \\x011`); QEMU runs with -echr 0x14, so its own
escape key is Ctrl-T and Ctrl-A reaches numbat.

For every scenario the runner builds the system image into
build/tests/<scenario>/ (`make system-image`), boots it with
  qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72
      -smp 4 -m 1G -nographic -echr 0x14 -no-reboot -nic none -kernel <image>
with its stdin a pipe, in its own process group (killed as a group on
timeout), stops early when "numbat: PANIC" appears, keeps the console in
build/tests/<scenario>/console.log and prints one line per result:
  PASS|FAIL: qemu/<scenario>/<vm>/<suite.name>   a guest test ([ RUN  ] with
                                                 no [ PASS ]/[ FAIL ] fails)
  PASS|FAIL: qemu/<scenario>/<vm>/tests-done     a VM listed in tests:
  FAIL: qemu/<scenario>/<vm>/unexpected-exception
  PASS|FAIL: qemu/<scenario>/wait: <text>        each wait of the script
  PASS|FAIL: qemu/<scenario>/<check>             each expect file directive,
                                                 no-panic, finished, exit
  SKIP: qemu/<scenario> (<reason>)               a requires: not met
A scenario that times out fails and shows its last 20 console lines.

Usage: tests/qemu/run.py [--only SCENARIO]... [--jobs N] [--build DIR]
                         [--dir SCENARIO_DIR] [--no-build] [--list] [-v]
The runner's own tests: python3 tests/qemu/selftest.py
"""

import argparse
import codecs
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
    ("-echr", "0x14"),
    ("-no-reboot", None),
    # virt's default virtio NIC: numbat has no use for it.
    ("-nic", "none"),
]
DEFAULT_TIMEOUT = 60
PANIC = "numbat: PANIC"
TAIL_LINES = 20
# What `requires:` can name, and the files each needs in the build directory.
REQUIREMENTS = {
    "linux": ["linux/Image", "linux/initramfs.cpio.gz"],
    "linux-bench": ["linux/Image", "linux/initramfs-bench.cpio.gz"],
}
# Input is written in chunks this big, this far apart (200 bytes/s), so that
# a UART with a 32-byte receive FIFO sees a fast typist rather than a paste:
# a guest vCPU that TCG leaves unscheduled for 100 ms loses nothing.
SEND_CHUNK = 8
SEND_PAUSE = 0.04

VM_LINE = re.compile(r"^\[([^\]]+)\] (.*)$")
TEST_LINE = re.compile(r"^\[ (RUN |PASS|FAIL) +\] (\S+)")
DONE_LINE = re.compile(r"^TESTS DONE passed=(\d+) failed=(\d+)")
# ANSI control sequences (CSI ... final byte) and a possibly unfinished one.
ANSI_SEQ = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
ANSI_TAIL = re.compile(r"\x1b(\[[0-9;?]*[ -/]*)?$")
ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.S)
SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "e": "\x1b", "\\": "\\",
                  "a": "\a", "b": "\b", "f": "\f", "v": "\v", '"': '"',
                  "'": "'"}

# Makefile fragment used while the top-level Makefile lacks system-image.
FALLBACK_MK = """\
include Makefile
.PHONY: system-image
system-image: deps-stamp $(CORE_LIB) $(SYSGEN) guests
\t@$(MAKE) --no-print-directory -f mk/system.mk SYSTEM=$(SYSTEM) OUT=$(OUT)
"""


class ExpectError(Exception):
    pass


def _escape_code(e):
    """The character code of one escape (the text after the backslash)."""
    if e[0] == "x" and len(e) == 3:
        return int(e[1:], 16)
    if e[0] in "01234567":
        code = int(e, 8)
        if code > 0xff:
            raise ExpectError(f"octal escape \\{e} above \\377")
        return code
    if e in SIMPLE_ESCAPES:
        return ord(SIMPLE_ESCAPES[e])
    raise ExpectError(f"unknown escape \\{e}")


def unescape(text, as_bytes=False):
    """Decodes C escapes (\\n \\r \\t \\e \\\\ \\xNN \\NNN ...) in text.
    Returns a str, or bytes (literal text UTF-8 encoded, each escape one
    byte); raises ExpectError on an unknown escape or a trailing backslash."""
    parts = ESCAPE.split(text)      # literal, escape, literal, ...
    if re.search(r"(?<!\\)(\\\\)*\\$", text):
        raise ExpectError("text ends with a lone backslash")
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(part.encode("utf-8") if as_bytes else part)
        else:
            code = _escape_code(part)
            out.append(bytes([code]) if as_bytes else chr(code))
    return (b"" if as_bytes else "").join(out)


class Scenario:
    """One scenario's expect file, parsed."""

    def __init__(self, name, directory=None):
        self.name = name
        self.dir = directory or os.path.join(SCENARIO_DIR, name)
        self.dts = os.path.join(self.dir, "system.dts")
        self.qemu_args = []
        self.timeout = DEFAULT_TIMEOUT
        self.exit = 0
        self.requires = []
        self.quarantine = None
        self.test_vms = []
        self.checks = []    # (kind, args...)
        self.check_from = []  # per check: the from: text in force, or None
        self._from = None
        self.order = []
        self.abort_on = []
        self.script = []    # (kind, value, line number), in file order
        self.host_before = []
        self.host_after = []
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
                    before = len(self.checks)
                    self._directive(key.strip(), value, num)
                    self.check_from += [self._from] * (len(self.checks) - before)
                except (ValueError, re.error, ExpectError) as e:
                    raise ExpectError(f"{path}:{num}: {e}") from None

    def _directive(self, key, value, num):
        if key == "system":
            self.dts = os.path.join(ROOT, value)
            if not os.path.isfile(self.dts):
                raise ExpectError(f"no system description {value}")
        elif key == "qemu":
            self.qemu_args += shlex.split(value)
        elif key == "timeout":
            self.timeout = float(value)
        elif key == "exit":
            self.exit = None if value == "none" else int(value)
        elif key == "requires":
            for req in value.split():
                if req not in REQUIREMENTS:
                    raise ExpectError(f"unknown requirement {req!r} "
                                      f"(known: {', '.join(REQUIREMENTS)})")
                self.requires.append(req)
        elif key == "quarantine":
            if not value:
                raise ExpectError("quarantine needs a reason")
            self.quarantine = value
        elif key == "tests":
            self.test_vms += value.split()
        elif key in ("expect", "reject", "expect-re", "reject-re", "abort-on"):
            if not value:
                raise ExpectError(f"empty {key}")
            if key.endswith("-re"):
                re.compile(value)
            if key == "abort-on":
                self.abort_on.append(value)
            self.checks.append((key, value))
        elif key in ("expect-count", "expect-count-re"):
            count, _, text = value.partition(" ")
            op = count[:2] if count[:2] in (">=", "<=") else ""
            n = int(count[2:] if op else count)
            if not text.strip():
                raise ExpectError(f"{key} needs a text")
            if key.endswith("-re"):
                re.compile(text.strip())
            self.checks.append((key, text.strip(), n, op))
        elif key == "expect-value":
            lo, hi, regex = value.split(None, 2)
            if re.compile(regex).groups < 1:
                raise ExpectError("expect-value needs a regex with a group")
            self.checks.append((key, regex, float(lo), float(hi)))
        elif key == "order":
            self.order.append(value)
        elif key in ("host-before", "host-after"):
            if not value:
                raise ExpectError(f"empty {key}")
            (self.host_before if key == "host-before" else self.host_after).append(value)
        elif key == "from":
            self._from = value or None
        else:
            self._script_directive(key, value, num)

    def _script_directive(self, key, value, num):
        if key == "send":
            if not value:
                raise ExpectError("empty send")
            self.script.append((key, unescape(value, as_bytes=True), num))
        elif key in ("wait", "wait-anywhere"):
            if not value:
                raise ExpectError(f"empty {key}")
            self.script.append((key, unescape(value), num))
        elif key == "wait-re":
            # Over the whole console text: ^ and $ match at line ends.
            self.script.append((key, re.compile(value, re.M), num))
        elif key in ("wait-timeout", "sleep"):
            seconds = float(value)
            if seconds < 0:
                raise ExpectError(f"negative {key}")
            self.script.append((key, seconds, num))
        else:
            raise ExpectError(f"unknown directive {key!r}")

    def missing(self, build):
        """The files this scenario's requires: need that build lacks."""
        return [os.path.join(build, f) for req in self.requires
                for f in REQUIREMENTS[req]
                if not os.path.isfile(os.path.join(build, f))]


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


class Console:
    """QEMU's console output as it arrives: the whole text (carriage returns
    and ANSI control sequences removed), written line by line to a log, and
    waited on by the script. Fed by the reader thread; every method may be
    called from any thread (protected by cond)."""

    def __init__(self, log, stop_texts):
        self.text = ""
        self.closed = False
        self.stopped_by = None      # the stop text that appeared first
        self.cond = threading.Condition()
        self._pending = ""          # an unfinished escape sequence
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._log = log
        self._logged = 0            # text[:_logged] is in the log
        self._stop_texts = stop_texts

    def feed(self, data):
        chunk = self._pending + self._decoder.decode(data)
        tail = ANSI_TAIL.search(chunk)
        self._pending = chunk[tail.start():] if tail else ""
        if tail:
            chunk = chunk[:tail.start()]
        chunk = ANSI_SEQ.sub("", chunk).replace("\r", "")
        with self.cond:
            start = max(0, len(self.text) - max(map(len, self._stop_texts)))
            self.text += chunk
            if self.stopped_by is None:
                for stop in self._stop_texts:
                    if stop in self.text[start:]:
                        self.stopped_by = stop
                        break
            end = self.text.rfind("\n") + 1
            if end > self._logged:
                self._log.write(self.text[self._logged:end])
                self._log.flush()
                self._logged = end
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.text += self._pending
            self._pending = ""
            if len(self.text) > self._logged:
                self._log.write(self.text[self._logged:] + "\n")
                self._logged = len(self.text)
            self._log.flush()
            self.closed = True
            self.cond.notify_all()

    def lines(self):
        with self.cond:
            text = self.text
        lines = text.split("\n")
        return lines[:-1] if lines and lines[-1] == "" else lines

    def tail(self, n=TAIL_LINES):
        return self.lines()[-n:]

    def wait(self, find, pos, deadline):
        """Blocks until find(text, pos) returns the end of a match; returns
        (end, None), or (None, why) once QEMU exited, a stop text appeared
        or the deadline passed."""
        with self.cond:
            while True:
                end = find(self.text, pos)
                if end is not None:
                    return end, None
                if self.stopped_by is not None:
                    return None, f"stopped: {self.stopped_by!r} appeared"
                if self.closed:
                    return None, "QEMU exited"
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, "timed out"
                self.cond.wait(min(left, 0.5))


class Run:
    """What one QEMU run produced."""

    def __init__(self):
        self.lines = []
        self.status = None          # None: the runner ended QEMU
        self.timed_out = False
        self.stopped_by = None      # PANIC or an abort-on text
        self.steps = []             # (ok, name, detail) per script wait
        self.script_failed = False


def send_bytes(proc, data):
    """Writes data to QEMU's stdin a chunk at a time; False if QEMU is gone."""
    try:
        for i in range(0, len(data), SEND_CHUNK):
            if i:
                time.sleep(SEND_PAUSE)
            proc.stdin.write(data[i:i + SEND_CHUNK])
            proc.stdin.flush()
    except (BrokenPipeError, OSError, ValueError):
        return False
    return True


def finder(kind, value):
    if kind == "wait-re":
        def find(text, pos):
            m = value.search(text, pos)
            return m.end() if m else None
        return find

    def find(text, pos):
        i = text.find(value, 0 if kind == "wait-anywhere" else pos)
        return i + len(value) if i >= 0 else None
    return find


def run_script(proc, console, script, deadline, run):
    """Runs the send/wait script against QEMU; records one step per wait in
    run.steps and returns False at the first failure."""
    pos, wait_limit = 0, None
    for index, (kind, value, num) in enumerate(script):
        if kind == "send":
            if not send_bytes(proc, value):
                run.steps.append((False, f"send (expect line {num})",
                                  ["QEMU exited before the input was sent"]))
                return False
        elif kind == "sleep":
            time.sleep(max(0.0, min(value, deadline - time.monotonic())))
        elif kind == "wait-timeout":
            wait_limit = value
        else:
            text = value.pattern if kind == "wait-re" else value
            name = f"{kind}: {text.strip()}"
            limit = deadline
            if wait_limit is not None:
                limit = min(deadline, time.monotonic() + wait_limit)
            started = time.monotonic()
            end, why = console.wait(finder(kind, value), pos, limit)
            if end is None:
                later = len(script) - index - 1
                detail = [f"expect line {num}: {why} after "
                          f"{time.monotonic() - started:.0f} s without "
                          f"{text!r} in the console after the previous match"]
                if later:
                    detail.append(f"{later} later script steps not run")
                run.steps.append((False, name, detail + ["last console lines:"]
                                  + console.tail()))
                return False
            run.steps.append((True, name, None))
            if kind != "wait-anywhere":
                pos = end
    return True


def run_qemu(cmd, scenario, log_path):
    """Runs QEMU in its own process group with its stdin a pipe, runs the
    scenario's script, and waits for QEMU to end; returns a Run."""
    run = Run()
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        log.write("# " + " ".join(shlex.quote(c) for c in cmd) + "\n")
        log.flush()
        console = Console(log, [PANIC] + scenario.abort_on)
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)

        def reader():
            fd = proc.stdout.fileno()
            while True:
                data = os.read(fd, 65536)
                if not data:
                    break
                console.feed(data)
            console.close()

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        deadline = time.monotonic() + scenario.timeout
        if scenario.script:
            run.script_failed = not run_script(proc, console, scenario.script,
                                               deadline, run)
        if scenario.exit is None and not run.script_failed:
            time.sleep(0.5)           # the last lines of output
            kill_group(proc)
        while not run.script_failed and scenario.exit is not None:
            try:
                run.status = proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            if console.stopped_by is not None:
                time.sleep(0.5)       # let the rest of the report arrive
                break
            if time.monotonic() > deadline:
                run.timed_out = True
                break
        if run.status is None:
            kill_group(proc)
        thread.join(timeout=5)
        try:
            proc.stdin.close()
        except OSError:
            pass
    run.lines = console.lines()
    run.stopped_by = console.stopped_by
    return run


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


def matching(kind, value, lines):
    if kind.endswith("-re") or kind == "expect-value":
        regex = re.compile(value)
        return [line for line in lines if regex.search(line)]
    return [line for line in lines if value in line]


def lines_from(lines, text):
    """The lines after the first one containing text (all if text is None)."""
    if text is None:
        return lines
    for i, line in enumerate(lines):
        if text in line:
            return lines[i + 1:]
    return []


def evaluate_checks(rep, all_lines, scenario):
    for check, since in zip(scenario.checks, scenario.check_from):
        kind, text = check[0], check[1]
        lines = lines_from(all_lines, since)
        hits = matching(kind, text, lines)
        if kind in ("expect", "expect-re"):
            rep.result(bool(hits), f"{kind}: {text}")
        elif kind in ("reject", "reject-re", "abort-on"):
            rep.result(not hits, f"{kind}: {text}", hits[:3])
        elif kind == "expect-value":
            lo, hi = check[2], check[3]
            bad = [h for h in hits
                   if not lo <= float(re.search(text, h).group(1)) <= hi]
            rep.result(hits and not bad, f"{kind}: {lo:g} {hi:g} {text}",
                       (bad[:5] if hits else ["no line matches"]))
        else:
            n, op = check[2], check[3]
            ok = {">=": len(hits) >= n, "<=": len(hits) <= n,
                  "": len(hits) == n}[op]
            want = f"{op}{n}"
            rep.result(ok, f"{kind}: {want} {text}",
                       [f"found {len(hits)} lines"])
    if scenario.order:
        pos, missing = 0, None
        for text in scenario.order:
            while pos < len(all_lines) and text not in all_lines[pos]:
                pos += 1
            if pos == len(all_lines):
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
    env = dict(os.environ, OUT=out, SCENARIO=os.path.relpath(scenario.dir, ROOT))
    for command in scenario.host_before:
        done = subprocess.run(command, shell=True, cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            rep.result(False, f"host-before: {command}",
                       (done.stdout + done.stderr).splitlines()[-10:])
            return rep
    cmd = qemu_command(image, [a.replace("{out}", out) for a in scenario.qemu_args])
    start = time.monotonic()
    run = run_qemu(cmd, scenario, os.path.join(out, "console.log"))
    elapsed = time.monotonic() - start
    lines = run.lines
    if verbose:
        rep.lines += ["    | " + line for line in lines]

    for ok, name, detail in run.steps:
        rep.result(ok, name, detail)
    evaluate_guest_tests(rep, lines, scenario)
    evaluate_checks(rep, lines, scenario)
    panicked = run.stopped_by == PANIC
    panic_lines = [line for line in lines if PANIC in line]
    rep.result(not panicked, "no-panic", panic_lines[:3] + lines[-TAIL_LINES:]
               if panicked else None)
    tail = ["last console lines:"] + lines[-TAIL_LINES:]
    if not run.script_failed:
        # A failed script already failed the scenario and stopped QEMU.
        rep.result(not run.timed_out, "finished",
                   [f"timed out after {scenario.timeout:.0f} s"] + tail
                   if run.timed_out else None)
        if not run.timed_out and run.stopped_by is None and scenario.exit is not None:
            rep.result(run.status == scenario.exit, "exit-status",
                       [f"QEMU exited with {run.status}, expected {scenario.exit}"]
                       + tail)
    for command in scenario.host_after:
        done = subprocess.run(command, shell=True, cwd=ROOT, env=env,
                              capture_output=True, text=True)
        rep.result(done.returncode == 0, f"host-after: {command}",
                   (done.stdout + done.stderr).splitlines()[-10:])
    rep.lines.append(f"# {scenario.name}: {rep.passed} passed, "
                     f"{rep.failed} failed, {elapsed:.1f} s")
    return rep


def load_scenarios(names, build, directory=SCENARIO_DIR):
    """Parses the scenarios; returns (runnable, skipped lines, failed lines)."""
    scenarios, skipped, failed = [], [], []
    for name in names:
        try:
            sc = Scenario(name, os.path.join(directory, name))
        except (OSError, ExpectError) as e:
            failed.append(f"FAIL: qemu/{name}/expect-file\n    {e}")
            continue
        if sc.quarantine and os.environ.get("NUMBAT_QUARANTINED") != "1":
            skipped.append(f"SKIP: qemu/{name} (quarantined: {sc.quarantine}; "
                           f"NUMBAT_QUARANTINED=1 runs it)")
            continue
        missing = sc.missing(build)
        if missing:
            skipped.append(f"SKIP: qemu/{name} (requires {' '.join(sc.requires)}: "
                           f"{', '.join(os.path.relpath(m, ROOT) for m in missing)} "
                           f"missing; `make linux` builds it)")
            continue
        scenarios.append(sc)
    return scenarios, skipped, failed


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
    ap.add_argument("--dir", default=SCENARIO_DIR,
                    help="where the scenarios are (default tests/qemu; "
                         "generated ones: scripts/rapilog-long.py)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show build output and console lines")
    args = ap.parse_args()

    names = sorted(d for d in os.listdir(args.dir)
                   if os.path.isfile(os.path.join(args.dir, d, "expect")))
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

    scenarios, skipped, setup_failures = load_scenarios(selected, build, args.dir)
    for line in skipped + setup_failures:
        print(line, flush=True)
    failed_setup = len(setup_failures)

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
    print(f"qemu: {passed} passed, {failed} failed, {len(skipped)} skipped "
          f"({len(selected)} scenarios, {time.monotonic() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
