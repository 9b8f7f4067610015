// "Analyse a folder": start a batch, then poll its progress every half second.
"use strict";
const $ = (id) => document.getElementById(id);

function show(job) {
  $("batch").hidden = false;
  $("batch-bar").max = job.total || 1;
  $("batch-bar").value = job.done;
  $("batch-count").textContent = job.total == null ? "finding the takes …" : `${job.done} of ${job.total} clips`;
  $("batch-rows").tBodies[0].replaceChildren(...job.rows.map((row) => {
    const tr = document.createElement("tr");
    for (const v of [row.path, row.agent, row.scenario, row.error || row.status, row.rate_wpm == null ? "–" : row.rate_wpm.toFixed(0)]) {
      const td = document.createElement("td"); td.textContent = v == null ? "–" : String(v); tr.append(td);
    }
    return tr;
  }));
  $("batch-error").textContent = job.error || "";
  if (job.summary) {
    const a = document.createElement("a"); a.href = job.index; a.target = "_blank"; a.textContent = "open the batch summary";
    $("batch-summary").replaceChildren(`${job.summary} · `, a);
  }
  document.body.dataset.batch = job.finished ? "finished" : "running";
}

async function poll(id) {
  const job = await (await fetch(`/api/batches/${id}`)).json();
  if (job.error && !job.id) { $("batch-error").textContent = job.error; return; }
  show(job);
  if (!job.finished) setTimeout(() => poll(id), 500);
}

$("batch-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("batch-error").textContent = "";
  const job = await vc.post("/api/batches", { folder: $("folder").value });
  if (job.error && !job.id) { $("batch-error").textContent = job.error; return; }
  show(job);
  poll(job.id);
});
