"""No script, event handler or javascript: URL reaches a reader's page."""

import json
import re

import pytest
from django.core.management import call_command

from articles.models import RichText
from articles.richtext import sanitize_html
from tests import factories

pytestmark = pytest.mark.django_db

NASTY = (
    '<p>Before<script>alert("x")</script>'
    '<img src="x" onerror="alert(1)">'
    '<a href="javascript:alert(2)" onclick="alert(3)">link</a>'
    '<iframe src="https://evil.example"></iframe>'
    '<span style="color:red">after</span></p>'
)


STRUCTURED_DATA = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def without_structured_data(html):
    """The page minus its one JSON-LD block, which must hold no raw markup.

    The story's schema.org data is the only script a reader's page carries;
    anything an editor typed sits inside it as an escaped JSON string.
    """
    blocks = STRUCTURED_DATA.findall(html)
    assert len(blocks) == 1
    assert "<" not in blocks[0] and ">" not in blocks[0]
    return STRUCTURED_DATA.sub("", html)


def assert_clean(html):
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered
    assert "onclick" not in lowered
    assert "javascript:" not in lowered
    assert "<iframe" not in lowered


def test_allow_list_keeps_editorial_markup():
    html = '<h2>Sub</h2><p><strong>b</strong> <em>i</em> <a href="https://example.com/">l</a></p><ul><li>x</li></ul>'
    assert sanitize_html(html) == html


def test_orm_save_is_cleaned(client):
    block = factories.RichTextFactory(text=NASTY)
    block.refresh_from_db()
    assert_clean(block.text)
    assert "Before" in block.text and "after" in block.text
    assert_clean(without_structured_data(client.get(block.parent.get_absolute_url()).content.decode()))


def test_queryset_update_is_cleaned():
    block = factories.RichTextFactory()
    RichText.objects.filter(pk=block.pk).update(text=NASTY)
    block.refresh_from_db()
    assert_clean(block.text)


def test_fixture_load_is_cleaned(tmp_path, client):
    article = factories.ArticleFactory(slug="target")
    path = tmp_path / "nasty.json"
    path.write_text(
        json.dumps(
            [
                {
                    "model": "articles.richtext",
                    "fields": {
                        "uid": "00000000-0000-4000-8000-000000000001",
                        "parent": ["target"],
                        "region": "body",
                        "ordering": 10,
                        "text": NASTY,
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(path), verbosity=0)
    assert_clean(RichText.objects.get().text)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Before" in html
    assert_clean(without_structured_data(html))


def test_plain_text_fields_are_escaped(client):
    article = factories.ArticleFactory(
        headline='</script><script>alert("h")</script>Headline',
        kicker="<img src=x onerror=alert(1)>",
        standfirst="<b onclick=x>stand</b>",
        lead_image_caption="<script>c</script>",
    )
    factories.PullQuoteFactory(parent=article, quote="<script>q</script>", attribution="<i onmouseover=x>a</i>")
    factories.BylineFactory(article=article, author__name="<script>n</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    structured = json.loads(STRUCTURED_DATA.search(html).group(1))
    assert structured["headline"] == '</script><script>alert("h")</script>Headline'
    html = without_structured_data(html)
    assert "<script" not in html
    assert "<img src=x" not in html
    assert "<b onclick" not in html
    assert "&lt;script&gt;" in html
