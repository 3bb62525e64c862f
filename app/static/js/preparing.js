// "Being prepared" pages (review report PDFs, DRAFT plan PDFs): ask the status address every
// two seconds, show how long it has taken, and open the file once it is ready. Without
// JavaScript the page refreshes itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var panel = document.querySelector("[data-status-url]");
  if (!panel) { return; }
  var state = panel.querySelector("[data-preparing-state]");
  var bar = panel.querySelector("progress");
  var started = Date.now();
  var tries = 0;
  function say(text) { if (state) { state.textContent = text; } }
  function check() {
    tries += 1;
    fetch(panel.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { ready: false }; })
      .then(function (status) {
        var seconds = Math.round((Date.now() - started) / 1000);
        if (status.ready) {
          if (bar) { bar.value = bar.max; }
          say("Ready: the download starts now.");
          window.location.href = panel.getAttribute("data-ready-url");
        } else if (status.failed && !panel.hasAttribute("data-failed")) {
          window.location.reload();  // the page then explains the failure and offers to try again
        } else if (tries < 150) {
          say((status.stage ? status.stage + " " : "Preparing… ") + seconds + " s so far.");
          window.setTimeout(check, 2000);
        } else {
          say("This is taking longer than expected; reload this page in a minute.");
        }
      })
      .catch(function () { if (tries < 150) { window.setTimeout(check, 4000); } });
  }
  window.setTimeout(check, 1000);
}());
