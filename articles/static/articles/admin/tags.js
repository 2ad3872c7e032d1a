"use strict"
{
  const $ = django.jQuery

  function enhance(select) {
    $(select).select2({
      tags: true,
      tokenSeparators: [","],
      width: "100%",
      minimumInputLength: 0,
      ajax: {
        url: select.dataset.autocompleteUrl,
        dataType: "json",
        delay: 200,
        data: (params) => ({ term: params.term || "" }),
      },
      // "syria" when "Syria" exists is the same tag (taggit is set to be
      // case-insensitive); offer the existing spelling first.
      createTag: (params) => {
        const term = (params.term || "").trim()
        return term ? { id: term, text: term, newTag: true } : null
      },
      insertTag: (data, tag) => {
        if (!data.some((item) => item.text.toLowerCase() === tag.text.toLowerCase())) {
          data.push(tag)
        }
      },
    })
  }

  $(() => {
    for (const select of document.querySelectorAll("select.tag-autocomplete")) {
      enhance(select)
    }
  })
}
