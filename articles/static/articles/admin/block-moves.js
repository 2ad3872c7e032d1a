'use strict';
// The body editor that moves (articles.admin_moves.BodyEditorAdminMixin).
//
// Body blocks (django-content-editor): up, down, duplicate and delete
// buttons in every block's header. content-editor orders blocks by their
// "ordering" field and shows that order with CSS `order`; it never moves
// the blocks in the document, because Django's inlines.js renumbers a
// formset's forms by their place in the document when an unsaved one is
// removed. These buttons keep to that: they renumber the ordering fields
// as content-editor's own drag and drop does, and leave the document alone.
// Delete is the formset's DELETE checkbox (undone by pressing again, until
// the story is saved); an unsaved block is removed as Django's own "remove"
// link does.
//
// Bylines (adminsortable2's sortable tabular inline): adminsortable2 lets
// only saved rows be dragged (its handle is the saved object's label, and
// a row may not pass an unsaved one) and numbers only saved rows. Here every
// row gets a drag handle and up and down buttons; the position fields of
// every row with an author are numbered in the order shown, after each move
// and again when the form is sent.
//
// Each move is announced in a live region and keeps the focus on the
// button pressed, so that pressing it again keeps moving the same item.
{
    // A copy is a new block: its own id and place, and not marked for deletion.
    const NOT_COPIED = /-(id|parent|region|ordering|DELETE|article|position)$/;

    // The JSON data block comes before this script (articles.admin_moves).
    const data = document.getElementById('block-moves-messages');
    const words = data ? JSON.parse(data.textContent) : null;

    function say(key, values) {
        return (words[key] || key).replace(/%\((\w+)\)s/g, (match, name) => values[name] ?? '');
    }

    // --- announcements --------------------------------------------------

    let status = null;

    function announce(text) {
        if (!status) {
            status = document.createElement('div');
            status.className = 'block-moves-status';
            status.setAttribute('role', 'status');
            status.setAttribute('aria-live', 'polite');
            document.body.append(status);
        }
        // Emptied first, so that the same sentence twice is read twice.
        status.textContent = '';
        window.setTimeout(() => {
            status.textContent = text;
        }, 50);
    }

    function button(icon, label, action) {
        const element = document.createElement('button');
        element.type = 'button';
        element.className = `block-moves-button block-moves-${action}`;
        element.dataset.action = action;
        element.setAttribute('aria-label', label);
        element.title = label;
        const glyph = document.createElement('span');
        glyph.className = 'material-icons';
        glyph.setAttribute('aria-hidden', 'true');
        glyph.textContent = icon;
        element.append(glyph);
        return element;
    }

    // --- body blocks ----------------------------------------------------

    // Rich-text editors by their textarea, to put a copied block's words in.
    const editors = new WeakMap();
    document.addEventListener('prose-editor:ready', (event) => {
        editors.set(event.detail.textarea, event.detail.editor);
    });

    function orderMachine() {
        return document.querySelector('.order-machine');
    }

    function prefixOf(block) {
        return block.id.replace(/-(?:\d+|empty)$/, '');
    }

    function blockName(block) {
        const plugin = window.ContentEditor.pluginsByPrefix[prefixOf(block)];
        return plugin ? plugin.title : '';
    }

    // Every block of the body, in every region, in the order shown.
    function blocksInOrder() {
        return Array.from(orderMachine().querySelectorAll(':scope > .inline-related:not(.empty-form)'))
            .map((block, index) => [block, index])
            .sort((a, b) => (Number(a[0].style.order) - Number(b[0].style.order)) || (a[1] - b[1]))
            .map(([block]) => block);
    }

    function regionBlocks(block) {
        return blocksInOrder().filter((other) => other.dataset.region === block.dataset.region);
    }

    function renumber(blocks) {
        blocks.forEach((block, index) => {
            const ordering = 10 * (index + 1);
            block.querySelector('.order-machine-ordering').value = ordering;
            block.style.order = ordering;
        });
    }

    function moveBlock(block, step, pressed) {
        const name = blockName(block);
        const siblings = regionBlocks(block);
        const from = siblings.indexOf(block);
        const to = from + step;
        if (to < 0 || to >= siblings.length) {
            announce(say(step < 0 ? 'first' : 'last', {name}));
            return;
        }
        const all = blocksInOrder();
        all.splice(all.indexOf(block), 1);
        all.splice(all.indexOf(siblings[to]) + (step > 0 ? 1 : 0), 0, block);
        renumber(all);
        pressed.focus();
        block.scrollIntoView({block: 'nearest'});
        announce(say('moved', {name, position: to + 1, count: siblings.length}));
    }

    // A rich-text editor made for a new block may announce itself only
    // after the block is copied: its words go in then.
    function setText(textarea, text) {
        textarea.value = text;
        const editor = editors.get(textarea);
        // Not an undoable step: the copy's first state is its words.
        const fill = (target) => target.chain().setMeta('addToHistory', false).setContent(text).run();
        if (editor) {
            fill(editor);
        } else {
            textarea.addEventListener('prose-editor:ready', (event) => fill(event.detail.editor), {once: true});
        }
    }

    function copyFields(source, copy) {
        const sourcePrefix = source.id;
        const copyPrefix = copy.id;
        for (const field of source.querySelectorAll('input, select, textarea')) {
            if (!field.name || !field.name.startsWith(`${sourcePrefix}-`) || NOT_COPIED.test(field.name)) {
                continue;
            }
            const target = copy.querySelector(`[name="${copyPrefix}-${field.name.slice(sourcePrefix.length + 1)}"]`);
            if (!target || target.type === 'file') {
                continue;
            }
            if (field.type === 'checkbox' || field.type === 'radio') {
                target.checked = field.checked;
            } else if (field.tagName === 'SELECT') {
                // An autocomplete (select2) holds only its chosen options.
                for (const option of field.selectedOptions) {
                    if (!Array.from(target.options).some((other) => other.value === option.value)) {
                        target.append(new Option(option.text, option.value));
                    }
                }
                for (const option of target.options) {
                    option.selected = Array.from(field.selectedOptions).some((chosen) => chosen.value === option.value);
                }
            } else if (target.tagName === 'TEXTAREA') {
                setText(target, field.value);
            } else {
                target.value = field.value;
            }
            if (window.django && window.django.jQuery) {
                // select2 and the picture chooser listen through jQuery.
                window.django.jQuery(target).trigger('change');
            } else {
                target.dispatchEvent(new Event('change', {bubbles: true}));
            }
        }
    }

    function duplicateBlock(block) {
        const name = blockName(block);
        const CE = window.ContentEditor;
        const siblings = regionBlocks(block);
        const next = siblings[siblings.indexOf(block) + 1];
        const before = new Set(orderMachine().querySelectorAll(':scope > .inline-related:not(.empty-form)'));
        const region = CE.currentRegion;
        // content-editor adds to the region shown and before _insertBefore.
        CE.currentRegion = block.dataset.region;
        CE._insertBefore = next || null;
        CE.addContent(prefixOf(block));
        CE.currentRegion = region;
        const copy = Array.from(orderMachine().querySelectorAll(':scope > .inline-related:not(.empty-form)'))
            .find((element) => !before.has(element));
        if (!copy) {
            return;
        }
        copyFields(block, copy);
        enhanceBlock(copy);
        copy.querySelector('.block-moves-duplicate').focus();
        copy.scrollIntoView({block: 'nearest'});
        announce(say('duplicated', {name, position: regionBlocks(copy).indexOf(copy) + 1}));
    }

    function deleteBlock(block, pressed) {
        const name = blockName(block);
        const checkbox = block.querySelector(':scope > h3 .delete input[type=checkbox]');
        if (checkbox) {
            // content-editor's own handler marks the block on this click.
            checkbox.click();
            pressed.setAttribute('aria-pressed', String(checkbox.checked));
            pressed.setAttribute('aria-label', say(checkbox.checked ? 'restore' : 'delete', {name}));
            pressed.title = pressed.getAttribute('aria-label');
            pressed.querySelector('.material-icons').textContent = checkbox.checked ? 'restore_from_trash' : 'delete';
            pressed.focus();
            announce(say(checkbox.checked ? 'deleted' : 'restored', {name}));
            return;
        }
        // Never saved: removed at once, as Django's own link does.
        const remove = block.querySelector('.inline-deletelink');
        if (!remove) {
            return;
        }
        const siblings = regionBlocks(block);
        const neighbour = siblings[siblings.indexOf(block) + 1] || siblings[siblings.indexOf(block) - 1];
        remove.click();
        const focusTarget = neighbour && neighbour.isConnected && neighbour.querySelector('.block-moves-delete');
        if (focusTarget) {
            focusTarget.focus();
        }
        announce(say('removed', {name}));
    }

    function enhanceBlock(block) {
        if (!window.ContentEditor || !window.ContentEditor.allowChange || block.classList.contains('empty-form')) {
            return;
        }
        const heading = block.querySelector(':scope > h3');
        if (!heading || heading.querySelector('.block-moves')) {
            return;
        }
        const name = blockName(block);
        const toolbar = document.createElement('span');
        toolbar.className = 'block-moves';
        toolbar.setAttribute('role', 'group');
        toolbar.setAttribute('aria-label', say('toolbar', {name}));
        toolbar.append(
            button('arrow_upward', say('up', {name}), 'up'),
            button('arrow_downward', say('down', {name}), 'down'),
            button('content_copy', say('duplicate', {name}), 'duplicate'),
        );
        const checkbox = heading.querySelector('.delete input[type=checkbox]');
        const canDelete = checkbox || block.querySelector('.inline-deletelink');
        if (canDelete) {
            const remove = button(checkbox && checkbox.checked ? 'restore_from_trash' : 'delete',
                say(checkbox && checkbox.checked ? 'restore' : 'delete', {name}), 'delete');
            if (checkbox) {
                remove.setAttribute('aria-pressed', String(checkbox.checked));
            }
            toolbar.append(remove);
            block.classList.add('block-moves-deletable');
        }
        heading.append(toolbar);
    }

    function blockClicked(event) {
        const pressed = event.target.closest('.block-moves-button');
        if (!pressed || !pressed.closest('.order-machine')) {
            return;
        }
        // The heading collapses its block on a click: not on these buttons.
        event.preventDefault();
        event.stopPropagation();
        const block = pressed.closest('.inline-related');
        const action = pressed.dataset.action;
        if (action === 'up' || action === 'down') {
            moveBlock(block, action === 'up' ? -1 : 1, pressed);
        } else if (action === 'duplicate') {
            duplicateBlock(block);
        } else if (action === 'delete') {
            deleteBlock(block, pressed);
        }
    }

    // content-editor's public events: "activate" for every block it shows
    // (the saved ones at start, each one added later), "ready" once.
    document.addEventListener('content-editor:activate', (event) => {
        if (words && event.detail.inline.closest('.order-machine')) {
            enhanceBlock(event.detail.inline);
        }
    });

    document.addEventListener('content-editor:ready', () => {
        const machine = orderMachine();
        if (!words || !machine) {
            return;
        }
        for (const block of machine.querySelectorAll(':scope > .inline-related:not(.empty-form)')) {
            enhanceBlock(block);
        }
        // Before content-editor's own listener on the order machine.
        machine.parentElement.addEventListener('click', blockClicked, true);
    });

    // --- bylines ----------------------------------------------------------

    function bylineRows(body) {
        return Array.from(body.querySelectorAll(':scope > tr.form-row:not(.empty-form)'));
    }

    function bylineName(row) {
        const author = row.querySelector('select[name$="-author"]');
        const chosen = author && author.selectedOptions[0];
        if (chosen && chosen.value) {
            return chosen.text;
        }
        const saved = row.querySelector('td.original p');
        return saved && saved.firstChild ? saved.firstChild.textContent.trim() : say('newByline', {});
    }

    function hasAuthor(row) {
        const author = row.querySelector('[name$="-author"]');
        return row.classList.contains('has_original') || Boolean(author && author.value);
    }

    // Positions in the order shown, for every row that will be saved; a blank
    // added row keeps its initial value so that the form still ignores it.
    function numberBylines(body) {
        let position = 0;
        for (const row of bylineRows(body)) {
            const input = row.querySelector('input._reorder_');
            if (!input) {
                continue;
            }
            input.value = hasAuthor(row) ? String(++position) : input.defaultValue;
        }
    }

    function labelByline(row) {
        const name = bylineName(row);
        for (const [action, key] of [['up', 'bylineUp'], ['down', 'bylineDown']]) {
            const control = row.querySelector(`.byline-moves-${action}`);
            if (control) {
                control.setAttribute('aria-label', say(key, {name}));
                control.title = control.getAttribute('aria-label');
            }
        }
    }

    function enhanceByline(row) {
        const cell = row.querySelector('td.original');
        if (!cell || cell.querySelector('.byline-moves') || row.classList.contains('empty-form')) {
            return;
        }
        const controls = document.createElement('span');
        controls.className = 'byline-moves';
        const handle = document.createElement('span');
        handle.className = 'byline-handle material-icons';
        handle.setAttribute('aria-hidden', 'true');
        handle.title = say('bylineHandle', {});
        handle.textContent = 'drag_indicator';
        const up = button('arrow_upward', '', 'up');
        const down = button('arrow_downward', '', 'down');
        up.classList.add('byline-moves-up');
        down.classList.add('byline-moves-down');
        controls.append(handle, up, down);
        cell.append(controls);
        labelByline(row);
    }

    function moveByline(row, step, pressed) {
        const body = row.parentElement;
        const rows = bylineRows(body);
        const from = rows.indexOf(row);
        const to = from + step;
        const name = bylineName(row);
        if (to < 0 || to >= rows.length) {
            announce(say(step < 0 ? 'first' : 'last', {name}));
            return;
        }
        const errors = row.previousElementSibling && row.previousElementSibling.classList.contains('row-form-errors')
            ? row.previousElementSibling : null;
        if (step < 0) {
            const other = rows[to];
            const otherErrors = other.previousElementSibling && other.previousElementSibling.classList.contains('row-form-errors')
                ? other.previousElementSibling : other;
            body.insertBefore(row, otherErrors);
        } else {
            rows[to].after(row);
        }
        if (errors) {
            row.before(errors);
        }
        numberBylines(body);
        pressed.focus();
        announce(say('moved', {name, position: to + 1, count: rows.length}));
    }

    // Dragging by the handle: the row is draggable only while the handle is held.
    let dragged = null;

    function rowAt(body, clientY) {
        return bylineRows(body).find((row) => {
            const box = row.getBoundingClientRect();
            return clientY < box.top + box.height / 2;
        });
    }

    function bindBylines(fieldset) {
        const body = fieldset.querySelector('table tbody');
        if (!body) {
            return;
        }
        for (const row of bylineRows(body)) {
            enhanceByline(row);
        }
        body.addEventListener('pointerdown', (event) => {
            const handle = event.target.closest('.byline-handle');
            if (handle) {
                handle.closest('tr').draggable = true;
            }
        });
        body.addEventListener('dragstart', (event) => {
            const row = event.target.closest && event.target.closest('tr.form-row');
            if (!row || !row.draggable) {
                return;
            }
            dragged = row;
            row.classList.add('byline-dragging');
            event.dataTransfer.effectAllowed = 'move';
            event.dataTransfer.setData('text/plain', bylineName(row));
        });
        body.addEventListener('dragover', (event) => {
            if (!dragged) {
                return;
            }
            event.preventDefault();
            const next = rowAt(body, event.clientY);
            if (next !== dragged && next !== dragged.nextElementSibling) {
                body.insertBefore(dragged, next || body.querySelector(':scope > tr.empty-form'));
            }
        });
        const finish = () => {
            if (!dragged) {
                return;
            }
            dragged.draggable = false;
            dragged.classList.remove('byline-dragging');
            const name = bylineName(dragged);
            const rows = bylineRows(body);
            announce(say('moved', {name, position: rows.indexOf(dragged) + 1, count: rows.length}));
            dragged = null;
            numberBylines(body);
        };
        body.addEventListener('drop', (event) => {
            if (dragged) {
                event.preventDefault();
            }
            finish();
        });
        body.addEventListener('dragend', finish);
        body.addEventListener('pointerup', () => {
            for (const row of bylineRows(body)) {
                if (row !== dragged) {
                    row.draggable = false;
                }
            }
        });
        body.addEventListener('click', (event) => {
            const pressed = event.target.closest('.block-moves-button');
            if (pressed) {
                event.preventDefault();
                moveByline(pressed.closest('tr'), pressed.dataset.action === 'up' ? -1 : 1, pressed);
            }
        });
        // Names follow the author chosen (select2 tells jQuery, not the DOM).
        body.addEventListener('focusin', (event) => {
            const row = event.target.closest('tr.form-row');
            if (row) {
                labelByline(row);
            }
        });
        // adminsortable2's own drag (by a saved row's label) numbers saved
        // rows only, in its onEnd, which runs after this event: number after it.
        body.addEventListener('end', () => queueMicrotask(() => numberBylines(body)));
        const form = fieldset.closest('form');
        if (form) {
            form.addEventListener('submit', () => numberBylines(body));
        }
    }

    function bylinePrefix(fieldset) {
        const group = fieldset.closest('.inline-group');
        return group ? group.id.replace(/-group$/, '') : '';
    }

    // Django renumbers a formset's forms by their place in the document when
    // an unsaved row is removed; the first forms must stay the saved ones.
    // So for that moment the rows stand in the order of their numbers, and
    // then go back to the order shown.
    document.addEventListener('formset:removed', (event) => {
        for (const fieldset of document.querySelectorAll('fieldset.sortable')) {
            if (bylinePrefix(fieldset) !== event.detail.formsetName) {
                continue;
            }
            const body = fieldset.querySelector('table tbody');
            const shown = bylineRows(body);
            const index = (row) => Number(row.id.slice(row.id.lastIndexOf('-') + 1));
            const empty = body.querySelector(':scope > tr.empty-form');
            for (const row of shown.slice().sort((a, b) => index(a) - index(b))) {
                body.insertBefore(row, empty);
            }
            queueMicrotask(() => {
                for (const row of shown) {
                    if (row.isConnected) {
                        body.insertBefore(row, empty);
                    }
                }
                numberBylines(body);
            });
        }
    });

    document.addEventListener('formset:added', (event) => {
        const fieldset = event.target.closest && event.target.closest('fieldset.sortable');
        if (words && fieldset && event.target.matches('tr.form-row')) {
            enhanceByline(event.target);
        }
    });

    document.addEventListener('DOMContentLoaded', () => {
        if (!words) {
            return;
        }
        for (const fieldset of document.querySelectorAll('fieldset.sortable')) {
            if (fieldset.querySelector('input._reorder_') || fieldset.querySelector('tr.empty-form')) {
                bindBylines(fieldset);
            }
        }
    });
}
