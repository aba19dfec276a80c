/**
 * The landing page's script, sent inline as it is written here (no build step, no framework). It
 * follows one user: their REST read first, so a bad or unknown id shows the API's own error, then
 * Lantern's socket protocol (README, "The socket"), and it reloads the card whenever a
 * PRESENCE_UPDATE arrives. Everything it draws goes in through textContent, never as markup.
 *
 * Kept free of backticks and dollar-brace so it can live in a template literal unchanged.
 */
export const LANDING_SCRIPT = String.raw`
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const root = $("landing");
  const { origin, idPlaceholder, userPath, cardPath } = root.dataset;
  const form = $("user-form");
  const input = $("user-id");
  const options = $("card-options");
  const card = $("card");
  const view = $("presence");
  const errorBox = $("presence-error");
  const stateBadge = $("socket-state");
  const updated = $("presence-updated");
  const payload = $("presence-json");

  const STATUS = { online: "Online", idle: "Idle", dnd: "Do not disturb", offline: "Offline" };
  const DOING = { 0: "Playing", 1: "Streaming", 2: "Listening to", 3: "Watching", 5: "Competing in" };
  const PLATFORMS = ["desktop", "mobile", "web", "embedded", "vr"];

  let current = "";
  // Bumped whenever the followed user changes: answers meant for an earlier one are dropped.
  let generation = 0;
  let socket = null;
  let heartbeat = 0;
  let retries = 0;
  let shownCard = card.getAttribute("src");
  let cardObjectUrl = null;
  let cardLoads = 0;

  // The same placeholders as the server's fillTemplate (workers/landing/snippets.ts).
  const fill = (template, values) =>
    template.replace(/\{(origin|socket|id|query)\}/g, (_, name) => values[name]);

  function cardQuery() {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(options)) if (value !== "") query.append(name, value);
    const text = query.toString();
    return text ? "&" + text : "";
  }

  const values = (base) => ({
    origin: base,
    socket: base.replace(/^http/, "ws"),
    id: current ? encodeURIComponent(current) : idPlaceholder,
    query: cardQuery(),
  });

  function renderSnippets() {
    for (const code of document.querySelectorAll("[data-template]")) {
      code.textContent = fill(code.dataset.template, values(origin));
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setState(state, label) {
    stateBadge.dataset.state = state;
    stateBadge.textContent = label;
  }

  function showError(status, message) {
    errorBox.replaceChildren();
    if (status) errorBox.append(el("strong", "", status), " ");
    errorBox.append(message);
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
  }

  function showEmpty(text) {
    view.replaceChildren(el("p", "empty", text));
    view.removeAttribute("data-user");
    updated.textContent = "";
    payload.textContent = "";
  }

  function activityBlock(title, ...details) {
    const block = el("div", "activity");
    block.append(el("p", "", title));
    for (const detail of details) if (detail) block.append(el("p", "detail", detail));
    return block;
  }

  function renderUser(user, source) {
    const who = user.metadata;
    const rows = [];
    const head = el("div", "who");
    head.append(
      el("span", "dot " + user.status),
      el("strong", "name", who.global_name || who.username),
      el("span", "handle", "@" + who.username),
    );
    rows.push(head, el("p", "status-line", STATUS[user.status] || user.status));
    const on = PLATFORMS.filter((platform) => user.active_platforms[platform] !== "offline");
    if (on.length) {
      const chips = el("ul", "chips");
      for (const platform of on) chips.append(el("li", "", platform + ": " + user.active_platforms[platform]));
      rows.push(chips);
    }
    const spotify = user.active_platforms.spotify;
    if (spotify) {
      const artist = Array.isArray(spotify.artist) ? spotify.artist.join(", ") : spotify.artist;
      const time = spotify.time.end_human_readable
        ? (spotify.time.current_human_readable || "0:00") + " / " + spotify.time.end_human_readable
        : "";
      rows.push(activityBlock("Listening to Spotify: " + (spotify.song || "a track"), artist && "by " + artist, spotify.album, time));
    }
    for (const activity of user.activities) {
      if (activity.type === 4) {
        const emoji = activity.emoji && activity.emoji.name ? activity.emoji.name + " " : "";
        rows.push(activityBlock("Custom status: " + emoji + (activity.text || "")));
      } else if (!(spotify && activity.type === 2 && activity.name === "Spotify")) {
        rows.push(activityBlock((DOING[activity.type] || "Doing") + " " + activity.name, activity.details, activity.state));
      }
    }
    if (!user.activities.length) rows.push(el("p", "empty", "Not doing anything right now."));
    if (user.status === "offline" && user.last_seen_at) {
      rows.push(el("p", "detail", "Last seen " + new Date(user.last_seen_at.raw).toLocaleString()));
    }
    const pairs = Object.entries(user.storage || {});
    if (pairs.length) {
      const list = el("dl", "storage");
      for (const [key, value] of pairs) list.append(el("dt", "", key), el("dd", "", value));
      rows.push(list);
    }
    view.replaceChildren(...rows);
    view.dataset.user = who.id;
    updated.textContent = "Updated " + new Date().toLocaleTimeString() + " from " + source;
    payload.textContent = JSON.stringify(user, null, 2);
  }

  // A card URL answers with max-age=30, so a changed presence is fetched past the browser's cache
  // and shown from a blob; the <img> keeps its size while the next one loads.
  async function loadCard(force) {
    if (!current) {
      card.hidden = true;
      return;
    }
    card.hidden = false;
    const path = fill(cardPath, values(""));
    if (!force && path === shownCard) return;
    shownCard = path;
    const load = ++cardLoads;
    try {
      const response = await fetch(path, { cache: "no-cache" });
      const blob = await response.blob();
      if (load !== cardLoads) return;
      const previous = cardObjectUrl;
      cardObjectUrl = URL.createObjectURL(blob);
      card.src = cardObjectUrl;
      if (previous) URL.revokeObjectURL(previous);
    } catch {
      if (load === cardLoads) shownCard = null;
    }
  }

  function closeSocket() {
    clearInterval(heartbeat);
    if (socket) {
      socket.onclose = null;
      socket.close(1000);
      socket = null;
    }
  }

  function connect(id, mine) {
    closeSocket();
    setState("connecting", "connecting");
    const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/socket");
    socket = ws;
    ws.onmessage = (event) => {
      if (mine !== generation) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.op === 1) {
        heartbeat = setInterval(() => ws.send('{"op":4}'), frame.d.heartbeat_interval);
        ws.send(JSON.stringify({ op: 2, d: { user_id: id } }));
      } else if (frame.op === 3) {
        retries = 0;
        setState("live", "live");
        renderUser(frame.d, "INIT_ACK");
      } else if (frame.op === 6) {
        renderUser(frame.d, "PRESENCE_UPDATE");
        loadCard(true);
      } else if (frame.op === 10) {
        renderUser(frame.d, "STORAGE_UPDATE");
      } else if (frame.op === 7) {
        showError("", "This user is no longer in a server this deployment watches.");
      } else if (frame.op === 11) {
        showError("socket", String(frame.d));
      }
    };
    ws.onclose = (event) => {
      if (mine !== generation) return;
      clearInterval(heartbeat);
      socket = null;
      if (event.code === 4000) {
        setState("closed", "closed: nobody left to follow");
        return;
      }
      const wait = Math.min(30000, 1000 * 2 ** retries++);
      setState("retrying", "disconnected, retrying in " + Math.round(wait / 1000) + " s");
      setTimeout(() => mine === generation && connect(id, mine), wait);
    };
  }

  async function follow(id) {
    current = id;
    const mine = ++generation;
    closeSocket();
    clearError();
    renderSnippets();
    loadCard(false);
    const url = new URL(location.href);
    if (id) url.searchParams.set("user", id);
    else url.searchParams.delete("user");
    history.replaceState(null, "", url);
    if (!id) {
      setState("idle", "not connected");
      showEmpty("Type an id above to follow someone live.");
      return;
    }
    setState("connecting", "reading");
    let response;
    let body;
    try {
      response = await fetch(fill(userPath, values("")), { headers: { accept: "application/json" } });
      body = await response.json();
    } catch (error) {
      if (mine !== generation) return;
      setState("idle", "not connected");
      showError("", "Could not reach the API: " + error.message);
      return;
    }
    if (mine !== generation) return;
    if (!response.ok) {
      setState("idle", "not connected");
      showEmpty("Nothing to show for this id.");
      showError(String(response.status), (body && body.error) || response.statusText);
      return;
    }
    renderUser(body, "REST read");
    connect(id, mine);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    follow(input.value.trim());
  });
  options.addEventListener("change", () => {
    renderSnippets();
    loadCard(false);
  });
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const code = $(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(code.textContent);
      button.textContent = "Copied";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      button.textContent = "Selected: copy it";
    }
    setTimeout(() => (button.textContent = "Copy"), 1600);
  });

  follow(input.value.trim());
})();
`;
