"""K concurrent Celery submitters for the harness's celery_bench.py (bench/compare copies this
module into its copy of the harness and patches the copy's driver to use it; see
bench/peers16/README.md and patch_driver.py).

K = $BENCH_SUBMITTERS (default 16) submitter processes are forked from the driver right after it
imported celery_app (before this process holds any broker or result-backend connection). After
the driver's own warm-up each one connects and runs one warm-up task (negative id, not counted).
On GO each submits its share of the N workflows (indices k, k+K, k+2K, ...) one apply_async at a
time, exactly as the harness's client does, then waits for its own results with ResultSet.get
(as the harness's client does) and hands the raw timestamps back to the driver; it exits once
the driver's monitor has read its CPU (finish()). A submitter is an independent Celery client:
the harness's client started K times. The driver merges them: the
end-to-end time is still first submit (before GO) -> the last submitter saw its last result.
W1, W2 and W4 (the same task signatures as celery_bench.py).
"""
import ctypes, os, pickle, signal, sys, time, traceback

K = int(os.environ.get("BENCH_SUBMITTERS", "16"))
TIMEOUT_S = 240
_kids = []  # (pid, command fd (write), result file (read))


def _submit_fn(A, W):
    from celery import chain, group
    if W == "W1":
        return lambda i: A.t_single.apply_async((i,))
    if W == "W4":
        return lambda i: A.t_proc.apply_async((i,))
    if W == "W2":
        return lambda i: chain(A.t_A.s(i), group(A.t_B.s(), A.t_C.s()), A.t_D.s()).apply_async()
    raise SystemExit("celery_submitters: workload %s is not supported (W1, W2, W4)" % W)


def start(A, W, n, timeout_s=TIMEOUT_S):
    """Fork the K submitters; they wait for WARM, then GO."""
    _submit_fn(A, W)  # fail early on an unsupported workload
    sys.stdout.flush(); sys.stderr.flush()
    for k in range(K):
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(cmd_w); os.close(res_r)
            for _, w, r in _kids:          # the other submitters' pipes
                os.close(w); r.close()
            _child(A, W, n, k, timeout_s, cmd_r, res_w)   # never returns
        os.close(cmd_r); os.close(res_w)
        _kids.append((pid, cmd_w, os.fdopen(res_r, "rb")))


def _child(A, W, n, k, timeout_s, cmd_r, res_w):
    rc = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))   # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(1)
        from celery.result import ResultSet
        submit = _submit_fn(A, W)
        cmd = os.fdopen(cmd_r, "rb")
        res = os.fdopen(res_w, "wb")
        if cmd.readline() != b"WARM\n":
            os._exit(1)
        A.t_single.apply_async((-1 - k,)).get(timeout=60)   # connects broker and result backend
        res.write(b"READY\n"); res.flush()
        if cmd.readline() != b"GO\n":
            os._exit(1)
        sub, rs = {}, []
        for i in range(k, n, K):
            sub[i] = time.time()
            rs.append(submit(i))
        t_last_sub = time.time()
        out = ResultSet(rs).get(timeout=timeout_s)
        t_done = time.time()
        if W == "W2":
            assert all(r["v"] == 5 for r in out)
        done = {r["wf"]: r["t_end"] for r in out}
        pickle.dump({"sub": sub, "done": done, "t_last_sub": t_last_sub, "t_done": t_done}, res)
        res.flush()
        cmd.readline()   # stay alive until the driver's monitor has read our CPU (finish())
        rc = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(rc)


def pids():
    return [pid for pid, _, _ in _kids]


def warm():
    """Each submitter connects and runs one warm-up task; returns when all are ready."""
    for _, w, _ in _kids:
        os.write(w, b"WARM\n")
    for pid, _, r in _kids:
        if r.readline() != b"READY\n":
            raise RuntimeError("celery submitter %d failed its warm-up" % pid)


def run(sub):
    """Start all submitters, wait for them; fills sub (wf -> submit time) and returns
    (t_last_sub, t_done, done) like the harness's single-client code path."""
    for _, w, _ in _kids:
        os.write(w, b"GO\n")
    t_last_sub, t_done, done = 0.0, 0.0, {}
    for pid, w, r in _kids:
        try:
            part = pickle.load(r)
        except EOFError:
            raise RuntimeError("celery submitter %d failed (see the driver's stderr)" % pid)
        sub.update(part["sub"])
        done.update(part["done"])
        t_last_sub = max(t_last_sub, part["t_last_sub"])
        t_done = max(t_done, part["t_done"])
    return t_last_sub, t_done, done


def finish():
    """Let the submitters exit (after the monitor has read their CPU) and reap them."""
    for pid, w, r in _kids:
        os.close(w); r.close()
    for pid, _, _ in _kids:
        os.waitpid(pid, 0)
    del _kids[:]


def describe():
    return ("%d submitter processes (the harness's client started %d times: own broker and "
            "result-backend connections, apply_async one at a time, ResultSet.get of its own "
            "results); workflows split round-robin" % (K, K))
