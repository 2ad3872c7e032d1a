"""The picture library: images editors reuse, their renditions, the chooser.

``Image`` is an ``articles`` model (imported by ``articles.models``);
renditions are made by django-imagefield when an image is saved, never
while a reader waits (``renditions``).
"""
