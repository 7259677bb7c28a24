// Shrinks a large photo of a certificate in the browser before it is uploaded, so that a
// 7 MB phone photo goes as a few hundred kilobytes on slow data. An enhancement only:
// without it (or where the browser cannot), the server answers the same form with the
// file's error at its field.
(function () {
  "use strict";
  var LIMIT = 5 * 1024 * 1024; // the server's limit
  var WANT = 1024 * 1024; // photos above this are shrunk
  var SIDE = 2000; // longest side after shrinking: still readable
  if (!window.createImageBitmap || !window.DataTransfer || !HTMLCanvasElement.prototype.toBlob) {
    return;
  }
  function say(input, text) {
    var note = document.getElementById("shrink-note");
    if (!note) {
      note = document.createElement("p");
      note.id = "shrink-note";
      note.className = "hint";
      note.setAttribute("role", "status");
      input.parentNode.appendChild(note);
    }
    note.textContent = text;
  }
  function kb(n) {
    return Math.round(n / 1024) + " KB";
  }
  document.querySelectorAll('input[type=file][name=certificate]').forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !/^image\/(jpeg|png)$/.test(file.type) || file.size <= WANT) {
        return;
      }
      var form = input.form;
      var button = form && form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      createImageBitmap(file).then(function (bitmap) {
        var scale = Math.min(1, SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (blob && blob.size < file.size && blob.size <= LIMIT) {
            var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
            var dt = new DataTransfer();
            dt.items.add(new File([blob], name, { type: "image/jpeg" }));
            input.files = dt.files;
            var lang = document.documentElement.lang === "en";
            say(input, (lang ? "Photo made smaller: " : "Foto diperkecil: ") + kb(file.size) + " → " + kb(blob.size));
          }
          if (button) button.disabled = false;
        }, "image/jpeg", 0.85);
      }).catch(function () {
        if (button) button.disabled = false;
      });
    });
  });
})();
