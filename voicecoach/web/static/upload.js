// Drag and drop (or choose) recordings: each is sent as it is; the server names, checks and analyses it.
"use strict";
const $ = (id) => document.getElementById(id);

async function send(file) {
  const li = document.createElement("li");
  li.textContent = `${file.name}: uploading and analysing …`;
  $("results").append(li);
  const query = new URLSearchParams({ agent: $("agent").value.trim(), scenario: $("scenario").value });
  const r = await vc.post(`/api/upload?${query}`, file, { "X-Upload-Name": encodeURIComponent(file.name), "Content-Type": "application/octet-stream" });
  if (r.error) { li.className = "error"; li.textContent = r.error; return; }
  const a = document.createElement("a"); a.href = r.report; a.target = "_blank"; a.textContent = "report";
  // the headline figures as the debrief shows them: a number in doubt greyed, its reason on hover
  const parts = [`${r.name}: `];
  (r.figures || []).forEach((f, i) => {
    const span = document.createElement("span");
    span.textContent = `${f.label} ${f.value}`;
    if (f.unsure) { span.className = "unsure"; span.title = f.why || f.note; }
    parts.push(...(i ? [" · ", span] : [span]));
  });
  li.replaceChildren(...parts, " · ", a);
  li.dataset.result = JSON.stringify(r);
}

async function sendAll(files) { for (const f of files) await send(f); document.body.dataset.uploads = $("results").children.length; }

const drop = $("drop");
drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (ev) => { ev.preventDefault(); drop.classList.remove("over"); sendAll([...ev.dataTransfer.files]); });
$("files").addEventListener("change", () => sendAll([...$("files").files]));
