"""Attachments on posts: accepted by the evidence file checks, location removed, served only to the group."""

import hashlib
import io

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from community.groups.models import PostAttachment
from community.groups.services import group_create, post_delete
from portfolios.evidence.files import FileRefused
from tests.conftest import client_for
from tests.portfolios.evidence_samples import jpeg_bytes

from .helpers import reply, start, upload

pytestmark = pytest.mark.django_db


def file_url(attachment) -> str:
    return reverse("group_post_attachment", args=[attachment.post.thread.group_id, attachment.pk])


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_photo_is_attached_without_its_location_and_hashed(personas, group):
    thread = start(group, personas.learner, files=[upload("loaf.jpg", jpeg_bytes(gps=True))])
    attachment = PostAttachment.objects.get(post__thread=thread)
    assert attachment.kind == "image" and attachment.content_type == "image/jpeg" and attachment.location_removed
    response = client_for(personas.second_learner).get(file_url(attachment))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    data = body_of(response)
    assert hashlib.sha256(data).hexdigest() == attachment.sha256
    assert not dict(Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo))
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_a_file_the_checks_refuse_is_not_stored_and_nothing_is_posted(personas, group):
    thread = start(group, personas.learner)
    with pytest.raises(FileRefused, match="web pages"):
        reply(thread, personas.second_learner, files=[upload("page.jpg", b"<!DOCTYPE html><script>x</script>")])
    assert thread.posts.count() == 1 and not PostAttachment.objects.exists()
    response = client_for(personas.second_learner).post(
        reverse("group_thread", args=[group.pk, thread.pk]),
        {"body": "See this", "files": [upload("page.html", b"<html><script>x</script></html>")]})
    assert response.status_code == 200 and "web pages (HTML)" in response.content.decode()
    assert thread.posts.count() == 1


def test_attachments_are_served_only_to_the_group(personas, group):
    thread = start(group, personas.learner, files=[upload("notes.txt", b"Proof 1 hour")])
    url = file_url(PostAttachment.objects.get(post__thread=thread))
    assert client_for(personas.learner).get(url).status_code == 200
    assert client_for(personas.admin).get(url).status_code == 200
    for user in (personas.second_assessor, personas.moderator, personas.other_centre_assessor):
        assert client_for(user).get(url).status_code == 404, user
    other = group_create(centre=personas.centre, actor=personas.second_assessor, name="Floristry")
    start(other, personas.second_assessor, files=[upload("other.txt", b"Not for bakers")])
    theirs = PostAttachment.objects.get(post__thread__group=other).pk
    # another group's file through the learner's own group's address
    assert client_for(personas.learner).get(reverse("group_post_attachment", args=[group.pk, theirs])) \
        .status_code == 404


def test_a_removed_post_takes_its_files_with_it(personas, group):
    thread = start(group, personas.learner)
    post = reply(thread, personas.second_learner, files=[upload("loaf.jpg", jpeg_bytes())])
    url = file_url(post.attachments.get())
    post_delete(post=post, actor=personas.second_learner)
    assert client_for(personas.learner).get(url).status_code == 404
    assert not PostAttachment.objects.exists()


def test_at_most_five_files_a_post(personas, group):
    client = client_for(personas.learner)
    files = [upload(f"n{i}.txt", b"note") for i in range(6)]
    response = client.post(reverse("group_thread_new", args=[group.pk]), {"title": "Six", "body": "b",
                                                                           "files": files})
    assert response.status_code == 200 and "at most 5 files" in response.content.decode()
