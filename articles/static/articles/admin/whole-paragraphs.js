'use strict';
// A triple click selects the whole paragraph, not only its words
// (articles.admin_moves.BodyEditorAdminMixin loads this beside the rich-text
// editors of django-prose-editor).
//
// ProseMirror's triple click selects the words of a paragraph. Cut, they
// leave an empty paragraph behind; pasted at the start or the end of another
// paragraph, they join it: an editor moving a paragraph by cut and paste got
// two paragraphs run together. With the paragraph itself selected (as a
// word processor does), cut takes the paragraph away and paste puts it back
// as a paragraph of its own: before the paragraph the cursor is in when the
// cursor is at its start, after it when at its end (ProseMirror alone puts
// it before in both cases), in place of it when it is empty. Selecting with
// the keyboard still selects words, to be pasted as words.
function textblockDepth($pos) {
    let depth = $pos.depth;
    while (depth > 0 && !$pos.node(depth).isTextblock) {
        depth -= 1;
    }
    return depth;
}

document.addEventListener('prose-editor:ready', (event) => {
    const editor = event.detail.editor;
    editor.setOptions({
        editorProps: {
            ...editor.options.editorProps,
            handleTripleClick(view, pos) {
                const $pos = view.state.doc.resolve(pos);
                const depth = textblockDepth($pos);
                return depth > 0 && editor.commands.setNodeSelection($pos.before(depth));
            },
            handlePaste(view, pasteEvent, slice) {
                const {selection} = view.state;
                const $pos = selection.$from;
                const depth = textblockDepth($pos);
                // Whole paragraphs (a closed slice of blocks) at a cursor at
                // a paragraph's edge; anything else is pasted as usual.
                if (!selection.empty || depth < 1 || slice.openStart !== 0 || slice.openEnd !== 0
                    || !slice.content.firstChild || !slice.content.firstChild.isBlock) {
                    return false;
                }
                const block = $pos.node(depth);
                const tr = view.state.tr;
                if (block.content.size === 0) {
                    tr.replaceWith($pos.before(depth), $pos.after(depth), slice.content);
                } else if ($pos.parentOffset === 0) {
                    tr.insert($pos.before(depth), slice.content);
                } else if ($pos.parentOffset === block.content.size) {
                    tr.insert($pos.after(depth), slice.content);
                } else {
                    return false;
                }
                view.dispatch(tr.scrollIntoView());
                return true;
            },
        },
    });
});
