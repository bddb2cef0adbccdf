// Staff scanner (签到/签退): the phone camera → jsQR → a queue kept in localStorage → POST when online.
//
// Every scan gets a random nonce and its scan time, and stays in the queue until the server has
// answered for it (ok / already / refused), so a dropped connection (a basement, a crowded square)
// loses nothing, and sending the same scan twice counts it once (the server records each nonce).
// No inline script, no eval, no worker: the CSP allows only 'self' scripts.
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

  var video = document.getElementById("scan-video");
  var startButton = document.getElementById("scan-start");
  var stopButton = document.getElementById("scan-stop");
  var cameraMessage = document.getElementById("scan-camera-msg");
  var walkIn = document.getElementById("scan-walk-in");
  var pendingCount = document.getElementById("scan-pending");
  var onlineTag = document.getElementById("scan-online");
  var message = document.getElementById("scan-message");
  var recentList = document.getElementById("scan-recent");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
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
    pendingCount.textContent = String(load(QUEUE).length);
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

  // --- the camera ---------------------------------------------------------------------------
  function onCode(text) {
    var now = Date.now();
    if (!text || (text === lastCode && now - lastAt < SAME_CODE_MS)) return;
    lastCode = text;
    lastAt = now;
    root.classList.add("scanner-hit");
    window.setTimeout(function () { root.classList.remove("scanner-hit"); }, 400);
    enqueue(text);
  }

  function tick() {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      var scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                              { inversionAttempts: "dontInvert" });
      if (found && found.data) onCode(found.data);
    }
    window.setTimeout(function () { window.requestAnimationFrame(tick); }, 120);
  }

  function startCamera() {
    if (!window.jsQR) {
      cameraMessage.textContent = d.msgNoDecoder;
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraMessage.textContent = window.isSecureContext === false ? d.msgInsecure : d.msgNoCamera;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        cameraMessage.textContent = "";
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(tick); })
      .catch(function () {
        stopCamera();
        cameraMessage.textContent = d.msgNoCamera;
      });
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    startButton.hidden = false;
    stopButton.hidden = true;
  }

  // --- wiring -------------------------------------------------------------------------------
  startButton.addEventListener("click", startCamera);
  stopButton.addEventListener("click", stopCamera);
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
  window.addEventListener("pagehide", stopCamera);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") send();
  });
  window.setInterval(send, RETRY_MS);
  render();
  send();
})();
