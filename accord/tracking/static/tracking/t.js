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
 * Cookie consent: on a site that needs it (the site's "tracking needs cookie consent" option),
 * add `data-consent-required` to the script tag. Until the page calls `accord.consent()` (from
 * its cookie banner) nothing is stored and nothing is sent: the page view waits in memory and
 * is sent when consent comes. The cookie itself remembers the consent on later pages;
 * `accord.consent(false)` deletes it and stops tracking. Do Not Track and Global Privacy
 * Control win over consent.
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

  var consentAttr = script.getAttribute("data-consent-required");
  var consentRequired = consentAttr !== null && consentAttr !== "false";
  var hasCookie = /(?:^|;\s*)accord_vid=/.test(document.cookie);
  // With consent required, an existing cookie is the record of an earlier consent.
  var consented = !consentRequired || hasCookie;
  var vid = optedOut || !consented ? "" : visitorId();
  var waiting = [];

  function send(payload) {
    if (!vid) {
      if (!optedOut && !consented && waiting.length < 20) waiting.push(payload);
      return;
    }
    payload.site = site;
    payload.visitor_id = vid;
    if (consentRequired) payload.consent = true;
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

  function consent(given) {
    if (given === false) {
      consented = false;
      vid = "";
      waiting = [];
      document.cookie = "accord_vid=; Max-Age=0; Path=/; SameSite=Lax";
      window.accord.visitorId = "";
      return;
    }
    if (optedOut || vid) return;
    consented = true;
    vid = visitorId();
    window.accord.visitorId = vid;
    decorateForms();
    var held = waiting;
    waiting = [];
    held.forEach(send);
  }

  window.accord = {
    visitorId: vid,
    consent: consent,
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
