"""Pictures in a real browser: what a phone downloads, and how the pages look.

A 4000x3000 lead picture is uploaded; at 360 px on a DPR-2 phone the browser
must pick a file no wider than 800 px, and WebP. Screenshots of the story and
front pages at 360 and 1280 px go to ``test-artifacts/pictures-*.png``. A
second upload of a picture the library has is refused with a link to it.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage
from PIL import ImageDraw

from articles.models import Image
from tests import factories
from tests.browser.conftest import serve_media, wait_until
from tests.quality import axe_violations, generated_story, reader_url

pytestmark = pytest.mark.django_db(transaction=True)


def big_photo():
    """A 4000x3000 JPEG with some structure, about what a camera sends."""
    picture = PillowImage.new("RGB", (4000, 3000), (70, 110, 150))
    draw = ImageDraw.Draw(picture)
    for n in range(0, 4000, 250):
        draw.rectangle((n, 1800 - n // 4, n + 180, 3000), fill=(40 + n // 40, 60, 50))
    draw.ellipse((2900, 300, 3500, 900), fill=(250, 210, 90))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    return SimpleUploadedFile("skyline.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def pictured_story():
    image = Image(file=big_photo(), alt="The city skyline at dusk", credit="Jane Lens", file_ppoi="0.8x0.2")
    image.save()
    story = generated_story()
    story.lead_image = image
    story.save()
    # The reporter's face beside the byline.
    reporter = story.bylines.get(author__slug="jane-reporter").author
    reporter.photo = factories.ImageFactory(file__color="sienna", alt="Jane Reporter")
    reporter.save()
    for n in range(3):
        factories.ArticleFactory(headline=f"Another story {n}", lead_image=factories.ImageFactory())
    return story


# naturalWidth of a srcset image is scaled by the density the browser chose;
# the file's own width is that of the same URL loaded on its own.
LEAD = """async () => {
  const img = document.querySelector(".story__lead img");
  const file = new Image();
  file.src = img.currentSrc;
  await file.decode();
  return [img.currentSrc, file.naturalWidth, img.complete, img.getBoundingClientRect().width];
}"""
FILE_WIDTHS = """() => Promise.all([...document.querySelectorAll(".story-card__picture")].map(async (img) => {
  const file = new Image();
  file.src = img.currentSrc;
  await file.decode();
  return file.naturalWidth;
}))"""


@pytest.mark.parametrize(("width", "scale"), [(360, 2), (1280, 1)])
def test_story_and_front_page_pictures(live_server, device_page, artifacts, pictured_story, width, scale):
    page = device_page(width, scale, height=800)
    assert page.goto(live_server.url + pictured_story.get_absolute_url()).status == 200
    wait_until(page, "document.querySelector('.story__lead img').complete")
    source, natural_width, complete, shown_width = page.evaluate(LEAD)
    assert complete and natural_width > 0
    assert source.endswith(".webp"), source
    # The target: a phone at 360 px gets no file wider than 800 px.
    assert natural_width <= (800 if width == 360 else 1600), (source, natural_width)
    assert natural_width >= shown_width * scale * 0.9  # and not a blurry one
    page.screenshot(path=artifacts / f"pictures-story-{width}.png", full_page=True)
    assert not axe_violations(page)

    assert page.goto(live_server.url + reader_url("home")).status == 200
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the lazy cards load
    wait_until(page, "[...document.querySelectorAll('.story-card__picture')].every(i => i.complete)")
    widths = page.evaluate(FILE_WIDTHS)
    assert len(widths) == 4 and all(0 < w <= 1200 for w in widths), widths
    if width == 360:
        assert max(widths) <= 800, widths
    page.screenshot(path=artifacts / f"pictures-home-{width}.png", full_page=True)
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width
    assert not axe_violations(page)


def test_focal_point_is_set_by_clicking_the_picture(live_server, watch, artifacts, django_user_model):
    """The library's admin form, under the admin's Content-Security-Policy: a click moves the focal point."""
    from tests.browser.test_content_security_policy import PASSWORD, sign_in

    django_user_model.objects.create_superuser("picture-desk", "pd@example.com", PASSWORD)
    image = factories.ImageFactory(alt="A harbour")
    page = watch.new_page()
    serve_media(page, live_server)
    path = f"/admin/articles/image/{image.pk}/change/"
    sign_in(page, live_server.url, "picture-desk", path)
    page.wait_for_url(f"**{path}")
    preview = page.locator("img.imagefield-preview-image")
    preview.wait_for()
    page.wait_for_function("document.querySelector('img.imagefield-preview-image').complete")
    box = preview.bounding_box()
    preview.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    x, y = (float(n) for n in page.input_value("#id_file_ppoi").split("x"))
    assert abs(x - 0.25) < 0.02 and abs(y - 0.75) < 0.02
    page.screenshot(path=artifacts / "pictures-admin-focal-point.png")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/articles/image/")
    image.refresh_from_db()
    assert image.file_ppoi == f"{x:.3f}x{y:.3f}"
    assert watch.problems == []


def test_the_chooser_shows_thumbnails_and_the_chosen_picture(live_server, watch, artifacts, django_user_model):
    """The story form's picture chooser: thumbnails in the search, and the preview follows the choice."""
    from tests.browser.test_content_security_policy import PASSWORD, sign_in

    django_user_model.objects.create_superuser("chooser-desk", "cd@example.com", PASSWORD)
    harbour = factories.ImageFactory(alt="Harbour at dawn", file__color="teal")
    summit = factories.ImageFactory(alt="Summit opens", file__color="sienna")
    story = factories.ArticleFactory(lead_image=harbour)
    page = watch.new_page()
    serve_media(page, live_server)
    path = f"/admin/articles/article/{story.pk}/change/"
    sign_in(page, live_server.url, "chooser-desk", path)
    page.wait_for_url(f"**{path}")
    preview = page.locator("#id_lead_image_preview img")
    assert preview.get_attribute("src") == harbour.file.preview

    page.click("#id_lead_image + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "summit")
    result = page.locator(".select2-results__option .image-chooser__result", has_text="Summit opens")
    result.wait_for()
    assert result.locator("img").get_attribute("src") == summit.file.preview
    page.wait_for_function("[...document.querySelectorAll('.image-chooser__result img')].every(i => i.complete)")
    page.screenshot(path=artifacts / "pictures-admin-chooser.png")
    result.click()
    page.wait_for_function(
        "src => document.querySelector('#id_lead_image_preview img')?.getAttribute('src') === src",
        arg=summit.file.preview,
    )
    # Cleared: no picture, no preview.
    page.click("#id_lead_image + .select2 .select2-selection__clear")
    page.wait_for_function("!document.querySelector('#id_lead_image_preview img')")
    assert watch.problems == []


def test_uploading_a_picture_the_library_has_points_at_it(live_server, watch, artifacts, django_user_model, tmp_path):
    """A second upload of the same file is refused, and the error's link opens the picture already there."""
    from articles.images.library import image_from_file
    from tests.browser.test_content_security_policy import PASSWORD, sign_in

    django_user_model.objects.create_superuser("picture-desk", "pd@example.com", PASSWORD)
    picture = PillowImage.new("RGB", (40, 30), (70, 110, 150))
    path = tmp_path / "harbour.jpg"
    picture.save(path, format="JPEG")
    existing, _ = image_from_file(path, alt="The harbour at dawn")
    page = watch.new_page()
    serve_media(page, live_server)
    sign_in(page, live_server.url, "picture-desk", "/admin/articles/image/add/")
    page.wait_for_url("**/admin/articles/image/add/")
    page.set_input_files("#id_file", str(path))
    page.fill("#id_alt", "Another description")
    page.click("input[name=_save]")
    link = page.locator(".errorlist a", has_text="The harbour at dawn")
    link.wait_for()
    page.screenshot(path=artifacts / "pictures-admin-duplicate-upload.png", full_page=True)
    link.click()
    page.wait_for_url(f"**/admin/articles/image/{existing.pk}/change/")
    assert Image.objects.count() == 1
    assert watch.problems == []


def test_an_editor_places_a_library_picture_with_a_new_image_block(live_server, watch, artifacts, django_user_model):
    """An image block added in the body editor gets the picture chooser too (initialised on formset:added)."""
    from articles.models import ImageBlock
    from tests.browser.editing import add_block
    from tests.browser.test_content_security_policy import PASSWORD, sign_in

    django_user_model.objects.create_superuser("block-desk", "bd@example.com", PASSWORD)
    harbour = factories.ImageFactory(alt="Harbour at dawn", file__color="teal")
    story = factories.ArticleFactory(headline="Talks resume in Geneva")
    factories.RichTextFactory(parent=story, ordering=10)
    page = watch.new_page()
    serve_media(page, live_server)
    path = f"/admin/articles/article/{story.pk}/change/"
    sign_in(page, live_server.url, "block-desk", path)
    page.wait_for_url(f"**{path}")
    add_block(page, "image")
    select = page.locator(".inline-related:not(.empty-form) select.image-chooser").last
    select_id = select.get_attribute("id")
    page.click(f"#{select_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "harbour")
    page.locator(".select2-results__option .image-chooser__result", has_text="Harbour at dawn").click()
    page.wait_for_function(
        "([id, src]) => document.getElementById(id + '_preview')?.querySelector('img')?.getAttribute('src') === src",
        arg=[select_id, harbour.file.preview],
    )
    page.screenshot(path=artifacts / "pictures-admin-image-block.png", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert ImageBlock.objects.get(parent=story).image == harbour
    assert watch.problems == []


def test_a_picture_uploaded_through_the_choosers_popup_goes_into_a_new_image_block(
    live_server, watch, artifacts, django_user_model, tmp_path
):
    """ "+" beside a new image block's chooser: the library's form in a popup, and the new picture chosen and shown."""
    from articles.models import ImageBlock
    from tests.browser.editing import add_block
    from tests.browser.test_content_security_policy import PASSWORD, sign_in

    django_user_model.objects.create_superuser("upload-desk", "ud@example.com", PASSWORD)
    photo = tmp_path / "crowd.jpg"
    PillowImage.new("RGB", (640, 480), (150, 90, 60)).save(photo, format="JPEG")
    story = factories.ArticleFactory(headline="Crowds gather in the square")
    factories.RichTextFactory(parent=story, ordering=10)
    page = watch.new_page()
    serve_media(page, live_server)
    path = f"/admin/articles/article/{story.pk}/change/"
    sign_in(page, live_server.url, "upload-desk", path)
    page.wait_for_url(f"**{path}")
    add_block(page, "image")
    select_id = page.locator(".inline-related:not(.empty-form) select.image-chooser").last.get_attribute("id")

    with page.expect_popup() as opened:
        page.click(f"#add_{select_id}")
    popup = opened.value
    serve_media(popup, live_server)
    popup.wait_for_load_state()
    popup.set_input_files("#id_file", str(photo))
    popup.fill("#id_alt", "A crowd in the square")
    popup.screenshot(path=artifacts / "pictures-admin-upload-popup.png", full_page=True)
    popup.click("input[name=_save]")
    popup.wait_for_event("close")

    picture = Image.objects.get(alt="A crowd in the square")
    page.wait_for_function(
        "([id, src]) => document.getElementById(id + '_preview')?.querySelector('img')?.getAttribute('src') === src",
        arg=[select_id, picture.file.preview],
    )
    assert page.locator(f"#{select_id}").input_value() == str(picture.pk)
    page.screenshot(path=artifacts / "pictures-admin-uploaded-in-block.png", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert ImageBlock.objects.get(parent=story).image == picture
    assert watch.problems == []
