// The desk's script. Nothing here is needed for the pages to work:
// - a page that answers a form (the check-in answers with the booking's page) puts the
//   address it stands for in the bar, so that reloading it does not send the form again;
// - the QR scanner uses the camera where the browser can (BarcodeDetector) and opens the
//   code it reads; without it, or without a camera, the code is typed (or a USB scanner
//   types it, with Enter).
(function () {
  "use strict";
  var address = document.getElementById("page-address");
  if (address && window.history && history.replaceState) {
    var url = address.getAttribute("data-url");
    if (url && location.pathname + location.search !== url) {
      history.replaceState(null, "", url);
    }
  }
  var button = document.getElementById("scan");
  var video = document.getElementById("scan-video");
  var input = document.getElementById("f-code");
  var form = document.getElementById("find-form");
  if (!button || !video || !input || !form) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(function () {
          var stop = function () {
            stream.getTracks().forEach(function (t) { t.stop(); });
            video.hidden = true;
          };
          var look = function () {
            detector.detect(video).then(function (codes) {
              var found = codes.length ? codes[0].rawValue.trim() : "";
              if (found) {
                stop();
                input.value = found;
                form.submit();
              } else {
                window.requestAnimationFrame(look);
              }
            }, stop);
          };
          look();
        });
      })
      .catch(function () {
        button.hidden = true;
        input.focus();
      });
  });
})();
