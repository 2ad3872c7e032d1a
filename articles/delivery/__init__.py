"""Delivery: what a reader page shows → its keys; the page cache; save-time renders; edge purges.

A page is a function of the objects it shows (DESIGN.md, decision 11). Each
reader response collects the keys of what it shows (``keys``), its cache
validity and its ``Surrogate-Key`` headers come from them (``http``,
``page_cache``), and a committed change replaces exactly those keys'
versions, re-renders the stored story parts that show them and purges them
at the edge (``changes``, ``story_render``, ``purging``).
"""
