/* The patient portal's optional enhancements. Every page works without this file: the +/−
   buttons are real submit buttons that the server handles. With it, points add up as you go. */
(function () {
  "use strict";

  function pointsForm(form) {
    var total = parseInt(form.getAttribute("data-points-total"), 10) || 100;
    var status = form.querySelector(".points-status");
    var summary = form.querySelector("[data-points-summary]");
    var note = form.querySelector("[data-points-note]");
    var meter = form.querySelector("[data-points-meter]");
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
      if (sum > total) {
        say(["You have shared ", strong(sum), " points. That is ", strong(sum - total), " too many."]);
      } else {
        say(["You have shared ", strong(sum), " of " + total + " points. ", strong(total - sum), " left."]);
      }
      status.classList.toggle("points-over", sum > total);
      meter.value = Math.min(sum, total);
      inputs.forEach(function (input) {
        var rowMeter = form.querySelector('[data-meter-for="' + input.id + '"]');
        if (rowMeter) { rowMeter.value = points(input); }
      });
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-step-by]");
      if (!button) { return; }
      event.preventDefault();
      var input = document.getElementById(button.getAttribute("data-step-for"));
      var by = parseInt(button.getAttribute("data-step-by"), 10);
      var left = total - shared();
      note.textContent = "";
      if (by > 0 && left <= 0) {
        note.textContent = "No points left. Take some away from something else first.";
        return;
      }
      input.value = Math.max(0, points(input) + (by > 0 ? Math.min(by, left) : by));
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
