'use strict';
// The picture chooser (articles.images.admin.ImageChooser): the admin's
// select2 autocomplete, with a thumbnail beside each search result, and the
// preview under the field following the choice (a pick, a clear, or a
// picture uploaded through the "+" popup, which arrives without one).
{
    const $ = django.jQuery;

    function result(item) {
        if (!item.thumbnail) {
            return item.text;
        }
        const row = $('<span class="image-chooser__result"><img alt="" height="48"><span></span></span>');
        row.find('img').attr('src', item.thumbnail);
        row.find('span').text(item.text);
        return row;
    }

    function query(element, extra) {
        return Object.assign({
            app_label: element.dataset.appLabel,
            model_name: element.dataset.modelName,
            field_name: element.dataset.fieldName
        }, extra);
    }

    function showPreview(element, url) {
        const box = document.getElementById(element.id + '_preview');
        if (!box) {
            return;
        }
        box.replaceChildren();
        if (url) {
            const img = document.createElement('img');
            img.className = 'image-thumbnail';
            img.alt = '';
            img.height = 120;
            img.src = url;
            box.append(img);
        }
    }

    function refresh(element) {
        const pk = element.value;
        if (!pk) {
            showPreview(element, '');
            return;
        }
        $.getJSON(element.getAttribute('data-ajax--url'), query(element, {pk: pk, term: ''}), (answer) => {
            // Only if the choice is still the one asked about.
            if (element.value === pk) {
                showPreview(element, answer.results.length ? answer.results[0].thumbnail : '');
            }
        });
    }

    $.fn.articlesImageChooser = function() {
        $.each(this, function(i, element) {
            $(element).select2({
                ajax: {data: (params) => query(element, {term: params.term, page: params.page})},
                templateResult: result
            });
            $(element).on('change', () => refresh(element));
        });
        return this;
    };

    $(function() {
        $('select.image-chooser').not('[name*=__prefix__]').articlesImageChooser();
    });

    document.addEventListener('formset:added', (event) => {
        $(event.target).find('select.image-chooser').articlesImageChooser();
    });
}
