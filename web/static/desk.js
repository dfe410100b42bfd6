// The scan desk. The server decides everything; this page keeps the input focused, shows and
// sounds each answer, and keeps scans in IndexedDB while the server cannot be reached.
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  var input = document.getElementById("scan");
  var form = document.getElementById("scan-form");
  var result = document.getElementById("scan-result");
  var actionSelect = document.getElementById("action");
  var siteSelect = document.getElementById("site");
  var muteBox = document.getElementById("mute");
  var connection = document.getElementById("connection");
  var lastScans = document.getElementById("last-scans");
  var commands = JSON.parse(desk.dataset.commands);
  var csrf = desk.dataset.csrf;
  var user = desk.dataset.user;
  var counts = { ok: 0, duplicate: 0, refused: 0, queued: 0 };
  var MUTE_KEY = "custody.desk.mute";
  var RETRY_MS = 3000;
  var audio = null;
  var flushing = false;
  var online = true;
  // The discs scanned for dispatch since the last tracking code: the parcel being packed.
  var parcel = [];

  // For tests and a hospital's own checks: every sound the page made, and the queue.
  var hook = (window.custodyDesk = {
    beeps: [], shown: [], queued: queueCount, pending: function () { return queueAll(); }, flush: flush,
    parcel: function () { return parcel.slice(); }
  });

  // -- sound: one beep when a scan counts, two when it does not --------------------------
  muteBox.checked = localStorage.getItem(MUTE_KEY) === "1";
  muteBox.addEventListener("change", function () {
    localStorage.setItem(MUTE_KEY, muteBox.checked ? "1" : "0");
    input.focus();
  });

  function beep(times) {
    hook.beeps.push({ times: times, muted: muteBox.checked, at: performance.now() });
    if (muteBox.checked) return;
    try {
      audio = audio || new AudioContext();
      for (var i = 0; i < times; i++) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = times > 1 ? 330 : 880;
        gain.gain.value = 0.25;
        osc.connect(gain).connect(audio.destination);
        var start = audio.currentTime + i * 0.25;
        osc.start(start);
        osc.stop(start + 0.15);
      }
    } catch (e) {
      // No sound device: the screen still says it.
    }
  }

  // -- focus: the scanner types into #scan whatever was clicked --------------------------
  function keepFocus() {
    setTimeout(function () {
      var el = document.activeElement;
      if (!el || el.tagName !== "SELECT") input.focus();
    }, 0);
  }
  input.addEventListener("blur", keepFocus);
  document.addEventListener("click", keepFocus);
  actionSelect.addEventListener("change", function () {
    showAction(actionSelect.value);
    parcel = [];
    input.focus();
  });
  siteSelect.addEventListener("change", function () { input.focus(); });

  function showAction(action) {
    actionSelect.value = action;
    var url = new URL(window.location.href);
    url.searchParams.set("action", action);
    window.history.replaceState(null, "", url.toString());
  }

  // -- showing a result --------------------------------------------------------------------
  var LOOKS = {
    ok: ["ok", "\u2714"], duplicate: ["warn", "!"], refused: ["bad", "\u2718"],
    queued: ["warn", "!"], command: ["ok", "\u2714"], "signed-in": ["ok", "\u2714"],
    tracking: ["ok", "\u2714"]
  };

  function show(r) {
    var look = LOOKS[r.outcome] || ["bad", "\u2718"];
    var tone = r.outcome === "ok" && r.notice ? "warn" : look[0];
    var headline;
    if (r.outcome === "ok") headline = "OK " + r.media_id + " " + r.status;
    else if (r.outcome === "queued") headline = "OFFLINE - QUEUED " + (r.media_id || r.code);
    else if (r.outcome === "duplicate") headline = "DUPLICATE " + (r.media_id || r.code);
    else if (r.outcome === "refused") headline = "REFUSED " + (r.media_id || r.code || "");
    else if (r.outcome === "command") headline = "Now scanning: " + r.action;
    else if (r.outcome === "tracking") headline = r.reason;
    else headline = "Signed in: " + r.operator;
    result.className = "result " + tone;
    result.dataset.outcome = r.outcome;
    result.dataset.notice = r.notice ? "yes" : "";
    result.querySelector(".mark").textContent = tone === "warn" ? "!" : look[1];
    result.querySelector(".headline").textContent = headline;
    var extra = [r.destination ? "for " + r.destination : "", r.urgent ? "URGENT" : ""];
    if (r.outcome === "tracking") extra = ["on " + r.parcel.length + " discs: " + r.parcel.join(" ")];
    result.querySelector(".reason").textContent = r.outcome === "tracking" ?
      extra[0] : r.notice || r.reason || extra.filter(Boolean).join(" ");
    hook.shown.push({ outcome: r.outcome, at: performance.now(), headline: headline });
    if (r.outcome in counts) {
      counts[r.outcome] += 1;
      document.getElementById("count-" + r.outcome).textContent = String(counts[r.outcome]);
    }
    var li = document.createElement("li");
    li.className = tone;
    li.textContent = headline + (r.outcome === "tracking" ? " - " + extra[0] :
      r.notice || r.reason ? " - " + (r.notice || r.reason) : "");
    lastScans.insertBefore(li, lastScans.firstChild);
    while (lastScans.children.length > 8) lastScans.removeChild(lastScans.lastChild);
    beep(r.outcome === "duplicate" || r.outcome === "refused" ? 2 : 1);
  }

  function setOnline(state, waiting) {
    online = state;
    connection.className = "connection" + (state && !waiting ? "" : " offline");
    connection.textContent = state && !waiting ? "online" :
      (state ? "sending " : "OFFLINE - QUEUED ") + waiting;
  }

  // -- talking to the server ---------------------------------------------------------------
  function uuid4() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function post(scan) {
    return fetch("/scan", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf, accept: "application/json" },
      body: JSON.stringify(scan)
    }).then(function (response) {
      if (response.status === 503) throw new Error("ledger unreachable");
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  // `queued`: the scan sent from the queue, whose parcel was settled when it was queued.
  function answered(reply, queued) {
    var body = reply.body;
    if (reply.status === 401) {
      window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
      return;
    }
    if (body.csrf && body.csrf !== csrf) {
      // A badge signed someone else in: the page's forms (sign out) need the new token.
      csrf = body.csrf;
      document.querySelectorAll("input[name=csrf]").forEach(function (f) { f.value = csrf; });
    }
    if (body.outcome === "command") {
      showAction(body.action);
      parcel = [];
    }
    if (body.outcome === "tracking" && !queued) parcel = [];
    var packed = !queued && (body.outcome === "ok" || body.outcome === "duplicate");
    if (packed && body.action === "dispatch" && body.media_id && parcel.indexOf(body.media_id) < 0) {
      parcel.push(body.media_id);
    }
    if (body.outcome === "signed-in") {
      user = body.operator;
      document.getElementById("who").textContent = user;
    }
    if (!body.outcome) body = { outcome: "refused", reason: body.error || "refused", code: "" };
    if (queued) {
      // Sent from the queue: it no longer waits, and it counts at the time it was scanned.
      counts.queued = Math.max(0, counts.queued - 1);
      document.getElementById("count-queued").textContent = String(counts.queued);
      body.reason = (body.reason ? body.reason + "; " : "") +
        "scanned " + new Date(queued.at).toLocaleTimeString("en-GB") + " while offline";
    }
    show(body);
  }

  function handle(raw) {
    var scan = {
      code: raw, action: actionSelect.value, site: siteSelect.value,
      event_id: uuid4(), at: new Date().toISOString(), operator: user, parcel: parcel.slice()
    };
    if (!online) return offlineScan(scan);
    return post({ code: scan.code, action: scan.action, site: scan.site, event_id: scan.event_id,
                  parcel: scan.parcel })
      .then(answered, function () { return offlineScan(scan); });
  }

  // -- offline: kept in IndexedDB with the browser's event ID and time --------------------
  function normalised(raw) {
    return raw.toUpperCase().replace(/[\s\u0000-\u001f-]/g, "");
  }

  function offlineScan(scan) {
    var command = commands[normalised(scan.code)];
    if (command) {
      showAction(command);
      show({ outcome: "command", action: command });
      return Promise.resolve();
    }
    // A queued disc for dispatch is in the parcel (by its code: the server reads it when sent);
    // a queued tracking code goes with the parcel it was scanned after.
    if (scan.action === "dispatch") {
      if (/^[A-Z]{2}[0-9]{9}[A-Z]{2}$/.test(normalised(scan.code))) parcel = [];
      else if (parcel.indexOf(normalised(scan.code)) < 0) parcel.push(normalised(scan.code));
    }
    return queueAdd(scan).then(function () {
      show({ outcome: "queued", code: scan.code, action: scan.action, reason: "kept in this browser until the server answers" });
      return queueCount().then(function (n) { setOnline(false, n); });
    });
  }

  function db() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("custody-desk", 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function store(mode, work) {
    return db().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var tx = conn.transaction("queue", mode);
        var out = work(tx.objectStore("queue"));
        tx.oncomplete = function () { resolve(out && out.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function queueAdd(scan) { return store("readwrite", function (s) { return s.add(scan); }); }
  function queueAll() { return store("readonly", function (s) { return s.getAll(); }); }
  function queueDelete(seq) { return store("readwrite", function (s) { return s.delete(seq); }); }
  function queueCount() {
    return queueAll().then(function (all) {
      return all.filter(function (s) { return s.operator === user; }).length;
    });
  }

  // Each queued scan is sent once with its own event ID and time; the ledger records an
  // event ID once, so a scan sent twice (an answer lost on the way) is not counted twice.
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return queueAll().then(function (all) {
      var mine = all.filter(function (s) { return s.operator === user; });
      var next = function (i) {
        if (i >= mine.length) return Promise.resolve(true);
        var s = mine[i];
        setOnline(true, mine.length - i);
        return post({ code: s.code, action: s.action, site: s.site, event_id: s.event_id, at: s.at,
                      parcel: s.parcel || [] })
          .then(function (reply) {
            if (reply.status === 401 || reply.status === 403) return false;
            answered(reply, s);
            return queueDelete(s.seq).then(function () { return next(i + 1); });
          });
      };
      return next(0);
    }).then(function (done) {
      return queueCount().then(function (n) { setOnline(done !== false, n); });
    }, function () {
      return queueCount().then(function (n) { setOnline(false, n); });
    }).then(function () { flushing = false; }, function () { flushing = false; });
  }

  window.addEventListener("online", flush);
  window.addEventListener("offline", function () {
    queueCount().then(function (n) { setOnline(false, n); });
  });
  setInterval(function () {
    queueCount().then(function (n) { if (n || !online) flush(); });
  }, RETRY_MS);
  queueCount().then(function (n) { if (n) flush(); });

  // One way in for every scan, whatever read it: the wedge's Enter here, the camera
  // (camera.js) through the hook. Same answer, beep, counts and offline queue.
  function scan(raw) {
    return raw.trim() ? handle(raw) : Promise.resolve();
  }
  hook.scan = scan;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var raw = input.value;
    input.value = "";
    scan(raw);
  });
  input.focus();
})();
