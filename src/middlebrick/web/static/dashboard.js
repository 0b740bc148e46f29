// middlebrick dashboard: progress of running scans, the overview's auto-refresh, and
// "expand all" on scan pages. Served as a file: the Content-Security-Policy forbids inline script.
"use strict";

(function () {
  const PHASES = {
    queued: "Waiting for a free scan slot",
    starting: "Starting",
    explore: "Exploring the API",
    checks: "Running checks",
    recorded: "Saving to history",
    done: "Done",
  };

  function followJob(section) {
    const bar = document.getElementById("job-progress");
    const phase = document.getElementById("job-phase");
    const error = document.getElementById("job-error");
    const url = section.dataset.statusUrl;

    async function poll() {
      let status;
      try {
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error("HTTP " + response.status);
        status = await response.json();
      } catch (problem) {
        phase.textContent = "Lost contact with the dashboard (" + problem.message + "); retrying";
        window.setTimeout(poll, 2000);
        return;
      }
      const label = PHASES[status.phase] || PHASES[status.state] || String(status.phase || status.state);
      phase.textContent = status.total ? label + ": " + status.done + " / " + status.total : label;
      if (status.total) {
        bar.max = status.total;
        bar.value = status.done;
      } else {
        bar.removeAttribute("value");
      }
      if (status.state === "done" && typeof status.scan_url === "string" && status.scan_url.startsWith("/")) {
        window.location.assign(status.scan_url);
        return;
      }
      if (status.state === "failed") {
        section.classList.add("failed");
        phase.textContent = "The scan failed";
        document.getElementById("job-retry").hidden = false;
        error.textContent = status.error || "The scan failed.";
        error.hidden = false;
        return;
      }
      window.setTimeout(poll, 500);
    }
    poll();
  }

  function refreshEvery(seconds) {
    window.setTimeout(function () {
      if (document.visibilityState === "visible") window.location.reload();
      else refreshEvery(seconds);
    }, seconds * 1000);
  }

  function toggleAll(button) {
    const scope = document.querySelector(button.dataset.toggleAll);
    if (!scope) return;
    button.addEventListener("click", function () {
      const all = scope.querySelectorAll("details.finding");
      const open = Array.prototype.some.call(all, function (d) { return !d.open; });
      all.forEach(function (d) { d.open = open; });
      button.textContent = open ? "Collapse all" : "Expand all";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const job = document.getElementById("job");
    if (job) followJob(job);
    const refresh = Number(document.body.dataset.refresh);
    if (refresh > 0) refreshEvery(refresh);
    document.querySelectorAll("[data-toggle-all]").forEach(toggleAll);
  });
})();
