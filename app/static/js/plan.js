// The plan section editor, enhanced: live narrative preview, and rows added, moved and
// marked for removal in place. Without this file the same buttons submit the form and
// the server re-renders it with every typed value kept.
(function () {
  "use strict";

  function debounce(fn, wait) {
    var timer;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, wait);
    };
  }

  function livePreview(form) {
    var textarea = form.querySelector("#narrative");
    var output = form.querySelector("#narrative-preview");
    var url = form.getAttribute("data-preview-url");
    var token = form.querySelector("input[name='csrf_token']");
    if (!textarea || !output || !url || !token || !window.fetch) {
      return;
    }
    var latest = 0;
    var update = debounce(function () {
      var request = ++latest;
      var body = new FormData();
      body.append("csrf_token", token.value);
      body.append("narrative", textarea.value);
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          // The server sanitised this HTML; stale answers are dropped.
          if (html !== null && request === latest) {
            output.innerHTML = html;
          }
        })
        .catch(function () { /* keep the last preview */ });
    }, 300);
    textarea.addEventListener("input", update);
  }

  function renumber(container) {
    var rows = container.querySelectorAll("[data-row]");
    rows.forEach(function (row, i) {
      row.querySelectorAll("[data-row-name]").forEach(function (span) {
        span.textContent = span.textContent.replace(/\s\d*$/, " " + (i + 1));
      });
    });
    var block = container.closest(".form-block");
    if (block) {
      block.querySelectorAll("[data-move='up']").forEach(function (b, i) { b.disabled = i === 0; });
      var downs = block.querySelectorAll("[data-move='down']");
      downs.forEach(function (b, i) { b.disabled = i === downs.length - 1; });
    }
  }

  function rowTools(form) {
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !form.contains(button)) {
        return;
      }
      var move = button.getAttribute("data-move");
      var kind = button.getAttribute("data-add-row");
      if (move) {
        event.preventDefault();
        var row = button.closest("[data-row]");
        var sibling = move === "up" ? row.previousElementSibling : row.nextElementSibling;
        if (sibling) {
          if (move === "up") {
            row.parentNode.insertBefore(row, sibling);
          } else {
            row.parentNode.insertBefore(sibling, row);
          }
          renumber(row.parentNode);
          button.focus();
          form.dispatchEvent(new Event("input"));
        }
      } else if (kind) {
        event.preventDefault();
        var container = form.querySelector("[data-rows='" + kind + "']");
        var template = document.getElementById("row-template-" + kind);
        var index = parseInt(container.getAttribute("data-next-index"), 10) || 0;
        container.setAttribute("data-next-index", String(index + 1));
        var html = template.innerHTML.replace(/__index__/g, String(index));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var added = holder.firstElementChild;
        container.appendChild(added);
        renumber(container);
        var first = added.querySelector("input:not([type=hidden]), select, textarea");
        if (first) {
          first.focus();
        }
      }
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches("[data-remove]")) {
        event.target.closest("[data-row]").classList.toggle("item-row--removed", event.target.checked);
      }
    });
    form.querySelectorAll("[data-rows]").forEach(renumber);
  }

  // Warn before leaving with unsaved changes; saving or any form button clears the warning.
  function guardUnsaved(form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  function focusAfterRender(form) {
    var summary = document.getElementById("error-summary") || document.getElementById("stale-notice");
    var target = form.getAttribute("data-focus");
    if (summary) {
      summary.focus();
    } else if (target && document.getElementById(target)) {
      var element = document.getElementById(target);
      element.scrollIntoView({ block: "center" });
      element.focus();
    }
  }

  // Long registers stay compact: past five rows, saved rows fold to their one-line summary
  // (kind, number and title) with a button to open them; new rows and rows with errors stay open.
  function foldLongRegisters(form) {
    form.querySelectorAll(".item-rows").forEach(function (list) {
      var rows = list.querySelectorAll("[data-row]");
      if (rows.length <= 5) {
        return;
      }
      rows.forEach(function (row, i) {
        var fields = row.querySelector(".item-row__fields");
        var tools = row.querySelector(".item-row__tools");
        var isNew = !row.querySelector("input[name$='-id']").value;
        if (!fields || !tools) {
          return;
        }
        fields.id = fields.id || "row-fields-" + list.getAttribute("data-rows") + "-" + i;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-quiet btn-small item-row__fold";
        button.setAttribute("aria-controls", fields.id);
        function set(open) {
          row.classList.toggle("item-row--folded", !open);
          button.setAttribute("aria-expanded", open ? "true" : "false");
          button.textContent = open ? "Fold" : "Open";
        }
        button.addEventListener("click", function () { set(row.classList.contains("item-row--folded")); });
        tools.insertBefore(button, tools.firstChild);
        set(isNew || !!row.querySelector(".field--invalid, [aria-invalid='true']"));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-plan-form]");
    if (!form) {
      return;
    }
    document.documentElement.classList.add("js");
    livePreview(form);
    rowTools(form);
    foldLongRegisters(form);
    guardUnsaved(form);
    focusAfterRender(form);
  });
})();
