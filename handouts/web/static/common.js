// Shared by the pages: requests carry the CSRF token; files are handed to the browser, never stored.
"use strict";

const handouts = {
  csrf() {
    return document.querySelector('meta[name="csrf-token"]').content;
  },

  async post(url, body, type = "application/json", headers = {}) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": type, "X-CSRF-Token": handouts.csrf(), ...headers },
      body: type === "application/json" ? JSON.stringify(body) : body,
    });
    return response;
  },

  async errorText(response) {
    try {
      const data = await response.json();
      return data.error || response.statusText;
    } catch (e) {
      return response.statusText || "the server did not answer";
    }
  },

  save(blob, name) {
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  },

  bytes(base64) {
    const raw = atob(base64);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  },
};
