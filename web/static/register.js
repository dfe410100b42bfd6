// Registration: the server says whether the NHS number is one, as it is typed.
(function () {
  "use strict";
  var field = document.getElementById("nhs_number");
  var hint = document.getElementById("nhs-check");
  var timer = null;
  function check() {
    var value = field.value.trim();
    if (value.replace(/[\s-]/g, "").length < 10) {
      hint.textContent = "";
      hint.className = "hint";
      field.removeAttribute("aria-invalid");
      return;
    }
    fetch("/register/check?nhs_number=" + encodeURIComponent(value), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        hint.textContent = answer.ok ? "a valid NHS number" : answer.problem;
        hint.className = "hint " + (answer.ok ? "good" : "bad");
        if (answer.ok) field.removeAttribute("aria-invalid");
        else field.setAttribute("aria-invalid", "true");
      }, function () { hint.textContent = ""; });
  }
  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 150);
  });
})();
