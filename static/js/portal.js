/* The patient portal's optional enhancements. Every page works without this file: the +/−
   buttons are real submit buttons that the server handles (patients/portal_points.py). With it,
   points move and add up as you go, by the same rules and in the same words. */
(function () {
  "use strict";

  var STATES = ["under", "done", "over"];

  function pointsForm(form) {
    var total = parseInt(form.getAttribute("data-points-total"), 10) || 100;
    var status = form.querySelector("[data-points-status]");
    var summary = form.querySelector("[data-points-summary]");
    var note = form.querySelector("[data-points-note]");
    var bar = form.querySelector("[data-points-bar]");
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
      return "“" + input.getAttribute("data-wording") + "”";
    }

    function strong(text) {
      var element = document.createElement("strong");
      element.textContent = String(text);
      return element;
    }

    function say(parts) {
      summary.textContent = "";
      parts.forEach(function (part) {
        summary.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
      });
    }

    function refresh() {
      var sum = shared();
      var state = sum > total ? "over" : (sum === total ? "done" : "under");
      if (state === "over") {
        say(["You have shared ", strong(sum), " points. That is ", strong(sum - total),
             " too many. Take some away."]);
      } else if (state === "done") {
        say(["You have shared all ", strong(sum), " points."]);
      } else {
        say(["You have shared ", strong(sum), " of " + total + " points. ", strong(total - sum),
             " left to share."]);
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
        if (mine === 0) { return named(input) + " has no points to take away."; }
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
      if (most === null) { return named(input) + " already has all the points."; }
      var moved = Math.min(by, points(most));
      most.value = points(most) - moved;
      input.value = mine + moved;
      return "No points were left, so we took " + moved + " from " + named(most) +
        " and gave them to " + named(input) + ".";
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
