"""The picture library: images editors reuse, their renditions, the chooser.

``Image`` is an ``articles`` model (imported by ``articles.models``);
renditions are made by django-imagefield when an image is saved, never
while a reader waits (``renditions``). ``ImageBlock`` (``blocks``) places
one in a story's body; a gallery is a widget kind (``articles.widgets.gallery``).
"""
