#!/usr/bin/env python3
"""Self-test of the QEMU scenario runner (run.py): its expect-file parser and
its interactive script (send:, wait:, wait-re:, wait-anywhere:, abort-on:,
requires:),
against a fake QEMU, this file run with --fake-qemu, which behaves like a
tiny shell on a console. No QEMU and no numbat image needed; a few seconds.

Prints "PASS: runner/<case>" / "FAIL: runner/<case>" lines and a closing
"N passed, N failed"; exits 0 only if everything passed.

Usage: python3 tests/qemu/selftest.py
"""

import os
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (the runner under test)


def fake_qemu():
    """A console: prints a banner and a prompt (a partial line followed by an
    ANSI cursor query, as busybox ash does), echoes input, and runs
      echo TEXT   print TEXT in capitals (so a wait can tell it from the echo)
      exit N      exit with N
      panic       print numbat's panic line
      silent      stop printing anything
    Ctrl-A then a digit prints "focus <digit>"."""
    out = sys.stdout.buffer
    out.write(b"fake: booting\r\nfake: ready\r\n")

    def prompt():
        out.write(b"fake# \x1b[6n")
        out.flush()
    prompt()
    line, ctrl_a = b"", False
    while True:
        byte = sys.stdin.buffer.read(1)
        if not byte:
            return 0
        if ctrl_a:
            ctrl_a = False
            out.write(b"\r\nfocus " + byte + b"\r\n")
            out.flush()
            continue
        if byte == b"\x01":
            ctrl_a = True
            continue
        out.write(b"\r\n" if byte == b"\n" else byte)   # the echo
        out.flush()
        if byte != b"\n":
            line += byte
            continue
        cmd, _, arg = line.decode().partition(" ")
        line = b""
        if cmd == "echo":
            out.write(arg.upper().encode() + b"\r\n")
        elif cmd == "exit":
            out.flush()
            return int(arg)
        elif cmd == "panic":
            out.write(b"numbat: PANIC on pCPU 0: fake\r\n")
        elif cmd == "silent":
            out.flush()
            time.sleep(3600)
        prompt()


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def scenario(tmp, name, expect, build=None):
    """Writes tmp/<name>/expect, a dummy image, and runs the scenario."""
    directory = os.path.join(tmp, "scenarios", name)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "expect"), "w", encoding="utf-8") as f:
        f.write(expect)
    sc = run.Scenario(name, directory)
    build = build or os.path.join(tmp, "build")
    out = os.path.join(build, "tests", name)
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "numbat.bin"), "wb").close()
    return sc, run.run_scenario(sc, build, False)


def results(rep):
    return [line for line in rep.lines if line.startswith(("PASS", "FAIL"))]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


@case
def interactive_session(tmp):
    sc, rep = scenario(tmp, "ok", """\
timeout: 20
wait: fake#\\x20
send: echo ok-\\x31\\n
wait: OK-1
wait: fake#
send: echo second\\n
wait-re: ^SECOND$
send: \\x013
wait: focus 3
wait-anywhere: fake: booting
send: echo after\\n
wait: AFTER
send: exit 0\\n
expect: fake: ready
expect-re: ^focus [0-9]$
reject: [6n
expect-count: 1 SECOND
expect: AFTER
expect-count: 1 echo second
order: fake: booting
order: focus 3
exit: 0
""")
    check(rep.failed == 0, "\n".join(rep.lines))
    check(sum(1 for r in results(rep) if r.startswith("PASS: qemu/ok/wait")) == 7,
          "\n".join(rep.lines))


@case
def wait_timeout_fails_fast(tmp):
    start = time.monotonic()
    sc, rep = scenario(tmp, "slow", """\
timeout: 60
wait: fake: ready
wait-timeout: 1
send: silent\\n
wait: never printed
send: exit 0\\n
""")
    took = time.monotonic() - start
    text = "\n".join(rep.lines)
    check(rep.failed == 1, text)
    check("FAIL: qemu/slow/wait: never printed" in text, text)
    check("timed out after 1 s without 'never printed'" in text, text)
    check("1 later script steps not run" in text, text)
    check("finished" not in text and "exit-status" not in text, text)
    check(took < 15, f"took {took:.1f} s")


@case
def wait_after_previous_match(tmp):
    # "fake: ready" was matched already: a second wait for it must not match
    # the same text again.
    sc, rep = scenario(tmp, "again", """\
timeout: 20
wait: fake: ready
wait-timeout: 1
wait: fake: ready
""")
    check(rep.failed == 1 and "FAIL: qemu/again/wait: fake: ready" in rep.lines,
          "\n".join(rep.lines))


@case
def exit_during_wait(tmp):
    sc, rep = scenario(tmp, "gone", """\
timeout: 20
wait: fake#
send: exit 3\\n
wait: never
""")
    text = "\n".join(rep.lines)
    check(rep.failed == 1 and "QEMU exited" in text, text)


@case
def exit_status_checked(tmp):
    sc, rep = scenario(tmp, "status", """\
timeout: 20
wait: fake#
send: exit 3\\n
exit: 3
""")
    check(rep.failed == 0, "\n".join(rep.lines))


@case
def expect_value_ranges(tmp):
    sc, rep = scenario(tmp, "values", """\
timeout: 20
wait: fake#
send: echo share 480\\n
wait: SHARE 480
send: echo share 510\\n
wait: SHARE 510
send: exit 0\\n
expect-value: 470 530 ^SHARE (\\d+)$
expect-value: 490 530 ^SHARE (\\d+)$
expect-value: 0 1 ^NEVER (\\d+)$
""")
    text = "\n".join(rep.lines)
    check(rep.failed == 2, text)
    check("PASS: qemu/values/expect-value: 470 530" in text, text)
    check("SHARE 480" in text and "no line matches" in text, text)


@case
def from_scopes_checks(tmp):
    sc, rep = scenario(tmp, "from", """\
timeout: 20
wait: fake#
send: echo share 900\\n
wait: SHARE 900
send: echo marker\\n
wait: MARKER
send: echo share 500\\n
wait: SHARE 500
send: exit 0\\n
from: MARKER
expect-value: 450 550 ^SHARE (\\d+)$
reject: SHARE 900
from: NEVER SEEN
expect: fake
from:
expect: SHARE 900
""")
    text = "\n".join(rep.lines)
    check(rep.failed == 1, text)
    check("FAIL: qemu/from/expect: fake" in text, text)


@case
def exit_none_stops_after_script(tmp):
    start = time.monotonic()
    sc, rep = scenario(tmp, "forever", """\
timeout: 30
wait: fake#
send: echo alive\\n
wait: ALIVE
exit: none
""")
    text = "\n".join(rep.lines)
    check(rep.failed == 0 and "PASS: qemu/forever/finished" in text, text)
    check("exit-status" not in text, text)
    check(time.monotonic() - start < 10, "the runner did not stop QEMU")


@case
def panic_stops_run(tmp):
    sc, rep = scenario(tmp, "panic", """\
timeout: 20
wait: fake#
send: panic\\n
wait: never
""")
    text = "\n".join(rep.lines)
    check("FAIL: qemu/panic/no-panic" in text, text)
    check("stopped: 'numbat: PANIC' appeared" in text, text)


@case
def abort_on(tmp):
    start = time.monotonic()
    sc, rep = scenario(tmp, "abort", """\
timeout: 30
abort-on: Kernel panic
wait: fake#
send: echo Kernel panic - not syncing\\n
send: silent\\n
""")
    text = "\n".join(rep.lines)
    check("FAIL: qemu/abort/abort-on: Kernel panic" in text, text)
    check(time.monotonic() - start < 15, "abort-on did not stop the run")


@case
def requires_linux(tmp):
    directory = os.path.join(tmp, "scenarios", "needs-linux")
    os.makedirs(directory)
    with open(os.path.join(directory, "expect"), "w", encoding="utf-8") as f:
        f.write("requires: linux\nexpect: x\n")
    sc = run.Scenario("needs-linux", directory)
    empty = os.path.join(tmp, "empty-build")
    check(len(sc.missing(empty)) == 2, sc.missing(empty))
    full = os.path.join(tmp, "linux-build")
    os.makedirs(os.path.join(full, "linux"))
    for f in ("Image", "initramfs.cpio.gz"):
        open(os.path.join(full, "linux", f), "wb").close()
    check(sc.missing(full) == [], sc.missing(full))


@case
def parse_errors(tmp):
    for bad, message in (("requires: windows\n", "unknown requirement"),
                         ("send: a\\q\n", "unknown escape"),
                         ("send: a\\\n", "lone backslash"),
                         ("wait-re: (\n", "missing )"),
                         ("frobnicate: x\n", "unknown directive")):
        directory = os.path.join(tmp, "scenarios", "bad")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "expect"), "w", encoding="utf-8") as f:
            f.write(bad)
        try:
            run.Scenario("bad", directory)
        except run.ExpectError as e:
            check(message in str(e) and ":1:" in str(e), f"{bad!r}: {e}")
        else:
            raise AssertionError(f"{bad!r} accepted")


@case
def escapes(tmp):
    check(run.unescape(r"a\n\r\t\e\\\x01\101", as_bytes=True)
          == b"a\n\r\t\x1b\\\x01A", "bytes")
    check(run.unescape("caf\u00e9\\x20") == "caf\u00e9 ", "str")
    check(run.unescape("caf\u00e9", as_bytes=True) == "caf\u00e9".encode(), "utf-8")


@case
def console_strips_split_ansi(tmp):
    class Log:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass
    log = Log()
    con = run.Console(log, [run.PANIC])
    for chunk in (b"one\r\npro", b"mpt# \x1b", b"[6", b"n\x1b[0;32mgreen\x1b[0m\r\n",
                  b"caf\xc3", b"\xa9\n", b"numbat: PA", b"NIC x\n", b"partial"):
        con.feed(chunk)
    con.close()
    check(con.lines() == ["one", "prompt# green", "caf\u00e9", "numbat: PANIC x",
                          "partial"], con.lines())
    check(con.stopped_by == run.PANIC, "panic split across chunks not seen")
    check(log.text == "one\nprompt# green\ncaf\u00e9\nnumbat: PANIC x\npartial\n",
          repr(log.text))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--fake-qemu":
        return fake_qemu()
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "fake-qemu")
        with open(fake, "w", encoding="utf-8") as f:
            f.write(f'#!/bin/sh\nexec "{sys.executable}" "{os.path.abspath(__file__)}" '
                    '--fake-qemu "$@"\n')
        os.chmod(fake, 0o755)
        os.environ["QEMU"] = fake
        for name, fn in CASES.items():
            work = os.path.join(tmp, name)
            os.makedirs(work)
            try:
                fn(work)
            except Exception:       # report every failure, run every case
                print(f"FAIL: runner/{name}")
                print("    " + traceback.format_exc().strip().replace("\n", "\n    "))
                failed += 1
            else:
                print(f"PASS: runner/{name}")
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
