// The progress of a background import: asks how far it has got every two seconds, moves the
// bar and the words, and opens the finished page when it is done. Without JavaScript the page
// has a "Check again" link.
(function () {
  "use strict";
  var status = document.getElementById("import-status");
  var bar = document.getElementById("import-progress");
  if (!status || !bar) return;
  var template = status.textContent;
  var first = /\d[\d,.]*/;
  function poll() {
    fetch(status.dataset.statusUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (now) {
        if (now.state !== "queued" && now.state !== "running") {
          window.location.assign(status.dataset.doneUrl);
          return;
        }
        bar.value = now.done;
        status.textContent = template.replace(first, String(now.done));
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
