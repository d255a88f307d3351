// Suggestions for the search box, as a <datalist>: the page works without this script.
(function () {
  const input = document.getElementById("search-q");
  const list = document.getElementById("search-suggestions");
  if (!input || !list) return;
  let timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    const value = input.value.trim();
    if (value.length < 2) return;
    timer = setTimeout(async function () {
      const response = await fetch("/api/v1/autocomplete/?q=" + encodeURIComponent(value));
      if (!response.ok) return;
      const data = await response.json();
      list.replaceChildren(...data.suggestions.map(function (title) {
        const option = document.createElement("option");
        option.value = title;
        return option;
      }));
    }, 150);
  });
})();
