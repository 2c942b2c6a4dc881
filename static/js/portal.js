/* The patient portal's optional enhancements. Every page works without this file: the +/−
   buttons are real submit buttons that the server handles (patients/portal_points.py). With it,
   points move and add up as you go, by the same rules and in the same words: the page's own
   sentences, in its language, from <template data-points-words>. */
(function () {
  "use strict";

  var STATES = ["under", "done", "over"];

  function pointsForm(form) {
    var total = parseInt(form.getAttribute("data-points-total"), 10) || 100;
    var status = form.querySelector("[data-points-status]");
    var summary = form.querySelector("[data-points-summary]");
    var note = form.querySelector("[data-points-note]");
    var bar = form.querySelector("[data-points-bar]");
    var words = form.querySelector("[data-points-words]");
    var inputs = Array.prototype.slice.call(form.querySelectorAll(".points-input"));

    form.querySelectorAll("[data-no-script]").forEach(function (element) {
      element.hidden = true;
    });

    function points(input) {
      var value = parseInt(input.value, 10);
      return isNaN(value) || value < 0 ? 0 : value;
    }

    function shared() {
      return inputs.reduce(function (sum, input) { return sum + points(input); }, 0);
    }

    function named(input) {
      return input.getAttribute("data-wording");
    }

    // One of the page's sentences, each {name} in its text replaced by the value given, as text.
    function sentence(name, values) {
      var copy = words.content.querySelector('[data-say="' + name + '"]').cloneNode(true);
      var walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
      var node;
      while ((node = walker.nextNode())) {
        node.nodeValue = node.nodeValue.replace(/\{(\w+)\}/g, function (whole, key) {
          return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
        });
      }
      return copy;
    }

    function say(name, values) {
      var copy = sentence(name, values);
      summary.textContent = "";
      while (copy.firstChild) { summary.appendChild(copy.firstChild); }
    }

    function refresh() {
      var sum = shared();
      var state = sum > total ? "over" : (sum === total ? "done" : "under");
      if (state === "over") {
        say("over", {shared: sum, over: sum - total});
      } else if (state === "done") {
        say("done", {shared: sum});
      } else {
        say("under", {shared: sum, total: total, left: total - sum});
      }
      STATES.forEach(function (name) {
        status.classList.toggle("points-" + name, name === state);
      });
      bar.setAttribute("width", String(Math.min(sum, total)));
    }

    // The rules of step() in patients/portal_points.py: "+" is never refused.
    function step(input, by) {
      var mine = points(input);
      if (by < 0) {
        if (mine === 0) { return sentence("none-to-take", {name: named(input)}).textContent; }
        input.value = Math.max(0, mine + by);
        return "";
      }
      var left = total - shared();
      if (left > 0) {
        input.value = mine + Math.min(by, left);
        return "";
      }
      var most = null;
      inputs.forEach(function (other) {
        if (other !== input && points(other) > 0 && (most === null || points(other) > points(most))) {
          most = other;
        }
      });
      if (most === null) { return sentence("has-all", {name: named(input)}).textContent; }
      var moved = Math.min(by, points(most));
      most.value = points(most) - moved;
      input.value = mine + moved;
      return sentence("moved", {moved: moved, from: named(most), to: named(input)}).textContent;
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-step-by]");
      if (!button) { return; }
      event.preventDefault();
      var input = document.getElementById(button.getAttribute("data-step-for"));
      note.textContent = step(input, parseInt(button.getAttribute("data-step-by"), 10));
      refresh();
    });
    form.addEventListener("input", function (event) {
      if (event.target.classList.contains("points-input")) { refresh(); }
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.classList.contains("points-input")) {
        event.preventDefault();
        refresh();
      }
    });
  }

  document.querySelectorAll(".points-form").forEach(pointsForm);
})();
