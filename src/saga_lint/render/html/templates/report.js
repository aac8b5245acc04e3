(function () {
  "use strict";
  document.documentElement.className = "js";
  function Paged(table) {
    this.table = table;
    this.page = parseInt(table.getAttribute("data-page"), 10) || 100;
    this.limit = this.page;
    this.rows = Array.prototype.slice.call(table.tBodies[0] ? table.tBodies[0].rows : []);
    this.text = null;
    this.pred = function () { return true; };
    var self = this;
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "more";
    this.button.addEventListener("click", function () { self.limit += self.page; self.apply(); });
    this.count = document.createElement("div");
    this.count.className = "muted small count";
    table.parentNode.insertBefore(this.count, table.nextSibling);
    table.parentNode.insertBefore(this.button, this.count.nextSibling);
  }
  Paged.prototype.rowText = function (i) {
    if (!this.text) {
      // what the row shows: a rule's full documentation, folded away in the row, does not match
      this.text = this.rows.map(function (r) {
        var t = r.textContent;
        Array.prototype.forEach.call(r.querySelectorAll("pre.doc"), function (d) { t = t.replace(d.textContent, ""); });
        return t.toLowerCase();
      });
    }
    return this.text[i];
  };
  Paged.prototype.apply = function () {
    this.table.className += this.table.className.indexOf("paged") === -1 ? " paged" : "";
    var shown = 0, matching = 0;
    for (var i = 0; i < this.rows.length; i++) {
      var ok = this.pred(this.rows[i], i);
      if (ok) { matching++; }
      var vis = ok && shown < this.limit;
      if (vis) { shown++; }
      this.rows[i].hidden = !vis;
    }
    this.count.textContent = "Showing " + shown + " of " + matching + " matching rows (" + this.rows.length + " in all).";
    var rest = matching - shown;
    this.button.hidden = rest <= 0;
    this.button.textContent = "Show " + Math.min(rest, this.page) + " more (" + rest + " not shown)";
  };
  var tables = {};
  Array.prototype.forEach.call(document.querySelectorAll("table[data-page]"), function (t) {
    var p = new Paged(t);
    tables[t.id] = p;
    p.apply();
  });
  // simple text filters: <input data-filter-for="TABLE_ID">
  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter-for]"), function (inp) {
    var p = tables[inp.getAttribute("data-filter-for")];
    if (!p) { return; }
    inp.addEventListener("input", function () {
      var q = inp.value.trim().toLowerCase();
      p.pred = q ? function (r, i) { return p.rowText(i).indexOf(q) !== -1; } : function () { return true; };
      p.limit = p.page;
      p.apply();
    });
  });
  // the findings filter: severity, rule, owner, text
  var f = document.getElementById("findings-filter");
  var ft = tables["findings-table"];
  if (f && ft) {
    var sev = f.querySelector("[name=severity]"), rule = f.querySelector("[name=rule]");
    var owner = f.querySelector("[name=owner]"), text = f.querySelector("[name=text]");
    var run = function () {
      var s = sev.value, r = rule.value, o = owner.value, q = text.value.trim().toLowerCase();
      ft.pred = function (row, i) {
        if (s && row.getAttribute("data-severity") !== s) { return false; }
        if (r && row.getAttribute("data-rule") !== r) { return false; }
        if (o && ("|" + row.getAttribute("data-owner") + "|").indexOf("|" + o + "|") === -1) { return false; }
        if (q && ft.rowText(i).indexOf(q) === -1) { return false; }
        return true;
      };
      ft.limit = ft.page;
      ft.apply();
    };
    [sev, rule, owner].forEach(function (el) { el.addEventListener("change", run); });
    text.addEventListener("input", run);
    f.addEventListener("submit", function (e) { e.preventDefault(); run(); });
  }
  // print everything: open collapsed parts for the printout, close them again afterwards
  var opened = [];
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
