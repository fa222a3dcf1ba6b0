"""Drives a Jupyter kernel through Debian's jupyter_client, as a notebook front end would.

Usage: python3 drive_kernel.py KERNEL_NAME < steps.json > results.json
steps.json is a list of steps, each one of:
  {"execute": CODE, "interrupt_when": REGEX, "timeout": SECONDS}  run a cell; with interrupt_when, send an
      interrupt_request once a display or stream output of the cell matches REGEX
  {"complete": CODE, "cursor": N} / {"inspect": CODE, "cursor": N} / {"is_complete": CODE}
  {"execute_all": [CODE, ...]}  queue several cells at once, as "Run all" does; the result is the list of replies
  {"badly_signed": CODE}   send an execute_request signed with a wrong key (no reply is expected)
  {"shutdown": true}       ask the kernel to shut down and wait until its process has ended
The result is a list with, for each step, {"reply": content, "parent": msg_id it answers, "outputs": [...]}
where outputs are the IOPub messages caused by the request ({"type", "content"}), in order.
"""
import json
import queue
import re
import sys
import time

from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session


def iopub_messages(kc, timeout, waiting_for):
    """IOPub messages as they come; fails once timeout seconds have passed (waiting_for() says for what)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no idle status for {waiting_for()} within {timeout} s")
        try:
            yield kc.get_iopub_msg(timeout=remaining)
        except queue.Empty:
            continue


def collect(kc, msg_id, timeout, interrupt_when=None, km=None):
    """The outputs a request caused, until the kernel is idle after it; interrupts once one matches interrupt_when."""
    outputs = []
    interrupted = False
    for msg in iopub_messages(kc, timeout, lambda: f"{msg_id}; outputs so far: {outputs}"):
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status":
            if content["execution_state"] == "idle":
                return outputs
            continue
        outputs.append({"type": kind, "content": content})
        if interrupt_when and not interrupted:
            text = content.get("text") or content.get("data", {}).get("text/plain", "")
            if re.search(interrupt_when, text):
                km.interrupt_kernel()
                interrupted = True


def wait_idle(kc, msg_ids, timeout):
    """Waits until the kernel has been idle after each of msg_ids (their outputs are not kept)."""
    pending = set(msg_ids)
    for msg in iopub_messages(kc, timeout, lambda: pending):
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            pending.discard(msg["parent_header"].get("msg_id"))
        if not pending:
            return


def reply_to(kc, timeout):
    # Shell requests are answered in order and one is pending at a time: the next reply is this request's, unless
    # the kernel answered something it should not have (the caller compares "parent" with "request"). Replies to
    # the kernel_info_requests that start_new_kernel repeats while the kernel starts may still be queued: skipped.
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["msg_type"] != "kernel_info_reply":
            return reply


def main():
    kernel_name = sys.argv[1]
    steps = json.load(sys.stdin)
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=120)
    results = []
    try:
        for step in steps:
            timeout = step.get("timeout", 120)
            if "execute" in step:
                msg_id = kc.execute(step["execute"])
                outputs = collect(kc, msg_id, timeout, step.get("interrupt_when"), km)
                reply = reply_to(kc, timeout)
            elif "complete" in step:
                msg_id = kc.complete(step["complete"], step["cursor"])
                reply = reply_to(kc, timeout)
                outputs = collect(kc, msg_id, timeout)
            elif "inspect" in step:
                msg_id = kc.inspect(step["inspect"], step["cursor"])
                reply = reply_to(kc, timeout)
                outputs = collect(kc, msg_id, timeout)
            elif "is_complete" in step:
                msg_id = kc.is_complete(step["is_complete"])
                reply = reply_to(kc, timeout)
                outputs = collect(kc, msg_id, timeout)
            elif "execute_all" in step:
                msg_ids = [kc.execute(code) for code in step["execute_all"]]
                replies = [reply_to(kc, timeout) for _ in msg_ids]
                wait_idle(kc, msg_ids, timeout)
                results.append({"replies": [reply["content"] for reply in replies],
                                "parents": [reply["parent_header"].get("msg_id") for reply in replies], "requests": msg_ids})
                continue
            elif "badly_signed" in step:
                forger = Session(key=b"not-the-connection-key", username=kc.session.username)
                content = {"code": step["badly_signed"], "silent": False, "store_history": True,
                           "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
                msg = forger.msg("execute_request", content)
                forger.send(kc.shell_channel.socket, msg)
                results.append({"sent": msg["header"]["msg_id"]})
                continue
            elif "shutdown" in step:
                km.shutdown_kernel(now=False)
                results.append({"shut_down": not km.is_alive()})
                kc = None
                continue
            else:
                raise ValueError(f"unknown step {step}")
            results.append({"reply": reply["content"], "parent": reply["parent_header"].get("msg_id"),
                            "request": msg_id, "outputs": outputs})
    finally:
        if kc is not None:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
