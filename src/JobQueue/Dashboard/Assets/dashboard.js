// The JobQueue dashboard: one EventSource on "events" (the JSON of /api/status, once per sample) redraws the page.
// Every value is put in with textContent, never as HTML: task errors and job reasons are arbitrary text.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const withToken = path => token === null ? path : `${path}?token=${encodeURIComponent(token)}`;
const $ = id => document.getElementById(id);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    if (cell instanceof Node) {
      const td = document.createElement("td");
      td.appendChild(cell);
      tr.appendChild(td);
    } else {
      tr.appendChild(element("td", cell, typeof cell === "number" ? "number" : ""));
    }
  }
  return tr;
}

function replaceChildren(parent, children, emptyText) {
  parent.replaceChildren(...(children.length > 0 ? children : emptyText ? [element("p", emptyText, "empty")] : []));
}

const bytes = n => n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : `${(n / (1 << 20)).toFixed(0)} MiB`;
const time = iso => iso ? new Date(iso).toLocaleTimeString() : "";

function drawSummary(status) {
  $("cluster-name").textContent = status.cluster;
  $("cluster-kind").textContent = status.kind;
  $("cluster-address").textContent = status.address;
  $("updated").textContent = time(status.at);
  $("worker-count").textContent = status.workers.length;
  $("thread-count").textContent = status.workers.reduce((sum, worker) => sum + worker.threads, 0);
  $("task-running").textContent = status.maps.reduce((sum, map) => sum + map.running, 0);
  $("task-queued").textContent = status.maps.reduce((sum, map) => sum + map.queued, 0);
  $("error-count").textContent = status.maps.reduce((sum, map) => sum + map.failed, 0);
}

// Panels whose data did not change are left alone, so that an opened stack trace stays open and a link stays put.
const drawn = new Map();
function redraw(key, data, drawPanel) {
  const text = JSON.stringify(data);
  if (drawn.get(key) !== text) {
    drawn.set(key, text);
    drawPanel();
  }
}

function drawJobs(status) {
  $("jobs-panel").hidden = status.jobs.length === 0;
  $("job-counts").textContent = Object.entries(status.jobCounts)
    .filter(([, count]) => count > 0).map(([state, count]) => `${count} ${state.toLowerCase()}`).join(", ");
  replaceChildren($("jobs"), status.jobs.map(job => {
    const log = element("a", "log");
    log.href = withToken(`api/jobs/${encodeURIComponent(job.id)}/log`);
    log.target = "_blank";
    log.rel = "noreferrer";
    return row([job.id, job.state, job.workers.join(", "), time(job.submittedAt), job.reason ?? "", log]);
  }));
}

function drawMaps(status) {
  replaceChildren($("maps"), status.maps.slice().reverse().map(map => {
    const finished = map.done + map.cancelled;
    const percent = map.items === 0 ? 100 : Math.floor(100 * finished / map.items);
    const box = element("div", null, "map");
    box.dataset.map = map.number;
    const caption = element("div", null, "caption");
    caption.append(
      element("span", `Map ${map.number}: ${map.items.toLocaleString()} items`),
      element("span", `${(map.done - map.failed).toLocaleString()} done, ${map.running.toLocaleString()} running, `
        + `${map.queued.toLocaleString()} queued, ${map.failed.toLocaleString()} failed${map.cancelled > 0 ? `, ${map.cancelled} cancelled` : ""} · `));
    caption.lastChild.appendChild(element("strong", `${percent}%`, "percent"));
    const bar = element("div", null, "bar");
    for (const [part, count] of [["done", map.done - map.failed], ["failed", map.failed], ["running", map.running], ["queued", map.queued]]) {
      const span = element("span", null, part);
      span.style.width = `${map.items === 0 ? 0 : 100 * count / map.items}%`;
      bar.appendChild(span);
    }

    box.append(caption, bar);
    return box;
  }), "No map yet.");
}

function drawWorkers(status) {
  const workers = status.workers.slice().sort((a, b) => a.name.localeCompare(b.name));
  replaceChildren($("workers"), workers.map(worker => {
    const memory = element("span");
    const gauge = element("span", null, "memory");
    const fill = element("span");
    fill.style.width = `${Math.min(100, 100 * worker.memoryUsed / Math.max(1, worker.memoryLimit))}%`;
    gauge.appendChild(fill);
    memory.append(gauge, `${bytes(worker.memoryUsed)} of ${bytes(worker.memoryLimit)}`);
    if (worker.paused) {
      // Above its memory pause fraction: it takes no new tasks until it is back under.
      memory.append(" ", element("span", "paused", "slow"));
    }
    // Heartbeats come every second: a worker unheard for five is busy beyond reason, or in trouble.
    const heard = element("span", `${worker.secondsSinceHeard.toFixed(1)} s ago`, worker.secondsSinceHeard > 5 ? "slow" : "");
    const resources = worker.resources.map(use => `${use.name} ${use.inUse}/${use.total}`).join(", ") || "-";
    return row([worker.name, worker.host, worker.jobId || "-", worker.threads, memory, resources, worker.tasksRunning, worker.tasksDone, heard]);
  }));
  $("unrunnable").textContent = status.unrunnable.length === 0 ? "" : `Waiting for resources no worker has: ${status.unrunnable.join("; ")}`;
  $("dependencies").textContent = status.dependenciesWaiting === 0 ? "" : `Dependencies waiting: ${status.dependenciesWaiting} tasks held back until their inputs are done`;
}

function drawErrors(status) {
  replaceChildren($("errors"), status.errors.slice().reverse().map(error => {
    const box = element("div", null, "error");
    box.appendChild(element("div", `${time(error.at)} · map ${error.map}, item ${error.index} on ${error.worker}`));
    const title = element("strong", `${error.type}: `);
    box.appendChild(title);
    box.appendChild(element("span", error.message, "message"));
    if (error.stackTrace) {
      const details = element("details");
      details.append(element("summary", "remote stack trace"), element("pre", error.stackTrace));
      box.appendChild(details);
    }
    return box;
  }), "No task has failed.");
}

function drawDecisions(status) {
  $("decisions-panel").hidden = status.decisions.length === 0;
  replaceChildren($("decisions"), status.decisions.slice().reverse().map(decision =>
    row([time(decision.at), decision.targetJobs, decision.pendingJobs, decision.runningJobs, decision.queuedTasks, decision.runningTasks, decision.reason])));
}

// One lane per worker, one column per sample; the darker a cell, the more tasks that worker finished in it.
function drawTaskStream(status) {
  const canvas = $("task-stream");
  const context = canvas.getContext("2d");
  const samples = status.taskStream.samples;
  const names = [...new Set([...status.workers.map(worker => worker.name), ...samples.flatMap(sample => Object.keys(sample.finished))])].sort();
  const lane = 18, label = 140, capacity = status.taskStream.capacity;
  canvas.width = Math.max(label + capacity, canvas.clientWidth);
  canvas.height = Math.max(1, names.length) * lane + 4;
  context.clearRect(0, 0, canvas.width, canvas.height);
  const peak = Math.max(1, ...samples.flatMap(sample => Object.values(sample.finished)));
  const width = (canvas.width - label) / capacity;
  const offset = capacity - samples.length;
  context.font = "12px system-ui, sans-serif";
  names.forEach((name, lane_) => {
    const y = lane_ * lane + 2;
    context.fillStyle = "#555";
    context.fillText(name, 2, y + 13, label - 6);
    samples.forEach((sample, i) => {
      const count = sample.finished[name] ?? 0;
      if (count === 0) return;
      context.fillStyle = `rgba(59, 125, 216, ${0.2 + 0.8 * count / peak})`;
      context.fillRect(label + (offset + i) * width, y, Math.max(1, width - 1), lane - 4);
    });
  });
}

function draw(status) {
  drawSummary(status);
  redraw("jobs", status.jobs, () => drawJobs(status));
  drawMaps(status);
  drawWorkers(status);
  redraw("errors", status.errors, () => drawErrors(status));
  redraw("decisions", status.decisions, () => drawDecisions(status));
  drawTaskStream(status);
}

const events = new EventSource(withToken("events"));
events.onmessage = message => {
  $("connection").textContent = "live";
  $("connection").className = "live";
  draw(JSON.parse(message.data));
};
// EventSource reconnects by itself; the page only says so.
events.onerror = () => {
  $("connection").textContent = "disconnected, retrying…";
  $("connection").className = "stale";
};
