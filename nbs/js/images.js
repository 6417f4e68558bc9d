// After the page loads, note on <body> how many images it has and how many rendered (the docs test reads these).
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.querySelectorAll('article img'));
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-images-rendered', imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length);
});
