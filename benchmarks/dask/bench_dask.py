#!/usr/bin/python3
"""Baseline benchmark of Debian's dask.distributed (python3-distributed) on this machine.

Run with Debian's interpreter, not the pyenv one on PATH (scripts/setup-benchmarks.sh installs
what it needs):

    /usr/bin/python3 benchmarks/dask/bench_dask.py [--mode default|tuned] [--quick]

Mode `tuned` sets distributed.scheduler.worker-saturation = inf (no root-task queuing on the
scheduler) before any cluster is created. Every scenario runs once, on its own fresh
LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) bound to
127.0.0.1, and catches its own exceptions.

stdout carries only JSON, one object per line, e.g.
    {"system": "dask", "mode": "default", "scenario": "throughput", "value": 605.3,
     "unit": "tasks/s", "n": 20000}
A failed scenario prints "error" instead of "value". Everything else (dask's logs, warnings,
progress) goes to stderr. Memory figures are in MB of 2**20 bytes (MiB).

Scenarios:
  throughput        client.map(noop, range(N)) + gather; tasks/s (N = 20000, 5000 with --quick)
  roundtrip_median  sequential submit(noop, i).result(); median and p99 in microseconds
  roundtrip_p99       (1000 round trips, 200 with --quick), after ROUNDTRIP_WARM_UP_S seconds of
                    the same round trips, as the JobQueue side measures its steady state
  efficiency        n tasks of time.sleep(0.010); ideal (n * 10 ms / 2 workers) / wall, percent
  startup           LocalCluster(...) construction until client.wait_for_workers(2) returns
  idle_worker_rss   RSS of a worker process about 1 s after startup (max of the two workers)
  busy_worker_rss   max RSS of the worker processes while a map of 20000 no-op tasks runs
                    (5000 with --quick); results are held until the end, as in throughput
  registration      1000 simulated workers registering with one bare in-process Scheduler:
                    each opens a distributed.comm connection (with dask's handshake) and sends
                    the same "register-worker" message a real Worker sends (metrics, versions
                    and startup information copied from one real in-process Worker), then waits
                    for the scheduler's OK; all connect concurrently; seconds until all are
                    registered. If that fails, falls back to 100 real distributed.Worker objects
                    in one asyncio loop; the "method" field says which was used.
  queued_memory     scheduler RSS growth per queued task, bytes/task: 100000 tasks
                    (20000 with --quick) of f(int) submitted to a scheduler with zero workers.
                    With LocalCluster the scheduler runs inside the client process (on the
                    client's event-loop thread), so its RSS cannot be told apart from the
                    client's futures there. The scheduler is therefore started as its own
                    process (python3 -m distributed.cli.dask_scheduler, 127.0.0.1, port 0, no
                    dashboard), and its RSS is sampled after gc.collect() in it. The growth of
                    the client process in the same run is printed as queued_memory_client
                    (what LocalCluster would add on top, in the same process).
"""

import argparse
import asyncio
import gc
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings

# dask reads its config (including logging levels) at import; worker processes inherit the env.
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
os.environ.setdefault("DASK_LOGGING__TORNADO", "critical")
os.environ.setdefault("DASK_LOGGING__BOKEH", "error")

import dask  # noqa: E402
import distributed  # noqa: E402
import psutil  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

SYSTEM = "dask"
MB = 1024 * 1024
HOST = "127.0.0.1"
N_WORKERS = 2


def log(msg):
    print(f"[bench_dask {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def silence_logs():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for name in ("distributed", "dask", "tornado", "bokeh", "asyncio"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.simplefilter("default")  # shown on stderr, never stdout
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="tornado")


# ---------------------------------------------------------------- task functions (run on workers)

def noop(x):
    return x


def sleep10ms(x):
    time.sleep(0.010)
    return x


def inc(x):
    return x + 1


# ---------------------------------------------------------------- helpers

class Bench:
    def __init__(self, mode, quick):
        self.mode = mode
        self.quick = quick
        self.failures = 0
        self.emitted = set()
        self.lock = threading.Lock()

    def emit(self, scenario, value=None, unit=None, n=None, error=None, **extra):
        rec = {"system": SYSTEM, "mode": self.mode, "scenario": scenario}
        if error is None:
            rec["value"] = round(value, 3) if isinstance(value, float) else value
        else:
            rec["error"] = error
        rec["unit"] = unit
        if n is not None:
            rec["n"] = n
        if self.quick:
            rec["quick"] = True
        rec.update(extra)
        with self.lock:
            self.emitted.add(scenario)
            print(json.dumps(rec), flush=True)

    def run(self, scenarios, fn, units):
        """Run one scenario; on an exception print an error line for each of its outputs."""
        name = scenarios[0]
        log(f"scenario {name} ...")
        t0 = time.perf_counter()
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - one failure must not lose the others
            if isinstance(e, KeyboardInterrupt):
                raise
            self.failures += 1
            msg = f"{type(e).__name__}: {e}"
            log(f"scenario {name} failed: {msg}")
            for s, u in zip(scenarios, units):
                if s not in self.emitted:
                    self.emit(s, unit=u, error=msg)
        log(f"scenario {name} done in {time.perf_counter() - t0:.1f} s")


def make_cluster(n_workers=N_WORKERS):
    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host=HOST,
    )


class Cluster:
    """A fresh LocalCluster + Client, both closed on exit, workers warmed up with one task."""

    def __init__(self, n_workers=N_WORKERS, warm=True):
        self.n_workers = n_workers
        self.warm = warm

    def __enter__(self):
        self.cluster = make_cluster(self.n_workers)
        try:
            self.client = Client(self.cluster)
            if self.n_workers:
                self.client.wait_for_workers(self.n_workers)
            if self.warm and self.n_workers:
                # Ship the task functions once and run one task per worker, so the first
                # measured task does not pay for it.
                workers = list(self.client.scheduler_info()["workers"])
                for i, w in enumerate(workers):
                    for f in (noop, sleep10ms):
                        self.client.submit(f, -1 - i, workers=[w], pure=False).result()
        except BaseException:
            self.cluster.close()
            raise
        return self.client

    def __exit__(self, *exc):
        try:
            self.client.close()
        finally:
            self.cluster.close()
        return False


def worker_pids(client):
    # The worker processes (children of the nannies, which live in this process).
    return sorted(client.run(os.getpid).values())


def rss(pid):
    return psutil.Process(pid).memory_info().rss


# ---------------------------------------------------------------- scenarios

def sc_throughput(b):
    n = 5000 if b.quick else 20000
    with Cluster() as client:
        t0 = time.perf_counter()
        futs = client.map(noop, range(n))
        res = client.gather(futs)
        dt = time.perf_counter() - t0
        assert len(res) == n and res[-1] == n - 1
        del futs, res
    b.emit("throughput", n / dt, "tasks/s", n, seconds=round(dt, 3))


ROUNDTRIP_WARM_UP_S = 3.0


def sc_roundtrip(b):
    n = 200 if b.quick else 1000
    lat = []
    with Cluster() as client:
        warm_until = time.perf_counter() + ROUNDTRIP_WARM_UP_S
        while time.perf_counter() < warm_until:
            client.submit(noop, -1, pure=False).result()
        for i in range(n):
            t0 = time.perf_counter()
            r = client.submit(noop, i, pure=False).result()
            lat.append(time.perf_counter() - t0)
            assert r == i
    lat_us = sorted(x * 1e6 for x in lat)
    p99 = lat_us[min(len(lat_us) - 1, int(round(0.99 * len(lat_us))) - 1)]
    b.emit("roundtrip_median", statistics.median(lat_us), "us", n)
    b.emit("roundtrip_p99", p99, "us", n)


def sc_efficiency(b):
    n = 200 if b.quick else 1000
    with Cluster() as client:
        t0 = time.perf_counter()
        futs = client.map(sleep10ms, range(n), pure=False)
        client.gather(futs)
        dt = time.perf_counter() - t0
        del futs
    ideal = n * 0.010 / N_WORKERS
    b.emit("efficiency", 100.0 * ideal / dt, "%", n, seconds=round(dt, 3),
           ideal_seconds=ideal)


def sc_startup(b):
    t0 = time.perf_counter()
    cluster = make_cluster()
    try:
        client = Client(cluster)
        try:
            client.wait_for_workers(N_WORKERS)
            dt = time.perf_counter() - t0
        finally:
            client.close()
    finally:
        cluster.close()
    b.emit("startup", dt, "s", N_WORKERS)


def sc_memory(b):
    n = 5000 if b.quick else 20000
    with Cluster(warm=False) as client:
        pids = worker_pids(client)
        time.sleep(1.0)  # settle
        idle = [rss(p) / MB for p in pids]
        b.emit("idle_worker_rss", max(idle), "MB", 1, workers=[round(x, 1) for x in idle])

        peak = {p: 0 for p in pids}
        stop = threading.Event()

        def sampler():
            while not stop.is_set():
                for p in pids:
                    try:
                        peak[p] = max(peak[p], rss(p))
                    except psutil.Error:
                        pass
                stop.wait(0.02)

        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        try:
            futs = client.map(noop, range(n))
            client.gather(futs)
            for p in pids:  # one last sample with every result still held by the workers
                peak[p] = max(peak[p], rss(p))
        finally:
            stop.set()
            th.join()
        del futs
        busy = [peak[p] / MB for p in pids]
    b.emit("busy_worker_rss", max(busy), "MB", n, workers=[round(x, 1) for x in busy])


def _registration_template():
    """The register-worker payload of one real Worker (as worker.py sends it)."""
    from distributed import Scheduler, Worker
    from distributed.versions import get_versions

    async def main():
        async with Scheduler(host=HOST, port=0, dashboard_address=None, dashboard=False) as s:
            async with Worker(s.address, nthreads=1, host=HOST) as w:
                return dict(
                    memory_limit=w.memory_manager.memory_limit,
                    local_directory=w.local_directory,
                    resources=w.state.total_resources,
                    services=w.service_ports,
                    versions=get_versions(),
                    metrics=await w.get_metrics(),
                    extra=await w.get_startup_information(),
                )

    return asyncio.run(main())


async def _register_simulated(n):
    from distributed import Scheduler
    from distributed.comm import connect
    from distributed.utils import time as dtime

    tpl = await asyncio.get_running_loop().run_in_executor(None, _registration_template)
    pid = os.getpid()

    async with Scheduler(host=HOST, port=0, dashboard_address=None, dashboard=False) as s:
        comms = []

        async def one(i):
            comm = await connect(s.address)
            comms.append(comm)
            comm.name = "Worker->Scheduler"
            # Simulated worker addresses: the scheduler never connects back while registering.
            await comm.write(
                dict(
                    op="register-worker",
                    reply=False,
                    address=f"tcp://{HOST}:{20000 + i}",
                    status="running",
                    keys=[],
                    nthreads=1,
                    name=f"sim-{i}",
                    nbytes={},
                    types={},
                    now=dtime(),
                    resources=tpl["resources"],
                    memory_limit=tpl["memory_limit"],
                    local_directory=tpl["local_directory"],
                    services=tpl["services"],
                    nanny=None,
                    pid=pid,
                    versions=tpl["versions"],
                    metrics=tpl["metrics"],
                    extra=tpl["extra"],
                    stimulus_id=f"worker-connect-{dtime()}",
                    server_id=f"Worker-sim-{i}",
                ),
                serializers=["msgpack"],
            )
            resp = await comm.read(deserializers=["msgpack"])
            if resp.get("status") != "OK":
                raise RuntimeError(f"registration {i} refused: {resp!r}")

        try:
            t0 = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(n)))
            dt = time.perf_counter() - t0
            if len(s.workers) != n:
                raise RuntimeError(f"scheduler knows {len(s.workers)} workers, expected {n}")
        finally:
            await asyncio.gather(*(c.close() for c in comms), return_exceptions=True)
    return dt


async def _register_real_workers(n):
    from distributed import Scheduler, Worker

    async with Scheduler(host=HOST, port=0, dashboard_address=None, dashboard=False) as s:
        t0 = time.perf_counter()
        workers = [Worker(s.address, nthreads=1, host=HOST) for _ in range(n)]
        try:
            await asyncio.gather(*workers)  # awaiting a Worker starts and registers it
            while len(s.workers) < n:
                await asyncio.sleep(0.005)
            dt = time.perf_counter() - t0
        finally:
            await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)
    return dt


def sc_registration(b, method="comm"):
    if method == "comm":
        n = 1000
        try:
            dt = asyncio.run(_register_simulated(n))
            b.emit("registration", dt, "s", n,
                   method="simulated: distributed.comm connections sending register-worker "
                          "to a bare in-process Scheduler")
            return
        except Exception as e:  # noqa: BLE001
            log(f"simulated registration failed ({type(e).__name__}: {e}); "
                "falling back to real Worker objects")
    n = 100
    dt = asyncio.run(_register_real_workers(n))
    b.emit("registration", dt, "s", n,
           method="real: distributed.Worker(nthreads=1) objects in one asyncio loop "
                  "in the scheduler's process")


def sc_queued_memory(b):
    n = 20000 if b.quick else 100000
    me = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="bench_dask_") as tmp:
        sched_file = os.path.join(tmp, "scheduler.json")
        # The scheduler process does not see this process's dask.config.set(): pass the
        # mode's worker-saturation through the environment ("inf" is parsed specially).
        env = os.environ.copy()
        sat = dask.config.get("distributed.scheduler.worker-saturation")
        env["DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION"] = (
            "inf" if sat == float("inf") else str(sat))
        proc = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", HOST,
             "--port", "0", "--no-dashboard", "--scheduler-file", sched_file],
            stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr,
            cwd=tmp, env=env,
        )
        try:
            deadline = time.monotonic() + 60
            while not os.path.exists(sched_file):
                if proc.poll() is not None:
                    raise RuntimeError(f"dask scheduler exited with {proc.returncode}")
                if time.monotonic() > deadline:
                    raise TimeoutError("dask scheduler did not start within 60 s")
                time.sleep(0.05)
            time.sleep(0.2)  # the file may be written but not yet flushed
            sproc = psutil.Process(proc.pid)
            with Client(scheduler_file=sched_file, timeout=60) as client:

                def settle():
                    client.run_on_scheduler(gc.collect)
                    gc.collect()
                    time.sleep(0.5)
                    client.run_on_scheduler(gc.collect)
                    gc.collect()
                    return sproc.memory_info().rss, me.memory_info().rss

                # Warm up the code paths (update_graph etc.) once so that the first-use
                # allocations are not counted per task.
                w = client.map(inc, range(-100, 0))
                while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) < 100:
                    time.sleep(0.05)
                del w
                while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) > 0:
                    time.sleep(0.05)

                s0, c0 = settle()
                t0 = time.perf_counter()
                futs = client.map(inc, range(n))
                deadline = time.monotonic() + 120
                while True:
                    k = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
                    if k >= n:
                        break
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"only {k} of {n} tasks reached the scheduler")
                    time.sleep(0.1)
                dt = time.perf_counter() - t0
                sched_sat = client.run_on_scheduler(
                    lambda dask_scheduler: str(dask_scheduler.WORKER_SATURATION))
                states = client.run_on_scheduler(
                    lambda dask_scheduler: sorted({ts.state for ts in dask_scheduler.tasks.values()}))
                s1, c1 = settle()
                del futs
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    b.emit("queued_memory", (s1 - s0) / n, "bytes/task", n,
           scheduler_rss_before_mb=round(s0 / MB, 1), scheduler_rss_after_mb=round(s1 / MB, 1),
           submit_seconds=round(dt, 3), task_states=states, worker_saturation=sched_sat,
           method="separate dask-scheduler process with zero workers; RSS growth / n "
                  "after gc.collect()")
    b.emit("queued_memory_client", (c1 - c0) / n, "bytes/task", n,
           method="growth of the submitting client process in the same run (futures); with "
                  "LocalCluster the scheduler shares this process")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=("default", "tuned"), default="default")
    ap.add_argument("--quick", action="store_true", help="smaller task counts")
    ap.add_argument("--only", help="comma-separated scenario names to run (for debugging)")
    ap.add_argument("--registration-method", choices=("comm", "workers"), default="comm",
                    help=argparse.SUPPRESS)
    ap.add_argument("--time-limit", type=float, default=480.0,
                    help="hard stop in seconds (default 480; a normal run takes 1.5-2.5 min)")
    args = ap.parse_args()

    silence_logs()
    if args.mode == "tuned":
        dask.config.set({"distributed.scheduler.worker-saturation": float("inf")})

    # Hard stop: if anything hangs, end the worker processes this script started and exit.
    def watchdog():
        log(f"time limit of {args.time_limit:.0f} s reached; stopping")
        for _key, _fn, names, units in scenarios:
            for name, unit in zip(names, units):
                if name not in b.emitted:
                    b.emit(name, unit=unit, error=f"time limit of {args.time_limit:.0f} s "
                                                  "reached before this scenario finished")
        for child in psutil.Process().children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
        os._exit(3)

    b = Bench(args.mode, args.quick)
    scenarios = [
        ("throughput", lambda: sc_throughput(b), ["throughput"], ["tasks/s"]),
        ("roundtrip", lambda: sc_roundtrip(b),
         ["roundtrip_median", "roundtrip_p99"], ["us", "us"]),
        ("efficiency", lambda: sc_efficiency(b), ["efficiency"], ["%"]),
        ("startup", lambda: sc_startup(b), ["startup"], ["s"]),
        ("memory", lambda: sc_memory(b), ["idle_worker_rss", "busy_worker_rss"], ["MB", "MB"]),
        ("registration", lambda: sc_registration(b, args.registration_method),
         ["registration"], ["s"]),
        ("queued_memory", lambda: sc_queued_memory(b),
         ["queued_memory", "queued_memory_client"], ["bytes/task", "bytes/task"]),
    ]
    only = set(args.only.split(",")) if args.only else None
    scenarios = [sc for sc in scenarios if not only or sc[0] in only]

    timer = threading.Timer(args.time_limit, watchdog)
    timer.daemon = True
    timer.start()

    log(f"dask {dask.__version__}, distributed {distributed.__version__}, python "
        f"{sys.version.split()[0]} ({sys.executable}), mode={args.mode}, quick={args.quick}, "
        f"worker-saturation={dask.config.get('distributed.scheduler.worker-saturation')}")
    t0 = time.perf_counter()
    for _key, fn, names, units in scenarios:
        b.run(names, fn, units)
    timer.cancel()
    log(f"total {time.perf_counter() - t0:.1f} s, {b.failures} scenario(s) failed")
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main())
