#!/usr/bin/env python3
"""End-to-end tests of the exec closure with Debian's programs (the amd64 corpus), each
under its own profile in kill mode. The analyses use this machine's root (its libc, its
/bin/sh, its coreutils), so the programs that run are the ones analysed.

- lighttpd serves a CGI shell script, with a profile made by `sysfence analyze --also
  /bin/sh` (the CGI interpreter its configuration names);
- busybox's `sh -c '/usr/bin/cat FILE'` is killed under busybox's own profile (cat's
  syscalls are not busybox's) and works under one made with `--also /usr/bin/cat`.

  exec_closure_end_to_end.py SYSFENCE CORPUS_ROOT      (exit 0 when both hold)
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fail(message):
    print(f"exec_closure_end_to_end: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    sysfence, corpus = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="sysfence-cgi-")
    try:
        serve_cgi(sysfence, corpus, work)
        busybox_runs_cat(sysfence, corpus, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def serve_cgi(sysfence, corpus, work):
    lighttpd = os.path.join(corpus, "usr/sbin/lighttpd")
    modules = os.path.join(corpus, "usr/lib/lighttpd")
    if not os.path.exists(lighttpd):
        fail(f"{lighttpd} is missing (scripts/fetch-corpus --arch amd64 --set default)")
    docs = os.path.join(work, "htdocs")
    os.makedirs(docs)
    with open(os.path.join(docs, "hello.sh"), "w") as f:
        f.write('echo "Content-Type: text/plain"\necho\necho "hello from cgi $QUERY_STRING"\n')
    port = free_port()
    conf = os.path.join(work, "lighttpd.conf")
    with open(conf, "w") as f:
        f.write(f'server.modules = ( "mod_cgi" )\nserver.document-root = "{docs}"\n'
                f'server.bind = "127.0.0.1"\nserver.port = {port}\n'
                f'server.errorlog = "{work}/error.log"\ncgi.assign = ( ".sh" => "/bin/sh" )\n')
    profile = os.path.join(work, "lighttpd.json")
    analysed = subprocess.run([sysfence, "analyze", lighttpd, "--accept-unresolved", "--sysroot", "/", "--also", "/bin/sh", "-o", profile],
                              capture_output=True, text=True)
    if analysed.returncode != 0:
        fail(f"analyze exited with {analysed.returncode}: {analysed.stderr}")
    with open(profile) as f:
        executed = {p["path"]: p for p in json.load(f)["executed"]}
    if "/bin/sh" not in executed or "problem" in executed["/bin/sh"]:
        fail(f"/bin/sh is not analysed as part of the profile: {executed}")
    server = subprocess.Popen([sysfence, "run", "--policy", profile, "--", lighttpd, "-D", "-f", conf, "-m", modules],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(50):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/hello.sh?probe=1", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        if body != b"hello from cgi probe=1\n":
            fail(f"the CGI answered {body!r}; lighttpd exit status {server.poll()}")
        if server.poll() is not None:
            fail(f"lighttpd ended with status {server.returncode}")
    finally:
        if server.poll() is None:
            server.terminate()
        output = server.communicate(timeout=20)[0].decode(errors="replace")
    # lighttpd's status after SIGTERM is 0 or 1 depending on the run; what matters is
    # that no signal but ours (a seccomp kill is SIGSYS, -31) ended it.
    if server.returncode < 0 and server.returncode != -15:
        fail(f"lighttpd was killed by signal {-server.returncode} (a seccomp kill is 31): {output}")
    print("exec_closure_end_to_end: lighttpd served the CGI script under its profile in kill mode")


def busybox_runs_cat(sysfence, corpus, work):
    busybox = os.path.join(corpus, "bin/busybox")
    text = os.path.join(work, "cat.txt")
    with open(text, "w") as f:
        f.write("cat under busybox's profile\n")
    outcomes = {}
    for label, extra in (("own", []), ("also", ["--also", "/usr/bin/cat"])):
        profile = os.path.join(work, f"busybox-{label}.json")
        analysed = subprocess.run([sysfence, "analyze", busybox, "--accept-unresolved", "--sysroot", "/", "-o", profile] + extra,
                                  capture_output=True, text=True)
        if analysed.returncode != 0:
            fail(f"analyze {extra} exited with {analysed.returncode}: {analysed.stderr}")
        outcomes[label] = subprocess.run([sysfence, "run", "--policy", profile, "--", busybox, "sh", "-c",
                                          f"/usr/bin/cat {text}"], capture_output=True, text=True, timeout=60)
    if outcomes["also"].returncode != 0 or outcomes["also"].stdout != "cat under busybox's profile\n":
        fail(f"with --also /usr/bin/cat: status {outcomes['also'].returncode}, output {outcomes['also'].stdout!r}")
    if outcomes["own"].returncode == 0:
        fail("cat ran under busybox's own profile: the test no longer shows what --also adds")
    print("exec_closure_end_to_end: busybox sh -c /usr/bin/cat is killed under busybox's own profile and works "
          "with --also /usr/bin/cat")


if __name__ == "__main__":
    main()
