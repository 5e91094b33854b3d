// Inside the widget's frame: tell the partner's page (widget.js) how tall the content is,
// so that the frame grows with the results. Only a number leaves the frame.
(function () {
  "use strict";
  if (window.parent === window) return;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: "mapdir-widget-hauteur", hauteur: height }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.documentElement);
  window.addEventListener("load", send);
  send();
})();
