// Progressive: without JavaScript the two file inputs and the button do everything.
// With it, files dropped on the box fill the inputs: the first JSON credential, the rest receipts.
(function () {
  var drop = document.getElementById("drop");
  var credential = document.getElementById("credential");
  var receipt = document.getElementById("receipt");
  if (!drop || !window.DataTransfer) { return; }
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    var files = Array.prototype.slice.call(e.dataTransfer.files);
    if (!files.length) { return; }
    var first = new DataTransfer(), rest = new DataTransfer();
    first.items.add(files[0]);
    files.slice(1).forEach(function (f) { rest.items.add(f); });
    credential.files = first.files;
    if (files.length > 1) { receipt.files = rest.files; }
  });
})();
