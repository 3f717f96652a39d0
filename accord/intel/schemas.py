"""API schemas of the market-intelligence feed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema

from accord.api.schemas import Id, InSchema, ListParams
from accord.intel.models import PostKind, TagKind

POST_ORDERINGS = ("-created_at", "created_at", "-id", "id")
COMMENT_ORDERINGS = ("created_at", "-created_at", "id", "-id")
if TYPE_CHECKING:
    PostKindName = str
    TagKindName = str
else:
    PostKindName = Literal[tuple(PostKind.values)]
    TagKindName = Literal[tuple(TagKind.values)]


class TagIO(InSchema):
    kind: TagKindName
    name: str = Field(..., min_length=1, max_length=80)


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class TeamAckOut(Schema):
    team: str
    total: int
    seen: int
    acknowledged: int


class PostOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    author_id: int | None
    pinned: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    tags: list[TagIO]
    deal_ids: list[int] = Field(description="Linked deals the caller may see.")
    account_ids: list[int]
    campaign_ids: list[int]
    attachments: list[AttachmentOut]
    acknowledgements: list[TeamAckOut]
    url: str


class PostPage(Schema):
    items: list[PostOut]
    next_cursor: str | None


class PostIn(InSchema):
    kind: PostKindName
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field("", max_length=20000)
    tags: list[TagIO] = Field(default_factory=list, max_length=20)
    deal_ids: list[Id] = Field(default_factory=list, max_length=50)
    account_ids: list[Id] = Field(default_factory=list, max_length=50)
    campaign_ids: list[Id] = Field(default_factory=list, max_length=50)
    ack_team_ids: list[Id] = Field(
        default_factory=list,
        max_length=20,
        description="Teams asked to acknowledge the post (each must have active members).",
    )


class PostFilters(ListParams):
    ordering: Literal[POST_ORDERINGS] = "-created_at"  # type: ignore[valid-type]
    q: str | None = Field(None, max_length=200)
    kind: PostKindName | None = None
    tag_id: Id | None = None
    competitor: str | None = Field(None, max_length=80)
    author_id: Id | None = None
    unread: bool = False


class CommentOut(Schema):
    id: int
    post_id: int
    author_id: int | None
    body: str
    created_at: dt.datetime


class CommentPage(Schema):
    items: list[CommentOut]
    next_cursor: str | None


class CommentIn(InSchema):
    body: str = Field(..., min_length=1, max_length=20000)


class CommentFilters(ListParams):
    ordering: Literal[COMMENT_ORDERINGS] = "created_at"  # type: ignore[valid-type]


class AckOut(Schema):
    post_id: int
    seen_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledgements: list[TeamAckOut]
