// Optional: the visitor may share a coarse position for the scan (it helps find copied stamps).
(function () {
  var button = document.getElementById("share-location");
  if (!button || !navigator.geolocation) { if (button) { button.hidden = true; } return; }
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      var body = new URLSearchParams({
        scan: button.dataset.scan,
        latitude: position.coords.latitude.toFixed(2),
        longitude: position.coords.longitude.toFixed(2)
      });
      fetch(button.dataset.url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrf ? csrf.value : ""}
      }).then(function () { button.hidden = true; });
    }, function () { button.disabled = false; }, {maximumAge: 600000, timeout: 15000});
  });
})();
