// Progressive enhancements for every page. Pages work without this file.
(function () {
  "use strict";

  // Ask before destructive actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Preselect the browser's time zone on fresh forms (never over a user's choice).
  function detectTimeZone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    document.querySelectorAll("select[data-detect-time-zone]").forEach(function (select) {
      var form = select.form;
      if (!zone || select.value !== "UTC" || (form && form.querySelector(".field--invalid"))) {
        return;
      }
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
      if (option) {
        select.value = zone;
      }
    });
  }

  // The invitation form asks for an organisation only when inviting a new party.
  function invitationForm() {
    var form = document.querySelector("[data-invitation-form]");
    if (!form) {
      return;
    }
    var fields = form.querySelectorAll(".js-new-party-only");
    function update() {
      var checked = form.querySelector("input[name='invite_as']:checked");
      var newParty = checked && checked.value === "new_party";
      fields.forEach(function (field) { field.hidden = !newParty; });
    }
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    detectTimeZone();
    invitationForm();
  });
})();
