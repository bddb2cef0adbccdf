// The phone camera → jsQR → a callback: the one camera loop every page that scans a QR shares
// (the staff check-in scanner, the merchant's voucher page). Load vendor/jsqr.js before it.
//
//   QrScan.attach({ video, start, stop, message, messages: { noDecoder, noCamera, insecure },
//                   onCode: function (text) {…}, once: false })  → { start(), stop() }
//
// Declarative use, no script of the page's own: a container with data-qrscan-fill="<input id>"
// holding .qrscan-video, .qrscan-start, .qrscan-stop and .qrscan-msg fills that input with the
// first code read and submits its form. The messages come from the container's data-msg-*.
// No inline script, no eval: the CSP allows only 'self' scripts.
(function () {
  "use strict";

  var FRAME_MS = 120;
  var MAX_SIDE = 640; // jsQR reads a 640-px frame as well as a full one, in a fraction of the time

  function attach(options) {
    var video = options.video;
    var startButton = options.start;
    var stopButton = options.stop;
    var message = options.message;
    var messages = options.messages || {};
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;

    function say(text) {
      if (message) message.textContent = text || "";
    }

    function tick() {
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth) {
        var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
        var width = Math.round(video.videoWidth * scale);
        var height = Math.round(video.videoHeight * scale);
        canvas.width = width;
        canvas.height = height;
        context.drawImage(video, 0, 0, width, height);
        var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                                { inversionAttempts: "dontInvert" });
        if (found && found.data) {
          if (options.once) stop();
          options.onCode(found.data);
          if (!stream) return;
        }
      }
      window.setTimeout(function () { window.requestAnimationFrame(tick); }, FRAME_MS);
    }

    function start() {
      if (!window.jsQR) {
        say(messages.noDecoder);
        return;
      }
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say(window.isSecureContext === false ? messages.insecure : messages.noCamera);
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          startButton.hidden = true;
          if (stopButton) stopButton.hidden = false;
          say("");
          return video.play();
        })
        .then(function () { window.requestAnimationFrame(tick); })
        .catch(function () {
          stop();
          say(messages.noCamera);
        });
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.hidden = true;
      startButton.hidden = false;
      if (stopButton) stopButton.hidden = true;
    }

    startButton.addEventListener("click", start);
    if (stopButton) stopButton.addEventListener("click", stop);
    window.addEventListener("pagehide", stop);
    return { start: start, stop: stop };
  }

  window.QrScan = { attach: attach };

  document.querySelectorAll("[data-qrscan-fill]").forEach(function (box) {
    var input = document.getElementById(box.dataset.qrscanFill);
    if (!input) return;
    attach({
      video: box.querySelector(".qrscan-video"),
      start: box.querySelector(".qrscan-start"),
      stop: box.querySelector(".qrscan-stop"),
      message: box.querySelector(".qrscan-msg"),
      messages: { noDecoder: box.dataset.msgNoDecoder, noCamera: box.dataset.msgNoCamera,
                  insecure: box.dataset.msgInsecure },
      once: true,
      onCode: function (text) {
        input.value = text.trim();
        if (input.form) {
          if (input.form.requestSubmit) input.form.requestSubmit();
          else input.form.submit();
        }
      }
    });
  });
})();
