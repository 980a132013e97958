/* Opora in the browser: small enhancements of server-rendered pages; every page works without them.
 * - form errors tied to their fields (aria-invalid, aria-describedby) and a summary linking to them;
 * - drafts of long texts kept on this device (localStorage) until the form is accepted;
 * - a form sent after the session expired, kept by the server, filled in again after logging in;
 * - visits recorded without a connection queued on this device and sent with their idempotency keys;
 * - the process diagram unfolded for printing; the service worker (offline pages) registered.
 * Loaded from /static (the Content-Security-Policy allows no inline script).
 */
(function () {
  "use strict";

  var DRAFT = "opora-draft:";
  var SENT = "opora-draft-sent";
  var QUEUE = "opora-visit-queue";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrf]");
    return field ? field.value : "";
  }

  /* the noun's form for n, by the rules of the server's one helper (engine.text.plural): 1, 21 поле; 2–4, 22 поля;
     0, 5–20, 111 полей */
  function plural(n, one, few, many) {
    var last = Math.abs(n) % 10, lastTwo = Math.abs(n) % 100;
    if (last === 1 && lastTwo !== 11) { return one; }
    if (last >= 2 && last <= 4 && (lastTwo < 12 || lastTwo > 14)) { return few; }
    return many;
  }

  function fieldOf(error) {
    var box = error.closest("label, fieldset, .confirm, .matches, .child-row") || error.parentElement;
    return box ? box.querySelector("input:not([type=hidden]), select, textarea") : null;
  }

  function labelText(field) {
    var label = field.closest("label");
    var span = label && label.querySelector("span");
    var text = (span || label || field).textContent || field.name;
    return text.replace(/\*/g, "").replace(/\s+/g, " ").trim();
  }

  /* -- errors: each message tied to its field; a summary on top of the form ------------------------------ */
  function tieErrors() {
    var forms = new Map();
    document.querySelectorAll(".field-error").forEach(function (error, n) {
      var field = fieldOf(error);
      if (!field) { return; }
      if (!error.id) { error.id = "error-" + n; }
      if (!field.id) { field.id = "field-" + n; }
      field.setAttribute("aria-invalid", "true");
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(error.id) < 0) { described.push(error.id); }
      field.setAttribute("aria-describedby", described.join(" "));
      var form = field.form;
      if (form && !form.querySelector(".error-summary")) {
        if (!forms.has(form)) { forms.set(form, []); }
        forms.get(form).push([field, error]);
      }
    });
    forms.forEach(function (pairs, form) {
      var box = document.createElement("div");
      box.className = "error-summary";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      var title = document.createElement("h3");
      title.textContent = "Исправьте, пожалуйста: " + pairs.length + " " + plural(pairs.length, "поле", "поля", "полей");
      box.appendChild(title);
      var list = document.createElement("ul");
      pairs.forEach(function (pair) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#" + pair[0].id;
        link.textContent = labelText(pair[0]) + ": " + pair[1].textContent.trim();
        link.addEventListener("click", function (event) {
          event.preventDefault();
          pair[0].focus();
        });
        item.appendChild(link);
        list.appendChild(item);
      });
      box.appendChild(list);
      var first = Array.prototype.find.call(form.children, function (child) {
        return !(child.tagName === "INPUT" && child.type === "hidden");
      });
      form.insertBefore(box, first || null);
      var details = form.closest("details");
      if (details) { details.open = true; }
    });
    var first = document.querySelector(".error-summary");
    if (first) { first.focus(); }
  }

  /* -- drafts of long texts -------------------------------------------------------------------------- */
  function draftKey(form) {
    return DRAFT + location.pathname + "|" + form.getAttribute("action");
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !el.disabled && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
        (el.tagName === "INPUT" && ["hidden", "password", "submit", "checkbox", "radio", "file"].indexOf(el.type) < 0));
    });
  }

  function fill(form, values) {
    var filled = 0;
    draftFields(form).forEach(function (el) {
      if (Object.prototype.hasOwnProperty.call(values, el.name) && values[el.name] !== "" &&
          (!el.value || el.tagName === "SELECT" || el.defaultValue === el.value)) {
        el.value = values[el.name];
        filled += 1;
      }
    });
    return filled;
  }

  function note(form, text, withClear) {
    var p = document.createElement("p");
    p.className = "draft-note";
    p.setAttribute("role", "status");
    p.textContent = text + " ";
    if (withClear) {
      var clear = document.createElement("button");
      clear.type = "button";
      clear.className = "link";
      clear.textContent = "Очистить черновик";
      clear.addEventListener("click", function () {
        var s = store();
        if (s) { s.removeItem(draftKey(form)); }
        form.reset();
        p.remove();
      });
      p.appendChild(clear);
    }
    form.insertBefore(p, form.querySelector("button[type=submit]"));
  }

  function drafts() {
    var s = store();
    if (!s) { return; }
    var sent = JSON.parse(s.getItem(SENT) || "[]");
    var failed = document.querySelector(".field-error, .error-block, [data-testid=error]");
    if (sent.length && !failed) {  // the form was accepted: its draft is done with
      sent.forEach(function (key) { s.removeItem(key); });
    }
    s.removeItem(SENT);
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      if (!form.querySelector("textarea") || form.closest(".no-draft")) { return; }
      var key = draftKey(form);
      var saved = s.getItem(key);
      if (saved) {
        try {
          var draft = JSON.parse(saved);
          if (fill(form, draft.values) && !failed) {
            var details = form.closest("details");
            if (details) { details.open = true; }
            note(form, "Восстановлен черновик от " + new Date(draft.at).toLocaleString("ru-RU") + ".", true);
          }
        } catch (e) { s.removeItem(key); }
      }
      var timer = null;
      form.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var values = {};
          var any = false;
          draftFields(form).forEach(function (el) {
            values[el.name] = el.value;
            if (el.tagName === "TEXTAREA" && el.value.trim()) { any = true; }
          });
          if (any) {
            s.setItem(key, JSON.stringify({ at: new Date().toISOString(), values: values }));
          } else {
            s.removeItem(key);
          }
        }, 400);
      });
      form.addEventListener("submit", function () {
        var list = JSON.parse(s.getItem(SENT) || "[]");
        list.push(key);
        s.setItem(SENT, JSON.stringify(list));
      });
    });
  }

  /* -- a form kept by the server while the session had expired ------------------------------------------- */
  function pendingForm() {
    var data = document.getElementById("pending-form");
    if (!data) { return; }
    var pending = JSON.parse(data.textContent);
    var form = Array.prototype.find.call(document.querySelectorAll("form[method=post]"), function (f) {
      return f.getAttribute("action") === pending.action;
    });
    if (!form) { return; }
    fill(form, pending.values);
    var idem = form.querySelector("input[name=idem]");
    if (idem && pending.values.idem) { idem.value = pending.values.idem; }  // sent twice, still done once
    var details = form.closest("details");
    if (details) { details.open = true; }
    var first = draftFields(form)[0];
    if (first) { first.focus(); }
  }

  /* -- visits recorded offline -------------------------------------------------------------------------- */
  function queue() {
    var s = store();
    return s ? JSON.parse(s.getItem(QUEUE) || "[]") : [];
  }

  function saveQueue(items) {
    var s = store();
    if (!s) { return; }
    if (items.length) { s.setItem(QUEUE, JSON.stringify(items)); } else { s.removeItem(QUEUE); }
  }

  function showQueue() {
    var items = queue();
    var box = document.getElementById("offline-queue");
    if (!items.length) {
      if (box) { box.remove(); }
      return;
    }
    var main = document.getElementById("main");
    if (!main) { return; }
    if (!box) {
      box = document.createElement("section");
      box.id = "offline-queue";
      box.className = "card queue";
      box.setAttribute("aria-live", "polite");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = "";
    var title = document.createElement("h2");
    title.textContent = "Сохранено на этом устройстве, ещё не отправлено";
    box.appendChild(title);
    var list = document.createElement("ul");
    list.setAttribute("data-testid", "queue");
    items.forEach(function (item, n) {
      var li = document.createElement("li");
      li.className = item.problem ? "conflict" : "waiting";
      li.appendChild(document.createTextNode(item.title + " (" + new Date(item.at).toLocaleString("ru-RU") + "): " +
        (item.problem || "будет отправлено, когда появится связь") + " "));
      if (item.problem) {
        var open = document.createElement("a");
        open.href = item.page;
        open.textContent = "Исправить в форме";
        open.addEventListener("click", function () {  // the record moves into the form's draft, not lost
          var s = store();
          if (!s) { return; }
          s.setItem(DRAFT + item.page + "|" + item.action, JSON.stringify({ at: item.at, values: item.fields }));
          var rest = queue();
          rest.splice(n, 1);
          saveQueue(rest);
        });
        li.appendChild(open);
        li.appendChild(document.createTextNode(" · "));
        var again = document.createElement("button");
        again.type = "button";
        again.className = "link";
        again.textContent = "Отправить ещё раз";
        again.addEventListener("click", function () { sendQueue(true); });
        li.appendChild(again);
        li.appendChild(document.createTextNode(" · "));
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "link danger";
        drop.textContent = "Удалить";
        drop.addEventListener("click", function () {
          if (window.confirm("Удалить несохранённую запись о посещении?")) {
            var rest = queue();
            rest.splice(n, 1);
            saveQueue(rest);
            showQueue();
          }
        });
        li.appendChild(drop);
      }
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function problemOf(response, text) {
    var doc = new DOMParser().parseFromString(text, "text/html");
    var parts = [];
    doc.querySelectorAll(".field-error").forEach(function (error) {
      var field = fieldOf(error);
      parts.push((field ? labelText(field) + " — " : "") + error.textContent.trim());
    });
    var block = doc.querySelector(".error-block, .error-text");
    if (!parts.length && block) { parts.push(block.textContent.trim()); }
    return "не принято (" + response.status + "): " + (parts.join("; ") || "ответ сервера");
  }

  var sending = false;

  function sendQueue(retry) {
    var items = queue();
    var token = csrfToken();
    if (sending || !items.length || !navigator.onLine || !token) { showQueue(); return; }
    sending = true;
    var chain = Promise.resolve();
    items.forEach(function (item) {
      if (item.problem && !retry) { return; }
      chain = chain.then(function () {
        var body = new URLSearchParams(item.fields);
        body.set("csrf", token);  // the current session's token: the record is sent by who is logged in now
        return fetch(item.action, { method: "POST", body: body, credentials: "same-origin" })
          .then(function (response) {
            var path = new URL(response.url).pathname;
            if (path === "/login") {
              item.problem = "войдите в систему, чтобы отправить";
              return;
            }
            if (response.ok) {
              item.done = true;
              return;
            }
            return response.text().then(function (text) { item.problem = problemOf(response, text); });
          })
          .catch(function () { item.problem = ""; });  // still no connection: stays queued
      });
    });
    chain.then(function () {
      var left = items.filter(function (item) { return !item.done; });
      var done = items.length - left.length;
      saveQueue(left);
      sending = false;
      showQueue();
      if (done) {
        var flash = document.createElement("div");
        flash.className = "flash";
        flash.setAttribute("role", "status");
        flash.setAttribute("data-testid", "queue-sent");
        flash.textContent = "Отправлено записей о посещениях, сделанных без связи: " + done;
        var main = document.getElementById("main");
        if (main) { main.insertBefore(flash, main.firstChild); }
      }
    });
  }

  function offlineForms() {
    document.querySelectorAll("form[data-offline]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine) { return; }
        event.preventDefault();
        var fields = {};
        new FormData(form).forEach(function (value, name) { fields[name] = String(value); });
        // each record its own idempotency key (a page kept offline may record several visits), kept for every
        // retry; a visit is added to the case as it is when it arrives, so the page's version is not sent
        fields.idem = (fields.idem || "visit") + "-offline-" + Date.now().toString(36) +
          Math.random().toString(36).slice(2, 8);
        delete fields.expected_version;
        var items = queue();
        var heading = document.querySelector("h1");
        items.push({ action: form.getAttribute("action"), fields: fields, at: new Date().toISOString(),
          page: location.pathname, title: form.getAttribute("data-offline") + " — " +
            (heading ? heading.textContent.trim() : location.pathname) });
        saveQueue(items);
        var s = store();
        if (s) { s.removeItem(draftKey(form)); }
        form.reset();
        var details = form.closest("details");
        if (details) { details.open = false; }
        showQueue();
      });
    });
    var bar = document.createElement("div");
    bar.className = "offline-bar";
    bar.setAttribute("role", "status");
    bar.setAttribute("data-testid", "offline");
    bar.textContent = "Нет связи: показаны сохранённые страницы; записи о посещениях сохранятся на устройстве.";
    bar.hidden = navigator.onLine;
    document.body.insertBefore(bar, document.body.firstChild.nextSibling);
    window.addEventListener("offline", function () { bar.hidden = false; });
    window.addEventListener("online", function () { bar.hidden = true; sendQueue(false); });
    sendQueue(false);
  }

  /* -- logging out leaves nothing of the cases on this device (but visits not sent yet) -------------------- */
  function onLogout() {
    document.querySelectorAll("form[action='/logout']").forEach(function (form) {
      form.addEventListener("submit", function () {
        var s = store();
        if (s) {
          Object.keys(s).filter(function (k) { return k.indexOf(DRAFT) === 0; })
            .forEach(function (k) { s.removeItem(k); });
        }
        if (window.caches) { window.caches.delete("opora-pages"); }
      });
    });
  }

  /* -- paper: the folded diagram is printed too --------------------------------------------------------- */
  var unfolded = [];
  window.addEventListener("beforeprint", function () {
    unfolded = Array.prototype.filter.call(document.querySelectorAll("details.diagram-card"), function (d) {
      return !d.open;
    });
    unfolded.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    unfolded.forEach(function (d) { d.open = false; });
    unfolded = [];
  });

  document.addEventListener("DOMContentLoaded", function () {
    tieErrors();
    pendingForm();
    drafts();
    offlineForms();
    onLogout();
    if ("serviceWorker" in navigator && document.querySelector("a.me")) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* pages work without it */ });
    }
  });
}());
