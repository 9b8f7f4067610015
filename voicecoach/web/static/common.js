// Shared by the pages: POST with the CSRF token (double-submit: the cookie and this header).
"use strict";
window.vc = {
  csrf: () => document.querySelector('meta[name="csrf-token"]').content,
  async post(url, body, headers = {}) {
    const json = !(body instanceof Blob || body instanceof ArrayBuffer || body instanceof File);
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": vc.csrf(), ...(json ? { "Content-Type": "application/json" } : {}), ...headers },
      body: json ? JSON.stringify(body) : body,
    });
    let data;
    try { data = await response.json(); } catch (e) { data = { error: `Error: the server answered ${response.status}` }; }
    if (!response.ok && !data.error) data.error = `Error: the server answered ${response.status}`;
    return data;
  },
  text(el, value) { el.textContent = value == null ? "–" : String(value); },
};
