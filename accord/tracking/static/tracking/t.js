/*
 * Accord tracking snippet (first-party, no dependencies).
 *
 *   <script src="https://accord.example.com/capture/t.js" data-site="SITE_KEY" async></script>
 *
 * Sets the first-party cookie `accord_vid` (a random visitor id, 1 year, SameSite=Lax) and
 * sends a page view (URL, referrer, title, UTM parameters) to /capture/event. Forms marked
 * `data-accord-form` get hidden `site`, `visitor_id`, `landing_page` and `referrer` fields, so
 * the submission is stitched to the visitor's earlier page views.
 *
 * Visitors who send Do Not Track or Global Privacy Control are not tracked: no cookie, no page
 * views (their forms still work, without a visitor id).
 *
 * window.accord.page() records a page view (single-page apps); window.accord.track(name)
 * records a custom event.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var site = script && script.getAttribute("data-site");
  if (!site) return;
  var endpoint = script.src.replace(/t\.js(\?.*)?$/, "event");
  var optedOut = navigator.doNotTrack === "1" || window.doNotTrack === "1" ||
    navigator.globalPrivacyControl === true;
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"];

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function visitorId() {
    var match = document.cookie.match(/(?:^|;\s*)accord_vid=([A-Za-z0-9_-]{8,64})/);
    var id = match ? match[1] : newId();
    document.cookie = "accord_vid=" + id + "; Max-Age=31536000; Path=/; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
    return id;
  }

  var vid = optedOut ? "" : visitorId();

  function send(payload) {
    if (!vid) return;
    payload.site = site;
    payload.visitor_id = vid;
    // text/plain keeps the request "simple": no CORS preflight, and sendBeacon accepts it.
    var body = JSON.stringify(payload);
    if (navigator.sendBeacon && navigator.sendBeacon(endpoint, body)) return;
    if (window.fetch) {
      fetch(endpoint, {
        method: "POST", body: body, keepalive: true, credentials: "omit",
        headers: { "Content-Type": "text/plain;charset=UTF-8" }
      }).catch(function () {});
    }
  }

  function page() {
    var payload = { type: "page_view", url: location.href, title: document.title.slice(0, 300) };
    if (document.referrer) payload.referrer = document.referrer;
    var params = new URLSearchParams(location.search);
    UTM.forEach(function (name) { if (params.get(name)) payload[name] = params.get(name); });
    send(payload);
  }

  function hidden(form, name, value) {
    if (!value || form.querySelector('[name="' + name + '"]')) return;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  function decorateForms() {
    var forms = document.querySelectorAll("form[data-accord-form]");
    Array.prototype.forEach.call(forms, function (form) {
      hidden(form, "site", site);
      hidden(form, "visitor_id", vid);
      hidden(form, "landing_page", location.href);
      hidden(form, "referrer", document.referrer);
    });
  }

  window.accord = {
    visitorId: vid,
    page: page,
    track: function (name) { send({ type: "event", name: String(name).slice(0, 100), url: location.href }); }
  };
  page();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", decorateForms);
  } else {
    decorateForms();
  }
})();
