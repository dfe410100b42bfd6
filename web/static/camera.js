// The desk's camera: a phone's back camera, a tablet's or a webcam reads the barcodes a USB
// scanner would (media IDs, command barcodes, badges). zxing-cpp, compiled to WebAssembly and
// shipped with the page (/static/zxing/), decodes Code 128 in the part of each frame inside
// the target frame. Each new code goes in through the desk's one way in,
// window.custodyDesk.scan: the same answer, beep, counts and offline queue as the wedge.
// The server checks every media ID's check character, so a misread is refused, never counted.
(function () {
  "use strict";
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var torchButton = document.getElementById("camera-torch");
  var panel = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var target = document.getElementById("camera-target");
  var message = document.getElementById("camera-message");
  var input = document.getElementById("scan");
  var ZX = window.ZXingWASM;
  // A code out of view for this long counts again when it comes back (the server then says
  // whether that is a double read); while it stays in view it is sent once.
  var GONE_MS = 2000;
  // The target frame, as fractions of the picture; only what is inside it is read, so the
  // next disc on a pile is not read with this one. camera.css draws the same box.
  var TARGET = { x: 0.08, y: 0.2, w: 0.84, h: 0.6 };
  var LONGEST_SIDE = 1280; // larger frames are scaled down before decoding (phones send 4K)
  var READER = {
    formats: ["Code128"], tryHarder: true, tryRotate: true, tryInvert: false,
    tryDownscale: true, maxNumberOfSymbols: 4, textMode: "Plain"
  };
  var stream = null;
  var track = null;
  var running = false;
  var torchOn = false;
  var seen = {}; // code -> performance.now() when it was last in view
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });

  // For tests and a hospital's own checks: what the camera read and when (performance.now()).
  var hook = (window.custodyCamera = {
    state: "off", decoder: "not loaded", reads: [], frames: 0, decodeMs: 0, stop: stop
  });

  function say(text, tone) {
    message.textContent = text;
    message.className = "camera-message" + (tone ? " " + tone : "");
    hook.message = text;
  }

  // -- starting and stopping ---------------------------------------------------------------
  function explain(err) {
    var name = (err && err.name) || "";
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
      return "Camera refused. Allow the camera for this site (the camera icon in the address " +
        "bar, or the browser's site settings), then press Camera again. The scanner still works.";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
      return "No camera found on this device. The scanner still works.";
    }
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      return "The camera is in use by another program or could not start: close it there " +
        "and press Camera again.";
    }
    if (name === "DecoderError") {
      return "The barcode reader could not start (" + err.message + "): reload the page.";
    }
    return "The camera could not start (" + (name || String(err)) + "). The scanner still works.";
  }

  function refuse(text) {
    hook.state = "refused";
    say(text, "bad");
    startButton.hidden = false;
  }

  // The decoder is fetched from this server (never the CDN the library names by default) and
  // compiled once; on a device with a camera that happens as the page loads, so the camera
  // also starts while the server cannot be reached.
  var OVERRIDES = {
    locateFile: function (path, prefix) {
      return /\.wasm$/.test(path) ? "/static/zxing/" + path : prefix + path;
    }
  };

  function decoderReady() {
    return ZX.prepareZXingModule({ overrides: OVERRIDES, fireImmediately: true }).then(function () {
      hook.decoder = "ready";
    }, function (err) {
      ZX.purgeZXingModule(); // so the next try fetches it again
      hook.decoder = "failed";
      var e = new Error(String((err && err.message) || err));
      e.name = "DecoderError";
      throw e;
    });
  }

  function start() {
    if (running) return;
    if (!window.isSecureContext) {
      return refuse("The camera needs this page over HTTPS: open the desk at its https:// " +
        "address. The scanner still works.");
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return refuse("This browser offers no camera to web pages. The scanner still works.");
    }
    if (!ZX) return refuse("The barcode reader did not load: reload the page.");
    hook.state = "starting";
    say("Starting the camera...");
    var decoder = decoderReady();
    navigator.mediaDevices.getUserMedia({
      audio: false,
      // The back camera on a phone or tablet; a desktop's webcam otherwise.
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (s) {
      stream = s;
      track = s.getVideoTracks()[0];
      track.addEventListener("ended", function () {
        // Unplugged, or taken by another program.
        release();
        hook.state = "off";
        say("The camera stopped. Press Camera to start it again.", "bad");
      });
      video.srcObject = s;
      panel.hidden = false;
      return Promise.all([video.play(), decoder]);
    }).then(function () {
      running = true;
      seen = {};
      hook.state = "on";
      startButton.hidden = true;
      stopButton.hidden = false;
      // A phone would raise its on-screen keyboard for the focused input and hide the view;
      // a USB scanner still types into it.
      input.setAttribute("inputmode", "none");
      offerTorch();
      say("Hold the barcode inside the frame.");
      next();
    }).catch(function (err) {
      release();
      refuse(explain(err));
    });
  }

  function release() {
    running = false;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    track = null;
    torchOn = false;
    video.srcObject = null;
    panel.hidden = true;
    torchButton.hidden = true;
    torchButton.setAttribute("aria-pressed", "false");
    stopButton.hidden = true;
    startButton.hidden = false;
    input.removeAttribute("inputmode");
  }

  function stop() {
    release();
    hook.state = "off";
    say("");
  }

  // -- torch: where the device has one (most phones' back cameras) --------------------------
  function offerTorch() {
    var caps = track && track.getCapabilities ? track.getCapabilities() : {};
    torchButton.hidden = !caps.torch;
  }

  function toggleTorch() {
    if (!track) return;
    var want = !torchOn;
    track.applyConstraints({ advanced: [{ torch: want }] }).then(function () {
      torchOn = want;
      torchButton.setAttribute("aria-pressed", want ? "true" : "false");
    }, function () {
      say("The torch could not be switched on this device.", "bad");
    });
  }

  // -- reading frames ------------------------------------------------------------------------
  function next() {
    if (!running) return;
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(frame);
    else window.setTimeout(frame, 80);
  }

  function frame() {
    if (!running) return;
    var vw = video.videoWidth;
    var vh = video.videoHeight;
    if (!vw || !vh) return next();
    var sx = Math.round(vw * TARGET.x);
    var sy = Math.round(vh * TARGET.y);
    var sw = Math.round(vw * TARGET.w);
    var sh = Math.round(vh * TARGET.h);
    var scale = Math.min(1, LONGEST_SIDE / Math.max(sw, sh));
    var cw = Math.round(sw * scale);
    var ch = Math.round(sh * scale);
    if (canvas.width !== cw || canvas.height !== ch) {
      canvas.width = cw;
      canvas.height = ch;
    }
    var began = performance.now();
    context.drawImage(video, sx, sy, sw, sh, 0, 0, cw, ch);
    ZX.readBarcodes(context.getImageData(0, 0, cw, ch), READER).then(function (found) {
      var now = performance.now();
      hook.frames += 1;
      hook.decodeMs += now - began;
      take(found, now);
      next();
    }, function () {
      next();
    });
  }

  function take(found, now) {
    found.forEach(function (r) {
      if (!r.isValid || !r.text) return;
      var code = r.text;
      var last = seen[code];
      seen[code] = now;
      if (last !== undefined && now - last < GONE_MS) return; // still in view: sent already
      hook.reads.push({ code: code, at: now });
      hit();
      window.custodyDesk.scan(code);
    });
  }

  function hit() {
    target.classList.add("hit");
    window.setTimeout(function () { target.classList.remove("hit"); }, 300);
  }

  if (ZX && navigator.mediaDevices && navigator.mediaDevices.enumerateDevices) {
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      var camera = devices.some(function (d) { return d.kind === "videoinput"; });
      if (camera) decoderReady().catch(function () { /* tried again on Camera */ });
    }, function () { /* no list: loaded on Camera */ });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  torchButton.addEventListener("click", toggleTorch);
  window.addEventListener("pagehide", stop);
})();
