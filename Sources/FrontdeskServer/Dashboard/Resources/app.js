// Frontdesk dashboard: the few things a server-rendered page cannot do alone. No framework, no inline
// script (the Content-Security-Policy forbids it): behaviour hangs off data- attributes.
"use strict";

document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});

document.addEventListener("change", (event) => {
  if (event.target.hasAttribute("data-autosubmit")) event.target.form.submit();
});

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Live calls: the page lists the calls in progress at render time, then follows /api/ws (the session
// cookie authenticates the socket; no token in the URL) and adds calls and turns as they are committed.
function liveCalls(root) {
  const business = root.getAttribute("data-business");
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const zone = root.getAttribute("data-zone");
  const list = root.querySelector("[data-calls]");
  const empty = root.querySelector("[data-empty]");
  const status = root.querySelector("[data-status]");
  const time = new Intl.DateTimeFormat("en-US", { timeZone: zone, hour: "numeric", minute: "2-digit", second: "2-digit" });
  let last = null;
  let retry = 500;

  function card(call) {
    let node = document.getElementById("call-" + call.id);
    if (node) return node;
    node = element("article", { id: "call-" + call.id, class: "card live-call", "aria-live": "polite" });
    const head = element("h2");
    head.append(element("a", { href: "/calls/" + encodeURIComponent(call.id) + "?b=" + encodeURIComponent(business) }, call.phone || "Unknown caller"));
    head.append(" ", element("span", { class: "badge ok", "data-state": "" }, "live"));
    node.append(head);
    node.append(element("p", { class: "muted" }, "Started " + (call.started_at ? time.format(new Date(call.started_at)) : "")));
    node.append(element("ol", { class: "transcript", "data-turns": "" }));
    const actions = [["takeover", "Take over", "Transfer this caller to your phone?", ""], ["hangup", "Hang up", "End this call? The caller hears a goodbye.", "danger"]];
    for (const [action, label, question, style] of actions) {
      const form = element("form", { method: "post", action: "/calls/" + encodeURIComponent(call.id) + "/" + action + "?b=" + encodeURIComponent(business), class: "inline", "data-confirm": question });
      form.append(element("input", { type: "hidden", name: "_csrf", value: csrf }));
      form.append(element("button", { type: "submit", class: style }, label));
      node.append(form);
    }
    list.prepend(node);
    if (empty) empty.hidden = true;
    return node;
  }

  function turn(data, committedAt) {
    const node = card({ id: data.call_id });
    const turns = node.querySelector("[data-turns]");
    if (turns.querySelector('[data-sequence="' + data.sequence + '"]')) return;
    const item = element("li", { class: data.speaker, "data-sequence": String(data.sequence) });
    item.append(element("span", { class: "who" }, (data.speaker === "caller" ? "Caller" : data.speaker === "agent" ? "Agent" : "System") + " · " + time.format(new Date(data.started_at || committedAt))));
    item.append(document.createTextNode(data.text));
    if (data.speaker === "agent") {
      const previous = turns.lastElementChild;
      if (previous && previous.classList.contains("caller") && previous.dataset.endedAt) {
        const latency = Date.parse(data.started_at) - Date.parse(previous.dataset.endedAt);
        if (latency >= 0) item.append(element("span", { class: "muted", "data-latency": "" }, " (" + latency + " ms)"));
      }
    }
    if (data.ended_at) item.dataset.endedAt = data.ended_at;
    // How long after the turn was committed it appeared here (the dashboard benchmark reads it).
    item.dataset.lagMs = String(Date.now() - Date.parse(committedAt));
    turns.append(item);
  }

  // What happened between this page's render and the socket's subscription: the page is fetched once
  // more and any call or turn not shown yet is taken from it (the socket carries everything after).
  function catchUp() {
    fetch(location.href, { credentials: "same-origin" }).then((response) => response.text()).then((text) => {
      const fresh = new DOMParser().parseFromString(text, "text/html");
      for (const article of fresh.querySelectorAll(".live-call")) {
        const existing = document.getElementById(article.id);
        if (!existing) {
          list.append(document.importNode(article, true));
          if (empty) empty.hidden = true;
          continue;
        }
        const turns = existing.querySelector("[data-turns]");
        for (const item of article.querySelectorAll("[data-turns] li")) {
          if (turns.querySelector('[data-sequence="' + item.dataset.sequence + '"]')) continue;
          const later = Array.from(turns.children).find((shown) => Number(shown.dataset.sequence) > Number(item.dataset.sequence));
          turns.insertBefore(document.importNode(item, true), later || null);
        }
      }
    }).catch(() => {});
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let url = scheme + "://" + location.host + "/api/ws?business_id=" + encodeURIComponent(business);
    if (last) url += "&last_event_id=" + encodeURIComponent(last);
    const socket = new WebSocket(url);
    socket.onopen = () => { status.textContent = "Connected — calls appear here as they are answered."; retry = 500; };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "subscribed" && !last) catchUp();
      if (!event.id) return;
      last = event.id;
      if (event.type === "call.started") card(event.data);
      else if (event.type === "transcript.turn") turn(event.data, event.timestamp);
      else if (event.type === "call.ended") {
        const node = card(event.data);
        node.classList.add("ended");
        const state = node.querySelector("[data-state]");
        state.textContent = "ended" + (event.data.outcome ? " · " + event.data.outcome : "");
        state.className = "badge";
        for (const form of node.querySelectorAll("form")) form.remove();
      }
    };
    socket.onclose = () => {
      status.textContent = "Disconnected — reconnecting…";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }
  connect();
}

const live = document.querySelector("[data-live-calls]");
if (live) liveCalls(live);
