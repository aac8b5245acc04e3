(function () {
  "use strict";
  document.documentElement.className = "js";
  // a large report carries some parts as data (saga_lint.render.html.lazy): each read once, on first use
  var DATA = {};
  function data(key) {
    if (!Object.prototype.hasOwnProperty.call(DATA, key)) {
      var holder = document.getElementById("report-data-" + key);
      DATA[key] = holder ? JSON.parse(holder.textContent) : [];
    }
    return DATA[key];
  }
  // every piece of text from the data is set as text (textContent, setAttribute), never as markup
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  var SVG = "http://www.w3.org/2000/svg";
  function sv(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function Paged(table) {
    this.table = table;
    this.page = parseInt(table.getAttribute("data-page"), 10) || 100;
    this.limit = this.page;
    var key = table.getAttribute("data-rows");
    this.data = key ? data(key) : null;
    this.cols = (table.getAttribute("data-cols") || "").split(",");
    this.rows = this.data ? new Array(this.data.length)
      : Array.prototype.slice.call(table.tBodies[0] ? table.tBodies[0].rows : []);
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
      this.text = this.data ? this.data.map(function (cells) { return [].concat.apply([], cells).join(" ").toLowerCase(); })
        : this.rows.map(function (r) {
          // what the row shows: a rule's full documentation, folded away in the row, does not match;
          // a team's list of what it owns does, drawn or not
          var t = r.textContent;
          Array.prototype.forEach.call(r.querySelectorAll("pre.doc"), function (d) { t = t.replace(d.textContent, ""); });
          var owned = r.querySelector("details[data-owned]:not([data-drawn])");
          if (owned) { t += " " + (data("owned")[+owned.getAttribute("data-owned")] || []).join(" "); }
          return t.toLowerCase();
        });
    }
    return this.text[i];
  };
  Paged.prototype.row = function (i) {
    // a row of a data table: each cell a string, or [text, smaller text below it]
    if (!this.rows[i]) {
      var tr = el("tr"), cols = this.cols;
      this.data[i].forEach(function (c, j) {
        var td = el("td", cols[j] || null, Array.isArray(c) ? c[0] : c);
        if (Array.isArray(c)) { td.appendChild(el("span", "where", c[1])); }
        tr.appendChild(td);
      });
      this.rows[i] = tr;
    }
    return this.rows[i];
  };
  Paged.prototype.apply = function () {
    this.table.className += this.table.className.indexOf("paged") === -1 ? " paged" : "";
    var shown = 0, matching = 0, frag = this.data ? document.createDocumentFragment() : null;
    for (var i = 0; i < this.rows.length; i++) {
      var ok = this.pred(this.rows[i], i);
      if (ok) { matching++; }
      var vis = ok && shown < this.limit;
      if (vis) { shown++; }
      if (frag) {
        if (vis) { frag.appendChild(this.row(i)); }
      } else {
        this.rows[i].hidden = !vis;
      }
    }
    if (frag) {
      this.table.tBodies[0].textContent = "";
      this.table.tBodies[0].appendChild(frag);
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
  // a saga of a large report: its article is drawn from the data when it is first opened
  function drawPicture(s, p) {
    var div = el("div", "flowpic");
    var svg = sv("svg", {"class": "saga-graph", id: p.uid + "-svg", width: p.width, height: p.height,
      viewBox: "0 0 " + p.width + " " + p.height, role: "img", "aria-labelledby": p.uid + "-title"});
    svg.appendChild(sv("title", {id: p.uid + "-title"}, "Flow of " + s.name));
    var defs = sv("defs", {});
    ["forward", "failure", "compensation"].forEach(function (k) {
      var m = sv("marker", {id: p.uid + "-m-" + k, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
        markerHeight: 7, orient: "auto-start-reverse"});
      m.appendChild(sv("path", {"class": "m-" + k, d: "M0,0 L10,5 L0,10 z"}));
      defs.appendChild(m);
    });
    svg.appendChild(defs);
    p.edges.forEach(function (e) {
      var g = sv("g", {"class": "edge", "data-kind": e.kind, "data-from": e.from, "data-to": e.to});
      g.appendChild(sv("title", {}, e.from + " \u2192 " + e.to + (e.full ? ": " + e.full : "") + " (" + e.kind + ")"));
      g.appendChild(sv("path", {"class": "e " + e.cls, d: e.d, "marker-end": "url(#" + p.uid + "-m-" + e.kind + ")"}));
      if (e.label) { g.appendChild(sv("text", {"class": "el", x: e.lx, y: e.ly, "text-anchor": e.anchor}, e.label)); }
      svg.appendChild(g);
    });
    p.boxes.forEach(function (b) {
      var g = sv("g", {"class": b.cls, "data-step": b.id});
      g.appendChild(sv("title", {}, b.full));
      g.appendChild(sv("rect", {"class": "box", x: b.x, y: b.y, width: b.w, height: b.h, rx: 7}));
      g.appendChild(sv("text", {"class": "t", x: b.x + 9, y: b.y + 18}, b.title));
      g.appendChild(sv("text", {"class": "s", x: b.x + 9, y: b.y + 35}, b.line2));
      g.appendChild(sv("text", {"class": "s", x: b.x + 9, y: b.y + 52}, b.line3));
      if (b.pivot) { g.appendChild(sv("text", {"class": "pv", x: b.x + b.w - 8, y: b.y - 4, "text-anchor": "end"}, "\u25c6 PIVOT")); }
      svg.appendChild(g);
    });
    div.appendChild(svg);
    return div;
  }
  function drawMatrix(s) {
    var t = el("table", "matrix"), head = el("tr"), body = el("tbody");
    t.id = s.uid + "-matrix";
    t.setAttribute("data-saga", s.id);
    ["Step", "Type"].concat(s.attrs).forEach(function (a) { head.appendChild(el("th", null, a)); });
    t.appendChild(el("thead")).appendChild(head);
    s.rows.forEach(function (r) {
      var tr = el("tr"), th = el("th", r.health, r.title);
      tr.setAttribute("data-step", r.id);
      th.scope = "row";
      th.appendChild(el("span", "where", r.id + (r.command ? " \u00b7 " + r.command : "") +
        (r.findings ? " \u00b7 " + r.findings + " finding" + (r.findings !== 1 ? "s" : "") : "")));
      tr.appendChild(th);
      tr.appendChild(el("td", null, r.type));
      r.cells.forEach(function (c) {
        var td = el("td", "c " + c.level);
        td.title = c.level;
        td.appendChild(el("span", "mk", c.mark));
        td.appendChild(document.createTextNode(c.value));
        if (c.note) { td.appendChild(el("span", "where", c.note)); }
        if (c.where) { td.appendChild(el("span", "where mono", c.where)); }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }
  function drawSaga(d) {
    var s = data("sagas")[+d.getAttribute("data-lazy-saga")];
    if (!s || d.hasAttribute("data-drawn")) { return; }
    d.setAttribute("data-drawn", "");
    var art = el("article", "saga"), h = el("h3", null, s.name + " "), p = el("p", "small");
    art.setAttribute("data-saga", s.id);
    h.appendChild(el("span", "muted small", s.id + "@" + s.version));
    h.appendChild(document.createTextNode(" "));
    h.appendChild(el("span", "badge verdict " + s.verdict_cls + " " + s.verdict_cls, s.verdict));
    art.appendChild(h);
    if (s.summary) { p.appendChild(document.createTextNode(s.summary)); p.appendChild(el("br")); }
    p.appendChild(el("span", "muted", s.file + " \u00b7 a saga because " + s.why +
      (s.orchestrator ? " \u00b7 orchestrator " + s.orchestrator : "") +
      (s.owners.length ? " \u00b7 owned by " + s.owners.join(", ") : "")));
    art.appendChild(p);
    if (s.picture.error !== undefined) {
      art.appendChild(el("p", "bad", "The picture could not be drawn: " + s.picture.error));
    } else {
      art.appendChild(drawPicture(s, s.picture));
    }
    art.appendChild(drawMatrix(s));
    if (!s.rows.length) { art.appendChild(el("p", "muted", "No command steps were found in this flow.")); }
    d.appendChild(art);
  }
  // a team's list of what it owns, in a large report: filled from the data when first opened
  function drawOwned(d) {
    if (d.hasAttribute("data-drawn")) { return; }
    d.setAttribute("data-drawn", "");
    var ul = d.querySelector("ul"), frag = document.createDocumentFragment();
    (data("owned")[+d.getAttribute("data-owned")] || []).forEach(function (x) { frag.appendChild(el("li", null, x)); });
    ul.appendChild(frag);
  }
  function drawn(d) {
    if (d.hasAttribute("data-lazy-saga")) { drawSaga(d); } else if (d.hasAttribute("data-owned")) { drawOwned(d); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("details[data-lazy-saga], details[data-owned]"), function (d) {
    if (d.open) { drawn(d); }
    d.addEventListener("toggle", function () { if (d.open) { drawn(d); } });
  });
  // a link to a folded saga (the readiness table) opens it
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1)), t = id ? document.getElementById(id) : null;
    if (t && t.tagName === "DETAILS" && !t.open) {
      t.open = true;
      drawn(t);
      t.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  // print everything: open collapsed parts for the printout, close them again afterwards
  var opened = [];
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
      drawn(d);
      d.open = true;
      opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
