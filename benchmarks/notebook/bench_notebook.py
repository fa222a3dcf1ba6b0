#!/usr/bin/python3
"""A notebook's first minute, as a user lives it: JobQueue's kernel against ipykernel with dask.distributed.

Run by benchmarks/notebook/run, with Debian's interpreter (its jupyter_client, ipykernel and python3-distributed):

    /usr/bin/python3 benchmarks/notebook/bench_notebook.py CSHARP_KERNEL PYTHON_KERNEL [ROUNDS]

Each round starts each kernel afresh (the two alternate, so that both meet the same hour) and times, from the
request to the kernel's idle status: the kernel's start (until it answers kernel_info), a first cell (1 + 1) sent at
once, as "Run All" does, a LocalCluster of 2 workers x 1 thread until both are connected, a first Map of 1,000 items
with a captured local, and a second cluster after the first is closed. Then each kernel is started once more and
its first cell sent after PAUSE_S seconds, as a person types it. The dask cells import dask.distributed in the cluster cell, as a
user's notebook does; JobQueue's kernel has JobQueue in scope from its first cell. Prints one table of medians.
"""
import statistics
import sys
import time

from jupyter_client.manager import start_new_kernel

CELLS = {
    "csharp": [
        ("first cell", "1 + 1"),
        ("cluster, 2 workers connected",
         "var cluster = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });\n"
         "await cluster.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));"),
        ("first Map, 1,000 items",
         "var k = 7;\n(await cluster.Gather(cluster.Map((int x) => x * k, Enumerable.Range(0, 1000)))).Sum()"),
        ("second cluster, 2 workers connected",
         "await cluster.DisposeAsync();\n"
         "var second = new LocalCluster(new LocalOptions { Workers = 2, ThreadsPerWorker = 1 });\n"
         "await second.WaitForWorkersAsync(2, TimeSpan.FromSeconds(60));"),
        (None, "await second.DisposeAsync();"),
    ],
    "python": [
        ("first cell", "1 + 1"),
        ("cluster, 2 workers connected",
         "from dask.distributed import LocalCluster, Client\n"
         "cluster = LocalCluster(n_workers=2, threads_per_worker=1)\n"
         "client = Client(cluster)\n"
         "client.wait_for_workers(2)"),
        ("first Map, 1,000 items",
         "k = 7\nsum(client.gather(client.map(lambda x: x * k, range(1000))))"),
        ("second cluster, 2 workers connected",
         "client.close(); cluster.close()\n"
         "second = LocalCluster(n_workers=2, threads_per_worker=1)\n"
         "client2 = Client(second)\n"
         "client2.wait_for_workers(2)"),
        (None, "client2.close(); second.close()"),
    ],
}
STEPS = ["kernel start"] + [name for name, _ in CELLS["csharp"] if name] + ["first cell, typed (sent 3 s after the start)"]
PAUSE_S = 3


def run_round(kernel_name, cells, pause=0):
    """Seconds for each step of one fresh kernel; fails on an error in a cell."""
    started = time.monotonic()
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=120)
    seconds = [time.monotonic() - started]
    time.sleep(pause)
    try:
        for name, code in cells:
            started = time.monotonic()
            reply = kc.execute_interactive(code, timeout=120, output_hook=lambda message: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{kernel_name}: {name or 'clean-up'} failed: {reply['content']}")
            if name:
                seconds.append(time.monotonic() - started)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    return seconds


def main():
    csharp, python = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    measured = {"csharp": [], "python": []}
    for _ in range(rounds):
        measured["csharp"].append(run_round(csharp, CELLS["csharp"]))
        measured["python"].append(run_round(python, CELLS["python"]))
        measured["csharp"][-1].append(run_round(csharp, CELLS["csharp"][:1], PAUSE_S)[1])
        measured["python"][-1].append(run_round(python, CELLS["python"][:1], PAUSE_S)[1])

    print(f"A notebook's first cells, median of {rounds} fresh kernels each (min-max), seconds; "
          "ratio: dask's median over JobQueue's (above 1x, JobQueue is faster)")
    print(f"{'step':46} {'JobQueue kernel':>20} {'ipykernel + dask':>20} {'ratio':>7}")
    for index, step in enumerate(STEPS):
        ours = [round_[index] for round_ in measured["csharp"]]
        theirs = [round_[index] for round_ in measured["python"]]
        ratio = statistics.median(theirs) / statistics.median(ours)
        print(f"{step:46} {describe(ours):>20} {describe(theirs):>20} {ratio:>6.{1 if ratio >= 0.95 else 2}f}x")


def describe(values):
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


if __name__ == "__main__":
    main()
