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

  // After a failed submit the page opens on its error summary: focus moves there (screen
  // readers read it), and each of its links moves focus to the field it names.
  function errorSummary() {
    var summary = document.querySelector(".form-summary");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.scrollIntoView({block: "start"});
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) {
        return;
      }
      event.preventDefault();
      var closed = target.closest("details:not([open])");
      if (closed) {
        closed.open = true;
      }
      var field = target.matches("input, select, textarea, button") ? target
        : target.querySelector("input:not([type=hidden]), select, textarea, button");
      (field || target).focus();
      target.scrollIntoView({block: "center"});
    });
  }

  // Copy buttons (content hashes): shown only where the browser lets the page copy.
  function copyButtons() {
    if (!navigator.clipboard || !window.isSecureContext) {
      return;
    }
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var status = button.parentNode.querySelector("[data-copy-status]");
      var label = button.firstChild.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          button.firstChild.textContent = "Copied";
          if (status) { status.textContent = "Copied to the clipboard."; }
          window.setTimeout(function () {
            button.firstChild.textContent = label;
            if (status) { status.textContent = ""; }
          }, 2000);
        });
      });
    });
  }

  // A table wider than the screen scrolls inside its frame: say so, name the frame after the
  // table and let the keyboard scroll it.
  // A scrolling table's region needs a name of its own (several on a page must differ): its
  // caption, else the heading of the section it sits in, else the heading just before it.
  function tableName(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption) {
      return caption.textContent.trim();
    }
    var section = wrap.closest("[aria-labelledby]");
    var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    if (heading) {
      return heading.textContent.trim();
    }
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) {
        return el.textContent.trim();
      }
    }
    return "Table";
  }

  function scrollingTables() {
    var wraps = document.querySelectorAll(".table-wrap");
    function update() {
      wraps.forEach(function (wrap) {
        var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
        var hint = wrap.previousElementSibling;
        var hasHint = hint && hint.classList.contains("table-hint");
        if (scrolls) {
          wrap.setAttribute("role", "region");
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("aria-label", tableName(wrap) + " (scrolls sideways)");
          if (!hasHint) {
            hint = document.createElement("p");
            hint.className = "table-hint";
            hint.setAttribute("aria-hidden", "true");
            hint.textContent = "Scroll sideways to see the whole table →";
            wrap.parentNode.insertBefore(hint, wrap);
          }
        } else {
          wrap.removeAttribute("role");
          wrap.removeAttribute("tabindex");
          wrap.removeAttribute("aria-label");
          if (hasHint) { hint.remove(); }
        }
      });
    }
    update();
    var timer;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 150);
    });
  }

  // Long diffs fold to their first screenful, with a button that shows all of it.
  function collapsibles() {
    document.querySelectorAll("[data-collapsible]").forEach(function (block, n) {
      if (block.scrollHeight < 700) {
        return;
      }
      if (!block.id) {
        block.id = "collapsible-" + n;
      }
      block.classList.add("is-collapsed");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-secondary btn-small show-all";
      button.setAttribute("aria-controls", block.id);
      button.setAttribute("aria-expanded", "false");
      button.textContent = "Show all";
      button.addEventListener("click", function () {
        var collapsed = block.classList.toggle("is-collapsed");
        button.setAttribute("aria-expanded", collapsed ? "false" : "true");
        button.textContent = collapsed ? "Show all" : "Show less";
      });
      block.parentNode.insertBefore(button, block.nextSibling);
    });
  }

  // The header's My work count: asked for after the page loads, so no page waits for it.
  function myWorkCount() {
    var link = document.querySelector("a[data-my-work-count]");
    if (!link || !window.fetch || link.getAttribute("data-count-shown") === "yes") {
      return;
    }
    fetch(link.getAttribute("data-my-work-count"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || typeof data.count !== "number" || data.count < 1) {
          return;
        }
        var shown = data.count < 100 ? String(data.count) : "99+";
        var badge = link.querySelector("[data-count-number]");
        badge.textContent = shown;
        badge.hidden = false;
        link.setAttribute("aria-label", "My work, " + shown + " waiting");
      })
      .catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    myWorkCount();
    errorSummary();
    collapsibles();
    scrollingTables();
    copyButtons();
    detectTimeZone();
    invitationForm();
  });
})();
