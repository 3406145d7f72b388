#!/usr/bin/env python3
"""End-to-end test of `analyze --format oci` with Debian's container runtimes: Debian's
lighttpd (the amd64 corpus) runs in an OCI bundle under its own profile in kill mode,
with runc and with crun, noNewPrivileges true and false. In each bundle the daemon must
serve a page, and `exec` of a call outside the profile (busybox's sync) must be killed
by the filter (SIGSYS) while the daemon itself runs exec'd too (`lighttpd -v`). As a
control, the profile made with `--runtime none` must stop runc's init with
noNewPrivileges false: runc keeps running after it loads the filter.

The bundle's root file system is the corpus root, bound read-only; the container shares
the host's network namespace and serves on a free loopback port.

  oci_runtime_end_to_end.py SYSFENCE CORPUS_ROOT      (exit 0 when everything holds)
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

SIGSYS_STATUS = 128 + 31  # what runc and crun return for a process killed by SIGSYS

# crun 1.8 refuses the hybrid cgroup layout: it runs in its own mount namespace without
# the cgroup2 mount at /sys/fs/cgroup/unified (FIELD-NOTES), and manages no cgroups.
CRUN = ["unshare", "-m", "--propagation", "private", "sh", "-c",
        'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --cgroup-manager=disabled "$@"', "crun"]
RUNTIMES = {"runc": ["runc"], "crun": CRUN}


def fail(message):
    print(f"oci_runtime_end_to_end: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_profile(sysfence, corpus, work, runtime_option):
    profile = os.path.join(work, f"lighttpd-{runtime_option}.json")
    command = [sysfence, "analyze", os.path.join(corpus, "usr/sbin/lighttpd"), "--sysroot", corpus,
               "--format", "oci", "--action", "kill", "--runtime", runtime_option, "-o", profile]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        fail(f"{' '.join(command)} exited {run.returncode}: {run.stderr[-500:]}")
    with open(profile) as f:
        return json.load(f)


def make_bundle(work, name, corpus, seccomp, no_new_privileges, port):
    bundle = os.path.join(work, name)
    for d in ("rootfs", "www", "conf"):
        os.makedirs(os.path.join(bundle, d))
    with open(os.path.join(bundle, "www/index.html"), "w") as f:
        f.write(f"served from {name}\n")
    with open(os.path.join(bundle, "conf/lighttpd.conf"), "w") as f:
        f.write(f'server.document-root = "/www"\nserver.bind = "127.0.0.1"\nserver.port = {port}\n'
                'server.errorlog = "/dev/stderr"\n')
    subprocess.run(["runc", "spec"], cwd=bundle, check=True)
    with open(os.path.join(bundle, "config.json")) as f:
        config = json.load(f)
    process = config["process"]
    process.update(terminal=False, noNewPrivileges=no_new_privileges,
                   args=["/usr/sbin/lighttpd", "-D", "-f", "/conf/lighttpd.conf"])
    config["root"] = {"path": "rootfs", "readonly": True}
    linux = config["linux"]
    linux["namespaces"] = [n for n in linux["namespaces"] if n["type"] != "network"]
    linux["seccomp"] = seccomp
    mounts = config["mounts"]
    for d in ("usr", "lib", "lib64", "bin", "sbin", "etc"):
        if os.path.isdir(os.path.join(corpus, d)):
            mounts.append({"destination": "/" + d, "type": "bind", "source": os.path.join(corpus, d),
                           "options": ["rbind", "ro"]})
    for d in ("www", "conf"):
        mounts.append({"destination": "/" + d, "type": "bind", "source": os.path.join(bundle, d),
                       "options": ["rbind", "ro"]})
    for d in ("/tmp", "/var"):
        mounts.append({"destination": d, "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]})
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    return bundle


def fetch(port, deadline):
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2) as reply:
                return reply.read().decode()
        except OSError as error:
            last = error
            time.sleep(0.2)
    return f"no answer: {last}"


def container(runtime, bundle, *args, **streams):
    """Runs the runtime's command ARGS in `bundle`; its output is captured unless `streams` redirect it."""
    streams.setdefault("stdout", subprocess.PIPE)
    streams.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(RUNTIMES[runtime] + list(args), cwd=bundle, text=True, timeout=60, **streams)


def check_bundle(runtime, no_new_privileges, profile, corpus, work):
    name = f"{runtime}-nnp-{str(no_new_privileges).lower()}"
    cid = f"sysfence-e2e-{os.getpid()}-{name}"
    port = free_port()
    bundle = make_bundle(work, name, corpus, profile, no_new_privileges, port)
    log = open(os.path.join(bundle, "container.log"), "w")
    started = container(runtime, bundle, "run", "-d", cid, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        if started.returncode != 0:
            fail(f"{name}: the container did not start (exit {started.returncode}): {read(log.name)}")
        page = fetch(port, time.monotonic() + 15)
        if page != f"served from {name}\n":
            fail(f"{name}: the daemon does not serve: {page!r}; log: {read(log.name)}")
        inside = container(runtime, bundle, "exec", cid, "/usr/sbin/lighttpd", "-v")
        if inside.returncode != 0:
            fail(f"{name}: `exec lighttpd -v` under the profile exited {inside.returncode}: {inside.stderr[-300:]}")
        outside = container(runtime, bundle, "exec", cid, "/bin/busybox", "sync")
        if outside.returncode != SIGSYS_STATUS:
            fail(f"{name}: `exec busybox sync` exited {outside.returncode}, not {SIGSYS_STATUS} (killed by SIGSYS)")
        print(f"{name}: serves; lighttpd -v runs; busybox sync is killed (exit {outside.returncode})")
    finally:
        container(runtime, bundle, "delete", "-f", cid)
        log.close()


def runtime_none_stops_runc(profile, corpus, work):
    """Without the runtime's calls, runc's init is killed after loading the filter (fstatfs)."""
    name = "runc-runtime-none"
    cid = f"sysfence-e2e-{os.getpid()}-{name}"
    bundle = make_bundle(work, name, corpus, profile, False, free_port())
    try:
        started = container("runc", bundle, "run", "-d", cid, stdin=subprocess.DEVNULL)
        if started.returncode == 0:
            fail("the profile made with --runtime none let runc start the container: the control shows nothing")
        # The bundle is the one runc-nnp-false serves from but for the profile; runc says
        # "container process is already dead" or "ensure /proc/self/fd is on procfs".
        print(f"{name}: runc's init is stopped (exit {started.returncode}): {started.stderr.strip()[-200:]}")
    finally:
        container("runc", bundle, "delete", "-f", cid)


def read(path):
    with open(path) as f:
        return f.read()[-500:]


def main():
    sysfence, corpus = sys.argv[1], os.path.abspath(sys.argv[2])
    if not os.path.exists(os.path.join(corpus, "usr/sbin/lighttpd")):
        fail(f"{corpus}/usr/sbin/lighttpd is missing (scripts/fetch-corpus --arch amd64 --set default)")
    for tool in ("runc", "crun", "unshare"):
        if shutil.which(tool) is None:
            fail(f"{tool} is not installed (scripts/setup installs it)")
    if os.geteuid() != 0:
        fail("needs root to create containers")
    work = tempfile.mkdtemp(prefix="sysfence-oci-")
    try:
        profile = make_profile(sysfence, corpus, work, "runc,crun")
        for runtime in ("runc", "crun"):
            for no_new_privileges in (True, False):
                check_bundle(runtime, no_new_privileges, profile, corpus, work)
        runtime_none_stops_runc(make_profile(sysfence, corpus, work, "none"), corpus, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
