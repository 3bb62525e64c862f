// Co-editing, enhanced: who else has the section open (updated without reloading), @mention
// suggestions in comments, and the conflict page's "write your own" choice picked as you type.
// Pages work without this file: presence then shows as of the page load.
(function () {
  "use strict";

  // --- Presence ---------------------------------------------------------------------------
  // Admins and editors send a heartbeat (POST, CSRF header) every few seconds while the page is
  // open; everyone else polls (GET, changes nothing). Heartbeats say whether the person typed
  // or clicked since the last one: only then do they count as activity for the session's idle
  // limit, so a forgotten tab still signs out.
  function presence(box) {
    var url = box.getAttribute("data-url");
    var mode = box.getAttribute("data-mode");
    var sends = box.getAttribute("data-heartbeat") === "yes";
    var token = box.getAttribute("data-csrf");
    var seconds = parseInt(box.getAttribute("data-interval"), 10) || 15;
    var list = box.querySelector("[data-presence-list]");
    var hint = box.querySelector("[data-presence-hint]");
    var status = box.querySelector("[data-presence-status]");
    var active = false;
    var stopped = false;  // no more heartbeats or polls
    var refused = false;  // signed out or no longer a member: not even a last "leaving" beacon
    var known = null;
    var timer;

    ["keydown", "input", "pointerdown", "wheel", "touchstart"].forEach(function (type) {
      document.addEventListener(type, function () { active = true; }, { passive: true, capture: true });
    });

    function render(people) {
      list.textContent = "";
      var editing = 0;
      people.forEach(function (p) {
        var item = document.createElement("li");
        item.className = "presence__person presence__person--" + p.mode;
        var avatar = document.createElement("span");
        avatar.className = "presence__avatar";
        avatar.setAttribute("aria-hidden", "true");
        avatar.textContent = p.name.charAt(0);
        var text = document.createElement("span");
        text.className = "presence__text";
        text.textContent = p.text;
        item.appendChild(avatar);
        item.appendChild(text);
        list.appendChild(item);
        if (p.mode === "editing") {
          editing += 1;
        }
      });
      box.classList.toggle("presence--empty", people.length === 0);
      box.classList.toggle("presence--warn", mode === "editing" && editing > 0);
      if (hint) {
        hint.hidden = !(mode === "editing" && editing > 0);
      }
      // Announce arrivals and departures only, not the minutes ticking by.
      var names = people.map(function (p) { return p.name + " " + p.mode; }).sort().join("|");
      if (known !== null && names !== known && status) {
        status.textContent = people.length
          ? "Here now: " + people.map(function (p) { return p.text; }).join("; ")
          : "Nobody else has this section open now.";
      }
      known = names;
    }

    function tick() {
      if (stopped || !window.fetch) {
        return;
      }
      var options = { credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" } };
      if (sends) {
        var body = new FormData();
        body.append("mode", mode);
        body.append("active", active ? "1" : "0");
        active = false;
        options.method = "POST";
        options.body = body;
        options.headers["X-CSRFToken"] = token;
      }
      fetch(url, options)
        .then(function (response) {
          if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403
              || response.status === 404) {
            stopped = refused = true;  // signed out, or no longer a member: stop asking
            window.clearInterval(timer);
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && data.people) {
            render(data.people);
          }
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }

    // A form is leaving the page (a save, a comment): a heartbeat answered after its response
    // must not replace the session cookie that response set, so the heartbeats stop here.
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) {
        stopped = true;
        window.clearInterval(timer);
      }
    });
    if (sends) {
      window.addEventListener("pagehide", function () {
        if (!navigator.sendBeacon || refused) {
          return;
        }
        var body = new FormData();
        body.append("csrf_token", token);
        body.append("mode", mode);
        body.append("leave", "1");
        navigator.sendBeacon(url, body);
      });
    }
    tick();
    timer = window.setInterval(tick, seconds * 1000);
  }

  // --- @mention suggestions -----------------------------------------------------------------
  function mentions(names) {
    var counter = 0;
    document.querySelectorAll("textarea.comment-input").forEach(function (textarea) {
      var listbox = document.createElement("ul");
      var id = "mention-list-" + (++counter);
      listbox.id = id;
      listbox.className = "mention-list";
      listbox.setAttribute("role", "listbox");
      listbox.setAttribute("aria-label", "Members to mention");
      listbox.hidden = true;
      textarea.parentNode.insertBefore(listbox, textarea.nextSibling);
      textarea.setAttribute("aria-autocomplete", "list");
      textarea.setAttribute("aria-controls", id);
      var matches = [];
      var chosen = 0;
      var start = -1;

      function close() {
        listbox.hidden = true;
        textarea.removeAttribute("aria-activedescendant");
        matches = [];
      }

      function show() {
        listbox.textContent = "";
        matches.forEach(function (name, i) {
          var option = document.createElement("li");
          option.id = id + "-" + i;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", i === chosen ? "true" : "false");
          option.className = "mention-list__option";
          option.textContent = name;
          option.addEventListener("mousedown", function (event) {
            event.preventDefault();
            chosen = i;
            pick();
          });
          listbox.appendChild(option);
        });
        listbox.hidden = false;
        textarea.setAttribute("aria-activedescendant", id + "-" + chosen);
      }

      function pick() {
        var name = matches[chosen];
        var caret = textarea.selectionStart;
        textarea.value = textarea.value.slice(0, start) + "@" + name + " " + textarea.value.slice(caret);
        var at = start + name.length + 2;
        textarea.setSelectionRange(at, at);
        close();
        textarea.focus();
      }

      textarea.addEventListener("input", function () {
        var caret = textarea.selectionStart;
        var before = textarea.value.slice(0, caret);
        var match = /(^|[^\w@])@([^\s@]{0,30}(?: [^\s@]{0,30})?)$/.exec(before);
        if (!match) {
          close();
          return;
        }
        var typed = match[2].toLowerCase();
        start = caret - match[2].length - 1;
        matches = names.filter(function (name) { return name.toLowerCase().indexOf(typed) === 0; }).slice(0, 6);
        chosen = 0;
        if (matches.length) {
          show();
        } else {
          close();
        }
      });
      textarea.addEventListener("keydown", function (event) {
        if (listbox.hidden || !matches.length) {
          return;
        }
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          chosen = (chosen + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
          show();
        } else if (event.key === "Enter" || event.key === "Tab") {
          event.preventDefault();
          pick();
        } else if (event.key === "Escape") {
          close();
        }
      });
      textarea.addEventListener("blur", function () { window.setTimeout(close, 150); });
    });
  }

  // --- The conflict page ------------------------------------------------------------------
  function conflictForm(form) {
    form.addEventListener("input", function (event) {
      var holder = event.target.closest("[data-custom-input]");
      if (holder || event.target.hasAttribute("data-custom-input")) {
        var n = (holder || event.target).getAttribute("data-custom-input");
        var radio = form.querySelector("#choice-" + n + "-custom");
        if (radio) {
          radio.checked = true;
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-presence]");
    if (box) {
      presence(box);
    }
    var template = document.getElementById("mention-names");
    if (template) {
      var names = Array.prototype.map.call(template.content.querySelectorAll("span"), function (s) {
        return s.textContent;
      });
      mentions(names);
    }
    var form = document.querySelector("[data-conflict-form]");
    if (form) {
      conflictForm(form);
    }
  });
})();
