// Staff scanner (签到/签退): the phone camera (qrscan.js) → a queue kept in localStorage → POST when
// online. The page itself opens without a network too: checkin-sw.js keeps it and its assets.
//
// Every scan gets a random nonce and its scan time, and stays in the queue until the server has
// answered for it (ok / already / refused), so a dropped connection (a basement, a crowded square)
// loses nothing, and sending the same scan twice counts it once (the server records each nonce).
// No inline script, no eval: the CSP allows only 'self' scripts (the service worker is 'self' too).
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) return;
  var d = root.dataset;
  var QUEUE = d.queueKey;
  var RECENT = d.queueKey + ":recent";
  var BATCH = 50;
  var RETRY_MS = 15000;
  var SAME_CODE_MS = 4000;

  var walkIn = document.getElementById("scan-walk-in");
  var pendingCount = document.getElementById("scan-pending");
  var pendingLabel = document.getElementById("scan-pending-label");
  var baseTitle = document.title;
  var onlineTag = document.getElementById("scan-online");
  var message = document.getElementById("scan-message");
  var recentList = document.getElementById("scan-recent");
  var sending = false;
  var lastCode = "";
  var lastAt = 0;

  // --- the queue ----------------------------------------------------------------------------
  function load(key) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      showMessage(d.msgError);
    }
  }

  function nonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function currentMode() {
    var checked = root.querySelector("input[name=scan-mode]:checked");
    return checked ? checked.value : "in";
  }

  function enqueue(code) {
    var scan = {
      nonce: nonce(),
      code: code,
      mode: currentMode(),
      walk_in: !!(walkIn && walkIn.checked),
      scanned_at: new Date().toISOString()
    };
    var queue = load(QUEUE);
    queue.push(scan);
    save(QUEUE, queue);
    var recent = load(RECENT);
    recent.unshift({ nonce: scan.nonce, mode: scan.mode, at: scan.scanned_at,
                     result: "pending", message: d.msgPending, name: "" });
    save(RECENT, recent.slice(0, 30));
    if (navigator.vibrate) navigator.vibrate(60);
    render();
    send();
  }

  // --- sending ------------------------------------------------------------------------------
  function send() {
    var queue = load(QUEUE);
    if (sending || !queue.length || navigator.onLine === false) {
      render();
      return;
    }
    sending = true;
    fetch(d.scansUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": d.csrf },
      body: JSON.stringify(queue.slice(0, BATCH))
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || response.status === 401 || response.status === 403) {
          throw { text: d.msgLogin };
        }
        if (response.status === 400 && type.indexOf("application/json") === -1) {
          throw { text: d.msgError, csrf: true };
        }
        if (type.indexOf("application/json") === -1) throw { text: d.msgError };
        return response.json().then(function (body) {
          if (!response.ok) throw { text: body.error || d.msgError };
          return body;
        });
      })
      .then(function (body) {
        var answered = {};
        (body.results || []).forEach(function (result) { answered[result.nonce] = result; });
        // only what the server settled leaves the queue; a "retry" (a check-out whose check-in
        // is still in another phone's queue) goes to the back and is sent again later
        var queue = load(QUEUE);
        var waiting = queue.filter(function (scan) { return !answered[scan.nonce]; });
        var again = queue.filter(function (scan) {
          return answered[scan.nonce] && answered[scan.nonce].result === "retry";
        });
        save(QUEUE, waiting.concat(again));
        save(RECENT, load(RECENT).map(function (item) {
          var result = answered[item.nonce];
          if (result) {
            item.result = result.result;
            item.message = result.message;
            item.name = result.name;
          }
          return item;
        }));
        showMessage("");
        sending = false;
        document.body.dispatchEvent(new CustomEvent("scans-sent"));
        if (waiting.length && (body.results || []).length) send();
        else render();
      })
      .catch(function (error) {
        sending = false;
        showMessage((error && error.text) || d.msgError);
        render();
        if (error && error.csrf && !refreshing) freshToken();
      });
  }

  // A page opened offline is the copy kept at an earlier visit: its form token may belong to a
  // session since ended (signed out and in again). Read the current one from the page itself,
  // once per refusal, and send again; the worker keeps the fresh copy on the way.
  var refreshing = false;
  function freshToken() {
    refreshing = true;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected || !response.ok) throw { text: d.msgLogin };
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("scanner");
        if (!fresh || !fresh.dataset.csrf) throw { text: d.msgError };
        d.csrf = fresh.dataset.csrf;
        refreshing = false;
        send();
      })
      .catch(function (error) {
        refreshing = false;  // tried again at the next send, at most every RETRY_MS
        showMessage((error && error.text) || d.msgError);
      });
  }

  // --- what the staff member sees -----------------------------------------------------------
  function showMessage(text) {
    if (message) message.textContent = text || "";
  }

  function clock(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2) +
      ":" + ("0" + date.getSeconds()).slice(-2);
  }

  function render() {
    var offline = navigator.onLine === false;
    var waiting = load(QUEUE).length;
    pendingCount.textContent = String(waiting);
    pendingLabel.classList.toggle("scan-waiting", waiting > 0);
    // the count in the tab's title too: seen from another tab, or with the phone's screen half off
    document.title = (waiting ? "(" + waiting + ") " : "") + baseTitle;
    onlineTag.textContent = offline ? d.msgOffline : d.msgOnline;
    onlineTag.className = offline ? "tag tag-warn" : "tag tag-ok";
    root.classList.toggle("scanner-out", currentMode() === "out");
    root.classList.toggle("scanner-in", currentMode() !== "out");
    recentList.textContent = "";
    load(RECENT).forEach(function (item) {
      var li = document.createElement("li");
      li.className = "scan-item scan-" + String(item.result).replace(/[^a-z]/g, "");
      var head = document.createElement("span");
      head.className = "scan-head";
      head.textContent = (item.mode === "out" ? d.msgOut : d.msgIn) + " · " + clock(item.at) +
        (item.name ? " · " + item.name : "");
      var text = document.createElement("span");
      text.className = "scan-msg";
      text.textContent = item.message || "";
      li.appendChild(head);
      li.appendChild(text);
      recentList.appendChild(li);
    });
  }

  // --- the camera (qrscan.js) -------------------------------------------------------------
  function onCode(text) {
    var now = Date.now();
    if (!text || (text === lastCode && now - lastAt < SAME_CODE_MS)) return;
    lastCode = text;
    lastAt = now;
    root.classList.add("scanner-hit");
    window.setTimeout(function () { root.classList.remove("scanner-hit"); }, 400);
    enqueue(text);
  }

  if (window.QrScan) {
    window.QrScan.attach({
      video: document.getElementById("scan-video"),
      start: document.getElementById("scan-start"),
      stop: document.getElementById("scan-stop"),
      message: document.getElementById("scan-camera-msg"),
      messages: { noDecoder: d.msgNoDecoder, noCamera: d.msgNoCamera, insecure: d.msgInsecure },
      onCode: onCode
    });
  }

  // --- wiring -------------------------------------------------------------------------------
  document.getElementById("scan-send").addEventListener("click", send);
  document.getElementById("scan-manual").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = event.target.elements.code;
    var value = input.value.trim();
    if (value) enqueue(value);
    input.value = "";
    input.focus();
  });
  root.querySelectorAll("input[name=scan-mode]").forEach(function (radio) {
    radio.addEventListener("change", render);
  });
  window.addEventListener("online", send);
  window.addEventListener("offline", render);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") send();
  });
  window.setInterval(send, RETRY_MS);
  render();
  send();

  // --- opening without a network (templates/checkin/sw.js) ---------------------------------
  // read now: the new worker may claim this page before the registration below resolves
  var servedByWorker = !!(navigator.serviceWorker && navigator.serviceWorker.controller);

  function offlineReady() {
    root.dataset.offlineReady = "1";
    var note = document.getElementById("scan-offline-ready");
    if (note) note.hidden = false;
  }

  function keepThisPage(registration) {
    if (servedByWorker) offlineReady();  // the worker keeps each copy it serves from the network
    if (servedByWorker || !registration.active) return;
    // loaded before the worker ran: ask it to keep this page and what the page loaded
    var assets = [];
    document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]").forEach(
      function (el) { assets.push(el.src || el.href); }
    );
    registration.active.postMessage({ keep: window.location.href, assets: assets });
  }

  if ("serviceWorker" in navigator && d.swUrl) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.kept === window.location.href) offlineReady();
    });
    navigator.serviceWorker.register(d.swUrl, { scope: d.swScope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(keepThisPage)
      .catch(function () { /* no worker (an old browser, http): the page still works online */ });
  }
})();
