#!/usr/bin/python3
"""usage: patch_driver.py bullmq|celery COPY

Writes COPY/<peer>_bench_submitters.py, the harness's COPY/<peer>_bench.py with its client side
switched to $BENCH_SUBMITTERS concurrent submitters (default 16), and installs what it needs in
COPY (bullmq/client_submitters.mjs or celery_submitters.py, from this directory). COPY is a
writable copy of the harness's peers/ directory; the harness's own files are not modified.
Everything about the engine (servers, workers, their flags, the warm-up, the monitor of the
engine's processes, the end-to-end timing, the summary statistics) is the harness's code, left
as it is: each edit below is an exact text replacement that must match once, so a changed harness
makes this fail loudly instead of running something else.
"""
import os, shutil, sys

HERE = os.path.dirname(os.path.abspath(__file__))

EDITS = {
    "bullmq": [
        ("import common as C\n",
         "import common as C\n"
         "SUBMITTERS = int(os.environ.setdefault(\"BENCH_SUBMITTERS\", \"16\"))\n"
         "BULK = int(os.environ.setdefault(\"BENCH_BULK\", \"1\"))\n"
         "CLIENT = (\"%d concurrent submitters in one node process (bullmq/client_submitters.mjs): one \"\n"
         "          \"Queue (Redis connection) each, each awaiting its queue.add calls sequentially, \"\n"
         "          \"next workflow index from a shared counter\" % SUBMITTERS\n"
         "          if BULK == 1 else\n"
         "          \"%d concurrent submitters in one node process (bullmq/client_submitters.mjs): one \"\n"
         "          \"Queue (Redis connection) each, each awaiting one queue.addBulk of %d jobs at a \"\n"
         "          \"time, next %d workflow indices from a shared counter\" % (SUBMITTERS, BULK, BULK))\n"),
        ('["node", "bullmq/client.mjs", W, str(C.N[W])]',
         '["node", "bullmq/client_submitters.mjs", W, str(C.N[W])]'),
        ('rec.update(peer="bullmq" + ("" if conc == "1" else "-c%s" % conc),',
         'rec.update(peer="bullmq" + ("" if conc == "1" else "-c%s" % conc) + "-s%d" % SUBMITTERS\n'
         '                   + ("" if BULK == 1 else "-b%d" % BULK),\n'
         '                   submitters=SUBMITTERS, bulk=BULK, client=CLIENT,'),
        ("client awaits each queue.add sequentially; ", "client: see 'client'; "),
    ],
    "celery": [
        ("    import celery_app as A\n",
         "    import celery_app as A\n"
         "    import celery_submitters as S   # forks the submitters; no connection exists yet\n"
         "    S.start(A, W, C.N[W], C.WORKLOAD_TIMEOUT_S)\n"),
        ("        quiet = C.wait_quiet()\n",
         "        S.warm()\n"
         "        quiet = C.wait_quiet()\n"),
        ('solo={"client": [os.getpid()]}', 'solo={"client": [os.getpid()] + S.pids()}'),
        ('        if W == "W0":\n',
         '        if W in ("W1", "W2", "W4"):\n'
         '            t_last_sub, t_done, done = S.run(sub)\n'
         '            tpw = 4 if W == "W2" else 1\n'
         '        elif W == "W0":\n'),
        ("        m = mon.finish()\n",
         "        m = mon.finish()\n"
         "        S.finish()\n"),
        ('rec.update(peer="celery",',
         'rec.update(peer="celery-s%d" % S.K, submitters=S.K, client=S.describe(),'),
        ('C.save("celery", W, rec)', 'C.save(rec["peer"], W, rec)'),
    ],
}
FILES = {
    "bullmq": [("bullmq_client.mjs", "bullmq/client_submitters.mjs")],
    "celery": [("celery_submitters.py", "celery_submitters.py")],
}


def main(peer, copy):
    if peer not in EDITS:
        sys.exit("patch_driver: no concurrent-submitter client for %s (bullmq, celery)" % peer)
    src = os.path.join(copy, "%s_bench.py" % peer)
    text = open(src).read()
    for old, new in EDITS[peer]:
        if text.count(old) != 1:
            sys.exit("patch_driver: %s does not contain exactly one %r; the harness changed" % (src, old))
        text = text.replace(old, new)
    dst = os.path.join(copy, "%s_bench_submitters.py" % peer)
    with open(dst, "w") as f:
        f.write(text)
    os.chmod(dst, 0o755)
    for name, target in FILES[peer]:
        shutil.copyfile(os.path.join(HERE, name), os.path.join(copy, target))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
