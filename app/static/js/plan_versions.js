// The "PDF being prepared" page: ask every two seconds whether the stored PDF is ready, then download it.
(function () {
  "use strict";
  var panel = document.querySelector("[data-pdf-status]");
  if (!panel) { return; }
  var state = panel.querySelector(".preparing__state");
  var tries = 0;
  function check() {
    tries += 1;
    fetch(panel.getAttribute("data-pdf-status"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { ready: false }; })
      .then(function (status) {
        if (status.ready) {
          if (state) { state.textContent = "Ready: the download starts now."; }
          window.location.href = panel.getAttribute("data-pdf-url");
        } else if (tries < 90) {
          window.setTimeout(check, 2000);
        } else if (state) {
          state.textContent = "This is taking longer than expected; try again in a minute.";
        }
      })
      .catch(function () { if (tries < 90) { window.setTimeout(check, 4000); } });
  }
  window.setTimeout(check, 1500);
}());
