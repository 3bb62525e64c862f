// The review assessment saves its draft as people type. Without this file the
// "Save draft" button does the same; nothing here is needed to use the page.
(function () {
  "use strict";

  function autosave(form) {
    var url = form.getAttribute("data-autosave");
    var status = form.querySelector("[data-autosave-status]");
    var timer = null;
    var pending = false;
    var inFlight = false;
    var held = null;  // a submit waiting for the save in flight (its button, or the form itself)

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function save() {
      if (inFlight) {
        pending = true;
        return;
      }
      inFlight = true;
      pending = false;
      say("Saving…");
      var data = new FormData(form);
      data.delete("action");
      fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (result) {
          if (result.ok) {
            say("Draft saved " + (result.body.at_text || ""));
          } else if (result.body && result.body.errors) {
            say("Not saved yet: check the marked fields, then save the draft.");
          } else {
            say((result.body && result.body.message) || "Not saved: reload the page.");
          }
        })
        .catch(function () { say("Not saved: the connection dropped. Your text is still here."); })
        .then(function () {
          inFlight = false;
          if (held) {
            // The person submitted while this save was on its way: send the form now, after it,
            // so a late draft save can never land on top of what they submit.
            var submitter = held;
            held = null;
            pending = false;
            if (submitter === form) {
              form.requestSubmit();
            } else {
              form.requestSubmit(submitter);
            }
          } else if (pending) {
            save();
          }
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 800);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function (event) {
      window.clearTimeout(timer);
      pending = false;
      if (inFlight) {
        event.preventDefault();
        held = event.submitter || form;
        say("Saving…");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave]").forEach(autosave);
  });
})();

// The improvement-action form offers only people of the chosen owner party. Without this file
// every member is listed with their party, and the server refuses someone of another party.
(function () {
  "use strict";

  function narrow(people, party) {
    var chosen = party.value;
    Array.prototype.forEach.call(people.options, function (option) {
      var of = option.getAttribute("data-party");
      var other = of !== null && of !== chosen;
      option.hidden = other;
      option.disabled = other;
      if (other && option.selected) {
        people.value = people.options[0].value;  // "Nobody yet"
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-owner-party]").forEach(function (people) {
      var party = document.getElementById(people.getAttribute("data-owner-party"));
      if (!party) {
        return;
      }
      narrow(people, party);
      party.addEventListener("change", function () { narrow(people, party); });
    });
  });
})();
