/* BorderFlow pages: small progressive enhancements; every page also works without this script.
 * - the overview's search filters the table as you type;
 * - the simulator posts a JSON scenario to /api/v1/simulations and shows progress while it runs
 *   (YAML, anything the script cannot read, and a scenario the API refuses go through the plain
 *   form instead, whose answer says what is wrong in the page's language);
 * - result pages of unfinished runs poll the API and reload when the runs are done. */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function setUpFilter(input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    var shown = document.getElementById("shown");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var count = 0;
      rows.forEach(function (row) {
        var hay = fold(row.getAttribute("data-search") || "");
        var match = words.every(function (w) { return hay.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) { count += 1; }
      });
      if (shown) { shown.textContent = shown.getAttribute("data-template").replace("{shown}", count); }
      var none = document.getElementById("no-match");
      if (none) { none.hidden = count > 0; }
    });
  }

  function getJob(id) {
    return fetch("/api/v1/simulations/" + encodeURIComponent(id), {headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  /* Poll jobs until none is queued or running; onProgress gets the mean progress 0..1. */
  function pollJobs(ids, onProgress) {
    return new Promise(function (resolve, reject) {
      function tick() {
        Promise.all(ids.map(getJob)).then(function (jobs) {
          var sum = 0;
          jobs.forEach(function (job) { sum += job.progress; });
          onProgress(sum / jobs.length, jobs);
          var busy = jobs.some(function (job) { return job.status === "queued" || job.status === "running"; });
          if (busy) { window.setTimeout(tick, 250); } else { resolve(jobs); }
        }).catch(reject);
      }
      tick();
    });
  }

  function setUpJobPage() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".progress[data-job]"));
    if (!boxes.length) { return; }
    var ids = boxes.map(function (box) { return box.getAttribute("data-job"); });
    pollJobs(ids, function (_mean, jobs) {
      jobs.forEach(function (job, i) {
        boxes[i].querySelector("progress").value = job.progress;
        boxes[i].querySelector(".progress-text").textContent = job.replications_done + " / " + job.replications;
      });
    }).then(function () { window.location.reload(); }, function () { window.location.reload(); });
  }

  function wholeOrNull(text) {
    if (text.trim() === "") { return null; }
    return /^-?\d+$/.test(text.trim()) ? parseInt(text, 10) : undefined;
  }

  function scale(value, factor) {
    if (Array.isArray(value)) { return value.map(function (v) { return scale(v, factor); }); }
    return typeof value === "number" ? value * factor : value;
  }

  function shift(value, delta) {
    if (Array.isArray(value)) { return value.map(function (v) { return shift(v, delta); }); }
    return typeof value === "number" ? Math.max(0, value + delta) : value;
  }

  /* The quick changes, read from the form; null when one is not a valid number (the plain
   * form then lets the server explain). Same rule as services.simulations.apply_edits. */
  function readChanges(form) {
    var raw = form.elements.demand_multiplier.value.trim();
    var multiplier = raw === "" ? 1 : Number(raw);
    if (!isFinite(multiplier) || multiplier < 0 || multiplier > 100) { return null; }
    var booths = [];
    var inputs = form.querySelectorAll("input[data-group]");
    for (var i = 0; i < inputs.length; i += 1) {
      var change = wholeOrNull(inputs[i].value);
      if (change === undefined) { return null; }
      booths.push([inputs[i].getAttribute("data-group"), change || 0]);
    }
    var replications = wholeOrNull(form.elements.replications.value);
    var seed = wholeOrNull(form.elements.seed.value);
    if (replications === undefined || seed === undefined) { return null; }
    return {multiplier: multiplier, booths: booths, replications: replications, seed: seed};
  }

  function edited(data, changes, quick) {
    var s = JSON.parse(JSON.stringify(data));
    if (quick && changes.multiplier !== 1 && Array.isArray(s.demand)) {
      s.demand.forEach(function (entry) {
        if (entry && typeof entry === "object" && "per_hour" in entry) {
          entry.per_hour = scale(entry.per_hour, changes.multiplier);
        }
      });
    }
    if (quick && s.lane_groups && typeof s.lane_groups === "object") {
      changes.booths.forEach(function (pair) {
        var group = s.lane_groups[pair[0]];
        if (pair[1] && group && typeof group === "object" && "booths" in group) {
          group.booths = shift(group.booths, pair[1]);
        }
      });
    }
    if (changes.replications !== null) { s.replications = changes.replications; }
    if (changes.seed !== null) { s.seed = changes.seed; }
    return s;
  }

  function label(changes) {
    var parts = changes.multiplier !== 1 ? ["\u00d7" + changes.multiplier] : [];
    changes.booths.forEach(function (pair) {
      if (pair[1]) { parts.push(pair[0] + " " + (pair[1] > 0 ? "+" : "") + pair[1]); }
    });
    return parts.join(" \u00b7 ").slice(0, 200);
  }

  function post(scenario, name) {
    var url = "/api/v1/simulations" + (name ? "?label=" + encodeURIComponent(name) : "");
    return fetch(url, {method: "POST", body: JSON.stringify(scenario),
                       headers: {"Content-Type": "application/json", Accept: "application/json"}})
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            var refused = new Error(body && body.error ? body.error.message : "HTTP " + response.status);
            refused.refused = true;
            throw refused;
          }
          return body;
        });
      });
  }

  function setUpSimulator(form) {
    var errorBox = document.getElementById("sim-error");
    var box = document.getElementById("sim-progress");
    var bar = document.getElementById("sim-progress-bar");
    var text = document.getElementById("sim-progress-text");
    var button = document.getElementById("run");
    form.addEventListener("submit", function (event) {
      var data;
      try { data = JSON.parse(form.elements.scenario.value); } catch (e) { return; }
      if (!data || typeof data !== "object" || Array.isArray(data)) { return; }
      var changes = readChanges(form);
      if (changes === null) { return; }
      event.preventDefault();
      var compare = form.elements.compare.checked;
      var requests = [post(edited(data, changes, true), label(changes))];
      if (compare) { requests.unshift(post(edited(data, changes, false), "")); }
      errorBox.hidden = true;
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      Promise.all(requests).then(function (jobs) {
        var ids = jobs.map(function (job) { return job.id; });
        return pollJobs(ids, function (mean) {
          bar.value = mean;
          text.textContent = Math.round(mean * 100) + "%";
        }).then(function () {
          window.location.assign(compare ? "/simulator/compare?a=" + ids[0] + "&b=" + ids[1]
                                         : "/simulator/runs/" + ids[0]);
        });
      }).catch(function (error) {
        if (error.refused) {  // the API's message is English: the plain form says it in the page's language
          form.submit();
          return;
        }
        box.hidden = true;
        button.disabled = false;
        errorBox.textContent = form.getAttribute("data-invalid").replace("{error}", error.message);
        errorBox.hidden = false;
        errorBox.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-filter-table]"), setUpFilter);
    var form = document.getElementById("sim-form");
    if (form) { setUpSimulator(form); }
    setUpJobPage();
  });
}());
