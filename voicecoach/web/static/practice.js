// The practice room: brief, record (microphone -> AudioWorklet -> WAV stretches every ~0.5 s to the
// server, appended to the take file), the caller's lines from the card, Stop -> debrief + report.
"use strict";
const $ = (id) => document.getElementById(id);
const STRETCH_S = 0.5; // a closed tab loses at most this much; the live line updates as often
const BRIEF_S = 60;
const timing = JSON.parse(document.querySelector("[data-timing]").dataset.timing);
let rec = null; // the take being recorded
let lines = [];
let briefFor = null; // the scene whose brief and caller lines are loaded
let briefTimer = null;

function msg(text) { $("message").textContent = text || ""; }

async function loadBrief() {
  const scenario = $("scenario").value;
  const r = await fetch(`/api/brief/${encodeURIComponent(scenario)}`);
  const card = await r.json();
  if (card.error) { msg(card.error); return; }
  const dl = $("brief-lines");
  dl.replaceChildren();
  for (const [heading, text] of card.brief) {
    const dt = document.createElement("dt"); dt.textContent = heading;
    const dd = document.createElement("dd"); dd.textContent = text;
    dl.append(dt, dd);
  }
  lines = card.lines;
  briefFor = scenario;
  $("caller-lines").replaceChildren(...lines.map((line) => { const li = document.createElement("li"); li.textContent = line; return li; }));
  startBriefTimer();
}

function startBriefTimer() {
  clearInterval(briefTimer);
  let left = BRIEF_S;
  $("brief-timer").textContent = `${left} s to read`;
  briefTimer = setInterval(() => {
    left -= 1;
    $("brief-timer").textContent = left > 0 ? `${left} s to read` : "time to act";
    if (left <= 0) clearInterval(briefTimer);
  }, 1000);
}

function encodeWav(blocks, frames, channels, rate) {
  const view = new DataView(new ArrayBuffer(44 + frames * channels * 2));
  const text = (at, s) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  text(0, "RIFF"); view.setUint32(4, 36 + frames * channels * 2, true); text(8, "WAVE");
  text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, channels, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate * channels * 2, true); view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, frames * channels * 2, true);
  let at = 44;
  for (const block of blocks) {
    for (let i = 0; i < block[0].length; i++) {
      for (let c = 0; c < channels; c++) {
        const v = Math.max(-1, Math.min(1, (block[c] || block[0])[i]));
        view.setInt16(at, v < 0 ? v * 0x8000 : v * 0x7fff, true);
        at += 2;
      }
    }
  }
  return new Blob([view.buffer], { type: "audio/wav" });
}

function flush() {
  const r = rec;
  if (!r.pendingFrames) return r.chain;
  const wav = encodeWav(r.pending, r.pendingFrames, r.channels, r.rate);
  r.pending = []; r.pendingFrames = 0;
  const cues = encodeURIComponent(JSON.stringify(r.cues.map((c) => [c.start_s, c.end_s]))); // not the agent: the live line leaves them out
  r.chain = r.chain.then(() => vc.post(`/api/takes/${r.take.id}/chunk?cues=${cues}`, wav, { "Content-Type": "audio/wav" })).then((answer) => {
    if (answer.error) { msg(answer.error); return; }
    $("saved").textContent = `${answer.seconds.toFixed(1)} s saved on this machine`;
    showLive(answer.live);
  });
  return r.chain;
}

// The live pace line (voicecoach/live.py on the server, one update per stretch): one line of values,
// one line for the nudge; colour only on what is judged (the rate and the pause against the scene's
// bands, clipping), as on the terminal.
function showLive(live) {
  if (!live || rec === null) return;
  const span = (text, tone) => { const s = document.createElement("span"); s.textContent = text; if (tone) s.className = tone; return s; };
  const parts = [live.pace_wpm == null ? span("pace –") : span(`pace ~${live.pace_wpm} wpm`, live.tone), ` (${live.target})`];
  if (live.pause) parts.push(" · ", `${live.pause.label} `, span(`${live.pause.s.toFixed(1)} s`, live.pause.tone));
  parts.push(" · ", `level ${live.level_dbfs == null ? "–" : live.level_dbfs} dBFS`);
  if (live.clipping) parts.push(" ", span("CLIP", "bad"));
  $("live").replaceChildren(...parts);
  $("live").classList.remove("muted");
  $("live").dataset.rate = live.pace_wpm == null ? "" : String(live.pace_wpm);
  $("nudge").textContent = live.nudge ? `› ${live.nudge}` : "";
}

// Capture: every frame the microphone delivers, in order. MediaStreamTrackProcessor reads the track
// itself (Chrome, Edge), queueing up to 10 s while the page is busy; an AudioWorklet (elsewhere)
// goes through the audio render clock, whose input FIFO drops frames when the machine is loaded:
// on a busy 2-core machine a 3.6 s pause came out 0.17 s short that way.
function readTrack(track) {
  const reader = new MediaStreamTrackProcessor({ track, maxBufferSize: 1000 }).readable.getReader();
  return (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const n = value.numberOfFrames, channels = [];
      for (let c = 0; c < Math.min(2, value.numberOfChannels); c++) {
        const plane = new Float32Array(n);
        value.copyTo(plane, { planeIndex: c, format: "f32-planar" });
        channels.push(plane);
      }
      const rate = value.sampleRate;
      value.close();
      onBlock(channels, rate, null);
    }
  })();
}

async function readWorklet(ctx, stream) {
  await ctx.audioWorklet.addModule("/static/recorder-worklet.js");
  const source = ctx.createMediaStreamSource(stream);
  const channels = Math.min(2, stream.getAudioTracks()[0].getSettings().channelCount || 1);
  const node = new AudioWorkletNode(ctx, "recorder", { channelCount: channels, channelCountMode: "explicit", channelInterpretation: "discrete" });
  const silent = ctx.createGain(); silent.gain.value = 0; // the worklet runs only when pulled by the output
  source.connect(node); node.connect(silent); silent.connect(ctx.destination);
  node.port.onmessage = (ev) => onBlock(ev.data.channels, ctx.sampleRate, ev.data.start);
  return Promise.resolve(); // blocks arrive as messages: nothing queued to wait for at Stop
}

function onBlock(channels, rate, start) {
  const r = rec;
  if (!r || r.stopping) return;
  if (r.startTime === null) { // the take's clock zero on the playback clock, for the cue times
    r.startTime = start !== null ? start : r.ctx.currentTime - channels[0].length / rate;
    r.rate = rate; r.channels = channels.length;
  }
  r.pending.push(channels); r.pendingFrames += channels[0].length; r.frames += channels[0].length;
  for (const ch of channels) { let e = 0; for (const v of ch) e += v * v; r.energy = Math.max(r.energy, e / ch.length); }
  r.energyFrames += channels[0].length;
  if (r.energyFrames >= 0.05 * r.rate) { // the level over 0.05 s, as the CLI's meter
    r.levelDb = 10 * Math.log10(r.energy + 1e-12); r.energy = 0; r.energyFrames = 0;
  }
  if (r.pendingFrames >= STRETCH_S * r.rate) flush();
}

class CuePlayer {
  // plays each caller line, waits for the reply (speech, then a pause), then the next: practice.CueScheduler's rules
  constructor(r) { this.r = r; this.index = 0; this.state = "lead"; this.buffers = []; }
  async play() {
    this.state = "loading";
    const r = this.r, scenario = r.scenario;
    if (!this.buffers[this.index]) {
      const answer = await fetch(`/cues/${encodeURIComponent(scenario)}/${this.index}.wav`);
      this.buffers[this.index] = await r.ctx.decodeAudioData(await answer.arrayBuffer());
    }
    const buffer = this.buffers[this.index];
    const source = r.ctx.createBufferSource();
    source.buffer = buffer; source.connect(r.ctx.destination);
    const when = r.ctx.currentTime + 0.05;
    source.start(when);
    const start = r.frames / r.rate + (when - r.ctx.currentTime); // on the take's own clock: its frames so far
    r.cues.push({ start_s: start, end_s: start + buffer.duration, text: lines[this.index] });
    this.endS = start + buffer.duration; this.heard = false; this.quietSince = null;
    this.state = "playing";
    $("cue-now").textContent = `caller: “${lines[this.index]}”`;
  }
  tick(elapsed, db) {
    if (this.state === "lead" && elapsed >= timing.lead_in_s) this.play();
    else if (this.state === "playing" && elapsed >= this.endS) this.state = "waiting";
    else if (this.state === "waiting") {
      const waited = elapsed - this.endS;
      if (waited < timing.echo_guard_s) return;
      if (db > timing.speech_dbfs) { this.heard = true; this.quietSince = null; }
      else if (this.heard && this.quietSince === null) this.quietSince = elapsed;
      const last = this.index === lines.length - 1;
      const pause = last ? timing.end_pause_s : timing.reply_pause_s;
      const replied = this.heard && this.quietSince !== null && elapsed - this.quietSince >= pause;
      if (replied || waited >= timing.cue_wait_s) {
        if (last) { this.state = "done"; stop(); } else { this.index += 1; this.play(); }
      }
    }
  }
}

async function begin(kind) {
  msg("");
  const agent = $("agent").value.trim();
  if (!agent) { msg("Error: type the agent's name first"); return; }
  if (briefFor !== $("scenario").value) await loadBrief(); // the caller's lines of the scene chosen now
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: { ideal: 2 }, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  } catch (e) {
    msg(`Error: the microphone is not available (${e.name}): allow it for this page and press Record again`);
    return;
  }
  const take = await vc.post("/api/takes", { agent, scenario: $("scenario").value, kind });
  if (take.error) { stream.getTracks().forEach((t) => t.stop()); msg(take.error); return; }
  clearInterval(briefTimer);
  $("brief-timer").textContent = "";
  const ctx = new AudioContext(); // plays the caller's lines; its clock times them
  rec = { take, kind, ctx, stream, scenario: $("scenario").value, pending: [], pendingFrames: 0, frames: 0, rate: null, channels: null,
          startTime: null, chain: Promise.resolve(), cues: [], energy: 0, energyFrames: 0, levelDb: -120, stopping: false };
  rec.done = "MediaStreamTrackProcessor" in window ? readTrack(stream.getAudioTracks()[0]) : await readWorklet(ctx, stream);
  rec.cuePlayer = $("cues").checked && kind === "take" && lines.length ? new CuePlayer(rec) : null;
  rec.timer = setInterval(tick, 50);
  $("debrief").hidden = true;
  for (const id of ["record", "rewind", "rerun"]) $(id).disabled = true;
  $("stop").disabled = false;
  $("saved").textContent = `recording ${take.kind} ${take.take} (${take.name})`;
  $("live").textContent = "live pace line: from the first stretch saved"; $("live").classList.add("muted"); $("nudge").textContent = "";
  document.body.dataset.state = "recording";
}

function tick() {
  const r = rec;
  if (!r) return;
  const elapsed = r.rate ? r.frames / r.rate : 0;
  $("elapsed").textContent = `${elapsed.toFixed(1)} s`;
  $("level-db").textContent = `${r.levelDb.toFixed(0)} dBFS`;
  $("level").style.width = `${Math.max(0, Math.min(100, (r.levelDb + 60) / 60 * 100))}%`;
  if (r.cuePlayer && r.startTime !== null) r.cuePlayer.tick(elapsed, r.levelDb);
}

async function stop() {
  const r = rec;
  if (!r || r.stopRequested) return;
  r.stopRequested = true;
  clearInterval(r.timer);
  $("stop").disabled = true;
  r.stream.getTracks().forEach((t) => t.stop());
  await Promise.race([r.done, new Promise((ok) => setTimeout(ok, 2000))]); // the frames still queued
  r.stopping = true;
  await flush();
  await r.ctx.close();
  document.body.dataset.state = "analysing";
  $("saved").textContent = "analysing the take on this machine (Whisper, no cloud) …";
  const result = await vc.post(`/api/takes/${r.take.id}/stop`, { cues: r.cues });
  rec = null;
  for (const id of ["record", "rewind", "rerun"]) $(id).disabled = false;
  if (result.error) { msg(result.error); document.body.dataset.state = "error"; return; }
  showDebrief(result);
}

// One big figure per scenario target, as the report's headline row (metrics.headline_rows): judged
// against the card's norms (colour by its status), or greyed with "?" and the reason when unsure.
const STATUS_TONE = { met: "ok", close: "warn", missed: "bad" };
function figure(f) {
  const div = document.createElement("div");
  div.className = f.unsure ? "figure unsure" : `figure ${STATUS_TONE[f.status] || ""}`;
  const big = document.createElement("span"); big.className = "big"; big.textContent = f.value;
  const label = document.createElement("span"); label.className = "label"; label.textContent = f.label;
  const note = document.createElement("small"); note.textContent = f.unsure ? `unsure: ${f.why || f.note}` : f.note;
  div.append(big, label, note);
  return div;
}

function showDebrief(d) {
  $("debrief-take").textContent = `${d.take} · ${d.duration_s.toFixed(1)} s · ${d.layout}`;
  $("d-figures").replaceChildren(...d.figures.map(figure));
  $("d-latencies").textContent = d.latencies_s.length ? d.latencies_s.map((v) => `${v.toFixed(2)} s`).join(", ") : (d.first_word_s != null ? `first word after ${d.first_word_s.toFixed(2)} s` : "–");
  $("d-strengths").replaceChildren(...(d.strengths.length ? d.strengths : [d.note || "pick a scene card to get strengths"]).map((s) => { const li = document.createElement("li"); li.textContent = s; return li; }));
  vc.text($("d-adjustment"), d.adjustment);
  $("d-commitment").textContent = d.commitment ? `Next take: ${d.commitment}` : "";
  $("d-warnings").replaceChildren(...d.warnings.map((w) => { const li = document.createElement("li"); li.textContent = `warning: ${w}`; return li; }));
  $("d-report").href = d.report;
  $("report").src = d.report;
  $("debrief").hidden = false;
  $("debrief").dataset.result = JSON.stringify(d);
  $("saved").textContent = `${d.take} saved and analysed`;
  document.body.dataset.state = "debrief";
  $("debrief").scrollIntoView({ behavior: "smooth" });
}

$("scenario").addEventListener("change", loadBrief);
$("record").addEventListener("click", () => begin("take"));
$("rerun").addEventListener("click", () => begin("take"));
$("rewind").addEventListener("click", () => begin("rewind"));
$("stop").addEventListener("click", stop);
window.addEventListener("beforeunload", () => { if (rec) flush(); });
loadBrief();
