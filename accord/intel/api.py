"""REST endpoints of the market-intelligence feed (/api/v1/intel): posts (list, create,
read), comments (list, add) and acknowledging a post. Permission-checked fetch, one service
call, a response; every signed-in role reads and posts intel (resource ``intel``), linked
deals appear only when the caller may see them, and comments and acknowledgements are a
person's (a key acting for nobody is refused)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.api.auth import Principal, access_require
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.intel import receipts, selectors, services
from accord.intel.models import Comment, Post
from accord.intel.schemas import (
    COMMENT_ORDERINGS,
    POST_ORDERINGS,
    AckOut,
    CommentFilters,
    CommentIn,
    CommentOut,
    CommentPage,
    PostFilters,
    PostIn,
    PostOut,
    PostPage,
)
from accord.pipeline.models import Deal
from accord.pipeline.selectors import deals_visible

router = Router(tags=["intel"])


def _acks(post: Post) -> list[dict[str, Any]]:
    return [
        {"team": t.team, "total": t.total, "seen": t.seen, "acknowledged": t.acknowledged}
        for t in selectors.ack_summary(post)
    ]


def _post_out(post: Post, principal: Principal) -> dict[str, Any]:
    scope = policy.rep_scope(principal, "deals")
    deals: list[Deal] = list(post.deals.all())
    return {
        "id": post.pk,
        "kind": post.kind,
        "title": post.title,
        "body": post.body,
        "author_id": post.author_id,
        "pinned": post.pinned_at is not None,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "tags": [{"kind": tag.kind, "name": tag.name} for tag in post.tags.all()],
        "deal_ids": [d.pk for d in deals if scope is None or d.owner_id in (None, scope.pk)],
        "account_ids": [a.pk for a in post.accounts.all()],
        "campaign_ids": [c.pk for c in post.campaigns.all()],
        "attachments": [
            {
                "id": f.pk,
                "name": f.name,
                "content_type": f.content_type,
                "size": f.size,
                "url": reverse("intel:attachment", args=[f.pk]),
            }
            for f in post.attachments.all()
        ],
        "acknowledgements": _acks(post),
        "url": services.post_url(post.pk),
    }


def _posts() -> Any:
    return Post.objects.prefetch_related("tags", "deals", "accounts", "campaigns", "attachments")


def _post_get(post_id: int) -> Post:
    return row_or_404(_posts(), post_id, label="Post", field="post_id")


@router.get("/posts", response={200: PostPage, **COMMON_ERRORS})
def post_list(request: HttpRequest, filters: Query[PostFilters]):
    principal = access_require(request, "intel", "read")
    posts = selectors.posts_filtered(
        user=principal.actor,
        q=filters.q or "",
        kind=filters.kind or "",
        tag_id=filters.tag_id,
        competitor=filters.competitor or "",
        author_id=filters.author_id,
        unread=filters.unread,
    ).prefetch_related("deals", "accounts", "campaigns", "attachments")
    body = page_of(posts, filters, allowed=POST_ORDERINGS)
    return {**body, "items": [_post_out(post, principal) for post in body["items"]]}


@router.post("/posts", response={201: PostOut, **POST_ERRORS})
def post_create(request: HttpRequest, payload: PostIn):
    """Publish a post (no attachments: those are uploaded on the post page). Asking teams
    to acknowledge needs a person: a key acting for nobody may post without asking."""
    principal = access_require(request, "intel", "write")
    person = principal.actor
    if payload.deal_ids:
        seen = set(
            deals_visible(user=policy.rep_scope(principal, "deals"))
            .filter(pk__in=payload.deal_ids)
            .values_list("pk", flat=True)
        )
        unseen = [pk for pk in payload.deal_ids if pk not in seen]
        if unseen:
            services.links_refuse(unseen[0])
    with transaction.atomic():
        post = services.post_create(
            author=person,
            kind=payload.kind,
            title=payload.title,
            body=payload.body,
            tags=[(tag.kind, tag.name) for tag in payload.tags],
            deal_ids=payload.deal_ids,
            account_ids=payload.account_ids,
            campaign_ids=payload.campaign_ids,
        )
        if payload.ack_team_ids:
            receipts.ack_request(
                post=post, user=policy.person_require(principal), team_ids=payload.ack_team_ids
            )
    return Status(201, _post_out(_post_get(post.pk), principal))


@router.get("/posts/{post_id}", response={200: PostOut, **COMMON_ERRORS})
def post_get(request: HttpRequest, post_id: int = IdPath):
    principal = access_require(request, "intel", "read")
    return _post_out(_post_get(post_id), principal)


@router.get("/posts/{post_id}/comments", response={200: CommentPage, **COMMON_ERRORS})
def comment_list(request: HttpRequest, filters: Query[CommentFilters], post_id: int = IdPath):
    access_require(request, "intel", "read")
    post = _post_get(post_id)
    return page_of(Comment.objects.filter(post=post), filters, allowed=COMMENT_ORDERINGS)


@router.post("/posts/{post_id}/comments", response={201: CommentOut, **POST_ERRORS})
def comment_create(request: HttpRequest, payload: CommentIn, post_id: int = IdPath):
    principal = access_require(request, "intel", "write")
    person = policy.person_require(principal)
    post = _post_get(post_id)
    return Status(201, services.comment_create(post=post, author=person, body=payload.body))


@router.post("/posts/{post_id}/acknowledge", response={200: AckOut, **POST_ERRORS})
def post_acknowledge(request: HttpRequest, post_id: int = IdPath):
    """Confirm the caller has read the post (it counts as seen too); repeating changes
    nothing."""
    principal = access_require(request, "intel", "write")
    person = policy.person_require(principal)
    post = _post_get(post_id)
    receipt = receipts.post_acknowledge(post=post, user=person)
    return {
        "post_id": post.pk,
        "seen_at": receipt.seen_at,
        "acknowledged_at": receipt.acknowledged_at,
        "acknowledgements": _acks(post),
    }
