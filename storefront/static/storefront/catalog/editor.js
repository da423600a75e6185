/* The product editor (templates/admin/catalogue/product/editor.html): the rich description
   (TinyMCE from our own static files, pictures uploaded to the console), pictures ordered by
   dragging, and the SKU grid rebuilt in place as spec values are ticked. No inline script
   and no eval: the console's content security policy forbids them. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setUpDescription(form) {
    if (!window.tinymce) return;
    var base = form.dataset.tinymceBase;
    window.tinymce.init({
      selector: "textarea.kit-rich-text",
      base_url: base,
      suffix: ".min",
      license_key: "gpl",
      language: "zh_CN",
      language_url: base + "/langs/zh_CN.js",
      menubar: false,
      promotion: false,
      branding: false,
      height: 360,
      plugins: "lists link image table",
      toolbar: "undo redo | blocks | bold italic | bullist numlist | link image table",
      relative_urls: false,
      convert_urls: false,
      images_file_types: "jpg,jpeg,png,webp",
      images_upload_handler: function (blobInfo) {
        var body = new FormData();
        body.append("file", blobInfo.blob(), blobInfo.filename());
        return fetch(form.dataset.uploadUrl, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(form) }
        }).then(function (response) {
          return response.json().then(function (answer) {
            if (!response.ok) throw new Error((answer.error && answer.error.message) || "上传失败");
            return answer.location;
          });
        });
      }
    });
  }

  function setUpImages() {
    var list = document.getElementById("kit-images");
    if (!list) return;
    var dragged = null;
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".kit-image");
      if (dragged) {
        dragged.classList.add("kit-image--dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", dragged.dataset.image);
      }
    });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("kit-image--dragging");
      dragged = null;
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var over = event.target.closest(".kit-image");
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = event.clientX > box.left + box.width / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) {
      event.preventDefault();
    });
    // The hidden image_order inputs follow the order of the pictures on the page.
  }

  function specGroups(form) {
    var groups = [];
    form.querySelectorAll("[id^=field-spec_]").forEach(function (field) {
      if (/_new$/.test(field.id)) return;
      var ticked = [];
      field.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
        var label = box.closest("label");
        ticked.push({ id: box.value, name: (label ? label.textContent : box.value).trim() });
      });
      if (ticked.length) groups.push(ticked);
    });
    return groups;
  }

  function combine(groups) {
    if (!groups.length) return [{ key: "", label: "默认" }];
    var rows = [{ key: [], label: [] }];
    groups.forEach(function (group) {
      var next = [];
      rows.forEach(function (row) {
        group.forEach(function (option) {
          next.push({ key: row.key.concat(option.id), label: row.label.concat(option.name) });
        });
      });
      rows = next;
    });
    return rows.map(function (row) {
      return { key: row.key.join("_"), label: row.label.join(" / ") };
    });
  }

  function setUpGrid(form) {
    var grid = document.getElementById("sku-grid");
    var template = document.getElementById("sku-row-template");
    if (!grid || !template) return;
    var body = grid.querySelector("tbody");
    function rebuild() {
      var existing = {};
      body.querySelectorAll("tr[data-key]").forEach(function (row) {
        existing[row.dataset.key] = row;
      });
      var wanted = combine(specGroups(form));
      wanted.forEach(function (combo) {
        var row = existing[combo.key];
        if (!row) {
          row = template.content.firstElementChild.cloneNode(true);
          row.dataset.key = combo.key;
          row.querySelector("th").textContent = combo.label;
          var prefix = "sku-" + (combo.key || "single") + "-";
          row.querySelectorAll("[data-field]").forEach(function (input) {
            input.name = prefix + input.dataset.field;
            input.id = "id_" + prefix + input.dataset.field;
          });
        }
        delete existing[combo.key];
        body.appendChild(row);
      });
      Object.keys(existing).forEach(function (key) {
        existing[key].remove();
      });
    }
    form.querySelectorAll("[id^=field-spec_] input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", rebuild);
    });
  }

  function start() {
    var form = document.getElementById("product-editor");
    if (!form) return;
    setUpDescription(form);
    setUpImages();
    setUpGrid(form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
