// The waiting room's screen: asks the server for the board every 3 seconds and shows it,
// highlighting (and, where the browser allows sound, chiming for) each new call. When the
// server or the network is away it keeps the last numbers, says so, and carries on by
// itself when they are back: the screen never ends on the browser's error page. Without
// this script the page reloads itself every 15 seconds.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch) return;
  var url = board.getAttribute("data-json");
  var newest = board.getAttribute("data-newest");
  var serving = document.getElementById("serving");
  var next = document.getElementById("next");
  var announce = document.getElementById("announce");
  var updated = document.getElementById("updated");
  var connection = document.getElementById("connection");
  var audio = null;

  function chime() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      if (audio.state === "suspended") audio.resume();
      [660, 880].forEach(function (hz, i) {
        var o = audio.createOscillator();
        var g = audio.createGain();
        var t = audio.currentTime + i * 0.35;
        o.frequency.value = hz;
        g.gain.setValueAtTime(0.0001, t);
        g.gain.exponentialRampToValueAtTime(0.3, t + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
        o.connect(g);
        g.connect(audio.destination);
        o.start(t);
        o.stop(t + 0.32);
      });
    } catch (e) {
      // No sound here: the highlight says it.
    }
  }

  function item(text, cls) {
    var li = document.createElement("li");
    if (cls) li.className = cls;
    li.textContent = text;
    return li;
  }

  function show(b) {
    var desks = document.createDocumentFragment();
    b.desks.forEach(function (d) {
      var li = document.createElement("li");
      li.className = "desk" + (d.newest ? " newest" : "");
      li.setAttribute("data-desk", d.desk);
      var name = document.createElement("span");
      name.className = "desk-name";
      name.textContent = d.name;
      var arrow = document.createElement("span");
      arrow.className = "arrow";
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "→";
      var number = document.createElement("span");
      number.className = "desk-number";
      number.textContent = d.label;
      li.appendChild(name);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(arrow);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(number);
      desks.appendChild(li);
    });
    serving.replaceChildren(desks);
    var waiting = document.createDocumentFragment();
    if (b.waiting.length === 0) waiting.appendChild(item("–", "none"));
    b.waiting.forEach(function (n) { waiting.appendChild(item(n)); });
    next.replaceChildren(waiting);
    updated.textContent = b.updated;
    if (String(b.newest_id) !== newest) {
      newest = String(b.newest_id);
      announce.textContent = b.announce;
      var fresh = serving.querySelector(".newest");
      if (fresh) {
        fresh.classList.add("flash");
        chime();
      }
    }
  }

  var delay = 3000;
  function poll() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, 5000) : 0;
    fetch(url, { cache: "no-store", signal: controller ? controller.signal : undefined })
      .then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (b) {
        show(b);
        connection.hidden = true;
        board.classList.remove("offline");
        delay = 3000;
      })
      .catch(function () {
        connection.hidden = false;
        board.classList.add("offline");
        delay = Math.min(delay * 2, 15000);
      })
      .then(function () {
        clearTimeout(timer);
        setTimeout(poll, delay);
      });
  }
  setTimeout(poll, delay);
})();
