// The worklist's "check every pending disc": the pending media are asked for, then checked
// against the PACS in batches (one batched query each), with the progress shown as they go.
// Without this script the same button posts the form and the server checks them in one go.
(function () {
  "use strict";
  var form = document.getElementById("check-all");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrf]").value;
  var box = document.getElementById("check-progress");
  var bar = document.getElementById("check-bar");
  var status = document.getElementById("check-status");
  var list = document.getElementById("check-results");
  var button = form.querySelector("button");

  function say(text) { status.textContent = text; }

  function show(result) {
    var item = document.createElement("li");
    item.className = "check-" + result.outcome;
    item.setAttribute("data-outcome", result.outcome);
    item.textContent = result.media_id + ": " + result.text;
    list.appendChild(item);
    var row = document.querySelector("tr[data-media='" + result.media_id + "']");
    if (row) {
      row.setAttribute("data-checked", result.outcome);
      row.cells[2].textContent = result.outcome;
    }
  }

  function post(ids) {
    return fetch("/worklist/check", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf, accept: "application/json" },
      body: JSON.stringify({ media_ids: ids })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || ("the server answered " + r.status));
        return body.results;
      });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    list.textContent = "";
    box.hidden = false;
    bar.removeAttribute("value");
    say("asking which discs are pending...");
    fetch("/worklist/pending.json", { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.error || ("the server answered " + r.status));
          return body;
        });
      })
      .then(function (pending) {
        var ids = pending.media_ids, done = 0, counts = {};
        bar.max = Math.max(ids.length, 1);
        bar.value = 0;
        if (!ids.length) { say("no disc is waiting for a check"); return null; }
        say("checking " + ids.length + " disc(s) against " + pending.pacs + "...");
        function next() {
          if (done >= ids.length) {
            var parts = Object.keys(counts).map(function (k) { return counts[k] + " " + k; });
            say("checked " + done + " of " + ids.length + " against " + pending.pacs + ": " + parts.join(", "));
            form.setAttribute("data-finished", "true");
            return null;
          }
          var batch = ids.slice(done, done + pending.batch);
          return post(batch).then(function (results) {
            results.forEach(function (r) { show(r); counts[r.outcome] = (counts[r.outcome] || 0) + 1; });
            done += batch.length;
            bar.value = done;
            say("checked " + done + " of " + ids.length + "...");
            return next();
          });
        }
        return next();
      })
      .catch(function (err) { say("stopped: " + err.message); form.setAttribute("data-finished", "error"); })
      .then(function () { button.disabled = false; });
  });
})();
