"""The image block and the gallery: rules, pages, queries, freshness, admin, revisions, fixtures."""

import json
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from reversion.models import Version

from articles.delivery import keys, story_render
from articles.images.renditions import WIDTHS
from articles.models import Gallery, GalleryBlock, GalleryItem, Image, ImageBlock, StoryRender
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def small_image(**fields):
    """A picture too small for any rendition but its own size: the cheapest one to save."""
    return factories.ImageFactory(file__width=40, file__height=30, **fields)


def figures(html, css_class):
    return re.findall(rf'<figure class="{css_class}">.*?</figure>', html, re.S)


def gallery_section(html):
    found = re.search(r'<section class="widget widget--gallery".*?</section>', html, re.S)
    return found.group(0) if found else None


def page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- the image block -------------------------------------------------------------


def test_an_image_block_is_a_responsive_lazy_picture_with_caption_and_credit(client):
    image = factories.ImageFactory(
        file__width=1600, file__height=1200, alt="Delegates at the summit", caption="Library caption", credit="AFP"
    )
    story = factories.ArticleFactory()
    factories.ImageBlockFactory(parent=story, image=image, credit="Reuters")
    [figure] = figures(page(client, story), "image-block")
    srcset = ", ".join(f"{getattr(image.file, f'w{w}')} {w}w" for w in WIDTHS)
    webp = ", ".join(f"{getattr(image.file, f'w{w}_webp')} {w}w" for w in WIDTHS)
    assert f'<source type="image/webp" srcset="{webp}"' in figure
    img = re.search(r"<img [^>]+>", figure).group(0)
    assert f'srcset="{srcset}"' in img
    assert 'sizes="(min-width: 42.5rem) 40rem, calc(100vw - 2rem)"' in img
    assert 'width="1600" height="1200"' in img
    assert 'alt="Delegates at the summit"' in img
    assert 'loading="lazy"' in img and "fetchpriority" not in img
    # The library's caption, this story's own credit.
    assert '<figcaption>Library caption <span class="credit">Reuters</span></figcaption>' in figure


def test_an_image_block_says_its_own_words_where_it_has_them(client):
    image = small_image(alt="Library words", caption="Library caption", credit="AFP")
    story = factories.ArticleFactory()
    factories.ImageBlockFactory(parent=story, image=image, caption="Our caption", alt="Our description")
    [figure] = figures(page(client, story), "image-block")
    assert 'alt="Our description"' in figure
    assert '<figcaption>Our caption <span class="credit">AFP</span></figcaption>' in figure


def test_a_decorative_picture_has_an_empty_alt_and_no_caption_box_without_words(client):
    image = small_image(alt="", decorative=True)
    story = factories.ArticleFactory()
    factories.ImageBlockFactory(parent=story, image=image)
    [figure] = figures(page(client, story), "image-block")
    assert 'alt=""' in figure
    assert "<figcaption" not in figure


def test_library_words_are_escaped_in_blocks_and_galleries(client):
    image = small_image(caption="<script>alert(1)</script>", credit="<b>AFP</b>")
    story = factories.ArticleFactory()
    factories.ImageBlockFactory(parent=story, image=image)
    gallery = factories.GalleryFactory(title="<i>Hamburg</i>")
    factories.GalleryItemFactory(gallery=gallery, image=image)
    factories.GalleryBlockFactory(parent=story, widget=gallery)
    html = page(client, story)
    assert "<script>alert" not in html and "<b>AFP" not in html and "<i>Hamburg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_image_block_whose_file_is_gone_draws_no_frame(client):
    image = small_image()
    Image.objects.filter(pk=image.pk).update(file="images/gone.jpg", file_width=None, file_height=None)
    story = factories.ArticleFactory()
    factories.ImageBlockFactory(parent=story, image=image)
    assert not figures(page(client, story), "image-block")


# --- the gallery -----------------------------------------------------------------


def test_a_gallery_is_a_named_scrollable_list_of_captioned_lazy_pictures_in_order(client):
    gallery = factories.GalleryFactory(title="Hamburg in pictures", intro="The summit, day one.")
    second = factories.GalleryItemFactory(
        gallery=gallery, image=small_image(caption="Library words"), position=2, credit="dpa"
    )
    first = factories.GalleryItemFactory(gallery=gallery, image=small_image(credit="AFP"), position=1, caption="Ours")
    story = factories.ArticleFactory()
    factories.GalleryBlockFactory(parent=story, widget=gallery)
    section = gallery_section(page(client, story))
    assert 'aria-labelledby="widget-' in section and "Hamburg in pictures</h2>" in section
    assert '<div class="gallery" role="region" tabindex="0" aria-label="Hamburg in pictures: 2 pictures' in section
    assert section.count("<figure>") == 2 and section.count('loading="lazy"') == 2
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", section, re.S)
    assert captions == [
        '<span class="gallery__number">Picture 1 of 2</span> Ours <span class="credit">AFP</span>',
        '<span class="gallery__number">Picture 2 of 2</span> Library words <span class="credit">dpa</span>',
    ]
    assert section.index(str(first.image.file.w400)) < section.index(str(second.image.file.w400))


def test_an_empty_gallery_draws_nothing(client):
    story = factories.ArticleFactory()
    factories.GalleryBlockFactory(parent=story, widget=factories.GalleryFactory(title="Nothing yet"))
    html = page(client, story)
    assert gallery_section(html) is None and "Nothing yet" not in html


def test_a_gallery_holds_each_picture_once():
    item = factories.GalleryItemFactory(image=small_image())
    with pytest.raises(IntegrityError), transaction.atomic():
        GalleryItem.objects.create(gallery=item.gallery, image=item.image, position=5)


def test_a_picture_in_a_block_or_gallery_cannot_be_deleted(editor_client):
    in_block, in_gallery = small_image(alt="In a block"), small_image(alt="In a gallery")
    factories.ImageBlockFactory(image=in_block, parent=factories.ArticleFactory(headline="Summit opens"))
    factories.GalleryItemFactory(image=in_gallery, gallery=factories.GalleryFactory(title="Summit pictures"))
    for image, user in ((in_block, "Summit opens"), (in_gallery, "Summit pictures")):
        with pytest.raises(ProtectedError), transaction.atomic():
            image.delete()
        response = editor_client.post(f"/admin/articles/image/{image.pk}/delete/", {"post": "yes"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "would require deleting the following protected related objects" in html
        # The page names where the picture is used: a story, a gallery.
        assert f"In a {'block' if image == in_block else 'gallery'} in “{user}”" in html
        assert Image.objects.filter(pk=image.pk).exists()


def test_a_placed_gallery_cannot_be_deleted():
    block = factories.GalleryBlockFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        block.widget.delete()


# --- queries ---------------------------------------------------------------------

# What rendering a story with image blocks and a gallery costs at save time
# (articles.delivery.story_render), whatever the number of pictures.
RENDER_QUERIES = 12


@transaction.atomic  # one change, as an editor's admin save is: rendered once, after it
def story_with_pictures(count):
    story = factories.ArticleFactory()
    factories.RichTextFactory(parent=story)
    gallery = factories.GalleryFactory()
    for n in range(count):
        factories.ImageBlockFactory(parent=story, image=small_image())
        factories.GalleryItemFactory(gallery=gallery, image=small_image(), position=n)
    factories.GalleryBlockFactory(parent=story, widget=gallery)
    return story


@pytest.mark.parametrize("count", [1, 10])
def test_pictures_cost_no_query_each(client, django_assert_num_queries, count):
    story = story_with_pictures(count)
    article = story_render._page_story(story.pk)
    with django_assert_num_queries(RENDER_QUERIES):
        parts = story_render.render_parts(article)
    assert parts["content"].count("<picture>") == 2 * count
    # Readers get the stored render: one query.
    with django_assert_num_queries(1):
        html = page(client, story)
    assert html.count("<picture>") == 2 * count


# --- freshness -------------------------------------------------------------------


def test_pages_carry_the_key_of_every_picture_they_show():
    story = story_with_pictures(1)
    render = StoryRender.objects.get(article=story)
    pictures = [block.image for block in ImageBlock.objects.filter(parent=story)]
    pictures += [item.image for item in GalleryItem.objects.filter(gallery__placements__parent=story)]
    for image in pictures:
        assert keys.image(image.pk) in render.keys


def test_a_library_edit_reaches_the_stories_that_show_the_picture(client):
    image = small_image(caption="Delegates arrive")
    with_block, with_gallery, with_lead = (factories.ArticleFactory() for _ in range(3))
    factories.ImageBlockFactory(parent=with_block, image=image)
    gallery = factories.GalleryFactory()
    factories.GalleryItemFactory(gallery=gallery, image=image)
    factories.GalleryBlockFactory(parent=with_gallery, widget=gallery)
    with_lead.lead_image = image
    with_lead.save()
    before = {story.pk: client.get(story.get_absolute_url()) for story in (with_block, with_gallery, with_lead)}
    image.caption = "Delegates leave"
    image.alt = "Empty hall"
    image.save()
    for story in (with_block, with_gallery, with_lead):
        response = client.get(story.get_absolute_url())
        html = response.content.decode()
        assert "Delegates leave" in html and "Delegates arrive" not in html
        assert 'alt="Empty hall"' in html
        assert response["ETag"] != before[story.pk]["ETag"]
        assert not StoryRender.objects.get(article=story).stale  # rendered again at save time


def test_a_focal_point_change_reaches_the_page(client):
    image = factories.ImageFactory(file__width=800, file__height=600)
    story = factories.ArticleFactory()
    factories.ImageBlockFactory(parent=story, image=image)
    before = client.get(story.get_absolute_url())
    image.file_ppoi = "0.1x0.9"
    image.save()
    after = client.get(story.get_absolute_url())
    assert after["ETag"] != before["ETag"]
    assert Image.objects.get(pk=image.pk).file.w400 in after.content.decode()


def test_a_gallery_edit_reaches_the_story_and_leaves_others_alone(client):
    gallery = factories.GalleryFactory(title="Hamburg in pictures")
    first = factories.GalleryItemFactory(gallery=gallery, image=small_image(caption="First picture"), position=1)
    factories.GalleryItemFactory(gallery=gallery, image=small_image(caption="Second picture"), position=2)
    story, other = factories.ArticleFactory(), factories.ArticleFactory()
    factories.GalleryBlockFactory(parent=story, widget=gallery)
    other_etag = client.get(other.get_absolute_url())["ETag"]
    assert page(client, story).index("First picture") < page(client, story).index("Second picture")
    first.position = 3
    first.save()
    html = page(client, story)
    assert html.index("Second picture") < html.index("First picture")
    gallery.title = "Hamburg, day two"
    gallery.save()
    assert "Hamburg, day two" in page(client, story)
    assert client.get(other.get_absolute_url())["ETag"] == other_etag


# --- search ----------------------------------------------------------------------


def test_an_image_blocks_caption_is_body_text_for_search(client):
    story = factories.ArticleFactory(headline="Quiet gala", standfirst="")
    image = small_image(caption="Zeppelin over the harbour")
    factories.ImageBlockFactory(parent=story, image=image)
    found = client.get("/search/", {"q": "zeppelin"}).context["articles"]
    assert [article.pk for article in found] == [story.pk]
    # The library's caption changes: the story's document follows.
    image.caption = "Quokka on the quay"
    image.save()
    assert [a.pk for a in client.get("/search/", {"q": "quokka"}).context["articles"]] == [story.pk]
    assert not list(client.get("/search/", {"q": "zeppelin"}).context["articles"])


# --- admin -----------------------------------------------------------------------


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


def test_the_body_editor_offers_an_image_block_with_the_library_chooser(editor_client):
    image = small_image(alt="Harbour at dawn")
    story = factories.ArticleFactory()
    factories.ImageBlockFactory(parent=story, image=image)
    html = editor_client.get(change_url(story)).content.decode()
    assert 'data-field-name="image"' in html  # the chooser searches the library
    assert 'id="add_id_articles_imageblock_set-0-image"' in html  # + uploads one in a popup
    assert (
        '<div class="image-chooser__preview" id="id_articles_imageblock_set-0-image_preview">'
        f'<img class="image-thumbnail" src="{image.file.preview}"'
    ) in html
    assert "photo_library" in html  # the gallery block's button
    found = editor_client.get(
        "/admin/articles/image/chooser/",
        {"term": "harbour", "app_label": "articles", "model_name": "imageblock", "field_name": "image"},
    ).json()
    assert [result["text"] for result in found["results"]] == ["Harbour at dawn"]


def test_an_editor_adds_image_and_gallery_blocks_in_the_story_form(editor_client, client):
    image = small_image(alt="Harbour at dawn", caption="Library caption")
    gallery = factories.GalleryFactory(title="Harbour in pictures")
    factories.GalleryItemFactory(gallery=gallery, image=small_image())
    story = factories.ArticleFactory()
    data = form_data(editor_client.get(change_url(story)).content.decode(), "article_form")
    data.update(
        {
            "articles_imageblock_set-TOTAL_FORMS": "1",
            "articles_imageblock_set-0-region": "body",
            "articles_imageblock_set-0-ordering": "10",
            "articles_imageblock_set-0-image": str(image.pk),
            "articles_imageblock_set-0-credit": "Our photographer",
            "articles_galleryblock_set-TOTAL_FORMS": "1",
            "articles_galleryblock_set-0-region": "body",
            "articles_galleryblock_set-0-ordering": "20",
            "articles_galleryblock_set-0-widget": str(gallery.pk),
            "_save": "Save",
        }
    )
    response = editor_client.post(change_url(story), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    block = ImageBlock.objects.get(parent=story)
    assert (block.image, block.credit, block.caption) == (image, "Our photographer", "")
    assert GalleryBlock.objects.get(parent=story).widget == gallery
    html = page(client, story)
    assert '<figcaption>Library caption <span class="credit">Our photographer</span></figcaption>' in html
    assert "Harbour in pictures</h2>" in html


def test_an_editor_makes_a_gallery_and_orders_its_pictures(editor_client):
    first, second = small_image(alt="First"), small_image(alt="Second")
    add = reverse("admin:articles_gallery_add")
    html = editor_client.get(add).content.decode()
    assert 'data-field-name="image"' in html or "items-__prefix__-image" in html
    data = {
        "title": "Harbour in pictures",
        "slug": "harbour-in-pictures",
        "intro": "",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-image": str(first.pk),
        "items-0-caption": "Dawn",
        "items-0-credit": "",
        "items-0-position": "2",
        "items-1-image": str(second.pk),
        "items-1-caption": "",
        "items-1-credit": "",
        "items-1-position": "1",
    }
    response = editor_client.post(add, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    gallery = Gallery.objects.get(slug="harbour-in-pictures")
    assert [(item.image, item.caption) for item in gallery.items.all()] == [(second, ""), (first, "Dawn")]
    # The same picture twice is a form error, not a 500.
    change = reverse("admin:articles_gallery_change", args=[gallery.pk])
    items = list(gallery.items.all())
    data.update(
        {
            "items-INITIAL_FORMS": "2",
            "items-TOTAL_FORMS": "3",
            "items-0-id": str(items[1].pk),
            "items-0-gallery": str(gallery.pk),
            "items-1-id": str(items[0].pk),
            "items-1-gallery": str(gallery.pk),
            "items-2-image": str(first.pk),
            "items-2-caption": "",
            "items-2-credit": "",
            "items-2-position": "3",
        }
    )
    response = editor_client.post(change, data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for image." in response.content.decode()
    assert gallery.items.count() == 2


# --- revisions and fixtures --------------------------------------------------------


def test_a_revision_brings_back_image_and_gallery_blocks(editor_client):
    story = factories.ArticleFactory()
    image = small_image()
    factories.ImageBlockFactory(parent=story, image=image, caption="Our caption")
    gallery_block = factories.GalleryBlockFactory(parent=story)
    url = change_url(story)

    def save(change=None):
        data = form_data(editor_client.get(url).content.decode(), "article_form")
        if change:
            change(data)
        data["_save"] = "Save"
        response = editor_client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]

    save()
    first = Version.objects.get_for_object(story).get()
    assert {v.content_type.model for v in first.revision.version_set.all()} >= {"imageblock", "galleryblock"}

    def drop_both(data):
        data["articles_imageblock_set-0-DELETE"] = "on"
        data["articles_galleryblock_set-0-DELETE"] = "on"

    save(drop_both)
    assert not ImageBlock.objects.filter(parent=story).exists()
    revision_url = reverse("admin:articles_article_revision", args=[story.pk, first.pk])
    data = form_data(editor_client.get(revision_url).content.decode(), "article_form")
    data["_save"] = "Save"
    assert editor_client.post(revision_url, data).status_code == 302
    restored = ImageBlock.objects.get(parent=story)
    assert (restored.image, restored.caption) == (image, "Our caption")
    assert GalleryBlock.objects.get(parent=story).widget_id == gallery_block.widget_id


def test_galleries_and_blocks_load_from_fixtures_by_natural_key_once(tmp_path):
    story = factories.ArticleFactory(slug="summit")
    item = factories.GalleryItemFactory(image=small_image(), gallery=factories.GalleryFactory(slug="summit-pictures"))
    factories.GalleryBlockFactory(parent=story, widget=item.gallery)
    factories.ImageBlockFactory(parent=story, image=item.image, caption="Our caption")
    fixture = tmp_path / "pictures.json"
    call_command(
        "dumpdata",
        "articles.gallery",
        "articles.galleryitem",
        "articles.galleryblock",
        "articles.imageblock",
        natural_foreign=True,
        natural_primary=True,
        output=str(fixture),
    )
    rows = json.loads(fixture.read_text())
    assert all("pk" not in row for row in rows)
    for _ in range(2):
        call_command("loaddata", str(fixture), verbosity=0)
    assert GalleryItem.objects.count() == 1 and ImageBlock.objects.count() == 1 and GalleryBlock.objects.count() == 1
    ImageBlock.objects.all().delete()
    GalleryBlock.objects.all().delete()
    GalleryItem.objects.all().delete()
    call_command("loaddata", str(fixture), verbosity=0)
    assert ImageBlock.objects.get(parent=story).caption == "Our caption"
    assert GalleryItem.objects.get().gallery.slug == "summit-pictures"
