"""Writes of the feed: posts (with tags, links and attachments), comments, pinning. Each
validates, writes and notifies in one transaction: a refused post leaves no row, no file and
no notification behind. Acknowledgements are in ``receipts``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts import policy
from accord.accounts.models import User
from accord.contacts.models import Account
from accord.core.errors import InvalidInput, PermissionDenied
from accord.core.events import Published
from accord.core.hooks import emit
from accord.handoff.notifications import notify
from accord.intel import attachments as files
from accord.intel.models import Attachment, Comment, Post, PostKind, Tag, TagKind
from accord.intel.rules import mentioned_usernames
from accord.pipeline.models import Deal
from accord.tracking.models import Campaign

#: The feed's public events: webhooks offer them to subscribe to (``webhooks.events``).
INTEL_EVENTS: dict[str, Any] = {
    "intel.posted": _("A market-intelligence post was published"),
}
TITLE_MAX = 200
BODY_MAX = 20000
TAG_MAX = 80
TAGS_MAX = 20
LINKS_MAX = 50


def tag_name_clean(name: str) -> str:
    return " ".join(str(name).split())


def tags_ensure(pairs: Iterable[tuple[str, str]]) -> list[Tag]:
    """The tags named by (kind, name) pairs, created when new; names match ignoring case."""
    tags: list[Tag] = []
    for kind, raw in pairs:
        name = tag_name_clean(raw)
        if not name:
            continue
        if kind not in TagKind.values:
            raise InvalidInput(f"Unknown tag kind {kind!r}.", field="tags")
        if len(name) > TAG_MAX:
            raise InvalidInput(
                f"Tag {name[:20]!r}… is longer than {TAG_MAX} characters.", field="tags"
            )
        tag = Tag.objects.filter(kind=kind, name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(kind=kind, name=name)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise InvalidInput(f"A post takes at most {TAGS_MAX} tags.", field="tags")
    return tags


def _rows_named(model: Any, ids: Sequence[int], field: str) -> list[Any]:
    unique = sorted(set(ids))
    if len(unique) > LINKS_MAX:
        raise InvalidInput(f"A post links at most {LINKS_MAX} of each kind.", field=field)
    rows = list(model.objects.filter(pk__in=unique))
    missing = set(unique) - {row.pk for row in rows}
    if missing:
        raise InvalidInput(f"No such id: {min(missing)}.", field=field)
    return rows


def _text_check(*, title: str, body: str) -> tuple[str, str]:
    title = " ".join(str(title or "").split())
    if not title:
        raise InvalidInput("A post needs a title.", field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"The title is longer than {TITLE_MAX} characters.", field="title")
    body = str(body or "").strip()
    if len(body) > BODY_MAX:
        raise InvalidInput(f"The text is longer than {BODY_MAX} characters.", field="body")
    return title, body


def post_url(post_id: int) -> str:
    return reverse("intel:post_detail", args=[post_id])


def mentions_notify(*, post: Post, text: str, by: User | None, comment_id: int | None) -> int:
    """Notify every active person ``text`` mentions (``@username``), once per place."""
    names = mentioned_usernames(text)
    if not names:
        return 0
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    people = [
        user
        for user in User.objects.filter(query, is_active=True).order_by("pk")
        if by is None or user.pk != by.pk
    ]
    where = f"c{comment_id}" if comment_id else "post"
    who = by.get_username() if by is not None else "Accord"
    count = 0
    for user in people:
        made = notify(
            user_id=user.pk,
            kind="intel.mention",
            title=str(_("%(who)s mentioned you: %(title)s") % {"who": who, "title": post.title}),
            key=f"intel.mention:{post.pk}:{where}:u{user.pk}",
            url=post_url(post.pk),
        )
        count += made is not None
    return count


def _attachments_store(post: Post, uploads: Sequence[files.Upload], by: User | None) -> list[str]:
    """Write the files and their rows; on a failure remove what was written. (A caller's
    transaction that rolls back later leaves orphan files, never rows without files.)"""
    written: list[str] = []
    try:
        for upload in uploads:
            stored = files.stored_name_new()
            files.file_write(stored_name=stored, data=upload.data)
            written.append(stored)
            Attachment.objects.create(
                post=post,
                name=upload.name,
                stored_name=stored,
                content_type=upload.content_type,
                size=len(upload.data),
                uploaded_by=by,
            )
    except BaseException:
        for stored in written:
            files.file_remove(stored)
        raise
    return written


def post_publish(post: Post) -> None:
    """Announce the post (webhook ``intel.posted``) in the caller's transaction."""
    emit(
        Published(
            name="intel.posted",
            payload={
                "id": post.pk,
                "kind": post.kind,
                "title": post.title,
                "author": post.author.get_username() if post.author else None,
                "tags": [{"kind": tag.kind, "name": tag.name} for tag in post.tags.all()],
                "url": post_url(post.pk),
                "created_at": post.created_at.isoformat(),
            },
            key=f"intel.post:{post.pk}",
            at=post.created_at,
        )
    )


def post_create(
    *,
    author: User | None,
    kind: str,
    title: str,
    body: str = "",
    tags: Iterable[tuple[str, str]] = (),
    deal_ids: Sequence[int] = (),
    account_ids: Sequence[int] = (),
    campaign_ids: Sequence[int] = (),
    uploads: Sequence[files.Upload] = (),
    source_key: str | None = None,
    at: datetime | None = None,
) -> Post:
    """Publish a post; for an automatic post, ``source_key`` names its occurrence and a
    repeat returns the post made the first time."""
    if kind not in PostKind.values:
        raise InvalidInput(f"Unknown post type {kind!r}.", field="kind")
    title, body = _text_check(title=title, body=body)
    if source_key is not None:
        known = Post.objects.filter(source_key=source_key).first()
        if known is not None:
            return known
    written: list[str] = []
    try:
        with transaction.atomic():
            tag_rows = tags_ensure(tags)
            deals = _rows_named(Deal, deal_ids, "deal_ids")
            accounts = _rows_named(Account, account_ids, "account_ids")
            campaigns = _rows_named(Campaign, campaign_ids, "campaign_ids")
            now = at or timezone.now()
            post = Post.objects.create(
                kind=kind,
                title=title,
                body=body,
                author=author,
                created_at=now,
                updated_at=now,
                source_key=source_key,
            )
            post.tags.set(tag_rows)
            post.deals.set(deals)
            post.accounts.set(accounts)
            post.campaigns.set(campaigns)
            written = _attachments_store(post, uploads, author)
            mentions_notify(post=post, text=f"{title}\n{body}", by=author, comment_id=None)
            post_publish(post)
    except IntegrityError as error:
        for stored in written:
            files.file_remove(stored)
        if source_key is not None:
            known = Post.objects.filter(source_key=source_key).first()
            if known is not None:
                return known
        raise InvalidInput("The post could not be saved.", field="title") from error
    except BaseException:
        for stored in written:
            files.file_remove(stored)
        raise
    return post


def comment_create(*, post: Post, author: User, body: str) -> Comment:
    text = str(body or "").strip()
    if not text:
        raise InvalidInput("A comment needs some text.", field="body")
    if len(text) > BODY_MAX:
        raise InvalidInput(f"The comment is longer than {BODY_MAX} characters.", field="body")
    with transaction.atomic():
        comment = Comment.objects.create(post=post, author=author, body=text)
        Post.objects.filter(pk=post.pk).update(updated_at=comment.created_at)
        mentions_notify(post=post, text=text, by=author, comment_id=comment.pk)
    return comment


def post_manage_allowed(user: User | None, post: Post) -> bool:
    """Pinning and asking for acknowledgement: the author, a manager or an administrator."""
    if user is None or not user.is_active:
        return False
    return policy.is_manager(user) or (post.author_id is not None and post.author_id == user.pk)


def post_manage_require(user: User | None, post: Post) -> None:
    if not post_manage_allowed(user, post):
        raise PermissionDenied(str(_("Only the author or a manager may do this to a post.")))


def post_pin(*, post: Post, user: User, pinned: bool) -> Post:
    post_manage_require(user, post)
    post.pinned_at = timezone.now() if pinned else None
    post.save(update_fields=["pinned_at"])
    return post


def links_refuse(deal_id: int) -> None:
    """A deal the caller may not see is reported as not existing (its existence not leaked)."""
    raise InvalidInput(f"No such id: {deal_id}.", field="deal_ids")
