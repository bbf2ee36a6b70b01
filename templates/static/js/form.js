/* Application forms (section.application > form.application-form), progressive enhancement.
   Loaded with `defer` only on pages with a form. Without JavaScript the form posts as plain
   HTML and the handler answers with the page and its errors.

   window.SiteForms.validate(rules, values) reproduces form-handler's validator
   (form-handler/src/submission.rs, values.rs) exactly; site-gen/tests/browser/form-test.mjs
   checks it against every case in form-handler/tests/validation-cases.json.
   The markup added here (error summary, inline errors) is the markup of
   form-handler/src/render.rs. No style attributes: the CSP has no unsafe-inline. */
(function () {
  "use strict";

  var SENDING_LABEL = "Sender …";
  var SEND_FAILED = "Ansøgningen blev ikke sendt. Prøv igen om lidt.";
  var TITLE_PREFIX = "Fejl: ";
  var RECEIVED = "Ansøgningen er modtaget";
  var FORM_CHANGED = "Skemaet er blevet ændret, siden du åbnede siden. Hent siden igen, og send ansøgningen derfra.";

  // ------------------------------------------------------------------------------------------
  // Validation: the rules of form-handler, character for character.

  // Rust's str::trim (Unicode White_Space), which is not String.prototype.trim: Rust trims
  // U+0085 and keeps U+FEFF, JavaScript does the opposite.
  var WS = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var TRIM = new RegExp("^[" + WS + "]+|[" + WS + "]+$", "g");
  // values.rs: the part before @ (ASCII letters, digits, EMAIL_LOCAL_SIGNS); the
  // signs that end a host name in a URL (AsciiDenyList::URL) and white space.
  var EMAIL_LOCAL = /^[A-Za-z0-9.\-_+']+$/;
  var HOST_DENIED = /[\s%#\/:<>?@\[\\\]^|]/;
  var LDH = /^[a-z0-9-]+$/;
  var ASCII_ALPHA = /^[a-z]+$/;
  var CVR_WEIGHTS = [2, 7, 6, 5, 4, 3, 2, 1];
  var TICKED = ["on", "true", "1", "ja", "yes"];

  function clean(value) {
    var text = value === undefined || value === null ? "" : String(value);
    // Browsers post textarea line breaks as CRLF: one character, as in Rust.
    return text.replace(/\r\n/g, "\n").replace(TRIM, "").normalize("NFC");
  }

  // Length in characters (Unicode scalar values, like Rust's chars().count()).
  function chars(text) {
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        var d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
        }
      }
      n++;
    }
    return n;
  }

  function has(object, key) {
    return object !== null && typeof object === "object" && Object.prototype.hasOwnProperty.call(object, key);
  }

  function asciiLower(text) {
    return text.replace(/[A-Z]/g, function (c) {
      return c.toLowerCase();
    });
  }

  function checkbox(text) {
    return TICKED.indexOf(asciiLower(text)) >= 0;
  }

  function isRequired(field, entered) {
    var r = field.requirement || {};
    if (r.when === "required") {
      return true;
    }
    if (r.when === "required_when") {
      return has(entered, r.field) && (r.values || []).indexOf(entered[r.field]) >= 0;
    }
    return false;
  }

  function email(text, maxLength) {
    if (chars(text) > Math.min(maxLength, 254)) {
      return "too_long";
    }
    var at = text.lastIndexOf("@");
    if (at < 0) {
      return "format";
    }
    var local = text.slice(0, at);
    var domain = text.slice(at + 1);
    if (local === "" || domain === "") {
      return "format";
    }
    if (!EMAIL_LOCAL.test(local)) {
      return "characters";
    }
    if (local.length > 64 || local.charAt(0) === "." || local.charAt(local.length - 1) === "." || local.indexOf("..") >= 0) {
      return "format";
    }
    return asciiDomain(domain) === null ? "format" : null;
  }

  // values.rs ascii_domain: the browser's own UTS 46 conversion of a host name, then the
  // same DNS checks.
  function asciiDomain(domain) {
    if (HOST_DENIED.test(domain)) {
      return null;
    }
    var ascii;
    try {
      ascii = new URL("http://" + domain + "/").hostname;
    } catch (e) {
      return null;
    }
    var labels = ascii.split(".");
    var ok = ascii.length <= 253 && labels.length >= 2;
    for (var i = 0; ok && i < labels.length; i++) {
      var l = labels[i];
      ok = l.length >= 1 && l.length <= 63 && l.charAt(0) !== "-" && l.charAt(l.length - 1) !== "-" && LDH.test(l);
    }
    var tld = labels[labels.length - 1];
    ok = ok && (tld.indexOf("xn--") === 0 || (tld.length >= 2 && ASCII_ALPHA.test(tld)));
    return ok ? ascii : null;
  }

  // The same rules, in the same order, as values.rs: each error kind is one rule, so that
  // its message says what is wrong with what was typed.
  function phone(text) {
    var compact = text.replace(/[ \-.()\u00a0]/g, "");
    var plus = compact.charAt(0) === "+";
    var number = plus ? compact.slice(1) : compact;
    if (!/^[0-9]*$/.test(number)) {
      return "characters";
    }
    var national = number;
    // Eight digits without a "+" are a national number, even when they start with "00".
    if (plus || (number.indexOf("00") === 0 && number.length !== 8)) {
      var code = plus ? number : number.slice(2);
      if (code.indexOf("45") !== 0) {
        return "not_danish";
      }
      national = code.slice(2);
    }
    if (national.length !== 8) {
      return "format";
    }
    return /^[01]/.test(national) ? "not_danish" : null;
  }

  function cvr(text) {
    var digits = text.replace(/[ .\u00a0-]/g, "");
    if (/^dk/i.test(digits)) {
      digits = digits.slice(2);
    }
    if (!/^[0-9]*$/.test(digits)) {
      return "characters";
    }
    if (digits.length !== 8) {
      return "format";
    }
    if (digits.charAt(0) === "0") {
      return "leading_zero";
    }
    var sum = 0;
    for (var i = 0; i < 8; i++) {
      sum += Number(digits.charAt(i)) * CVR_WEIGHTS[i];
    }
    return sum % 11 === 0 ? null : "checksum";
  }

  function postcode(text) {
    if (!/^[0-9]*$/.test(text)) {
      return "characters";
    }
    if (text.length !== 4) {
      return "format";
    }
    return Number(text) < 800 ? "unknown" : null;
  }

  // Thousands separators (. or space) only between groups of three: 2.5 is no whole number.
  function wholeNumber(text, min, max) {
    var negative = text.charAt(0) === "-";
    var groups = (negative ? text.slice(1) : text).split(/[ .\u00a0]/);
    var grouped = groups.length === 1 || /^[0-9]{1,3}$/.test(groups[0]);
    for (var i = 1; grouped && i < groups.length; i++) {
      grouped = groups[i].length === 3;
    }
    var digits = groups.join("");
    if (!grouped || !/^[0-9]+$/.test(digits)) {
      return "format";
    }
    var n = Number(digits) * (negative ? -1 : 1);
    if (n < min) {
      return "too_small";
    }
    return n > max ? "too_large" : null;
  }

  function boundedText(text, min, max) {
    var n = chars(text);
    if (min !== undefined && min !== null && n < min) {
      return "too_short";
    }
    return n > max ? "too_long" : null;
  }

  function isOption(field, text) {
    var options = field.options || [];
    for (var i = 0; i < options.length; i++) {
      if (options[i].value === text) {
        return true;
      }
    }
    return false;
  }

  // The error code for one field, or null.
  function check(field, text, entered, rules) {
    if (field.type === "checkbox") {
      return !checkbox(text) && isRequired(field, entered) ? "required" : null;
    }
    if (text === "") {
      return isRequired(field, entered) ? "required" : null;
    }
    switch (field.type) {
      case "text":
      case "textarea":
        return boundedText(text, field.min_length, field.max_length);
      case "email":
        return email(text, field.max_length);
      case "tel":
        return phone(text);
      case "number":
        return wholeNumber(text, field.min, field.max);
      case "select":
      case "radio":
        return isOption(field, text) ? null : "unknown";
      case "cvr":
        return cvr(text);
      case "postcode":
        return postcode(text);
      case "kommune":
        return (rules.kommuner || []).indexOf(text) >= 0 ? null : "unknown";
      default:
        return null;
    }
  }

  // rules: the form's rules JSON; values: field id -> text as posted (missing = not sent).
  // Returns [{field, code, message}] in field order, like the handler's 422 answer.
  function validate(rules, values) {
    var fields = rules.fields || [];
    var entered = {};
    for (var i = 0; i < fields.length; i++) {
      if (has(values, fields[i].id)) {
        entered[fields[i].id] = clean(values[fields[i].id]);
      }
    }
    var errors = [];
    for (var j = 0; j < fields.length; j++) {
      var field = fields[j];
      var text = has(entered, field.id) ? entered[field.id] : "";
      var code = check(field, text, entered, rules);
      if (code !== null) {
        var message = field.messages && has(field.messages, code) ? field.messages[code] : "";
        errors.push({ field: field.id, code: code, message: message });
      }
    }
    return errors;
  }

  window.SiteForms = { validate: validate };

  // ------------------------------------------------------------------------------------------
  // The page

  function inputId(rules, field) {
    return "f-" + rules.form + "-" + field.id;
  }

  function fieldById(rules, id) {
    var fields = rules.fields || [];
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].id === id) {
        return fields[i];
      }
    }
    return null;
  }

  function tokens(el, attr) {
    var value = el.getAttribute(attr);
    return value ? value.split(/\s+/).filter(Boolean) : [];
  }

  function setTokens(el, attr, list) {
    if (list.length) {
      el.setAttribute(attr, list.join(" "));
    } else {
      el.removeAttribute(attr);
    }
  }

  function groupOf(form, fieldId) {
    var groups = form.querySelectorAll(".form-group[data-field]");
    for (var i = 0; i < groups.length; i++) {
      if (groups[i].getAttribute("data-field") === fieldId) {
        return groups[i];
      }
    }
    return null;
  }

  function controlsOf(group) {
    return group.querySelectorAll("input, select, textarea");
  }

  // What the form would post now: field -> first value, without hidden conditional fields.
  function hiddenNames(form) {
    var names = [];
    var groups = form.querySelectorAll(".form-group[data-field]");
    for (var i = 0; i < groups.length; i++) {
      if (groups[i].hidden) {
        names.push(groups[i].getAttribute("data-field"));
      }
    }
    return names;
  }

  function postedParams(form) {
    var params = new URLSearchParams(new FormData(form));
    var hidden = hiddenNames(form);
    for (var i = 0; i < hidden.length; i++) {
      params.delete(hidden[i]);
    }
    return params;
  }

  function valuesOf(params) {
    var values = {};
    params.forEach(function (value, name) {
      if (!has(values, name)) {
        values[name] = value;
      }
    });
    return values;
  }

  // Conditional fields: hidden when the controlling field has a value that does not need
  // them, shown (and required when the value needs them) otherwise.
  function updateConditionals(state) {
    var form = state.form;
    var groups = form.querySelectorAll(".form-group[data-required-when]");
    for (var i = 0; i < groups.length; i++) {
      var group = groups[i];
      var field = fieldById(state.rules, group.getAttribute("data-field"));
      var controller = group.getAttribute("data-required-when");
      var wanted =
        field && field.requirement && field.requirement.values
          ? field.requirement.values
          : tokens(group, "data-required-values");
      var values = valuesOf(postedParams(form));
      var value = clean(values[controller]);
      var required = value !== "" && wanted.indexOf(value) >= 0;
      var shown = value === "" || required;
      if (group.hidden === shown) {
        group.hidden = !shown;
        if (!shown && field) {
          setFieldError(state, field, null);
        }
      }
      var controls = controlsOf(group);
      for (var j = 0; j < controls.length; j++) {
        var control = controls[j];
        control.required = required;
        if (required && control.type !== "radio") {
          control.setAttribute("aria-required", "true");
        } else {
          control.removeAttribute("aria-required");
        }
      }
    }
  }

  // Inline error of one field (message null: none), as render.rs writes it.
  function setFieldError(state, field, message) {
    var form = state.form;
    var group = groupOf(form, field.id);
    if (!group) {
      return;
    }
    var id = inputId(state.rules, field);
    var errorId = id + "-error";
    var radio = field.type === "radio";
    var describedEl = radio ? group.querySelector("fieldset") : document.getElementById(id);
    var inputs = radio ? group.querySelectorAll("input[type=radio]") : [document.getElementById(id)];
    var existing = document.getElementById(errorId);
    if (message === null) {
      if (existing) {
        existing.parentNode.removeChild(existing);
      }
      group.classList.remove("form-group-error");
      for (var i = 0; i < inputs.length; i++) {
        if (inputs[i]) {
          inputs[i].removeAttribute("aria-invalid");
        }
      }
      if (describedEl) {
        setTokens(describedEl, "aria-describedby", tokens(describedEl, "aria-describedby").filter(function (t) {
          return t !== errorId;
        }));
      }
      return;
    }
    var p = existing;
    if (!p) {
      p = document.createElement("p");
      p.className = "form-error-message";
      p.id = errorId;
      // After the hint: before the radios, the checkbox row or the control.
      var before = radio
        ? group.querySelector(".form-radio")
        : field.type === "checkbox"
          ? group.querySelector(".form-checkbox")
          : document.getElementById(id);
      before.parentNode.insertBefore(p, before);
    }
    p.textContent = "";
    var prefix = document.createElement("span");
    prefix.className = "visually-hidden";
    prefix.textContent = "Fejl:";
    p.appendChild(prefix);
    p.appendChild(document.createTextNode(" " + message));
    group.classList.add("form-group-error");
    for (var k = 0; k < inputs.length; k++) {
      if (inputs[k]) {
        inputs[k].setAttribute("aria-invalid", "true");
      }
    }
    if (describedEl) {
      var list = tokens(describedEl, "aria-describedby");
      if (list.indexOf(errorId) < 0) {
        list.push(errorId);
      }
      setTokens(describedEl, "aria-describedby", list);
    }
  }

  function removeSummary() {
    var old = document.querySelectorAll(".form-error-summary");
    for (var i = 0; i < old.length; i++) {
      old[i].parentNode.removeChild(old[i]);
    }
  }

  function setErrorTitle(on) {
    var title = document.title;
    var prefixed = title.indexOf(TITLE_PREFIX) === 0;
    if (on && !prefixed) {
      document.title = TITLE_PREFIX + title;
    } else if (!on && prefixed) {
      document.title = title.slice(TITLE_PREFIX.length);
    }
  }

  // Shows `errors` ([{field, code, message}]): inline, and in a summary above the h1 that
  // takes the focus. Returns false if none of them belongs to a field of the form.
  function showErrors(state, errors) {
    var rules = state.rules;
    var fields = rules.fields || [];
    var shown = [];
    for (var i = 0; i < fields.length; i++) {
      var error = null;
      for (var j = 0; j < errors.length; j++) {
        if (errors[j] && errors[j].field === fields[i].id) {
          error = errors[j];
          break;
        }
      }
      var group = groupOf(state.form, fields[i].id);
      if (error && group && group.hidden) {
        group.hidden = false; // The handler wants this field after all.
      }
      setFieldError(state, fields[i], error ? String(error.message || "") : null);
    }
    for (var k = 0; k < errors.length; k++) {
      var field = errors[k] && fieldById(rules, errors[k].field);
      if (field) {
        shown.push({ field: field, message: String(errors[k].message || "") });
      }
    }
    removeSummary();
    if (!shown.length) {
      setErrorTitle(false);
      return false;
    }
    var summary = document.createElement("div");
    summary.className = "form-error-summary";
    summary.setAttribute("role", "alert");
    summary.setAttribute("tabindex", "-1");
    summary.setAttribute("aria-labelledby", "form-error-summary-title");
    var h2 = document.createElement("h2");
    h2.id = "form-error-summary-title";
    h2.textContent = "Der er et problem";
    var ul = document.createElement("ul");
    for (var m = 0; m < shown.length; m++) {
      var target = inputId(rules, shown[m].field) + (shown[m].field.type === "radio" ? "-0" : "");
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#" + target;
      a.textContent = shown[m].message;
      li.appendChild(a);
      ul.appendChild(li);
    }
    summary.appendChild(h2);
    summary.appendChild(ul);
    var h1 = document.querySelector("main h1");
    var anchor = h1 || state.form.closest("section") || state.form;
    anchor.parentNode.insertBefore(summary, anchor);
    setErrorTitle(true);
    summary.focus();
    return true;
  }

  function clearErrors(state) {
    var fields = state.rules.fields || [];
    for (var i = 0; i < fields.length; i++) {
      setFieldError(state, fields[i], null);
    }
    removeSummary();
    setErrorTitle(false);
  }

  // A summary link focuses its field and scrolls the field's label or legend into view.
  function onSummaryClick(event) {
    var link = event.target.closest ? event.target.closest(".form-error-summary a[href^='#']") : null;
    if (link === null) {
      return;
    }
    var id = link.getAttribute("href").slice(1);
    var input = document.getElementById(id);
    if (input === null) {
      return;
    }
    event.preventDefault();
    var label = null;
    var fieldset = input.type === "radio" ? input.closest("fieldset") : null;
    if (fieldset) {
      label = fieldset.querySelector("legend");
    } else if (input.labels && input.labels.length) {
      label = input.labels[0];
    }
    // The whole question in view: label, hint and message (a checkbox has its hint and
    // message above its label), unless it is taller than the window (a long text at high
    // zoom): then its label, so that the field itself is in view too.
    var group = input.closest(".form-group");
    if (group && group.getBoundingClientRect().height > window.innerHeight * 0.8) {
      group = null;
    }
    (group || label || input).scrollIntoView({ block: "start" });
    input.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------------------------------
  // Sending

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = "";
    for (var i = 0; i < 16; i++) {
      hex += (b[i] + 0x100).toString(16).slice(1);
      if (i === 3 || i === 5 || i === 7 || i === 9) {
        hex += "-";
      }
    }
    return hex;
  }

  var WEEKDAYS = ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"];
  var MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"];

  // "fredag den 1. marts 2019 kl. 10.15" in Danish time; the text itself if it is no date.
  function danishDateTime(text) {
    var d = new Date(text);
    if (!text || isNaN(d.getTime())) {
      return String(text || "");
    }
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Copenhagen",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      })
        .formatToParts(d)
        .forEach(function (p) {
          parts[p.type] = p.value;
        });
    } catch (e) {
      parts = { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes() };
    }
    var y = Number(parts.year);
    var mo = Number(parts.month);
    var day = Number(parts.day);
    var weekday = WEEKDAYS[new Date(Date.UTC(y, mo - 1, day)).getUTCDay()];
    var pad = function (n) {
      return ("0" + Number(n)).slice(-2);
    };
    return weekday + " den " + day + ". " + MONTHS[mo - 1] + " " + y + " kl. " + pad(parts.hour) + "." + pad(parts.minute);
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) {
      el.className = className;
    }
    if (text !== undefined) {
      el.textContent = text;
    }
    return el;
  }

  function showReceipt(state, body) {
    var section = state.form.closest("section") || state.form.parentNode;
    var heading = section.querySelector("h2");
    // The heading takes the focus, so a screen reader reads it out (a live region added
    // with its text already in it is often not announced), and the title says it too.
    var receipt = element("div", "form-receipt");
    var receiptHeading = element("h3", null, RECEIVED);
    receiptHeading.setAttribute("tabindex", "-1");
    receipt.appendChild(receiptHeading);
    var reference = body && (body.reference || body.reference_number || body.ref);
    if (reference) {
      var p1 = element("p", null, "Referencenummer: ");
      p1.appendChild(element("strong", null, String(reference)));
      receipt.appendChild(p1);
    }
    if (body && body.received_at) {
      var p2 = element("p", null, "Modtaget: ");
      var time = element("time", null, danishDateTime(body.received_at));
      time.setAttribute("datetime", String(body.received_at));
      p2.appendChild(time);
      receipt.appendChild(p2);
    }
    receipt.appendChild(element("p", null, "Gem referencenummeret. Vi kontakter jer, når ansøgningen er behandlet."));
    clearErrors(state);
    // Everything after the heading gives way to the receipt.
    var node = heading ? heading.nextSibling : section.firstChild;
    while (node) {
      var next = node.nextSibling;
      section.removeChild(node);
      node = next;
    }
    section.appendChild(receipt);
    document.title = RECEIVED + ": " + document.title;
    receiptHeading.focus();
  }

  function removeSendError(state) {
    var old = state.form.querySelectorAll(".form-send-error");
    for (var i = 0; i < old.length; i++) {
      old[i].parentNode.removeChild(old[i]);
    }
  }

  function showSendError(state, message) {
    removeSendError(state);
    var box = element("div", "form-send-error");
    box.setAttribute("role", "alert");
    box.appendChild(element("p", null, message || SEND_FAILED));
    state.button.parentNode.insertBefore(box, state.button);
  }

  function setSending(state, on) {
    state.sending = on;
    if (on) {
      state.button.setAttribute("aria-disabled", "true");
      state.button.textContent = SENDING_LABEL;
    } else {
      state.button.removeAttribute("aria-disabled");
      state.button.textContent = state.label;
    }
  }

  function readJson(response) {
    return response.text().then(function (text) {
      try {
        return JSON.parse(text);
      } catch (e) {
        return null;
      }
    });
  }

  function send(state, params) {
    // The same content always goes with the same key (the server answers a retry with the
    // first receipt if the first attempt was stored after all); changed content is a new
    // application with a new key, so the changes are never lost under an old receipt.
    var body = params.toString();
    if (!has(state.keys, body)) {
      state.keys[body] = uuid();
    }
    state.key = state.keys[body];
    setSending(state, true);
    removeSendError(state);
    var request = fetch(state.form.action, {
      method: "POST",
      headers: { Accept: "application/json", "Idempotency-Key": state.key },
      body: params,
      credentials: "same-origin",
    });
    request
      .then(function (response) {
        return readJson(response).then(function (body) {
          if (response.status === 201) {
            state.keys = {};
            setSending(state, false);
            showReceipt(state, body);
            return;
          }
          setSending(state, false);
          if (response.status === 422 && body && Array.isArray(body.errors) && body.errors.length) {
            var unknown = false;
            for (var i = 0; i < body.errors.length; i++) {
              if (!fieldById(state.rules, body.errors[i] && body.errors[i].field)) {
                unknown = true;
              }
            }
            if (unknown) {
              // The form changed since this page was loaded: this page cannot ask for it.
              showErrors(state, body.errors);
              showSendError(state, FORM_CHANGED);
              return;
            }
            if (showErrors(state, body.errors)) {
              return;
            }
          }
          var message = body && typeof body.message === "string" && body.message.trim() ? body.message : SEND_FAILED;
          showSendError(state, message);
        });
      })
      .catch(function () {
        setSending(state, false);
        showSendError(state, SEND_FAILED);
      });
  }

  function onSubmit(state, event) {
    event.preventDefault();
    if (state.sending) {
      return;
    }
    updateConditionals(state);
    removeSendError(state);
    var params = postedParams(state.form);
    var errors = validate(state.rules, valuesOf(params));
    if (errors.length) {
      showErrors(state, errors);
      return;
    }
    clearErrors(state);
    send(state, params);
  }

  function setup(form) {
    var section = form.closest("section") || form.parentNode;
    var script = section.querySelector("script.form-rules");
    var button = form.querySelector(".form-submit, button[type=submit]");
    if (!script || !button) {
      return;
    }
    var rules;
    try {
      rules = JSON.parse(script.textContent);
    } catch (e) {
      return; // Without rules the form still posts as plain HTML.
    }
    var state = { form: form, rules: rules, button: button, label: button.textContent, key: null, keys: {}, sending: false };
    form.addEventListener("submit", function (event) {
      onSubmit(state, event);
    });
    form.addEventListener("change", function () {
      updateConditionals(state);
    });
    form.addEventListener("input", function () {
      updateConditionals(state);
    });
    updateConditionals(state);
  }

  function init() {
    var forms = document.querySelectorAll("form.application-form[data-form]");
    for (var i = 0; i < forms.length; i++) {
      setup(forms[i]);
    }
    document.addEventListener("click", onSummaryClick);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
